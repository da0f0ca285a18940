//! Timers of an actor: delayed messages, and delayed or periodic callbacks (plain or async) that
//! run on the actor between messages, with `&mut self`.
//!
//! A timer task never blocks on the mailbox: ticks bypass capacity, and a periodic timer has at
//! most one tick queued (missed ticks are coalesced), so a busy actor cannot pile them up.

use crate::envelope::{MessageInfo, Stamp, Tick, TickSink};
use crate::{Actor, Context, DropReason, Handler, Message, Priority, SendError};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

/// Cancels a timer, a spawned future or a stream started through a [`Context`]. Dropping the
/// handle does not cancel it; the end of the incarnation that started it does.
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

    /// Stop the timer (or future, or stream); a tick already queued is discarded.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether it was cancelled (or its actor stopped).
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// A future borrowing the actor and its context, as an async callback returns it.
pub type ActorFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

type Once<A> = Box<dyn FnOnce(&mut A, &mut Context<A>) + Send>;
type Repeat<A> = Box<dyn FnMut(&mut A, &mut Context<A>) + Send>;
type AsyncOnce<A> =
    Box<dyn for<'a> FnOnce(&'a mut A, &'a mut Context<A>) -> ActorFuture<'a> + Send>;
type AsyncRepeat<A> =
    Box<dyn for<'a> FnMut(&'a mut A, &'a mut Context<A>) -> ActorFuture<'a> + Send>;

enum Callback<A: Actor> {
    Once(Once<A>),
    Repeat(Repeat<A>),
    AsyncOnce(AsyncOnce<A>),
    AsyncRepeat(AsyncRepeat<A>),
}

struct Entry<A: Actor> {
    callback: Callback<A>,
    token: CancellationToken,
}

/// The timers of one incarnation, by id. A B-tree rather than a hash map: it is smaller and
/// needs no random hasher state.
pub(crate) struct TimerTable<A: Actor> {
    entries: BTreeMap<u64, Entry<A>>,
}

