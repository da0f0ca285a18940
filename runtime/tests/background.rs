//! Futures tied to an actor (issue 23, item 2): `ctx.spawn` and its kin run beside the actor and
//! report back as a call or a message in their turn; `ctx.wait` holds the actor. Their
//! lifecycle: the actor stops while they run, a restart, a full mailbox.

mod common;
use common::*;

use actor_system_runtime::{
    spawn, spawn_with, Actor, ActorCell, ActorError, Context, Handler, MailboxConfig, Message,
    OverflowStrategy, Priority, SpawnOptions,
};
use std::sync::Arc;
use tokio::sync::{oneshot, Notify};

/// Fetches over slow "I/O" (a gate the test opens) and answers pings meanwhile.
#[derive(Default)]
struct Storage {
    value: Option<u64>,
    /// The lane the continuation ran in.
    then_lane: Option<Priority>,
    log: Vec<&'static str>,
}
impl Actor for Storage {}

/// Start a read that resolves with what `io` brings.
struct Fetch(oneshot::Receiver<u64>);
impl Message for Fetch {
    type Result = ();
    const PRIORITY: Priority = Priority::Background;
}
impl Handler<Fetch> for Storage {
    async fn handle(&mut self, msg: Fetch, ctx: &mut Context<Self>) {
        ctx.spawn_then(msg.0, |storage, ctx, read| {
            storage.value = read.ok();
            storage.then_lane = ctx.message_info().map(|i| i.priority);
        });
    }
}

struct Ping;
impl Message for Ping {
    type Result = Option<u64>;
    const PRIORITY: Priority = Priority::Critical;
}
impl Handler<Ping> for Storage {
    async fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> Option<u64> {
        self.log.push("ping");
        self.value
    }
}

/// Holds the actor until the gate opens.
struct Busy(Arc<Notify>, Option<oneshot::Sender<()>>);
impl Message for Busy {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}
impl Handler<Busy> for Storage {
    async fn handle(&mut self, mut msg: Busy, _: &mut Context<Self>) {
        let _ = msg.1.take().map(|entered| entered.send(()));
        msg.0.notified().await;
    }
}

/// Hold `addr` in a handler; returns the gate that releases it.
async fn busy(addr: &actor_system_runtime::Addr<Storage>) -> Arc<Notify> {
    let gate = Arc::new(Notify::new());
    let (entered, is_in) = oneshot::channel();
    addr.tell(Busy(gate.clone(), Some(entered))).unwrap();
    bounded(is_in, "the actor is held").await.unwrap();
    gate
}

#[tokio::test]
async fn a_background_handler_awaiting_slow_io_via_spawn_does_not_hold_critical_messages() {
    let storage = spawn(Storage::default()).await.unwrap();
    let (io, read) = oneshot::channel();
    storage.tell(Fetch(read)).unwrap();
    // The read is under way and the actor answers a Critical message meanwhile.
    for _ in 0..3 {
        assert_eq!(
            bounded(storage.ask(Ping), "a ping during the read").await,
            Ok(None)
        );
    }
    io.send(42).unwrap();
    until("the continuation ran", || storage.stats().processed >= 5).await;
    assert_eq!(
        bounded(storage.ask(Ping), "the read's result").await,
        Ok(Some(42))
    );
}

/// The continuation travels in the lane of the message whose handler started the future.
#[tokio::test]
async fn a_continuation_runs_in_its_turn_in_the_starting_messages_lane() {
    struct Lane;
    impl Message for Lane {
        type Result = Option<Priority>;
    }
    impl Handler<Lane> for Storage {
        async fn handle(&mut self, _: Lane, _: &mut Context<Self>) -> Option<Priority> {
            self.then_lane
        }
    }
    let storage = spawn(Storage::default()).await.unwrap();
    let (io, read) = oneshot::channel();
    storage.tell(Fetch(read)).unwrap();
    io.send(7).unwrap();
    until("the continuation ran", || storage.stats().processed >= 2).await;
    let lane = bounded(storage.ask(Lane), "the continuation's lane").await;
    assert_eq!(lane, Ok(Some(Priority::Background)));
}

