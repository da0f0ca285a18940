//! Timers of an actor: delayed and periodic callbacks that run on the actor's own task.
//!
//! A timer task never blocks on the mailbox: ticks bypass capacity, and a periodic timer has at
//! most one tick queued (missed ticks are coalesced), so a busy actor cannot pile them up.

use crate::envelope::{Stamp, Tick};
use crate::{Actor, Context, Priority};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

/// Cancels a timer scheduled through a [`Context`]. Dropping the handle does not cancel it.
///
/// ```
/// # use actor_system_runtime::{spawn, Actor, ActorResult, Context};
/// # use std::time::Duration;
/// struct Ticker;
/// impl Actor for Ticker {
///     async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
///         let handle = ctx.run_interval(Duration::from_secs(1), |_actor, _ctx| {});
///         handle.cancel();
///         assert!(handle.is_cancelled());
///         Ok(())
///     }
/// }
/// # #[tokio::main(flavor = "current_thread")] async fn main() { spawn(Ticker).await.unwrap(); }
/// ```
#[derive(Debug, Clone)]
pub struct TimerHandle {
    token: CancellationToken,
}

impl TimerHandle {
    pub(crate) fn new(token: CancellationToken) -> Self {
        TimerHandle { token }
    }

    /// Stop the timer; a tick already queued is discarded.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether the timer was cancelled (or its actor stopped).
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Where a timer queues its ticks: the actor's mailbox (which the timer need not know).
pub(crate) trait TickSink: Send + Sync + 'static {
    /// Queue `tick`, whatever the capacity (ticks are coalesced by their timer); `false` once
    /// the actor's mailbox is closed.
    fn push_tick(&self, tick: Tick) -> bool;
}

type Once<A> = Box<dyn FnOnce(&mut A, &mut Context<A>) + Send>;
type Repeat<A> = Box<dyn FnMut(&mut A, &mut Context<A>) + Send>;

enum Callback<A: Actor> {
    Once(Once<A>),
    Repeat(Repeat<A>),
}

struct Entry<A: Actor> {
    callback: Callback<A>,
    token: CancellationToken,
}

/// The timers of one incarnation; all are cancelled when it ends. The table is created with the
/// first timer: most actors have none, and every actor's task carries this.
pub(crate) struct Timers<A: Actor> {
    table: Option<Box<TimerTable<A>>>,
}

struct TimerTable<A: Actor> {
    /// A B-tree rather than a hash map: it is smaller in every actor's context and needs no
    /// random hasher state at spawn.
    entries: BTreeMap<u64, Entry<A>>,
    root: CancellationToken,
}

impl<A: Actor> Timers<A> {
    pub(crate) fn new() -> Self {
        Timers { table: None }
    }

    fn table(&mut self) -> &mut TimerTable<A> {
        self.table.get_or_insert_with(|| {
            Box::new(TimerTable {
                entries: BTreeMap::new(),
                root: CancellationToken::new(),
            })
        })
    }

    /// A token cancelled with this incarnation's timers.
    pub(crate) fn child_token(&mut self) -> CancellationToken {
        self.table().root.child_token()
    }

    pub(crate) fn cancel_all(&mut self) {
        if let Some(table) = &mut self.table {
            table.root.cancel();
            table.entries.clear();
        }
    }

    fn schedule(
        &mut self,
        sink: Arc<dyn TickSink>,
        delay: Duration,
        period: Option<Duration>,
        priority: Priority,
        callback: Callback<A>,
    ) -> TimerHandle {
        // Unique in the process: a tick queued by an earlier incarnation's timer survives a
        // restart (the mailbox does) and must not fire a later incarnation's timer.
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let table = self.table();
        let token = table.root.child_token();
        let queued = Arc::new(AtomicBool::new(false));
        table.entries.insert(
            id,
            Entry {
                callback,
                token: token.clone(),
            },
        );
        let task_token = token.clone();
        tokio::spawn(async move {
            let start = tokio::time::Instant::now() + delay;
            let mut ticks = tokio::time::interval_at(
                start,
                period.unwrap_or(delay.max(Duration::from_millis(1))),
            );
            ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    _ = task_token.cancelled() => return,
                    _ = ticks.tick() => {}
                }
                if !queued.swap(true, Ordering::AcqRel) {
                    let tick = Tick {
                        id,
                        stamp: Stamp::new(priority, Some(Instant::now())),
                        queued: queued.clone(),
                    };
                    if !sink.push_tick(tick) {
                        return;
                    }
                }
                if period.is_none() {
                    return;
                }
            }
        });
        TimerHandle::new(token)
    }

    pub(crate) fn run_later(
        &mut self,
        sink: Arc<dyn TickSink>,
        delay: Duration,
        f: Once<A>,
    ) -> TimerHandle {
        self.schedule(sink, delay, None, Priority::Normal, Callback::Once(f))
    }

    pub(crate) fn run_interval(
        &mut self,
        sink: Arc<dyn TickSink>,
        period: Duration,
        priority: Priority,
        f: Repeat<A>,
    ) -> TimerHandle {
        self.schedule(sink, period, Some(period), priority, Callback::Repeat(f))
    }

    /// Take timer `id`'s callback out to run it; `None` if it was cancelled.
    fn take(&mut self, id: u64) -> Option<Entry<A>> {
        let entry = self.table.as_mut()?.entries.remove(&id)?;
        (!entry.token.is_cancelled()).then_some(entry)
    }
}

impl<A: Actor> Drop for Timers<A> {
    /// An incarnation that is dropped (killed) takes its timers with it.
    fn drop(&mut self) {
        if let Some(table) = &self.table {
            table.root.cancel();
        }
    }
}

/// Run the callback of timer `id` (called by the actor's loop when its tick is dequeued).
pub(crate) fn fire<A: Actor>(actor: &mut A, ctx: &mut Context<A>, id: u64) {
    let Some(entry) = ctx.timers.take(id) else {
        return;
    };
    match entry.callback {
        Callback::Once(f) => f(actor, ctx),
        Callback::Repeat(mut f) => {
            f(actor, ctx);
            if !entry.token.is_cancelled() {
                ctx.timers.table().entries.insert(
                    id,
                    Entry {
                        callback: Callback::Repeat(f),
                        ..entry
                    },
                );
            }
        }
    }
}
