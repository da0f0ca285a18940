//! The mailbox: lock-free priority lanes plus capacity, overflow policy and dead letters.
//!
//! A mailbox belongs to an actor's *address*, not to one incarnation of the actor: a supervisor
//! can restart the actor on the same mailbox, so addresses stay valid across restarts.

mod config;
mod handoff;
pub(crate) mod queue;
mod slot;

pub use config::{Fairness, MailboxConfig, OverflowStrategy};

use crate::envelope::{Control, Envelope, MessageInfo, Payload, Signal, Tick};
use crate::stats::ActorStats;
use crate::{Actor, ActorId, AskError, DeadLetter, DeadLetters, DropReason, Priority};
pub(crate) use queue::Wake;
use queue::{LaneQueue, Pushed, SYSTEM_LANE};
pub(crate) use slot::Slot;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// `my_crate::module::Type<T>` -> `Type<T>`.
pub(crate) fn short_type_name<A>() -> &'static str {
    let full = std::any::type_name::<A>();
    let base = full.split('<').next().unwrap_or(full);
    // A path separator is "::", so the name starts after the last ':' (a char search is a
    // memrchr, far cheaper than a "::" substring search).
    let start = base.rfind(':').map_or(0, |i| i + 1);
    &full[start..]
}

/// The name given at spawn, or `A`'s short type name.
fn name_or_type<A>(name: &Option<Arc<str>>) -> &str {
    match name {
        Some(name) => name,
        None => short_type_name::<A>(),
    }
}

/// Capacity bookkeeping of a bounded mailbox; boxed, so that unbounded mailboxes (the common
/// case) carry one pointer instead.
struct Bound {
    capacity: usize,
    overflow: OverflowStrategy,
    /// Slots taken (reserved before the push, released after the pop).
    reserved: AtomicUsize,
    /// Senders waiting for space (backpressure).
    waiters: AtomicUsize,
    space: Notify,
}

/// The lane index of a user priority (lane 0 is the system lane).
fn lane_of(priority: Priority) -> usize {
    priority.lane() + 1
}

/// The priority of a lane's items (signals in the system lane count as `Critical`).
fn priority_of(lane: usize) -> Priority {
    Priority::from_lane(lane.saturating_sub(1)).unwrap_or(Priority::Critical)
}

/// Room was taken for a message, or the message is to be dropped under the policy.
pub(crate) enum Admit<'a, A: Actor> {
    Slot(Slot<'a, A>),
    Drop(DropReason),
}

/// The message cannot be queued; the sender gets it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    Full,
    Closed,
}

pub(crate) struct Mailbox<A: Actor> {
    /// Payloads only: an envelope's stamp is rebuilt on receipt (see [`Envelope`]).
    queue: LaneQueue<Payload<A>>,
    /// Capacity and overflow policy, for bounded mailboxes only.
    bound: Option<Box<Bound>>,
    pub(crate) id: ActorId,
    /// `None`: named after the actor's type (no allocation per actor).
    name: Option<Arc<str>>,
    pub(crate) dead_letters: DeadLetters,
    pub(crate) stats: ActorStats,
    pub(crate) lifecycle: crate::lifecycle::Lifecycle,
}

impl<A: Actor> Mailbox<A> {
    pub(crate) fn new(
        name: Option<Arc<str>>,
        config: MailboxConfig,
        dead_letters: DeadLetters,
    ) -> Self {
        let stats = ActorStats::new(config.queue_warning);
        Mailbox {
            queue: LaneQueue::new(),
            bound: config.capacity.map(|capacity| {
                Box::new(Bound {
                    capacity,
                    overflow: config.overflow,
                    reserved: AtomicUsize::new(0),
                    waiters: AtomicUsize::new(0),
                    space: Notify::new(),
                })
            }),
            id: ActorId::next(),
            stats,
            name,
            dead_letters,
            lifecycle: crate::lifecycle::Lifecycle::new(),
        }
    }