/// A future whose drop the test sees.
fn watched_forever() -> (
    impl std::future::Future<Output = u64> + Send,
    oneshot::Receiver<()>,
) {
    let (dropped, seen) = oneshot::channel::<()>();
    let fut = async move {
        let _guard = dropped;
        std::future::pending::<u64>().await
    };
    (fut, seen)
}

#[tokio::test]
async fn spawned_futures_are_cancelled_when_the_actor_stops() {
    struct Start(Option<Box<dyn std::future::Future<Output = u64> + Send + Unpin>>);
    impl Message for Start {
        type Result = ();
    }
    impl Handler<Start> for Storage {
        async fn handle(&mut self, mut msg: Start, ctx: &mut Context<Self>) {
            let fut = msg.0.take().unwrap();
            ctx.spawn_then(fut, |s, _, v| s.value = Some(v));
        }
    }
    let storage = spawn(Storage::default()).await.unwrap();
    let (fut, dropped) = watched_forever();
    storage.tell(Start(Some(Box::new(Box::pin(fut))))).unwrap();
    let (other, other_dropped) = watched_forever();
    storage
        .tell(Start(Some(Box::new(Box::pin(other)))))
        .unwrap();
    bounded(storage.stop_and_wait(), "the stop").await.unwrap();
    assert!(bounded(dropped, "the first future's drop").await.is_err());
    assert!(bounded(other_dropped, "the second future's drop")
        .await
        .is_err());
}

