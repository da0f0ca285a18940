//! Lifecycle hooks, stopping, failures and the spawner's view of them.

mod common;

use actor_system_runtime::{
    spawn, spawn_with, Actor, ActorState, AskError, Context, ExitReason, FailureKind, Handler,
    Message, SpawnError, SpawnOptions,
};
use common::*;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

#[tokio::test]
async fn hooks_run_in_order_around_messages() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let addr = spawn(Lifecycle {
        log: log.clone(),
        fail_start: false,
    })
    .await
    .unwrap();
    assert_eq!(addr.state(), ActorState::Running);
    assert_eq!(bounded(addr.ask(Ping), "the pong").await, Ok("pong"));
    addr.stop();
    let reason = bounded(addr.wait_for_stop(), "the actor stops").await;
    assert_eq!(reason, Ok(ExitReason::Normal));
    assert_eq!(
        *log.lock().await,
        ["started", "handle", "stopping", "stopped"]
    );
    assert_eq!(addr.state(), ActorState::Stopped);
    assert!(!addr.is_alive());
}

#[tokio::test]
async fn failing_start_is_returned_to_the_spawner() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let err = spawn(Lifecycle {
        log: log.clone(),
        fail_start: true,
    })
    .await
    .unwrap_err();
    let SpawnError::StartFailed(e) = err else {
        panic!("expected StartFailed, got {err:?}")
    };
    assert_eq!(e.kind(), FailureKind::StartFailed);
    assert_eq!(e.message(), "no database");
    assert_eq!(*log.lock().await, ["started", "stopped"]);
}

struct PanicOnStart;
impl Actor for PanicOnStart {
    async fn started(&mut self, _: &mut Context<Self>) -> actor_system_runtime::ActorResult<()> {
        panic!("cannot open data dir")
    }
}

#[tokio::test]
async fn panicking_start_is_a_typed_start_failure() {
    let Err(SpawnError::StartFailed(e)) = spawn(PanicOnStart).await else {
        panic!("spawn should fail")
    };
    assert_eq!(e.kind(), FailureKind::StartFailed);
    assert!(e.message().contains("cannot open data dir"));
}

#[tokio::test]
async fn panicking_handler_fails_the_actor_and_its_ask() {
    let addr = spawn(Recorder::default()).await.unwrap();
    assert_eq!(
        bounded(addr.ask(Boom), "the panicking ask's answer").await,
        Err(AskError::NoReply)
    );
    let reason = bounded(addr.wait_for_stop(), "the failed actor's end").await;
    let ExitReason::Failed(e) = reason.unwrap() else {
        panic!("expected failure")
    };
    assert_eq!(e.kind(), FailureKind::Panic);
    assert_eq!(e.message(), "boom");
    assert_eq!(addr.stats().failed, 1);
    assert_eq!(
        bounded(addr.ask(Take), "an ask to a stopped actor").await,
        Err(AskError::Stopped)
    );
    assert!(addr.tell(Record(1)).unwrap_err().is_stopped());
}

#[tokio::test]
async fn queued_asks_error_out_when_the_actor_stops() {
    let addr = spawn(Recorder::default()).await.unwrap();
    let gate = hold(&addr).await;
    let pending = {
        let addr = addr.clone();
        tokio::spawn(async move { addr.ask(Take).await })
    };
    until("the ask is queued", || addr.stats().queued() == 1).await;
    addr.stop();
    gate.notify_one();
    let answer = bounded(pending, "the queued ask's answer").await;
    assert_eq!(answer.unwrap(), Err(AskError::Stopped));
}

#[tokio::test]
async fn dropping_the_last_address_stops_the_actor() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let addr = spawn(Lifecycle {
        log: log.clone(),
        fail_start: false,
    })
    .await
    .unwrap();
    let watcher = addr.recipient::<Ping>();
    drop(addr);
    // A recipient is an address too: the actor lives on.
    assert_eq!(bounded(watcher.ask(Ping), "the pong").await, Ok("pong"));
    drop(watcher);
    until("the actor stops once unreachable", || {
        log.try_lock()
            .is_ok_and(|log| log.last() == Some(&"stopped"))
    })
    .await;
}

