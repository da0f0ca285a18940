//! Dead letters that carry their message (issue 23, item 11): kept only while somebody
//! subscribes, taken once, and resent; for every way a message can be dropped.

mod common;
use common::*;

use actor_system_runtime::{
    spawn_with, Actor, AskError, Context, DeadLetter, DeadLetters, DropReason, Handler,
    MailboxConfig, Message, OverflowStrategy, Priority, SpawnOptions,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// A write whose drop the test counts.
struct Write {
    height: u64,
    drops: Arc<AtomicU32>,
}

impl Drop for Write {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

impl Message for Write {
    type Result = u64;
}

#[derive(Default)]
struct Storage {
    written: Vec<u64>,
}
impl Actor for Storage {}
impl Handler<Write> for Storage {
    async fn handle(&mut self, msg: Write, _: &mut Context<Self>) -> u64 {
        self.written.push(msg.height);
        msg.height
    }
}
impl Handler<Record> for Storage {
    async fn handle(&mut self, msg: Record, _: &mut Context<Self>) {
        self.written.push(msg.0);
    }
}
struct Written;
impl Message for Written {
    type Result = Vec<u64>;
    const PRIORITY: Priority = Priority::Background;
}
impl Handler<Written> for Storage {
    async fn handle(&mut self, _: Written, _: &mut Context<Self>) -> Vec<u64> {
        self.written.clone()
    }
}

impl Handler<Hold> for Storage {
    async fn handle(&mut self, msg: Hold, _: &mut Context<Self>) {
        msg.wait().await;
    }
}

fn write(height: u64, drops: &Arc<AtomicU32>) -> Write {
    Write {
        height,
        drops: drops.clone(),
    }
}

async fn next(letters: &mut broadcast::Receiver<DeadLetter>) -> DeadLetter {
    bounded(letters.recv(), "a dead letter").await.unwrap()
}

/// Unobserved, a dropped message goes at once (nothing kept); observed, it waits in the record
/// for a subscriber to take it.
#[tokio::test]
async fn the_message_is_kept_only_while_somebody_subscribes() {
    let sink = DeadLetters::new(16);
    let options = || SpawnOptions::new().dead_letters(sink.clone());
    let drops = Arc::new(AtomicU32::new(0));

    let storage = spawn_with(Storage::default(), options()).await.unwrap();
    let gate = hold(&storage).await;
    storage.tell(write(1, &drops)).unwrap();
    storage.stop();
    gate.notify_one();
    bounded(storage.wait_for_stop(), "the stop").await.unwrap();
    assert_eq!(sink.count(), 1);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "unobserved: dropped at once"
    );

    let mut letters = sink.subscribe();
    let storage = spawn_with(Storage::default(), options()).await.unwrap();
    let gate = hold(&storage).await;
    storage.tell(write(2, &drops)).unwrap();
    storage.stop();
    gate.notify_one();
    bounded(storage.wait_for_stop(), "the stop").await.unwrap();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "observed: kept in the record"
    );
    let letter = next(&mut letters).await;
    assert!(letter.is::<Write>());
    assert!(!letter.is::<Record>());
    assert_eq!(
        letter.message.as_ref().unwrap().with(|w: &Write| w.height),
        Some(2)
    );
    drop(letter);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "dropped with the last copy"
    );
}

/// Every subscriber gets the record; the first to take the message has it.
#[tokio::test]
async fn the_first_subscriber_to_take_the_message_has_it() {
    let sink = DeadLetters::new(16);
    let (mut first, mut second) = (sink.subscribe(), sink.subscribe());
    let options = SpawnOptions::new().dead_letters(sink.clone());
    let storage = spawn_with(Storage::default(), options).await.unwrap();
    let gate = hold(&storage).await;
    storage.tell(Record(5)).unwrap();
    storage.stop();
    gate.notify_one();
    let (a, b) = (next(&mut first).await, next(&mut second).await);
    assert_eq!(a, b, "copies of one record");
    assert_eq!(a.take::<Record>().map(|r| r.0), Some(5));
    assert!(b.take::<Record>().is_none(), "taken already");
    assert!(!b.is::<Record>());
}

