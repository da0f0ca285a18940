//! [`EventHub`]: chain events to subscribers, filtered by type, in height order within each kind.

use crate::sequence::{HeightOrder, Rule, Step};
use crate::{BlockchainEvent, BlockchainEventType};
use actor_system_runtime::pubsub::Topic;
use actor_system_runtime::{PublishReport, Recipient, SubscriptionId};
use parking_lot::Mutex;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::time::Instant;

/// How many block events may wait for a missing lower height at once (per kind) before the hub
/// gives up the lowest gap without waiting out [`GAP_TIMEOUT`].
pub const MAX_REORDER_BUFFER: usize = 64;

/// How long a block event waits for a missing lower height by default: Alys's consensus latency
/// budget, so a gap never costs a consensus actor more than that.
pub const GAP_TIMEOUT: Duration = Duration::from_millis(100);

/// Bounds of the hub's waiting for missing heights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubConfig {
    /// Longest a block event waits for a missing lower height.
    pub gap_timeout: Duration,
    /// Most block events waiting at once, per kind.
    pub max_held: usize,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            gap_timeout: GAP_TIMEOUT,
            max_held: MAX_REORDER_BUFFER,
        }
    }
}

/// What one [`EventHub::publish`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubReport {
    /// Delivery of the events this publish released, counted as every pub/sub here counts (a
    /// refusal by a full mailbox is in `refused` and in that actor's dead letters).
    pub deliveries: PublishReport,
    /// Events released: this one unless it waits, and those it (or an expired wait) let go.
    pub released: usize,
    /// 1 when this event waits for a missing lower height.
    pub held: usize,
    /// 1 when this event is below a height already delivered: it is delivered anyway.
    pub late: usize,
    /// Missing ranges of heights given up on (their wait expired, or too many events waited).
    pub gaps: usize,
}

/// Everything an [`EventHub`] has done since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubStats {
    /// Deliveries to subscribers (as in [`HubReport::deliveries`]).
    pub deliveries: PublishReport,
    /// Events released to subscribers.
    pub released: usize,
    /// Events delivered below a height already delivered.
    pub late: usize,
    /// Missing ranges of heights given up on.
    pub gaps: usize,
    /// Events waiting for a missing lower height now.
    pub held: usize,
}

/// Distributes [`BlockchainEvent`]s: each subscriber gets the types it asked for, in the lane its
/// recipient sends at (a [`BlockchainAwareActor`](crate::BlockchainAwareActor)'s recipient sends at
/// its declared priority's lane).
///
/// Order is kept within each kind, for all subscribers alike:
/// - `BlockProduced` heights are contiguous. An event above a missing height waits for it, at most
///   [`HubConfig::gap_timeout`] (and while fewer than [`HubConfig::max_held`] wait); then the hub
///   delivers what it has, in order, and counts the gap.
/// - `BlockFinalized` heights only grow, with gaps: nothing waits.
/// - Other kinds go out as they come.
///
/// An event at the height last delivered (a reorg) is delivered. One below it is *late*: it is
/// delivered too, and counted (nothing is dropped silently). Expired waits are released by a task
/// that runs only while events wait (on the runtime of the publish that made them wait; with no
/// runtime, by the next publish after the deadline).
///
/// ```
/// use actor_system_blockchain::*;
/// use actor_system_runtime::testing::TestProbe;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let hub = EventHub::new();
/// let mut probe = TestProbe::<BlockchainEvent>::with_reply(|_| Ok(())).await;
/// hub.subscribe(probe.recipient(), [BlockchainEventType::BlockProduced]);
/// let block = |height| BlockchainEvent::BlockProduced { height, hash: [0; 32] };
/// hub.publish(block(1));
/// assert_eq!(hub.publish(block(3)).held, 1); // 3 waits for 2
/// assert_eq!(hub.publish(block(2)).released, 2); // 2, then 3
/// hub.publish(block(5)); // 4 never comes: 5 goes out after GAP_TIMEOUT
/// for h in [1, 2, 3, 5] {
///     assert_eq!(probe.expect_msg(Duration::from_secs(1)).await.height(), Some(h));
/// }
/// assert_eq!(hub.stats().gaps, 1);
/// assert_eq!(hub.publish(block(4)).late, 1); // delivered late, and counted
/// # }
/// ```
#[derive(Clone, Default)]
pub struct EventHub {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    config: HubConfig,
    topic: Topic<BlockchainEvent>,
    order: Mutex<Order>,
    released: AtomicUsize,
    late: AtomicUsize,
    gaps: AtomicUsize,
}

/// The order of each kind, and whether a task is releasing expired waits.
struct Order {
    produced: HeightOrder,
    finalized: HeightOrder,
    releaser: bool,
}

