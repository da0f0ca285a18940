//! The runtime's edge paths: nothing dropped silently, no wait that can hang.
//!
//! Each test is one case that once went wrong: a stop requested in `started`, a timer tick
//! evicted by an overflow policy, a delayed notify refused by a full mailbox, an actor waiting
//! for its own stop, a tick left over from an earlier incarnation, a kill landing on a handler
//! or racing a natural failure, and correlation ids carried into a new causal chain.

use actor_system_runtime::{
    spawn, spawn_with, Actor, ActorCell, ActorError, ActorResult, AskError, Context, DeadLetter,
    DeadLetters, DropReason, ExitReason, Handler, MailboxConfig, Message, OverflowStrategy,
    Priority, SpawnOptions, StopError,
};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

const WAIT: Duration = Duration::from_secs(5);

/// The next dead letter on `stream` that `matches`, within `WAIT`.
async fn dead_letter_where(
    stream: &mut broadcast::Receiver<DeadLetter>,
    matches: impl Fn(&DeadLetter) -> bool,
) -> DeadLetter {
    tokio::time::timeout(WAIT, async {
        loop {
            match stream.recv().await {
                Ok(letter) if matches(&letter) => return letter,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("dead letters closed"),
            }
        }
    })
    .await
    .expect("the dead letter was published")
}

/// Wait, bounded, until `done()` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    let reached = tokio::time::timeout(WAIT, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(reached.is_ok(), "{what} within {WAIT:?}");
}

// --- 1. a stop or failure requested in `started` --------------------------------------------