/// A full `DropNewest` mailbox drops writes; a recovery task takes them from the dead letters
/// and resends them once the actor has room, so none is lost. An ask's message is recovered
/// too (its asker got `Dropped`).
#[tokio::test]
async fn dropped_writes_are_recovered_and_resent() {
    let sink = DeadLetters::new(64);
    let mut letters = sink.subscribe();
    let options = SpawnOptions::new()
        .mailbox(MailboxConfig::bounded(2).with_overflow(OverflowStrategy::DropNewest))
        .dead_letters(sink.clone());
    let storage = spawn_with(Storage::default(), options).await.unwrap();
    let drops = Arc::new(AtomicU32::new(0));
    let gate = hold(&storage).await;
    for height in 1..=4 {
        storage.tell(write(height, &drops)).unwrap();
    }
    let asked = bounded(storage.ask(write(5, &drops)), "an ask into a full mailbox").await;
    assert_eq!(asked, Err(AskError::Dropped));
    gate.notify_one();
    let mut recovered = Vec::new();
    while recovered.len() < 3 {
        let letter = next(&mut letters).await;
        assert_eq!(letter.reason, DropReason::DroppedNewest);
        recovered.push(letter.take::<Write>().expect("the write itself"));
    }
    until("the backlog is handled", || storage.stats().queued() == 0).await;
    for write in recovered {
        // An ask: each resend is handled before the next, so none finds the mailbox full.
        bounded(storage.ask(write), "a resend").await.unwrap();
    }
    let mut written = bounded(storage.ask(Written), "what was written")
        .await
        .unwrap();
    written.sort_unstable();
    assert_eq!(written, [1, 2, 3, 4, 5]);
}

/// Spawn a storage with a one-message mailbox under `overflow`, reporting to a new sink.
async fn tiny(
    overflow: OverflowStrategy,
) -> (
    actor_system_runtime::Addr<Storage>,
    broadcast::Receiver<DeadLetter>,
) {
    let sink = DeadLetters::new(64);
    let letters = sink.subscribe();
    let options = SpawnOptions::new()
        .mailbox(MailboxConfig::bounded(1).with_overflow(overflow))
        .dead_letters(sink);
    (
        spawn_with(Storage::default(), options).await.unwrap(),
        letters,
    )
}

#[tokio::test]
async fn an_evicted_message_is_carried() {
    let (storage, mut letters) = tiny(OverflowStrategy::DropOldest).await;
    let gate = hold(&storage).await;
    storage.tell(Record(1)).unwrap();
    storage.tell(Record(2)).unwrap(); // evicts Record(1)
    let letter = next(&mut letters).await;
    assert_eq!(letter.reason, DropReason::Evicted);
    assert_eq!(letter.take::<Record>().map(|r| r.0), Some(1));
    gate.notify_one();
}

/// A delayed message that finds the mailbox full has no sender to go back to: its dead letter
/// carries it.
#[tokio::test(start_paused = true)]
async fn a_refused_delayed_message_is_carried() {
    struct ArmAndHold(
        Arc<tokio::sync::Notify>,
        Option<tokio::sync::oneshot::Sender<()>>,
    );
    impl Message for ArmAndHold {
        type Result = ();
    }
    impl Handler<ArmAndHold> for Storage {
        async fn handle(&mut self, mut msg: ArmAndHold, ctx: &mut Context<Self>) {
            ctx.notify_later(Record(99), Duration::from_millis(5));
            let _ = msg.1.take().unwrap().send(());
            msg.0.notified().await;
        }
    }
    let (storage, mut letters) = tiny(OverflowStrategy::Reject).await;
    let gate = Arc::new(tokio::sync::Notify::new());
    let (entered, is_in) = tokio::sync::oneshot::channel();
    storage
        .tell(ArmAndHold(gate.clone(), Some(entered)))
        .unwrap();
    bounded(is_in, "armed and held").await.unwrap();
    storage.tell(Record(1)).unwrap(); // the one slot
    let letter = next(&mut letters).await; // the clock moves on while everything waits
    assert_eq!(letter.reason, DropReason::Rejected);
    assert_eq!(letter.take::<Record>().map(|r| r.0), Some(99));
    gate.notify_one();
}

#[tokio::test]
async fn a_message_whose_handler_failed_is_not_carried() {
    struct Boom;
    impl Message for Boom {
        type Result = ();
    }
    impl Handler<Boom> for Storage {
        async fn handle(&mut self, _: Boom, _: &mut Context<Self>) {
            panic!("boom")
        }
    }
    let (storage, mut letters) = tiny(OverflowStrategy::Reject).await;
    storage.tell(Boom).unwrap();
    let letter = next(&mut letters).await;
    assert_eq!(letter.reason, DropReason::HandlerFailed);
    assert!(letter.message.is_none(), "the handler had taken it");
}