    /// The actor's name: given at spawn, or its type's.
    pub(crate) fn name(&self) -> &str {
        name_or_type::<A>(&self.name)
    }

    /// The labels of the actor's metrics.
    fn labels(&self) -> crate::stats::Labels<'_> {
        (self.name(), std::any::type_name::<A>())
    }

    /// Count a handled message (see [`ActorStats::record_handled`]).
    #[inline]
    pub(crate) fn record_handled(
        &self,
        priority: Priority,
        timing: Option<(std::time::Duration, std::time::Duration)>,
    ) {
        self.stats
            .record_handled(priority, timing, || self.labels());
    }

    /// Count a failure of the actor.
    pub(crate) fn record_failure(&self) {
        self.stats.record_failure(|| self.labels());
    }

    /// The actor's name, worked out only when formatted (for logs and task names).
    pub(crate) fn display_name(&self) -> impl std::fmt::Display + '_ {
        struct Name<'a, A: Actor>(&'a Mailbox<A>);
        impl<A: Actor> std::fmt::Display for Name<'_, A> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0.name())
            }
        }
        Name(self)
    }

    /// Whether the mailbox has a capacity.
    pub(crate) fn is_bounded(&self) -> bool {
        self.bound.is_some()
    }

    /// Whether a full mailbox makes `tell_when_ready` and `ask` wait for space.
    pub(crate) fn applies_backpressure(&self) -> bool {
        matches!(&self.bound, Some(b) if b.overflow == OverflowStrategy::Backpressure)
    }

    /// Decide whether a message of `priority` may be queued, evicting under `DropOldest` and
    /// `DropLowPriority` to make room: the [`Slot`] taken is pushed into, or given back when
    /// dropped.
    #[inline]
    pub(crate) fn reserve(&self, priority: Priority) -> Result<Admit<'_, A>, Refused> {
        if self.queue.is_closed() {
            return Err(Refused::Closed);
        }
        let Some(bound) = &self.bound else {
            return Ok(Admit::Slot(self.unbounded_slot()));
        };
        let capacity = bound.capacity;
        let protected = matches!(priority, Priority::Critical | Priority::High);
        loop {
            let taken = bound.reserved.load(Ordering::SeqCst);
            if let OverflowStrategy::DropLowPriority { threshold } = bound.overflow {
                if !protected && taken as f64 >= threshold * capacity as f64 {
                    return Ok(Admit::Drop(DropReason::DroppedNewest));
                }
            }
            if taken < capacity {
                if bound
                    .reserved
                    .compare_exchange_weak(taken, taken + 1, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    return Ok(Admit::Slot(Slot::new(self, true)));
                }
                continue;
            }
            match bound.overflow {
                OverflowStrategy::Backpressure | OverflowStrategy::Reject => {
                    return Err(Refused::Full)
                }
                OverflowStrategy::DropNewest => return self.drop_incoming(priority),
                OverflowStrategy::DropOldest | OverflowStrategy::DropLowPriority { .. } => {
                    if !self.evict_one(priority) {
                        return self.drop_incoming(priority);
                    }
                }
            }
        }
    }

    /// `Critical` messages are handed back rather than dropped silently.
    fn drop_incoming(&self, priority: Priority) -> Result<Admit<'_, A>, Refused> {
        if priority == Priority::Critical {
            Err(Refused::Full)
        } else {
            Ok(Admit::Drop(DropReason::DroppedNewest))
        }
    }

    /// Evict the oldest message of the lowest non-empty lane at or below `priority` (never a
    /// `Critical` one). Returns whether one was evicted.
    fn evict_one(&self, priority: Priority) -> bool {
        let highest = priority.min(Priority::High);
        for p in Priority::ALL.into_iter().rev().filter(|p| *p <= highest) {
            if let Some(victim) = self.queue.pop_lane(lane_of(p)) {
                self.release_slot(&victim);
                self.dead_letter(victim.received(p), DropReason::Evicted);
                return true;
            }
        }
        false
    }

    /// The room for a message in an unbounded mailbox: free, nothing to reserve (a closed
    /// mailbox hands the message back on push).
    #[inline]
    pub(crate) fn unbounded_slot(&self) -> Slot<'_, A> {
        debug_assert!(!self.is_bounded());
        Slot::new(self, false)
    }

    /// Queue `env` in its lane, leaving the wake-up of a parked actor to the caller. Hands the
    /// envelope back if the mailbox is closed. (The message's room is the caller's [`Slot`].)
    #[inline]
    fn enqueue(&self, env: Envelope<A>) -> Result<Wake, Envelope<A>> {
        let priority = env.stamp.priority();
        let (pushed, wake) = self.queue.push_owing_wake(lane_of(priority), env.payload);
        match pushed {
            Pushed::Queued => Ok(wake),
            Pushed::QueuedAfterClose => {
                // The actor may have drained already: whatever is left is undeliverable.
                self.drain(DropReason::ActorStopped);
                Ok(wake)
            }
            Pushed::Closed(payload) => Err(Envelope {
                stamp: env.stamp,
                payload,
            }),
        }
    }

    /// Wake the consumer if `wake` says it is owed.
    #[inline]
    fn deliver(&self, wake: Wake) {
        self.queue.deliver(wake);
    }

    /// Whether the consumer is parked on its empty mailbox (its waker registered).
    #[inline]
    pub(crate) fn is_parked(&self) -> bool {
        self.queue.is_parked()
    }

    /// Wake the consumer wherever it waits (see [`LaneQueue::wake_consumer`]).
    pub(crate) fn wake_consumer(&self) {
        self.queue.wake_consumer();
    }

    /// Whether a stop was requested and the consumer has not taken it yet.
    pub(crate) fn stop_requested(&self) -> bool {
        self.queue.stop_requested()
    }

    /// [`request_stop`](Self::request_stop), leaving the wake-up to the caller (see
    /// [`push_reserved_owing_wake`](Self::push_reserved_owing_wake)).
    pub(crate) fn request_stop_owing_wake(&self) -> Wake {
        self.queue.request_stop_owing_wake()
    }

    /// How many of the user lanes were ever used (created).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn lanes_in_use(&self) -> usize {
        self.queue.lanes_in_use()
    }

    /// Put `env` in the hand-off slot, ahead of the lanes, if the consumer is parked with every
    /// lane empty (see [`Slot::hand_over`] and [`LaneQueue::hand_off`]); otherwise hand it back,
    /// to be queued in its lane.
    fn try_hand_off(&self, env: Envelope<A>) -> Option<Envelope<A>> {
        let stamp = env.stamp;
        match self.queue.hand_off(lane_of(stamp.priority()), env.payload) {
            Ok(()) => None,
            Err(refused) => Some(Envelope {
                stamp,
                payload: refused.item,
            }),
        }
    }

    /// Queue a timer tick: no capacity check (ticks are coalesced by the timer). `false` once
    /// the mailbox is closed.
    pub(crate) fn push_timer(&self, tick: Tick) -> bool {
        let priority = tick.stamp.priority();
        let env = Envelope::timer(tick);
        !matches!(
            self.queue.push(lane_of(priority), env.payload),
            Pushed::Closed(_)
        )
    }

    /// Queue a control signal ahead of all user traffic, regardless of capacity.
    pub(crate) fn push_signal(&self, signal: Signal) {
        let _ = self
            .queue
            .push(SYSTEM_LANE, Envelope::<A>::signal(signal).payload);
    }

    /// Ask the actor to stop, ahead of every queued message (see [`Addr::stop`]).
    ///
    /// [`Addr::stop`]: crate::Addr::stop
    pub(crate) fn request_stop(&self) {
        self.queue.request_stop();
    }

    /// Consumer side: whether a stop was requested (the request is used up).
    #[inline]
    pub(crate) fn take_stop(&self) -> bool {
        self.queue.take_stop()
    }

    /// The last address is gone: make an idle actor look at its address count.
    pub(crate) fn senders_gone(&self) {
        self.queue.nudge();
    }

    /// Consumer side: the next envelope by lane order and `picker`'s fairness.
    #[inline]
    pub(crate) fn pop(&self, picker: &mut LanePicker) -> Option<Envelope<A>> {
        let (lane, payload) = picker.pick(&self.queue)?;
        self.release_slot(&payload);
        Some(payload.received(priority_of(lane)))
    }

    /// Consumer side, while draining (see [`Addr::drain_and_stop`](crate::Addr::drain_and_stop)):
    /// the next envelope among those queued when the drain began, `left` of them per user lane
    /// (the first ones of a lane, which is FIFO), in lane order; signals first. `None` once none
    /// is left: what came since stays queued.
    pub(crate) fn pop_draining(&self, left: &mut [usize; 4]) -> Option<Envelope<A>> {
        if let Some(payload) = self.queue.pop_lane(SYSTEM_LANE) {
            return Some(payload.received(Priority::Critical));
        }
        for priority in Priority::ALL {
            let left = &mut left[priority.lane()];
            if *left == 0 {
                continue;
            }
            *left -= 1;
            match self.queue.pop_lane(lane_of(priority)) {
                Some(payload) => {
                    self.release_slot(&payload);
                    return Some(payload.received(priority));
                }
                // Evicted meanwhile: nothing older is left in this lane.
                None => *left = 0,
            }
        }
        None
    }

    /// Ask the running incarnation to end at its next await point, failing with `error` (see
    /// [`Addr::kill`](crate::Addr::kill)), and wake its task wherever it waits.
    pub(crate) fn kill(&self, error: crate::ActorError) {
        self.lifecycle.request_kill(self.stats.restarts(), error);
        self.queue.wake_consumer();
    }

    /// Consumer side, while the incarnation waits: make sure a kill request can wake the task.
    /// A parked consumer's waker is registered already; one that waits inside a handler (on
    /// anything else) registers it here, once per poll that ends pending.
    #[inline]
    pub(crate) fn keep_killable(&self, waker: &std::task::Waker) {
        if !self.queue.is_parked() {
            self.queue.register_consumer(waker);
        }
    }

    /// Park the consumer on `waker` before it ever ran, as if it had found the mailbox empty:
    /// `false` if something is waiting already (nothing is registered to wake then, so the
    /// caller must start the consumer itself). See `spawn_driven`.
    pub(crate) fn park_consumer(&self, waker: &std::task::Waker) -> bool {
        let mut cx = std::task::Context::from_waker(waker);
        self.queue.poll_ready(&mut cx, false).is_pending()
    }

    /// Consumer side, after [`pop`](Self::pop) found nothing: wait for the next envelope (see
    /// [`LaneQueue::ready`]).
    #[inline]
    pub(crate) async fn ready(&self) {
        self.queue.ready().await
    }

    /// A user message left the queue: free its slot.
    #[inline]
    fn release_slot(&self, payload: &Payload<A>) {
        if matches!(payload, Payload::Letter(_)) {
            self.free_slot();
        }
    }

    /// Give one slot of a bounded mailbox back and wake one waiting sender.
    #[inline]
    fn free_slot(&self) {
        let Some(bound) = &self.bound else {
            return;
        };
        bound.reserved.fetch_sub(1, Ordering::SeqCst);
        if bound.waiters.load(Ordering::SeqCst) > 0 {
            bound.space.notify_one();
        }
    }

    /// Wait until a slot may be free (or the mailbox closed). Callers retry `reserve` after.
    pub(crate) async fn wait_for_space(&self) {
        let Some(bound) = &self.bound else {
            return;
        };
        let notified = bound.space.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        bound.waiters.fetch_add(1, Ordering::SeqCst);
        let full = bound.reserved.load(Ordering::SeqCst) >= bound.capacity;
        if full && !self.queue.is_closed() {
            notified.await;
        }
        bound.waiters.fetch_sub(1, Ordering::SeqCst);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// Refuse further messages; wake everyone waiting.
    pub(crate) fn close(&self) {
        self.queue.close();
        if let Some(bound) = &self.bound {
            bound.space.notify_waiters();
        }
    }

    /// Dead-letter everything still queued (user messages; signals and ticks are discarded).
    pub(crate) fn drain(&self, reason: DropReason) {
        while let Some((lane, payload)) = self.queue.pop_first() {
            self.release_slot(&payload);
            self.dead_letter(payload.received(priority_of(lane)), reason);
        }
    }

    /// Count a dropped message, resolve its ask with an error and publish it as a dead letter
    /// (carrying the message while somebody subscribes to the dead letters).
    /// A timer tick is a dead letter only when an overflow policy evicted it (at the actor's
    /// end its timer is cancelled, and the tick goes with it); signals are not messages.
    pub(crate) fn dead_letter(&self, env: Envelope<A>, reason: DropReason) {
        let info = env.info();
        let message = match env.payload {
            Payload::Letter(letter) => letter.reject(
                match reason {
                    DropReason::ActorStopped => AskError::Stopped,
                    DropReason::HandlerFailed => AskError::NoReply,
                    DropReason::Rejected => AskError::Full,
                    DropReason::DroppedNewest | DropReason::Evicted => AskError::Dropped,
                    // Given by remote nodes, never by a mailbox.
                    DropReason::PeerUnreachable | DropReason::RefusedByPeer => AskError::Dropped,
                },
                self.dead_letters.is_observed(),
            ),
            Payload::Control(control) => match *control {
                Control::Timer(_) if reason == DropReason::Evicted => None,
                Control::Timer(_) | Control::Signal(_) => return,
            },
        };
        self.publish_dead_letter(&info, reason, message);
    }

    /// Count and publish a dropped message that never became an envelope; the dead letter
    /// carries `msg` while somebody subscribes to the dead letters.
    pub(crate) fn record_dead_letter<M: Send + 'static>(
        &self,
        info: &MessageInfo,
        reason: DropReason,
        msg: Option<M>,
    ) {
        let message = msg
            .filter(|_| self.dead_letters.is_observed())
            .map(|msg| Box::new(msg) as Box<dyn std::any::Any + Send>);
        self.publish_dead_letter(info, reason, message);
    }

    fn publish_dead_letter(
        &self,
        info: &MessageInfo,
        reason: DropReason,
        message: Option<Box<dyn std::any::Any + Send>>,
    ) {
        self.stats.record_dropped(|| self.labels());
        self.dead_letters.publish(DeadLetter {
            actor_id: self.id,
            actor_name: self
                .name
                .clone()
                .unwrap_or_else(|| short_type_name::<A>().into()),
            message_type: info.message_type,
            priority: info.priority,
            correlation_id: info.correlation_id,
            reason,
            message: message.map(crate::dead_letter::Undelivered::new),
        });
    }

    /// Messages waiting per user lane, indexed by [`Priority::lane`].
    pub(crate) fn queue_depth(&self) -> [usize; 4] {
        Priority::ALL.map(|p| self.queue.lane_len(lane_of(p)))
    }

    /// The actor's counters with the current queue depths and mailbox memory.
    pub(crate) fn stats_snapshot(&self) -> crate::StatsSnapshot {
        let queue_depth = self.queue_depth();
        self.stats
            .snapshot(queue_depth, self.memory_with(queue_depth))
    }

    /// The current queue depths and mailbox memory.
    pub(crate) fn resources(&self) -> crate::MailboxResources {
        let queue_depth = self.queue_depth();
        crate::MailboxResources {
            queue_depth,
            mailbox_bytes: self.memory_with(queue_depth),
        }
    }

    /// An estimate of the memory the mailbox holds, in bytes, given its user lanes' depths
    /// (`queue_depth`): its own structure (with a bounded mailbox's bookkeeping), each user
    /// lane that holds messages (its queue and the blocks of slots its messages take, 31 to a
    /// block) and the queued signals. What the queued messages point to (their letters, a
    /// message's heap data) is not counted; nor is a lane that is empty now (its queue and one
    /// block, ~1 KiB, stay once it was used).
    fn memory_with(&self, queue_depth: [usize; 4]) -> usize {
        use std::mem::size_of;
        const SLOTS_PER_BLOCK: usize = 31;
        // A slot is the payload and its state word; a block, its slots and the next pointer.
        let block =
            SLOTS_PER_BLOCK * (size_of::<Payload<A>>() + size_of::<usize>()) + size_of::<usize>();
        let lane = size_of::<crossbeam_queue::SegQueue<Payload<A>>>();
        let lanes: usize = queue_depth
            .into_iter()
            .filter(|&queued| queued > 0)
            .map(|queued| lane + queued.div_ceil(SLOTS_PER_BLOCK) * block)
            .sum();
        let signals = self.queue.lane_len(SYSTEM_LANE) * size_of::<Payload<A>>();
        let bound = self.bound.as_ref().map_or(0, |_| size_of::<Bound>());
        size_of::<Self>() + bound + lanes + signals
    }

    /// What a health check reports, given the actor's own answer: the mailbox's resources now,
    /// mirrored into the actor's gauges if metrics are exported (see
    /// [`export_metrics`](crate::export_metrics)), and the status with the queue-depth warning
    /// applied. Runs at each health check only, a bounded rate: sends and handling pay nothing.
    pub(crate) fn health_report(&self, status: crate::HealthStatus) -> crate::HealthReport {
        let resources = self.resources();
        self.stats
            .record_resources(resources.queue_depth, resources.mailbox_bytes, || {
                self.labels()
            });
        crate::HealthReport {
            status: resources.judge(status, self.stats.queue_warning()),
            resources,
        }
    }

    /// Fraction of a bounded mailbox in use (0.0 for unbounded ones).
    pub(crate) fn saturation(&self) -> f64 {
        match &self.bound {
            Some(bound) => bound.reserved.load(Ordering::Relaxed) as f64 / bound.capacity as f64,
            None => 0.0,
        }
    }
}

