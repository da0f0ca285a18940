//! tell / send / ask / timeouts, recipients, correlation ids, timers.

mod common;

use actor_system_runtime::{
    spawn, spawn_with, Actor, AskError, Context, Handler, MailboxConfig, Message, Priority,
    Recipient, SpawnOptions,
};
use common::*;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

#[tokio::test]
async fn tell_then_ask_sees_every_message_in_order() {
    let addr = spawn(Recorder::default()).await.unwrap();
    for i in 0..100 {
        addr.tell(Record(i)).unwrap();
    }
    let take = addr.with_priority(Priority::Normal).ask(Take);
    let seen = bounded(take, "what the actor recorded").await.unwrap();
    assert_eq!(
        seen,
        (0..100).map(|i| (Priority::Normal, i)).collect::<Vec<_>>()
    );
    assert_eq!(addr.stats().processed, 101);
}

#[tokio::test(start_paused = true)]
async fn ask_timeout_resolves_with_timeout_error() {
    let addr = spawn(Recorder::default()).await.unwrap();
    let _gate = hold(&addr).await;
    let err = addr.ask_timeout(Take, Duration::from_millis(100)).await;
    assert_eq!(err, Err(AskError::Timeout(Duration::from_millis(100))));
    assert!(err.unwrap_err().to_string().contains("raise the timeout"));
    assert_eq!(
        addr.ask_timeout(Take, Duration::ZERO).await,
        Err(AskError::Timeout(Duration::ZERO))
    );
}

#[tokio::test]
async fn send_waits_for_space_under_backpressure() {
    let addr = spawn_with(
        Recorder::default(),
        SpawnOptions::new().mailbox(MailboxConfig::bounded(2)),
    )
    .await
    .unwrap();
    let gate = hold(&addr).await;
    addr.tell(Record(0)).unwrap();
    addr.tell(Record(1)).unwrap();
    let full = addr.tell(Record(2)).unwrap_err();
    assert!(!full.is_stopped());
    assert_eq!(full.into_inner().0, 2);
    let flag = Arc::new(WakeFlag::default());
    let mut waiting = pin!(addr.tell_when_ready(Record(2)));
    assert!(
        poll_flagged(waiting.as_mut(), &flag).is_pending(),
        "send must wait while the mailbox is full"
    );
    gate.notify_one();
    until("room wakes the waiting send", || flag.woken()).await;
    bounded(waiting, "the send once there is room")
        .await
        .unwrap();
    for i in 3..10 {
        bounded(addr.tell_when_ready(Record(i)), "a send under backpressure")
            .await
            .unwrap();
    }
    let seen: Vec<u64> = bounded(addr.ask(Take), "what the actor recorded")
        .await
        .unwrap()
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
    assert_eq!(addr.stats().rejected, 1);
}

#[tokio::test]
async fn a_waiting_sender_is_released_when_the_actor_stops() {
    let addr = spawn_with(
        Recorder::default(),
        SpawnOptions::new().mailbox(MailboxConfig::bounded(1)),
    )
    .await
    .unwrap();
    let gate = hold(&addr).await;
    addr.tell(Record(0)).unwrap();
    let flag = Arc::new(WakeFlag::default());
    let mut blocked = pin!(addr.tell_when_ready(Record(1)));
    assert!(
        poll_flagged(blocked.as_mut(), &flag).is_pending(),
        "the send waits for room"
    );
    addr.stop();
    gate.notify_one();
    until("the stop wakes the waiting send", || flag.woken()).await;
    let err = bounded(blocked, "the waiting send's answer")
        .await
        .unwrap_err();
    assert!(err.is_stopped());
    assert_eq!(err.into_inner().0, 1);
}

/// Equality and hashing agree: both look at the actor and the lane a recipient sends in (its
/// own priority, else the one its actor declares for the message).
#[tokio::test]
async fn recipient_equality_and_hash_agree_on_actor_and_lane() {
    use std::collections::HashSet;
    let addr = spawn(Recorder::default()).await.unwrap();
    let other = spawn(Recorder::default()).await.unwrap();
    let r: Recipient<Record> = addr.recipient();
    let explicit_normal = r.with_priority(Priority::Normal);
    let background = r.with_priority(Priority::Background);
    assert_eq!(
        r, explicit_normal,
        "the declared lane is the lane it sends in"
    );
    assert_ne!(r, background);
    assert_ne!(r, other.recipient::<Record>());
    let set: HashSet<Recipient<Record>> = [
        r.clone(),
        explicit_normal,
        background.clone(),
        background,
        other.recipient(),
    ]
    .into_iter()
    .collect();
    assert_eq!(set.len(), 3, "equal recipients hash alike");
    assert!(set.contains(&r));
}