struct SelfAsker;
impl Actor for SelfAsker {}
struct AskMyself;
impl Message for AskMyself {
    type Result = Result<(), AskError>;
}
impl Handler<AskMyself> for SelfAsker {
    async fn handle(&mut self, _: AskMyself, ctx: &mut Context<Self>) -> Result<(), AskError> {
        ctx.address().ask(Ping2).await
    }
}
struct Ping2;
impl Message for Ping2 {
    type Result = ();
}
impl Handler<Ping2> for SelfAsker {
    async fn handle(&mut self, _: Ping2, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn asking_yourself_is_an_error_not_a_deadlock() {
    let addr = spawn(SelfAsker).await.unwrap();
    let answer = bounded(addr.ask(AskMyself), "the self-asking handler's answer").await;
    assert_eq!(answer, Ok(Err(AskError::SelfAsk)));
}

struct Parent {
    child: Option<actor_system_runtime::Addr<Recorder>>,
}
impl Actor for Parent {
    async fn started(&mut self, ctx: &mut Context<Self>) -> actor_system_runtime::ActorResult<()> {
        let child = ctx
            .spawn_child_with(Recorder::default(), SpawnOptions::new().name("child"))
            .await
            .map_err(|e| actor_system_runtime::ActorError::recoverable(e.to_string()))?;
        self.child = Some(child);
        Ok(())
    }
}
struct GetChild;
impl Message for GetChild {
    type Result = actor_system_runtime::Addr<Recorder>;
}
impl Handler<GetChild> for Parent {
    async fn handle(
        &mut self,
        _: GetChild,
        _: &mut Context<Self>,
    ) -> actor_system_runtime::Addr<Recorder> {
        self.child.clone().unwrap()
    }
}

#[tokio::test]
async fn children_stop_with_their_parent() {
    let parent = spawn_with(Parent { child: None }, SpawnOptions::new().name("parent"));
    let parent = bounded(parent, "the parent starts with its child")
        .await
        .unwrap();
    let child = bounded(parent.ask(GetChild), "the child's address")
        .await
        .unwrap();
    assert_eq!(child.name(), "child");
    parent.stop();
    bounded(parent.wait_for_stop(), "the parent stops")
        .await
        .unwrap();
    let reason = bounded(child.wait_for_stop(), "the child stops").await;
    assert_eq!(reason, Ok(ExitReason::Normal));
}

#[tokio::test]
async fn invalid_mailbox_config_is_a_spawn_error() {
    let err = spawn_with(
        Recorder::default(),
        SpawnOptions::new().mailbox(actor_system_runtime::MailboxConfig::bounded(0)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SpawnError::Config(_)));
    assert!(err.to_string().contains("at least 1"));
}

#[tokio::test]
async fn kill_aborts_a_stuck_handler_and_keeps_the_queue_for_the_next_incarnation() {
    use actor_system_runtime::{ActorError, Priority};
    let mut cell = actor_system_runtime::ActorCell::<Recorder>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    let first = tokio::spawn(async move {
        let reason = cell.run(Recorder::default(), None).await;
        (cell, reason)
    });
    let _gate = hold(&addr).await; // stuck inside a handler, never released
    let stuck_ask = {
        let addr = addr.clone();
        tokio::spawn(async move { addr.ask(Take).await })
    };
    addr.with_priority(Priority::High).tell(Record(1)).unwrap();
    until("the ask is queued", || addr.stats().queued() == 2).await;
    addr.kill(ActorError::recoverable("health check failed 3 times"));
    let (mut cell, reason) = bounded(first, "the kill ends the incarnation")
        .await
        .unwrap();
    assert_eq!(
        reason,
        ExitReason::Failed(ActorError::recoverable("health check failed 3 times"))
    );
    // The queued messages survive for the next incarnation, on the same address.
    let second = tokio::spawn(async move {
        let reason = cell.run(Recorder::default(), None).await;
        cell.finish(reason.clone());
        reason
    });
    let answer = bounded(stuck_ask, "the next incarnation answers the ask").await;
    assert_eq!(answer.unwrap(), Ok(vec![(Priority::High, 1)]));
    addr.stop();
    let reason = bounded(second, "the next incarnation stops").await;
    assert_eq!(reason.unwrap(), ExitReason::Normal);
}

#[tokio::test]
async fn kill_ends_an_idle_actor_waiting_for_messages() {
    use actor_system_runtime::ActorError;
    // Spawning returns with the actor parked on its empty mailbox.
    let addr = spawn(Recorder::default()).await.unwrap();
    addr.kill(ActorError::recoverable("unresponsive"));
    let reason = tokio::time::timeout(Duration::from_secs(5), addr.wait_for_stop())
        .await
        .expect("a kill wakes a parked actor");
    assert_eq!(
        reason,
        Ok(ExitReason::Failed(ActorError::recoverable("unresponsive")))
    );
}

/// Starts normally the first time; every later `started` hook never finishes.
struct StuckOnRestart {
    starts: Arc<std::sync::atomic::AtomicU32>,
}
impl actor_system_runtime::Actor for StuckOnRestart {
    async fn started(&mut self, _: &mut Context<Self>) -> actor_system_runtime::ActorResult<()> {
        if self
            .starts
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            > 0
        {
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_kill_reaches_the_next_incarnation_after_one_that_was_killed_while_idle() {
    use actor_system_runtime::{ActorCell, ActorError};
    let starts = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let mut cell = ActorCell::<StuckOnRestart>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    let actor = || StuckOnRestart {
        starts: starts.clone(),
    };
    {
        let woken = Arc::new(WakeFlag::default());
        let mut first = pin!(cell.run(actor(), None));
        assert!(
            poll_flagged(first.as_mut(), &woken).is_pending(),
            "parked on its empty mailbox"
        );
        addr.kill(ActorError::recoverable("first"));
        assert!(woken.woken(), "the kill wakes the parked incarnation");
        let reason = bounded(first, "the kill ends the idle incarnation").await;
        assert_eq!(reason, ExitReason::Failed(ActorError::recoverable("first")));
    }

    // The next incarnation hangs in `started`, with no message sent since the kill.
    let second = {
        let actor = actor();
        tokio::spawn(async move { cell.run(actor, None).await })
    };
    until("the next incarnation is in `started`", || {
        starts.load(std::sync::atomic::Ordering::SeqCst) == 2
    })
    .await;
    addr.kill(ActorError::recoverable("second"));
    let reason = tokio::time::timeout(Duration::from_secs(5), second)
        .await
        .expect("the second kill wakes the task")
        .unwrap();
    assert_eq!(
        reason,
        ExitReason::Failed(ActorError::recoverable("second"))
    );
}

/// Hands its address out from `started`, then never finishes starting.
struct StuckStarting(Option<tokio::sync::oneshot::Sender<actor_system_runtime::Addr<Self>>>);
impl Actor for StuckStarting {
    async fn started(&mut self, ctx: &mut Context<Self>) -> actor_system_runtime::ActorResult<()> {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(ctx.address());
        }
        std::future::pending().await
    }
}

#[tokio::test]
async fn dropping_spawn_while_started_runs_ends_the_actor() {
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    {
        let spawning = pin!(spawn(StuckStarting(Some(tx))));
        assert!(poll_once(spawning).is_pending(), "stuck in `started`");
    }
    let addr = rx.try_recv().expect("`started` handed its address out");
    let reason = bounded(addr.wait_for_stop(), "the abandoned actor ends").await;
    assert_eq!(reason, Ok(ExitReason::Aborted));
    assert!(!addr.is_alive());
}

/// A stop request ends one incarnation, ahead of queued messages; requests made before it took
/// effect count as one, so the next incarnation on the same mailbox handles what was queued and
/// ends when its last address is dropped.
#[tokio::test]
async fn a_stop_request_ends_one_incarnation_and_repeated_requests_count_once() {
    use actor_system_runtime::{ActorCell, Priority};
    let mut cell = ActorCell::<Recorder>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    addr.tell(Record(1)).unwrap();
    addr.stop();
    addr.stop();
    let reason = bounded(cell.run(Recorder::default(), None), "the stop ends the run").await;
    assert_eq!(reason, ExitReason::Normal);
    let next = tokio::spawn(async move {
        let reason = cell.run(Recorder::default(), None).await;
        cell.finish(reason.clone());
        reason
    });
    let answer = bounded(addr.ask(Take), "the next incarnation's answer").await;
    assert_eq!(answer, Ok(vec![(Priority::Normal, 1)]));
    drop(addr);
    let reason = tokio::time::timeout(Duration::from_secs(5), next)
        .await
        .expect("the last address going wakes the idle actor");
    assert_eq!(reason.unwrap(), ExitReason::Normal);
}
