//! Async timer callbacks and a lane for delayed messages (issue 23, item 6), with their
//! lifecycle: a callback that awaits holds the actor, periodic ticks do not overlap, a panic
//! fails the actor, the end of the incarnation ends its timers.

mod common;
use common::*;

use actor_system_runtime::{
    spawn, Actor, ActorCell, ActorError, ActorResult, Context, Handler, Message, Priority,
    SpawnOptions, TimerHandle,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, Notify};

#[derive(Default)]
struct Flusher {
    flushes: u32,
    /// Set while a flush's future runs: a second one must never start meanwhile.
    flushing: bool,
    overlapped: bool,
    timer: Option<TimerHandle>,
}

impl Flusher {
    async fn flush(&mut self) {
        self.overlapped |= self.flushing;
        self.flushing = true;
        tokio::time::sleep(Duration::from_millis(15)).await; // longer than the period
        self.flushing = false;
        self.flushes += 1;
    }
}

impl Actor for Flusher {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        let timer = ctx.run_interval_async(Duration::from_millis(10), |me, _ctx| {
            Box::pin(async move { me.flush().await })
        });
        self.timer = Some(timer);
        Ok(())
    }
}

struct Flushes;
impl Message for Flushes {
    type Result = (u32, bool);
}
impl Handler<Flushes> for Flusher {
    async fn handle(&mut self, _: Flushes, _: &mut Context<Self>) -> (u32, bool) {
        (self.flushes, self.overlapped)
    }
}

struct StopTimer;
impl Message for StopTimer {
    type Result = u32;
}
impl Handler<StopTimer> for Flusher {
    async fn handle(&mut self, _: StopTimer, _: &mut Context<Self>) -> u32 {
        self.timer.take().unwrap().cancel();
        self.flushes
    }
}

#[tokio::test(start_paused = true)]
async fn an_async_interval_awaits_with_mut_self_and_its_ticks_never_overlap() {
    let flusher = spawn(Flusher::default()).await.unwrap();
    let mut seen = (0, false);
    while seen.0 < 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        seen = bounded(flusher.ask(Flushes), "the flush count")
            .await
            .unwrap();
    }
    assert!(!seen.1, "a tick started while the last one's future ran");
    let at_cancel = bounded(flusher.ask(StopTimer), "the cancel").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after = bounded(flusher.ask(Flushes), "the count after")
        .await
        .unwrap();
    assert!(
        after.0 <= at_cancel + 1,
        "at most the tick already queued: {after:?}"
    );
}

/// A `run_later_async` callback runs once, with `&mut self`, after its delay.
#[tokio::test(start_paused = true)]
async fn run_later_async_runs_once() {
    struct Once(Option<oneshot::Sender<u32>>, u32);
    impl Actor for Once {
        async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
            ctx.run_later_async(Duration::from_millis(5), |me, _| {
                Box::pin(async move {
                    tokio::task::yield_now().await;
                    me.1 += 1;
                    let _ = me.0.take().unwrap().send(me.1);
                })
            });
            Ok(())
        }
    }
    let (tx, ran) = oneshot::channel();
    let _addr = spawn(Once(Some(tx), 0)).await.unwrap();
    assert_eq!(bounded(ran, "the callback").await.unwrap(), 1);
}

/// A delayed message travels in the lane it is given, ahead of queued Normal messages.
#[tokio::test(start_paused = true)]
async fn notify_later_at_uses_its_lane() {
    struct Arm;
    impl Message for Arm {
        type Result = ();
    }
    impl Handler<Arm> for Recorder {
        async fn handle(&mut self, _: Arm, ctx: &mut Context<Self>) {
            ctx.notify_later_at(Record(1), Duration::from_millis(5), Priority::Critical);
        }
    }
    let addr = spawn(Recorder::default()).await.unwrap();
    bounded(addr.ask(Arm), "arming").await.unwrap();
    let gate = hold(&addr).await;
    addr.tell(Record(0)).unwrap(); // Normal, queued first
    until("the delayed message is queued", || {
        addr.stats().queued() == 2
    })
    .await;
    gate.notify_one();
    let seen = bounded(addr.ask(Take), "the order").await.unwrap();
    assert_eq!(seen, [(Priority::Critical, 1), (Priority::Normal, 0)]);
}

/// A panic in an async callback fails the actor, as one in a handler does.
#[tokio::test(start_paused = true)]
async fn a_panicking_async_callback_fails_the_actor() {
    struct Fragile;
    impl Actor for Fragile {
        async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
            ctx.run_later_async(Duration::from_millis(1), |_, _| {
                Box::pin(async {
                    tokio::task::yield_now().await;
                    panic!("flush failed")
                })
            });
            Ok(())
        }
    }
    let addr = spawn(Fragile).await.unwrap();
    let reason = bounded(addr.wait_for_stop(), "the failure").await.unwrap();
    assert!(reason.is_failure());
    assert_eq!(addr.stats().failed, 1);
}

/// A stop asked for while an async callback awaits takes effect when it is done (as for a
/// handler); a restart ends the old incarnation's timers.
#[tokio::test(start_paused = true)]
async fn a_stop_waits_for_the_running_callback_and_a_restart_ends_the_timers() {
    struct Slow(Arc<Notify>, Arc<std::sync::atomic::AtomicU32>);
    impl Actor for Slow {
        async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
            ctx.run_interval_async(Duration::from_millis(5), |me, _| {
                Box::pin(async move {
                    me.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    me.0.notified().await;
                })
            });
            Ok(())
        }
    }
    let gate = Arc::new(Notify::new());
    let ticks = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let count = || ticks.load(std::sync::atomic::Ordering::SeqCst);
    let mut cell = ActorCell::<Slow>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    let actor = Slow(gate.clone(), ticks.clone());
    let first = tokio::spawn(async move {
        let reason = cell.run(actor, None).await;
        (cell, reason)
    });
    until("a tick's callback runs", || count() == 1).await;
    addr.inject_failure(ActorError::recoverable("restart"));
    gate.notify_one();
    let (cell, reason) = bounded(first, "the first incarnation").await.unwrap();
    assert!(reason.is_failure());
    // The incarnation's timer ended with it (paused time: these 50 ms pass at once).
    drop(cell);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(count(), 1, "the old incarnation's timer fired again");

    let addr = spawn(Slow(gate.clone(), ticks.clone())).await.unwrap();
    until("its callback runs", || count() == 2).await;
    addr.stop();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(addr.is_alive(), "the stop waits for the callback");
    gate.notify_one();
    bounded(addr.wait_for_stop(), "the stop after the callback")
        .await
        .unwrap();
}