/// The consumer's lane choice: strict priority, or strict with a periodic turn for lower lanes.
#[derive(Debug, Default)]
pub(crate) struct LanePicker {
    fairness: Fairness,
    picks: u32,
    /// 0..3: which of High, Normal, Background gets the next boost. (Small: the picker sits in
    /// every actor's task.)
    next_boost: u8,
}

impl LanePicker {
    pub(crate) fn new(fairness: Fairness) -> Self {
        LanePicker {
            fairness,
            picks: 0,
            next_boost: 0,
        }
    }

    #[inline]
    fn pick<T>(&mut self, queue: &LaneQueue<T>) -> Option<(usize, T)> {
        if let Fairness::AntiStarvation { every } = self.fairness {
            self.picks += 1;
            if self.picks >= every {
                self.picks = 0;
                // Rotate over High, Normal, Background (lanes 2..=4).
                for _ in 0..3 {
                    let lane = 2 + usize::from(self.next_boost);
                    self.next_boost = (self.next_boost + 1) % 3;
                    if let Some(item) = queue.pop_lane(lane) {
                        return Some((lane, item));
                    }
                }
            }
        }
        queue.pop_first()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_names_drop_the_module_path() {
        struct Local;
        assert_eq!(super::short_type_name::<Local>(), "Local");
        assert_eq!(super::short_type_name::<Vec<u8>>(), "Vec<u8>");
    }
}