impl Default for Order {
    fn default() -> Self {
        Order {
            produced: HeightOrder::new(Rule::Contiguous),
            finalized: HeightOrder::new(Rule::Increasing),
            releaser: false,
        }
    }
}

impl Order {
    /// Give up the gaps below events that have waited `timeout` by `now`.
    fn expire(&mut self, now: Instant, timeout: Duration) -> Step {
        let mut step = Step::default();
        for kind in [&mut self.produced, &mut self.finalized] {
            kind.expire(now, timeout, &mut step);
        }
        step
    }

    fn deadline(&self, timeout: Duration) -> Option<Instant> {
        [&self.produced, &self.finalized]
            .into_iter()
            .filter_map(|kind| kind.deadline(timeout))
            .min()
    }
}

impl EventHub {
    /// A hub without subscribers, waiting for missing heights as [`HubConfig::default`] says.
    pub fn new() -> Self {
        Self::default()
    }

    /// A hub with other bounds on waiting for missing heights.
    pub fn with_config(config: HubConfig) -> Self {
        EventHub {
            inner: Arc::new(Inner {
                config,
                ..Inner::default()
            }),
        }
    }

    /// Deliver events of `types` to `recipient`, in the lane it sends at.
    pub fn subscribe(
        &self,
        recipient: Recipient<BlockchainEvent>,
        types: impl IntoIterator<Item = BlockchainEventType>,
    ) -> SubscriptionId {
        let types: HashSet<_> = types.into_iter().collect();
        self.inner
            .topic
            .subscribe_filtered(recipient, move |e| types.contains(&e.event_type()))
    }

    /// Remove a subscription; returns whether it existed.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        self.inner.topic.unsubscribe(id)
    }

    /// Number of subscriptions.
    pub fn subscriber_count(&self) -> usize {
        self.inner.topic.subscriber_count()
    }

    /// Everything the hub has done since it was made.
    pub fn stats(&self) -> HubStats {
        let inner = &self.inner;
        let order = inner.order.lock();
        HubStats {
            deliveries: inner.topic.totals(),
            released: inner.released.load(Ordering::Relaxed),
            late: inner.late.load(Ordering::Relaxed),
            gaps: inner.gaps.load(Ordering::Relaxed),
            held: order.produced.held() + order.finalized.held(),
        }
    }

    /// Queue `event` for every subscriber of its type, in its kind's order; without waiting.
    pub fn publish(&self, event: BlockchainEvent) -> HubReport {
        let (config, now) = (self.inner.config, Instant::now());
        let mut order = self.inner.order.lock();
        let mut step = order.expire(now, config.gap_timeout);
        let kind = match &event {
            BlockchainEvent::BlockProduced { height, .. } => Some((&mut order.produced, *height)),
            BlockchainEvent::BlockFinalized { height, .. } => Some((&mut order.finalized, *height)),
            _ => None,
        };
        match kind {
            Some((kind, height)) => kind.accept(height, event, now, config.max_held, &mut step),
            None => step.ready.push(event),
        }
        // Delivered under the lock, so that concurrent publishes cannot overtake each other.
        let report = self.inner.deliver(step);
        if !order.releaser && order.deadline(config.gap_timeout).is_some() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                order.releaser = true;
                runtime.spawn(release_expired(Arc::downgrade(&self.inner)));
            }
        }
        report
    }
}

impl Inner {
    fn deliver(&self, step: Step) -> HubReport {
        let mut report = HubReport {
            released: step.ready.len(),
            held: step.held,
            late: step.late,
            gaps: step.gaps,
            ..HubReport::default()
        };
        for event in step.ready {
            report.deliveries += self.topic.publish(event);
        }
        self.released.fetch_add(report.released, Ordering::Relaxed);
        self.late.fetch_add(report.late, Ordering::Relaxed);
        self.gaps.fetch_add(report.gaps, Ordering::Relaxed);
        report
    }
}

/// Release waits as they expire, until none is left (or the hub is gone).
async fn release_expired(hub: Weak<Inner>) {
    loop {
        let deadline = {
            let Some(inner) = hub.upgrade() else { return };
            let mut order = inner.order.lock();
            let Some(deadline) = order.deadline(inner.config.gap_timeout) else {
                order.releaser = false;
                return;
            };
            deadline
        };
        tokio::time::sleep_until(deadline).await;
        let Some(inner) = hub.upgrade() else { return };
        let mut order = inner.order.lock();
        let step = order.expire(Instant::now(), inner.config.gap_timeout);
        inner.deliver(step);
    }
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub")
            .field("config", &self.inner.config)
            .field("subscribers", &self.subscriber_count())
            .field("stats", &self.stats())
            .finish()
    }
}