impl<A: Actor> TimerTable<A> {
    pub(crate) fn new() -> Self {
        TimerTable {
            entries: BTreeMap::new(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// Take timer `id`'s callback out to run it; `None` if it was cancelled.
    fn take(&mut self, id: u64) -> Option<Entry<A>> {
        let entry = self.entries.remove(&id)?;
        (!entry.token.is_cancelled()).then_some(entry)
    }
}

/// Schedule `callback` on `ctx`'s actor after `delay`, then every `period` if any;
/// its ticks travel in `priority`'s lane.
fn schedule<A: Actor>(
    ctx: &mut Context<A>,
    delay: Duration,
    period: Option<Duration>,
    priority: Priority,
    callback: Callback<A>,
) -> TimerHandle {
    // Unique in the process: a tick queued by an earlier incarnation's timer survives a
    // restart (the mailbox does) and must not fire a later incarnation's timer.
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let sink: Arc<dyn TickSink> = ctx.shared.clone();
    let table = ctx.extras.table();
    let token = table.root.child_token();
    table.timers.entries.insert(
        id,
        Entry {
            callback,
            token: token.clone(),
        },
    );
    let queued = Arc::new(AtomicBool::new(false));
    let task_token = token.clone();
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + delay;
        let mut ticks =
            tokio::time::interval_at(start, period.unwrap_or(delay.max(Duration::from_millis(1))));
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

/// Timers: delayed messages to the actor itself, and callbacks run on it between messages.
impl<A: Actor> Context<A> {
    /// Send `msg` to this actor after `delay`, in the lane the actor declares for it
    /// ([`Handler::PRIORITY`]). Cancelled by the handle or when the actor stops. A mailbox that
    /// is full when the delay is over refuses it: it goes to dead letters.
    pub fn notify_later<M: Message>(&mut self, msg: M, delay: Duration) -> TimerHandle
    where
        A: Handler<M>,
    {
        self.notify_later_at(msg, delay, <A as Handler<M>>::PRIORITY)
    }

    /// [`notify_later`](Self::notify_later) in `priority`'s lane.
    ///
    /// ```
    /// use actor_system_runtime::{spawn, Actor, Context, Handler, Message, Priority};
    /// use std::time::Duration;
    /// use tokio::sync::oneshot;
    ///
    /// struct Chain { lane: Option<oneshot::Sender<Priority>> }
    /// impl Actor for Chain {}
    /// struct Deadline;
    /// impl Message for Deadline { type Result = (); }
    /// impl Handler<Deadline> for Chain {
    ///     async fn handle(&mut self, _: Deadline, ctx: &mut Context<Self>) {
    ///         let lane = ctx.message_info().unwrap().priority;
    ///         let _ = self.lane.take().unwrap().send(lane);
    ///     }
    /// }
    /// struct Arm;
    /// impl Message for Arm { type Result = (); }
    /// impl Handler<Arm> for Chain {
    ///     async fn handle(&mut self, _: Arm, ctx: &mut Context<Self>) {
    ///         ctx.notify_later_at(Deadline, Duration::from_millis(5), Priority::Critical);
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (lane, deadline) = oneshot::channel();
    /// let chain = spawn(Chain { lane: Some(lane) }).await.unwrap();
    /// chain.ask(Arm).await.unwrap();
    /// assert_eq!(deadline.await.unwrap(), Priority::Critical);
    /// # }
    /// ```
    pub fn notify_later_at<M: Message>(
        &mut self,
        msg: M,
        delay: Duration,
        priority: Priority,
    ) -> TimerHandle
    where
        A: Handler<M>,
    {
        let shared = self.shared.clone();
        let correlation_id = self.correlation_id();
        // Cancelled with the handle or the incarnation, like any future the actor spawns.
        self.spawn(async move {
            tokio::time::sleep(delay).await;
            let sent = crate::address::tell_to(&shared.mailbox, msg, priority, correlation_id);
            if let Err(refused) = sent {
                // Nobody is there to take the message back: it is a dead letter.
                let reason = match refused {
                    SendError::Full(_) => DropReason::Rejected,
                    SendError::Stopped(_) => DropReason::ActorStopped,
                };
                let msg = refused.into_inner();
                let info = MessageInfo {
                    priority,
                    correlation_id,
                    enqueued_at: None,
                    message_type: std::any::type_name::<M>(),
                };
                shared.mailbox.record_dead_letter(&info, reason, Some(msg));
            }
        })
    }

    /// Run `f` on this actor after `delay`, at `Normal` priority.
    pub fn run_later<F>(&mut self, delay: Duration, f: F) -> TimerHandle
    where
        F: FnOnce(&mut A, &mut Context<A>) + Send + 'static,
    {
        schedule(
            self,
            delay,
            None,
            Priority::Normal,
            Callback::Once(Box::new(f)),
        )
    }

    /// [`run_later`](Self::run_later) with a callback that awaits: `f` returns a boxed future
    /// that may borrow the actor and its context (`|actor, ctx| Box::pin(async move { .. })`).
    /// The actor handles nothing else until it is done.
    pub fn run_later_async<F>(&mut self, delay: Duration, f: F) -> TimerHandle
    where
        F: for<'a> FnOnce(&'a mut A, &'a mut Context<A>) -> ActorFuture<'a> + Send + 'static,
    {
        let callback = Callback::AsyncOnce(Box::new(f));
        schedule(self, delay, None, Priority::Normal, callback)
    }

    /// Run `f` on this actor every `period` (first after one period), at `Normal` priority.
    /// Missed ticks are skipped, never queued up.
    pub fn run_interval<F>(&mut self, period: Duration, f: F) -> TimerHandle
    where
        F: FnMut(&mut A, &mut Context<A>) + Send + 'static,
    {
        self.run_interval_at(period, Priority::Normal, f)
    }

    /// [`run_interval`](Self::run_interval) with the ticks in `priority`'s lane.
    pub fn run_interval_at<F>(&mut self, period: Duration, priority: Priority, f: F) -> TimerHandle
    where
        F: FnMut(&mut A, &mut Context<A>) + Send + 'static,
    {
        schedule(
            self,
            period,
            Some(period),
            priority,
            Callback::Repeat(Box::new(f)),
        )
    }

    /// [`run_interval`](Self::run_interval) with a callback that awaits (see
    /// [`run_later_async`](Self::run_later_async)): the actor handles nothing else while a
    /// tick's future runs, and a tick that comes meanwhile waits (missed ones are skipped).
    ///
    /// ```
    /// use actor_system_runtime::{spawn, Actor, ActorResult, Context, Handler, Message};
    /// use std::time::Duration;
    ///
    /// struct Storage { flushed: u32 }
    /// impl Storage {
    ///     async fn flush(&mut self) { tokio::task::yield_now().await; self.flushed += 1; }
    /// }
    /// impl Actor for Storage {
    ///     async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
    ///         ctx.run_interval_async(Duration::from_millis(5), |storage, _ctx| {
    ///             Box::pin(async move { storage.flush().await })
    ///         });
    ///         Ok(())
    ///     }
    /// }
    /// struct Flushed;
    /// impl Message for Flushed { type Result = u32; }
    /// impl Handler<Flushed> for Storage {
    ///     async fn handle(&mut self, _: Flushed, _: &mut Context<Self>) -> u32 { self.flushed }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let storage = spawn(Storage { flushed: 0 }).await.unwrap();
    /// while storage.ask(Flushed).await.unwrap() < 2 {
    ///     tokio::time::sleep(Duration::from_millis(5)).await;
    /// }
    /// # }
    /// ```
    pub fn run_interval_async<F>(&mut self, period: Duration, f: F) -> TimerHandle
    where
        F: for<'a> FnMut(&'a mut A, &'a mut Context<A>) -> ActorFuture<'a> + Send + 'static,
    {
        self.run_interval_async_at(period, Priority::Normal, f)
    }

    /// [`run_interval_async`](Self::run_interval_async) with the ticks in `priority`'s lane.
    pub fn run_interval_async_at<F>(
        &mut self,
        period: Duration,
        priority: Priority,
        f: F,
    ) -> TimerHandle
    where
        F: for<'a> FnMut(&'a mut A, &'a mut Context<A>) -> ActorFuture<'a> + Send + 'static,
    {
        let callback = Callback::AsyncRepeat(Box::new(f));
        schedule(self, period, Some(period), priority, callback)
    }
}

/// An async callback taken out of its timer to be awaited (see [`fire`]).
pub(crate) struct Pending<A: Actor> {
    id: u64,
    token: CancellationToken,
    run: PendingRun<A>,
}

enum PendingRun<A: Actor> {
    Once(AsyncOnce<A>),
    Repeat(AsyncRepeat<A>),
}

/// Put a periodic timer's callback back, unless it was cancelled while it ran.
fn put_back<A: Actor>(
    ctx: &mut Context<A>,
    id: u64,
    callback: Callback<A>,
    token: CancellationToken,
) {
    if !token.is_cancelled() {
        let entry = Entry { callback, token };
        ctx.extras.table().timers.entries.insert(id, entry);
    }
}

/// Run the callback of timer `id` (called by the actor's loop when its tick is dequeued). An
/// async callback is handed back, for the loop to await with [`run_pending`].
pub(crate) fn fire<A: Actor>(actor: &mut A, ctx: &mut Context<A>, id: u64) -> Option<Pending<A>> {
    let Entry { callback, token } = ctx.extras.get()?.timers.take(id)?;
    let run = match callback {
        Callback::Once(f) => {
            f(actor, ctx);
            return None;
        }
        Callback::Repeat(mut f) => {
            f(actor, ctx);
            put_back(ctx, id, Callback::Repeat(f), token);
            return None;
        }
        Callback::AsyncOnce(f) => PendingRun::Once(f),
        Callback::AsyncRepeat(f) => PendingRun::Repeat(f),
    };
    Some(Pending { id, token, run })
}

/// Await an async callback that [`fire`] handed back.
pub(crate) async fn run_pending<A: Actor>(
    actor: &mut A,
    ctx: &mut Context<A>,
    pending: Pending<A>,
) {
    let Pending { id, token, run } = pending;
    match run {
        PendingRun::Once(f) => f(actor, ctx).await,
        PendingRun::Repeat(mut f) => {
            f(actor, ctx).await;
            put_back(ctx, id, Callback::AsyncRepeat(f), token);
        }
    }
}
