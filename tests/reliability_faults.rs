//! Faults end in their documented state, with no hung ask and no leaked task.

use actor_system::prelude::*;
use actor_system::{ActorState, FailureKind, SpawnError, CHILD_SHUTDOWN_TIMEOUT};
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::{alive_tasks, bounded, until};

struct Faulty {
    panic_in_stopping: bool,
}

impl Actor for Faulty {
    async fn stopping(&mut self, _: &mut Context<Self>) {
        if self.panic_in_stopping {
            panic!("stopping exploded");
        }
    }
}

struct Explode;
impl Message for Explode {
    type Result = u8;
}
impl Handler<Explode> for Faulty {
    async fn handle(&mut self, _: Explode, _: &mut Context<Self>) -> u8 {
        panic!("handler exploded")
    }
}

/// Never returns.
struct Hang;
impl Message for Hang {
    type Result = ();
}
impl Handler<Hang> for Faulty {
    async fn handle(&mut self, _: Hang, _: &mut Context<Self>) {
        std::future::pending::<()>().await
    }
}

/// Wait until the runtime has no more live tasks than `before`.
async fn no_task_beyond(before: usize) {
    until("no task outlives the actor", || alive_tasks() <= before).await;
}

#[tokio::test]
async fn panic_in_handle_fails_the_actor_and_leaks_nothing() {
    let before = alive_tasks();
    let addr = spawn(Faulty {
        panic_in_stopping: false,
    })
    .await
    .unwrap();
    let asks: Vec<_> = (0..10)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move { addr.ask(Explode).await })
        })
        .collect();
    let mut results = Vec::new();
    for a in asks {
        results.push(bounded(a, "an ask's answer").await.unwrap());
    }
    // The first ask's handler panics; the others were queued and are answered with Stopped.
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == Err(AskError::NoReply))
            .count(),
        1
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == Err(AskError::Stopped))
            .count(),
        9
    );
    let reason = bounded(addr.wait_for_stop(), "the failed actor's end").await;
    let ExitReason::Failed(e) = reason.unwrap() else {
        panic!("must fail")
    };
    assert_eq!(
        (e.kind(), e.severity()),
        (FailureKind::Panic, Severity::Critical)
    );
    drop(addr);
    no_task_beyond(before).await;
}

#[tokio::test]
async fn panic_in_stopping_is_reported_as_a_failure() {
    let addr = spawn(Faulty {
        panic_in_stopping: true,
    })
    .await
    .unwrap();
    addr.stop();
    let reason = bounded(addr.wait_for_stop(), "the failed actor's end").await;
    let ExitReason::Failed(e) = reason.unwrap() else {
        panic!("must fail")
    };
    assert!(e.message().contains("stopping exploded"));
    assert_eq!(addr.state(), ActorState::Stopped);
}

/// Holds a resource (to see it dropped) and hands its address out from `started`, then panics
/// there.
struct BadStart {
    _resource: Arc<()>,
    address: Option<tokio::sync::oneshot::Sender<Addr<BadStart>>>,
}
impl Actor for BadStart {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        if let Some(address) = self.address.take() {
            let _ = address.send(ctx.address());
        }
        panic!("started exploded")
    }
}
impl Handler<Hang> for BadStart {
    async fn handle(&mut self, _: Hang, _: &mut Context<Self>) {}
}

/// Nothing of an actor whose `started` panicked is left: its state is dropped, the address it
/// handed out refuses messages and reports the failure, and no task is left behind, whether
/// `started` ran in the spawner's task or on a task of the actor's own.
#[tokio::test]
async fn panic_in_started_is_a_spawn_error_and_leaks_nothing() {
    for own_task_only in [false, true] {
        let before = alive_tasks();
        let resource = Arc::new(());
        let (address, handed_out) = tokio::sync::oneshot::channel();
        let actor = BadStart {
            _resource: resource.clone(),
            address: Some(address),
        };
        let options = SpawnOptions::new().own_task_only(own_task_only);
        let err = bounded(spawn_with(actor, options), "the start's outcome")
            .await
            .unwrap_err();
        assert!(matches!(err, SpawnError::StartFailed(ref e) if e.message() == "started exploded"));
        let addr = bounded(handed_out, "the address from `started`")
            .await
            .unwrap();
        assert!(addr.tell(Hang).unwrap_err().is_stopped(), "{own_task_only}");
        let reason = bounded(addr.wait_for_stop(), "the failed actor's end").await;
        assert!(
            matches!(reason, Ok(ExitReason::Failed(ref e)) if e.kind() == FailureKind::StartFailed),
            "{own_task_only}: {reason:?}"
        );
        until("the actor's state is dropped", || {
            Arc::strong_count(&resource) == 1
        })
        .await;
        no_task_beyond(before).await;
    }
}

struct Parent;
impl Actor for Parent {}
struct SpawnStuckChild;
impl Message for SpawnStuckChild {
    type Result = Addr<Faulty>;
}
impl Handler<SpawnStuckChild> for Parent {
    async fn handle(&mut self, _: SpawnStuckChild, ctx: &mut Context<Self>) -> Addr<Faulty> {
        let child = ctx
            .spawn_child(Faulty {
                panic_in_stopping: false,
            })
            .await
            .unwrap();
        child.tell(Hang).unwrap();
        child
    }
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_never_returns_is_bounded_by_the_shutdown_timeout() {
    let before = alive_tasks();
    let parent = spawn(Parent).await.unwrap();
    let child = bounded(parent.ask(SpawnStuckChild), "the child's address")
        .await
        .unwrap();
    // Asks to the stuck actor time out instead of hanging.
    let err = child.ask_timeout(Explode, Duration::from_millis(50)).await;
    assert_eq!(err, Err(AskError::Timeout(Duration::from_millis(50))));
    let queued = {
        let child = child.clone();
        tokio::spawn(async move { child.ask(Explode).await })
    };
    let start = tokio::time::Instant::now();
    parent.stop();
    // The bound is longer than the shutdown timeout (virtual time: the clock is paused).
    bounded(parent.wait_for_stop(), "the parent stops")
        .await
        .unwrap();
    assert_eq!(
        start.elapsed(),
        CHILD_SHUTDOWN_TIMEOUT,
        "the stuck child is aborted at the bound"
    );
    let reason = bounded(child.wait_for_stop(), "the child's end").await;
    assert_eq!(reason, Ok(ExitReason::Aborted));
    let answer = bounded(queued, "the queued ask's answer").await;
    assert_eq!(answer.unwrap(), Err(AskError::Stopped));
    drop((parent, child));
    no_task_beyond(before).await;
}
