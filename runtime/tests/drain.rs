//! The two ways to stop (issue 23, item 4): `stop` (after the message being handled; the
//! backlog is dead-lettered) and `drain_and_stop` (the backlog queued at the request is handled
//! first, bounded: later messages are not waited for).

mod common;
use common::*;

use actor_system_runtime::{
    spawn, spawn_with, Actor, AskError, Context, DeadLetters, DropReason, ExitReason, Handler,
    MailboxConfig, Message, Priority, SpawnOptions,
};
use std::sync::{Arc, Mutex};

/// Keeps writes in memory and flushes them when it stops, as a storage actor flushes its batch.
#[derive(Default)]
struct Storage {
    pending: Vec<u64>,
    flushed: Arc<Mutex<Vec<u64>>>,
    drain_from_handler: bool,
}

impl Actor for Storage {
    async fn stopping(&mut self, _: &mut Context<Self>) {
        self.flushed.lock().unwrap().append(&mut self.pending);
    }
}

struct Write(u64);
impl Message for Write {
    type Result = ();
    const PRIORITY: Priority = Priority::Background;
}
impl Handler<Write> for Storage {
    async fn handle(&mut self, msg: Write, ctx: &mut Context<Self>) {
        self.pending.push(msg.0);
        if self.drain_from_handler && msg.0 == 0 {
            ctx.drain_and_stop();
        }
    }
}

struct Count;
impl Message for Count {
    type Result = usize;
}
impl Handler<Count> for Storage {
    async fn handle(&mut self, _: Count, _: &mut Context<Self>) -> usize {
        self.pending.len()
    }
}

impl Handler<Hold> for Storage {
    async fn handle(&mut self, msg: Hold, _: &mut Context<Self>) {
        msg.wait().await;
    }
}

/// A storage with `writes` queued behind a held handler, reporting dead letters to a sink.
async fn backlogged(
    writes: u64,
) -> (
    actor_system_runtime::Addr<Storage>,
    Arc<Mutex<Vec<u64>>>,
    DeadLetters,
    Arc<tokio::sync::Notify>,
) {
    let storage = Storage::default();
    let flushed = storage.flushed.clone();
    let sink = DeadLetters::new(64);
    let options = SpawnOptions::new()
        .mailbox(MailboxConfig::bounded(64))
        .dead_letters(sink.clone());
    let addr = spawn_with(storage, options).await.unwrap();
    let gate = hold(&addr).await;
    for height in 1..=writes {
        addr.tell(Write(height)).unwrap();
    }
    (addr, flushed, sink, gate)
}

#[tokio::test]
async fn drain_and_stop_handles_the_backlog_and_flushes_it() {
    let (storage, flushed, sink, gate) = backlogged(5).await;
    storage.drain_and_stop();
    gate.notify_one();
    let reason = bounded(storage.wait_for_stop(), "the drained stop").await;
    assert_eq!(reason, Ok(ExitReason::Normal));
    assert_eq!(*flushed.lock().unwrap(), [1, 2, 3, 4, 5]);
    assert_eq!(sink.count(), 0, "nothing was dead-lettered");
}

#[tokio::test]
async fn stop_dead_letters_the_backlog() {
    let (storage, flushed, sink, gate) = backlogged(5).await;
    let mut letters = sink.subscribe();
    storage.stop();
    gate.notify_one();
    bounded(storage.wait_for_stop(), "the stop").await.unwrap();
    assert!(flushed.lock().unwrap().is_empty());
    assert_eq!(sink.count(), 5);
    assert_eq!(letters.try_recv().unwrap().reason, DropReason::ActorStopped);
}

/// The drain is bounded by what was queued when it began: later messages, even Critical ones
/// (an ask here), are not handled; they resolve as they would after a stop.
#[tokio::test]
async fn messages_sent_after_the_drain_began_are_not_waited_for() {
    let (storage, flushed, sink, gate) = backlogged(3).await;
    // A second hold, queued too: the drain handles it, and the test sends while it holds.
    let during = Arc::new(tokio::sync::Notify::new());
    let (second, is_in) = Hold::on(&during);
    storage.tell(second).unwrap();
    storage.drain_and_stop();
    gate.notify_one();
    bounded(is_in, "the drain reaches the second hold")
        .await
        .unwrap();
    let late_ask = tokio::spawn(storage.with_priority(Priority::Critical).ask(Count));
    storage.tell(Write(99)).unwrap();
    until("the late messages are queued", || {
        storage.stats().queued() >= 4
    })
    .await;
    during.notify_one();
    let answer = bounded(late_ask, "the late ask").await.unwrap();
    assert_eq!(answer, Err(AskError::Stopped));
    bounded(storage.wait_for_stop(), "the end").await.unwrap();
    assert_eq!(*flushed.lock().unwrap(), [1, 2, 3]);
    assert_eq!(sink.count(), 2, "the late ask and write are dead letters");
}

#[tokio::test]
async fn a_stop_cuts_a_drain_short() {
    let (storage, flushed, _sink, gate) = backlogged(50).await;
    storage.drain_and_stop();
    storage.stop();
    gate.notify_one();
    bounded(storage.wait_for_stop(), "the stop").await.unwrap();
    assert!(flushed.lock().unwrap().len() < 50);
}

/// An actor drains itself from a handler: what is queued then is handled, then it stops.
#[tokio::test]
async fn an_actor_drains_itself() {
    let storage = Storage {
        drain_from_handler: true,
        ..Storage::default()
    };
    let flushed = storage.flushed.clone();
    let addr = spawn(storage).await.unwrap();
    let gate = hold(&addr).await;
    for height in 0..4 {
        addr.tell(Write(height)).unwrap();
    }
    gate.notify_one();
    bounded(addr.wait_for_stop(), "the self-drain")
        .await
        .unwrap();
    assert_eq!(*flushed.lock().unwrap(), [0, 1, 2, 3]);
}

/// An empty mailbox drains at once.
#[tokio::test]
async fn an_idle_actor_drains_at_once() {
    let addr = spawn(Storage::default()).await.unwrap();
    addr.drain_and_stop();
    assert_eq!(
        bounded(addr.wait_for_stop(), "the drain of nothing").await,
        Ok(ExitReason::Normal)
    );
}