/// Ends itself from its `started` hook.
struct EndsAtOnce {
    fail: bool,
}
impl Actor for EndsAtOnce {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        if self.fail {
            ctx.fail(ActorError::recoverable("no peers"));
        } else {
            ctx.stop();
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_stop_or_failure_requested_in_started_ends_a_spawned_actor() {
    let stopped = spawn(EndsAtOnce { fail: false }).await.unwrap();
    let reason = tokio::time::timeout(WAIT, stopped.wait_for_stop()).await;
    assert_eq!(reason, Ok(Ok(ExitReason::Normal)));

    let failed = spawn(EndsAtOnce { fail: true }).await.unwrap();
    let reason = tokio::time::timeout(WAIT, failed.wait_for_stop()).await;
    assert_eq!(
        reason,
        Ok(Ok(ExitReason::Failed(ActorError::recoverable("no peers"))))
    );
}

// --- 2. a periodic timer whose tick was evicted ------------------------------------------------

/// Counts the ticks of a 10 ms interval; `Work` keeps it busy for a while.
struct Ticker {
    ticks: Arc<AtomicU64>,
}
impl Actor for Ticker {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        ctx.run_interval(Duration::from_millis(10), |actor, _| {
            actor.ticks.fetch_add(1, Ordering::SeqCst);
        });
        Ok(())
    }
}

struct Work;
impl Message for Work {
    type Result = ();
}
impl Handler<Work> for Ticker {
    async fn handle(&mut self, _: Work, _: &mut Context<Self>) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interval_timer_keeps_ticking_after_its_tick_was_evicted() {
    let sink = DeadLetters::new(4096);
    let mut stream = sink.subscribe();
    let ticks = Arc::new(AtomicU64::new(0));
    let options = SpawnOptions::new()
        .mailbox(MailboxConfig::bounded(8).with_overflow(OverflowStrategy::DropOldest))
        .dead_letters(sink);
    let addr = spawn_with(
        Ticker {
            ticks: ticks.clone(),
        },
        options,
    )
    .await
    .unwrap();
    // A flood of Normal work keeps the mailbox full: the oldest Normal item (a tick, at times)
    // is evicted to make room.
    let flood_until = std::time::Instant::now() + Duration::from_millis(300);
    while std::time::Instant::now() < flood_until {
        addr.tell(Work).unwrap();
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let evicted = dead_letter_where(&mut stream, |l| {
        l.message_type == "timer" && l.reason == DropReason::Evicted
    })
    .await;
    assert_eq!(evicted.priority, Priority::Normal);
    let after_flood = ticks.load(Ordering::SeqCst);
    until("the timer ticks again after the flood", || {
        ticks.load(Ordering::SeqCst) >= after_flood + 5
    })
    .await;
}

// --- 3. a delayed notify refused by a full mailbox -----------------------------------------------

/// Schedules a delayed notify to itself, then is held busy by the test.
struct Notifier;
impl Actor for Notifier {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        ctx.notify_later(Reminder, Duration::from_millis(50));
        Ok(())
    }
}

struct Reminder;
impl Message for Reminder {
    type Result = ();
}
impl Handler<Reminder> for Notifier {
    async fn handle(&mut self, _: Reminder, _: &mut Context<Self>) {}
}

struct Hold(Arc<tokio::sync::Notify>);
impl Message for Hold {
    type Result = ();
}
impl Handler<Hold> for Notifier {
    async fn handle(&mut self, msg: Hold, _: &mut Context<Self>) {
        msg.0.notified().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_notify_refused_by_a_full_mailbox_is_a_dead_letter() {
    let sink = DeadLetters::new(64);
    let mut stream = sink.subscribe();
    let options = SpawnOptions::new()
        .mailbox(MailboxConfig::bounded(1).with_overflow(OverflowStrategy::Reject))
        .dead_letters(sink);
    let addr = spawn_with(Notifier, options).await.unwrap();
    let gate = Arc::new(tokio::sync::Notify::new());
    addr.tell(Hold(gate.clone())).unwrap();
    // The actor waits on the gate; this fills its one slot.
    until("the first hold is taken", || addr.stats().queued() == 0).await;
    addr.tell(Hold(gate.clone())).unwrap();
    let refused = dead_letter_where(&mut stream, |l| l.message_type.ends_with("Reminder")).await;
    assert_eq!(refused.reason, DropReason::Rejected);
    assert!(addr.stats().dropped >= 1, "counted as dropped");
    gate.notify_waiters();
    gate.notify_one();
}

// --- 4. an actor waiting for its own stop ----------------------------------------------------

struct SelfWaiter;
impl Actor for SelfWaiter {}

struct WaitForMyself {
    and_stop: bool,
}
impl Message for WaitForMyself {
    type Result = Result<ExitReason, StopError>;
}
impl Handler<WaitForMyself> for SelfWaiter {
    async fn handle(
        &mut self,
        msg: WaitForMyself,
        ctx: &mut Context<Self>,
    ) -> Result<ExitReason, StopError> {
        let me = ctx.address();
        if msg.and_stop {
            me.stop_and_wait().await
        } else {
            me.wait_for_stop().await
        }
    }
}

#[tokio::test]
async fn an_actor_waiting_for_its_own_stop_gets_an_error_not_a_hang() {
    let addr = spawn(SelfWaiter).await.unwrap();
    let waited = tokio::time::timeout(WAIT, addr.ask(WaitForMyself { and_stop: false })).await;
    assert_eq!(waited, Ok(Ok(Err(StopError::SelfWait))));
    assert!(addr.is_alive(), "a mere wait does not stop it");
    let waited = tokio::time::timeout(WAIT, addr.ask(WaitForMyself { and_stop: true })).await;
    assert_eq!(waited, Ok(Ok(Err(StopError::SelfWait))));
    let reason = tokio::time::timeout(WAIT, addr.wait_for_stop()).await;
    assert_eq!(reason, Ok(Ok(ExitReason::Normal)), "the stop was requested");
}

// --- 5. a tick left over from an earlier incarnation --------------------------------------------

/// Incarnation 0 queues a tick and fails with it queued; later ones schedule a timer that must
/// not fire early.
struct Restarted {
    incarnation: u32,
    fired_early: Arc<AtomicBool>,
}
impl Actor for Restarted {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        if self.incarnation == 0 {
            ctx.run_later(Duration::from_millis(1), |_, _| {});
        } else {
            let fired_early = self.fired_early.clone();
            ctx.run_later(Duration::from_secs(3600), move |_, _| {
                fired_early.store(true, Ordering::SeqCst);
            });
        }
        Ok(())
    }
}

/// Keeps the actor busy until its tick is queued, then fails it.
struct BusyThenFail;
impl Message for BusyThenFail {
    type Result = ();
}
impl Handler<BusyThenFail> for Restarted {
    async fn handle(&mut self, _: BusyThenFail, ctx: &mut Context<Self>) {
        let queued = ctx.address();
        tokio::time::timeout(WAIT, async {
            while queued.stats().queued() == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("the tick was queued");
        ctx.fail(ActorError::recoverable("restart me"));
    }
}

struct Ping;
impl Message for Ping {
    type Result = ();
}
impl Handler<Ping> for Restarted {
    async fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_left_from_an_earlier_incarnation_fires_no_timer_of_the_next() {
    let fired_early = Arc::new(AtomicBool::new(false));
    let mut cell = ActorCell::<Restarted>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    addr.tell(BusyThenFail).unwrap();
    let first = Restarted {
        incarnation: 0,
        fired_early: fired_early.clone(),
    };
    let reason = tokio::time::timeout(WAIT, cell.run(first, None)).await;
    assert!(matches!(reason, Ok(ExitReason::Failed(_))), "{reason:?}");
    assert_eq!(addr.stats().queued(), 1, "its tick is still queued");
    cell.mark_restarting();
    let second = Restarted {
        incarnation: 1,
        fired_early: fired_early.clone(),
    };
    let asker = tokio::spawn({
        let addr = addr.clone();
        async move {
            // Behind the stale tick: once answered, the tick has been handled.
            addr.ask(Ping).await.unwrap();
            addr.stop();
        }
    });
    let reason = tokio::time::timeout(WAIT, cell.run(second, None)).await;
    assert_eq!(reason, Ok(ExitReason::Normal));
    tokio::time::timeout(WAIT, asker)
        .await
        .expect("the asker is answered")
        .unwrap();
    assert!(
        !fired_early.load(Ordering::SeqCst),
        "the stale tick fired the new incarnation's timer"
    );
}

// --- 6. kills -------------------------------------------------------------------------------------

/// Handles `Hang` forever; answers `Ping`.
struct Hanging;
impl Actor for Hanging {}

/// Says when its handler has started, then never ends.
struct Hang(Option<tokio::sync::oneshot::Sender<()>>);
impl Message for Hang {
    type Result = ();
}
impl Handler<Hang> for Hanging {
    async fn handle(&mut self, msg: Hang, _: &mut Context<Self>) {
        if let Some(entered) = msg.0 {
            let _ = entered.send(());
        }
        std::future::pending::<()>().await;
    }
}
impl Handler<Ping> for Hanging {
    async fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_dead_letters_the_message_being_handled() {
    let sink = DeadLetters::new(16);
    let mut stream = sink.subscribe();
    let addr = spawn_with(Hanging, SpawnOptions::new().dead_letters(sink))
        .await
        .unwrap();
    let id = uuid::Uuid::from_u128(7);
    let (entered, handling) = tokio::sync::oneshot::channel();
    let ask = tokio::spawn({
        let addr = addr.clone();
        async move { addr.with_correlation_id(id).ask(Hang(Some(entered))).await }
    });
    tokio::time::timeout(WAIT, handling)
        .await
        .expect("the handler runs")
        .unwrap();
    addr.kill(ActorError::recoverable("wedged"));
    let answer = tokio::time::timeout(WAIT, ask).await.unwrap().unwrap();
    assert_eq!(answer, Err(AskError::NoReply));
    let letter = dead_letter_where(&mut stream, |l| l.message_type.ends_with("Hang")).await;
    assert_eq!(letter.reason, DropReason::HandlerFailed);
    assert_eq!(letter.correlation_id, Some(id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_racing_a_natural_failure_does_not_kill_the_restarted_incarnation() {
    let mut cell = ActorCell::<Hanging>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    addr.inject_failure(ActorError::recoverable("crashed"));
    let reason = tokio::time::timeout(WAIT, cell.run(Hanging, None)).await;
    assert!(matches!(reason, Ok(ExitReason::Failed(_))), "{reason:?}");
    // Meant for the incarnation that just failed, it arrives after it ended.
    addr.kill(ActorError::recoverable("too late"));
    cell.mark_restarting();
    let asker = tokio::spawn({
        let addr = addr.clone();
        async move {
            let answer = addr.ask(Ping).await;
            addr.stop();
            answer
        }
    });
    let reason = tokio::time::timeout(WAIT, cell.run(Hanging, None)).await;
    assert_eq!(
        reason,
        Ok(ExitReason::Normal),
        "the restarted one was not killed"
    );
    let answer = tokio::time::timeout(WAIT, asker)
        .await
        .expect("the asker is answered");
    assert_eq!(answer.unwrap(), Ok(()));
}

// --- 7. correlation ids of a new causal chain ----------------------------------------------------

/// Records the correlation id of every `Observed` it handles.
#[derive(Default)]
struct Observer {
    seen: Vec<Option<uuid::Uuid>>,
}
impl Actor for Observer {}

struct Observed;
impl Message for Observed {
    type Result = ();
}
impl Handler<Observed> for Observer {
    async fn handle(&mut self, _: Observed, ctx: &mut Context<Self>) {
        self.seen
            .push(ctx.message_info().and_then(|i| i.correlation_id));
    }
}

struct Seen;
impl Message for Seen {
    type Result = Vec<Option<uuid::Uuid>>;
    const PRIORITY: Priority = Priority::Background;
}
impl Handler<Seen> for Observer {
    async fn handle(&mut self, _: Seen, _: &mut Context<Self>) -> Vec<Option<uuid::Uuid>> {
        std::mem::take(&mut self.seen)
    }
}

/// Forwards `Forward` to the observer; from a timer callback and from `stopping`, it sends on
/// its own.
struct Forwarder {
    observer: actor_system_runtime::Addr<Observer>,
}
impl Actor for Forwarder {
    async fn stopping(&mut self, _: &mut Context<Self>) {
        self.observer.tell(Observed).unwrap();
    }
}

struct Forward;
impl Message for Forward {
    type Result = ();
}
impl Handler<Forward> for Forwarder {
    async fn handle(&mut self, _: Forward, ctx: &mut Context<Self>) {
        self.observer.tell(Observed).unwrap();
        ctx.run_later(Duration::from_millis(1), |me, _| {
            me.observer.tell(Observed).unwrap();
        });
    }
}

#[tokio::test]
async fn sends_from_timers_and_stopping_start_a_new_correlation_chain() {
    let observer = spawn(Observer::default()).await.unwrap();
    let forwarder = spawn(Forwarder {
        observer: observer.clone(),
    })
    .await
    .unwrap();
    let chain = uuid::Uuid::from_u128(42);
    forwarder.with_correlation_id(chain).tell(Forward).unwrap();
    until("the forward and the timer's send arrive", || {
        observer.stats().processed >= 2
    })
    .await;
    let reason = tokio::time::timeout(WAIT, forwarder.stop_and_wait()).await;
    assert_eq!(reason, Ok(Ok(ExitReason::Normal)));
    let seen = tokio::time::timeout(WAIT, observer.ask(Seen))
        .await
        .expect("the observer answers")
        .unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(
        seen[0],
        Some(chain),
        "a send from the handler continues its chain"
    );
    for (from, id) in ["the timer", "stopping"].iter().zip(&seen[1..]) {
        assert!(id.is_some(), "a send from {from} gets an id");
        assert_ne!(*id, Some(chain), "a send from {from} starts a new chain");
    }
    assert_ne!(seen[1], seen[2], "and each starts its own");
}