#[tokio::test]
async fn recipients_erase_the_actor_type() {
    let addr = spawn(Recorder::default()).await.unwrap();
    let r: Recipient<Record> = addr.recipient();
    let bg = r.with_priority(Priority::Background);
    assert_eq!(bg.priority(), Priority::Background);
    bg.tell(Record(1)).unwrap();
    bounded(
        r.tell_when_ready(Record(2)),
        "a send to an unbounded mailbox",
    )
    .await
    .unwrap();
    bounded(r.ask(Record(3)), "the answer to an ask")
        .await
        .unwrap();
    assert_ne!(r, bg, "the same actor, another lane");
    assert_eq!(r.id(), bg.id());
    assert_eq!(r.id(), addr.id());
    // All three were queued before the actor ran: the Normal lane is served first.
    let seen = bounded(addr.ask(Take), "what the actor recorded")
        .await
        .unwrap();
    assert_eq!(
        seen,
        [
            (Priority::Normal, 2),
            (Priority::Normal, 3),
            (Priority::Background, 1)
        ]
    );
}

// --- correlation ids across two hops -------------------------------------------------------

struct Hop {
    next: Option<Recipient<Traced>>,
    seen: tokio::sync::mpsc::UnboundedSender<Option<Uuid>>,
}
impl Actor for Hop {}

struct Traced;
impl Message for Traced {
    type Result = ();
}

impl Handler<Traced> for Hop {
    async fn handle(&mut self, _: Traced, ctx: &mut Context<Self>) {
        self.seen
            .send(ctx.message_info().unwrap().correlation_id)
            .unwrap();
        if let Some(next) = &self.next {
            next.tell(Traced).unwrap();
        }
    }
}

#[tokio::test]
async fn correlation_id_follows_a_message_across_two_hops() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let third = spawn(Hop {
        next: None,
        seen: tx.clone(),
    })
    .await
    .unwrap();
    let second = spawn(Hop {
        next: Some(third.recipient()),
        seen: tx.clone(),
    })
    .await
    .unwrap();
    let first = spawn(Hop {
        next: Some(second.recipient()),
        seen: tx,
    })
    .await
    .unwrap();

    let id = Uuid::new_v4();
    first.with_correlation_id(id).tell(Traced).unwrap();
    for _ in 0..3 {
        assert_eq!(bounded(rx.recv(), "a hop's id").await.unwrap(), Some(id));
    }

    // Without an explicit id, the first hop creates one that the next hops share.
    first.tell(Traced).unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(bounded(rx.recv(), "a hop's id").await.unwrap());
    }
    assert_eq!(ids[0], None, "a message from outside any actor has no id");
    assert!(ids[1].is_some());
    assert_eq!(ids[1], ids[2]);
}

// --- timers ----------------------------------------------------------------------------------

struct Ticker {
    ticks: u32,
}
impl Actor for Ticker {
    async fn started(&mut self, ctx: &mut Context<Self>) -> actor_system_runtime::ActorResult<()> {
        ctx.run_interval(Duration::from_secs(1), |me, ctx| {
            me.ticks += 1;
            if me.ticks == 3 {
                ctx.run_later(Duration::from_millis(500), |me, _| me.ticks += 100);
            }
        });
        let cancelled = ctx.run_later(Duration::from_millis(10), |me, _| me.ticks += 1000);
        cancelled.cancel();
        Ok(())
    }
}
struct Ticks;
impl Message for Ticks {
    type Result = u32;
}
impl Handler<Ticks> for Ticker {
    async fn handle(&mut self, _: Ticks, _: &mut Context<Self>) -> u32 {
        self.ticks
    }
}

#[tokio::test(start_paused = true)]
async fn interval_and_delayed_callbacks_fire_on_schedule() {
    let addr = spawn(Ticker { ticks: 0 }).await.unwrap();
    let ticks = || bounded(addr.ask(Ticks), "the tick count");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(ticks().await, Ok(2));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(ticks().await, Ok(3));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        ticks().await,
        Ok(103),
        "one-shot fires 500 ms after the 3rd tick"
    );
}

struct Delayed {
    got: Vec<u32>,
}
impl Actor for Delayed {}
struct Later(u32);
impl Message for Later {
    type Result = ();
}
impl Handler<Later> for Delayed {
    async fn handle(&mut self, msg: Later, ctx: &mut Context<Self>) {
        self.got.push(msg.0);
        if msg.0 == 0 {
            ctx.notify_later(Later(2), Duration::from_secs(2));
            ctx.notify_later(Later(1), Duration::from_secs(1));
            ctx.notify_later(Later(99), Duration::from_secs(3)).cancel();
        }
    }
}
struct Got;
impl Message for Got {
    type Result = Vec<u32>;
}
impl Handler<Got> for Delayed {
    async fn handle(&mut self, _: Got, _: &mut Context<Self>) -> Vec<u32> {
        self.got.clone()
    }
}

#[tokio::test(start_paused = true)]
async fn notify_later_delivers_after_the_delay_unless_cancelled() {
    let addr = spawn(Delayed { got: vec![] }).await.unwrap();
    addr.tell(Later(0)).unwrap();
    let got = || bounded(addr.ask(Got), "what the actor got");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(got().await.unwrap(), [0, 1]);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(got().await.unwrap(), [0, 1, 2]);
}

#[derive(actor_system_runtime::Message)]
#[message(result = "u8", priority = "high")]
struct DerivedInRuntime;