#[tokio::test]
async fn a_spawned_future_does_not_keep_the_actor_alive() {
    struct Linger(#[allow(dead_code)] oneshot::Sender<()>);
    impl Actor for Linger {
        async fn started(
            &mut self,
            ctx: &mut Context<Self>,
        ) -> actor_system_runtime::ActorResult<()> {
            ctx.spawn(std::future::pending());
            Ok(())
        }
        async fn stopped(&mut self, _: &actor_system_runtime::ExitReason) {}
    }
    let (tx, ended) = oneshot::channel();
    let addr = spawn(Linger(tx)).await.unwrap();
    drop(addr);
    // The actor (and the sender it holds) is dropped once it stops.
    assert!(bounded(ended, "the actor's end").await.is_err());
}

/// A continuation queued before a restart belongs to the incarnation that ended: the next one
/// discards it.
#[tokio::test]
async fn a_continuation_from_before_a_restart_is_discarded() {
    let mut cell = ActorCell::<Storage>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    let first = tokio::spawn(async move {
        let reason = cell.run(Storage::default(), None).await;
        (cell, reason)
    });
    let (io, read) = oneshot::channel();
    bounded(addr.ask(Ping), "the first incarnation runs")
        .await
        .unwrap();
    addr.tell(Fetch(read)).unwrap();
    let gate = busy(&addr).await;
    io.send(5).unwrap();
    until("the continuation is queued", || addr.stats().queued() == 1).await;
    addr.inject_failure(ActorError::recoverable("restart"));
    gate.notify_one();
    let (mut cell, reason) = bounded(first, "the first incarnation's end").await.unwrap();
    assert!(reason.is_failure());
    cell.mark_restarting();
    let second = tokio::spawn(async move {
        let reason = cell.run(Storage::default(), None).await;
        cell.finish(reason);
    });
    assert_eq!(
        bounded(addr.ask(Ping), "the second incarnation").await,
        Ok(None)
    );
    assert_eq!(
        addr.stats().queued(),
        0,
        "the stale continuation was taken and discarded"
    );
    drop(addr);
    bounded(second, "the end").await.unwrap();
}

/// A full mailbox makes a continuation wait for room, even under `Reject`: it is neither
/// refused nor dropped.
#[tokio::test]
async fn a_continuation_waits_for_room_in_a_full_mailbox() {
    let options = SpawnOptions::new()
        .mailbox(MailboxConfig::bounded(1).with_overflow(OverflowStrategy::Reject));
    let storage = spawn_with(Storage::default(), options).await.unwrap();
    let (io, read) = oneshot::channel();
    storage.tell(Fetch(read)).unwrap();
    until("the read began", || storage.stats().processed == 1).await;
    let gate = busy(&storage).await;
    storage.tell(Ping).unwrap(); // the one slot
    io.send(9).unwrap();
    gate.notify_one();
    until("the continuation ran", || {
        storage.stats().processed >= 4 && storage.stats().queued() == 0
    })
    .await;
    assert_eq!(bounded(storage.ask(Ping), "the result").await, Ok(Some(9)));
    let stats = storage.stats();
    assert_eq!((stats.rejected, stats.dropped), (0, 0));
}

#[tokio::test]
async fn spawn_notify_sends_the_output_as_a_message() {
    struct Loaded(u64);
    impl Message for Loaded {
        type Result = ();
        const PRIORITY: Priority = Priority::High;
    }
    impl Handler<Loaded> for Storage {
        async fn handle(&mut self, msg: Loaded, ctx: &mut Context<Self>) {
            self.value = Some(msg.0);
            self.then_lane = ctx.message_info().map(|i| i.priority);
        }
    }
    struct Load;
    impl Message for Load {
        type Result = ();
    }
    impl Handler<Load> for Storage {
        async fn handle(&mut self, _: Load, ctx: &mut Context<Self>) {
            ctx.spawn_notify(async { Loaded(11) });
        }
    }
    let storage = spawn(Storage::default()).await.unwrap();
    storage.tell(Load).unwrap();
    until("the output arrived", || storage.stats().processed >= 2).await;
    assert_eq!(bounded(storage.ask(Ping), "the output").await, Ok(Some(11)));
}

/// `ctx.wait` holds every message, Critical ones included, until its future is done; what
/// `wait_then` runs comes before the next message.
#[tokio::test]
async fn wait_holds_every_message_until_its_future_is_done() {
    struct Sync(Arc<Notify>);
    impl Message for Sync {
        type Result = ();
        const PRIORITY: Priority = Priority::Background;
    }
    impl Handler<Sync> for Storage {
        async fn handle(&mut self, msg: Sync, ctx: &mut Context<Self>) {
            let gate = msg.0;
            ctx.wait_then(async move { gate.notified().await }, |s, _, ()| {
                s.log.push("synced")
            });
        }
    }
    struct Log;
    impl Message for Log {
        type Result = Vec<&'static str>;
    }
    impl Handler<Log> for Storage {
        async fn handle(&mut self, _: Log, _: &mut Context<Self>) -> Vec<&'static str> {
            std::mem::take(&mut self.log)
        }
    }
    let storage = spawn(Storage::default()).await.unwrap();
    let gate = Arc::new(Notify::new());
    storage.tell(Sync(gate.clone())).unwrap();
    until("the wait began", || storage.stats().processed == 1).await;
    let ping = tokio::spawn(storage.ask(Ping));
    until("the ping is queued", || storage.stats().queued() == 1).await;
    assert_eq!(storage.stats().processed, 1, "only the Sync was handled");
    gate.notify_one();
    bounded(ping, "the ping after the wait")
        .await
        .unwrap()
        .unwrap();
    let log = bounded(storage.ask(Log), "the order").await.unwrap();
    assert_eq!(log, ["synced", "ping"]);
}

/// A kill drops what the actor waits for (a stop would wait for it, as for a handler).
#[tokio::test]
async fn a_kill_drops_the_future_the_actor_waits_for() {
    struct Block(Option<oneshot::Sender<()>>);
    impl Message for Block {
        type Result = ();
    }
    impl Handler<Block> for Storage {
        async fn handle(&mut self, mut msg: Block, ctx: &mut Context<Self>) {
            let guard = msg.0.take();
            ctx.wait(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
        }
    }
    let storage = spawn(Storage::default()).await.unwrap();
    let (guard, dropped) = oneshot::channel();
    storage.tell(Block(Some(guard))).unwrap();
    until("the wait began", || storage.stats().processed == 1).await;
    storage.kill(ActorError::recoverable("stuck"));
    assert!(bounded(dropped, "the waited future's drop").await.is_err());
    let reason = bounded(storage.wait_for_stop(), "the killed actor's end")
        .await
        .unwrap();
    assert!(reason.is_failure());
}
