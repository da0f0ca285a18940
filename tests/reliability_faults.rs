//! Faults end in their documented state, with no hung ask and no leaked task.

use actor_system::prelude::*;
use actor_system::{ActorState, FailureKind, SpawnError, CHILD_SHUTDOWN_TIMEOUT};
use std::time::Duration;

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

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

async fn settle() {
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
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
        results.push(a.await.unwrap());
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
    let ExitReason::Failed(e) = addr.wait_for_stop().await.unwrap() else {
        panic!("must fail")
    };
    assert_eq!(
        (e.kind(), e.severity()),
        (FailureKind::Panic, Severity::Critical)
    );
    drop(addr);
    settle().await;
    assert_eq!(alive_tasks(), before, "no task may outlive the actor");
}

#[tokio::test]
async fn panic_in_stopping_is_reported_as_a_failure() {
    let addr = spawn(Faulty {
        panic_in_stopping: true,
    })
    .await
    .unwrap();
    addr.stop();
    let ExitReason::Failed(e) = addr.wait_for_stop().await.unwrap() else {
        panic!("must fail")
    };
    assert!(e.message().contains("stopping exploded"));
    assert_eq!(addr.state(), ActorState::Stopped);
}

struct BadStart;
impl Actor for BadStart {
    async fn started(&mut self, _: &mut Context<Self>) -> ActorResult<()> {
        panic!("started exploded")
    }
}

#[tokio::test]
async fn panic_in_started_is_a_spawn_error_and_leaks_nothing() {
    let before = alive_tasks();
    let err = spawn(BadStart).await.unwrap_err();
    assert!(matches!(err, SpawnError::StartFailed(ref e) if e.message() == "started exploded"));
    settle().await;
    assert_eq!(alive_tasks(), before);
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
    let child = parent.ask(SpawnStuckChild).await.unwrap();
    // Asks to the stuck actor time out instead of hanging.
    let err = child.ask_timeout(Explode, Duration::from_millis(50)).await;
    assert_eq!(err, Err(AskError::Timeout(Duration::from_millis(50))));
    let queued = {
        let child = child.clone();
        tokio::spawn(async move { child.ask(Explode).await })
    };
    let start = tokio::time::Instant::now();
    parent.stop();
    parent.wait_for_stop().await.unwrap();
    assert_eq!(
        start.elapsed(),
        CHILD_SHUTDOWN_TIMEOUT,
        "the stuck child is aborted at the bound"
    );
    assert_eq!(child.wait_for_stop().await.unwrap(), ExitReason::Aborted);
    assert_eq!(queued.await.unwrap(), Err(AskError::Stopped));
    drop((parent, child));
    settle().await;
    assert_eq!(alive_tasks(), before);
}