#[test]
fn the_derive_resolves_the_runtime_crate_when_the_facade_is_absent() {
    assert_eq!(<DerivedInRuntime as Message>::PRIORITY, Priority::High);
    let _: <DerivedInRuntime as Message>::Result = 7u8;
}

/// Handler futures run inline in the actor task when small and boxed when large; both kinds
/// must handle messages, suspend across awaits and report panics raised after a suspension.
#[tokio::test]
async fn small_and_large_handler_futures_both_suspend_and_report_panics() {
    struct Worker;
    impl Actor for Worker {}

    struct Small(u64);
    impl Message for Small {
        type Result = u64;
    }
    impl Handler<Small> for Worker {
        async fn handle(&mut self, msg: Small, _: &mut Context<Self>) -> u64 {
            tokio::task::yield_now().await;
            msg.0 + 1
        }
    }

    /// Keeps 4 KiB alive across an await: far beyond the inline room.
    struct Large(u8);
    impl Message for Large {
        type Result = u64;
    }
    impl Handler<Large> for Worker {
        async fn handle(&mut self, msg: Large, _: &mut Context<Self>) -> u64 {
            let buffer = [msg.0; 4096];
            tokio::time::sleep(Duration::from_millis(1)).await;
            std::hint::black_box(&buffer)
                .iter()
                .map(|b| *b as u64)
                .sum()
        }
    }

    struct PanicAfterAwait;
    impl Message for PanicAfterAwait {
        type Result = ();
    }
    impl Handler<PanicAfterAwait> for Worker {
        async fn handle(&mut self, _: PanicAfterAwait, _: &mut Context<Self>) {
            let buffer = [1u8; 4096];
            tokio::task::yield_now().await;
            if std::hint::black_box(buffer[0]) == 1 {
                panic!("after a suspension");
            }
        }
    }

    let addr = spawn(Worker).await.unwrap();
    let answer = "the handler's answer";
    assert_eq!(bounded(addr.ask(Small(41)), answer).await, Ok(42));
    assert_eq!(bounded(addr.ask(Large(2)), answer).await, Ok(2 * 4096));
    assert_eq!(bounded(addr.ask(Small(1)), answer).await, Ok(2));
    let panicked = bounded(addr.ask(PanicAfterAwait), answer).await;
    assert_eq!(panicked, Err(AskError::NoReply));
    let reason = bounded(addr.wait_for_stop(), "the failed actor's end").await;
    assert!(reason.unwrap().is_failure());
}

struct Napper;
impl Actor for Napper {}

struct Nap(Duration);
impl Message for Nap {
    type Result = ();
}
impl Handler<Nap> for Napper {
    async fn handle(&mut self, msg: Nap, _: &mut Context<Self>) {
        tokio::time::sleep(msg.0).await;
    }
}

#[tokio::test]
async fn critical_messages_are_timed_from_queueing_to_the_end_of_their_handler() {
    let addr = spawn(Napper).await.unwrap();
    let critical = || addr.with_priority(Priority::Critical);
    critical().tell(Nap(Duration::from_millis(30))).unwrap();
    // Queued behind the first nap: waits about as long as it sleeps.
    bounded(critical().ask(Nap(Duration::ZERO)), "the second nap")
        .await
        .unwrap();
    let stats = addr.stats();
    assert_eq!(stats.handling.count, 2);
    assert!(stats.handling.max >= Duration::from_millis(30), "{stats:?}");
    assert!(stats.handling.total < Duration::from_secs(5), "{stats:?}");
    assert_eq!(stats.mailbox_wait.count, 2);
    assert!(
        stats.mailbox_wait.max >= Duration::from_millis(25),
        "{stats:?}"
    );
}

/// Counts its messages where another task can read the count.
struct Tally(std::sync::Arc<std::sync::atomic::AtomicU64>);
impl Actor for Tally {}

struct Tick;
impl Message for Tick {
    type Result = ();
}

impl Handler<Tick> for Tally {
    async fn handle(&mut self, _: Tick, _: &mut Context<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The mailbox is invisible to tokio's cooperative budget, so an actor with a backlog yields by
/// itself: on a single thread, a task queued behind it runs before the backlog is drained.
#[tokio::test(flavor = "current_thread")]
async fn an_actor_with_a_backlog_lets_other_tasks_run() {
    const BACKLOG: u64 = 100_000;
    let handled = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let addr = spawn(Tally(handled.clone())).await.unwrap();
    for _ in 0..BACKLOG {
        addr.tell(Tick).unwrap();
    }
    // Queued behind the actor, which was woken by the first tell.
    let probe = tokio::spawn({
        let handled = handled.clone();
        async move { handled.load(std::sync::atomic::Ordering::Relaxed) }
    });
    let seen_by_probe = bounded(probe, "the probe task").await.unwrap();
    assert!(
        0 < seen_by_probe && seen_by_probe < BACKLOG,
        "the probe ran after {seen_by_probe} of {BACKLOG} messages"
    );
    addr.stop();
    bounded(addr.wait_for_stop(), "the actor stops after its backlog")
        .await
        .unwrap();
}
