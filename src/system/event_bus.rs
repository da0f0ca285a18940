//! Typed publish/subscribe between actors.

use actor_system_runtime::{Message, Recipient, SendError};
use parking_lot::RwLock;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Identifies one subscription, for [`EventBus::unsubscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

type Filter<E> = Arc<dyn Fn(&E) -> bool + Send + Sync>;

struct Subscriber<E: Message> {
    id: SubscriptionId,
    recipient: Recipient<E>,
    filter: Option<Filter<E>>,
}

/// What one [`EventBus::publish`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Subscribers the event was queued for.
    pub delivered: usize,
    /// Subscribers whose filter declined it.
    pub filtered: usize,
    /// Subscribers whose mailbox refused it as full (they stay subscribed).
    pub refused: usize,
    /// Subscribers that had stopped and were removed.
    pub removed: usize,
}

/// Typed publish/subscribe: subscribers receive events of type `E` through a
/// [`Recipient<E>`](Recipient), at the recipient's priority.
///
/// Stopped subscribers are removed automatically on the next publish. A subscriber whose
/// bounded mailbox is full is *not* detached: the refusal is counted in the report and logged.
///
/// ```
/// use actor_system::system::EventBus;
/// use actor_system::testing::TestProbe;
/// use actor_system::prelude::*;
/// use std::time::Duration;
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct BlockProduced { height: u64 }
/// impl Message for BlockProduced { type Result = (); }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let bus = EventBus::new();
/// let mut all = TestProbe::<BlockProduced>::new().await;
/// let mut even = TestProbe::<BlockProduced>::new().await;
/// bus.subscribe(all.recipient().with_priority(Priority::Critical));
/// bus.subscribe_filtered(even.recipient(), |e: &BlockProduced| e.height % 2 == 0);
///
/// let report = bus.publish(BlockProduced { height: 1 });
/// assert_eq!((report.delivered, report.filtered), (1, 1));
/// bus.publish(BlockProduced { height: 2 });
/// assert_eq!(even.expect_msg(Duration::from_secs(1)).await, BlockProduced { height: 2 });
/// assert_eq!(all.expect_msg(Duration::from_secs(1)).await.height, 1);
/// assert_eq!(all.expect_msg(Duration::from_secs(1)).await.height, 2);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct EventBus {
    topics: Arc<RwLock<HashMap<TypeId, Box<dyn Any + Send + Sync>>>>,
    next_id: Arc<AtomicU64>,
}

impl EventBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deliver every `E` to `recipient`.
    pub fn subscribe<E: Message + Clone>(&self, recipient: Recipient<E>) -> SubscriptionId {
        self.add(recipient, None)
    }

    /// Deliver the `E`s for which `filter` returns true to `recipient`.
    pub fn subscribe_filtered<E: Message + Clone>(
        &self,
        recipient: Recipient<E>,
        filter: impl Fn(&E) -> bool + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.add(recipient, Some(Arc::new(filter)))
    }

    fn add<E: Message + Clone>(
        &self,
        recipient: Recipient<E>,
        filter: Option<Filter<E>>,
    ) -> SubscriptionId {
        let id = SubscriptionId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut topics = self.topics.write();
        let topic = topics
            .entry(TypeId::of::<E>())
            .or_insert_with(|| Box::new(Vec::<Subscriber<E>>::new()));
        topic
            .downcast_mut::<Vec<Subscriber<E>>>()
            .expect("topics are keyed by their event's TypeId")
            .push(Subscriber {
                id,
                recipient,
                filter,
            });
        id
    }

    /// Remove a subscription; returns whether it existed.
    pub fn unsubscribe<E: Message + Clone>(&self, id: SubscriptionId) -> bool {
        let mut topics = self.topics.write();
        let Some(subs) = topics
            .get_mut(&TypeId::of::<E>())
            .and_then(|t| t.downcast_mut::<Vec<Subscriber<E>>>())
        else {
            return false;
        };
        let before = subs.len();
        subs.retain(|s| s.id != id);
        subs.len() != before
    }

    /// Number of live subscriptions to `E`.
    pub fn subscriber_count<E: Message + Clone>(&self) -> usize {
        self.topics
            .read()
            .get(&TypeId::of::<E>())
            .and_then(|t| t.downcast_ref::<Vec<Subscriber<E>>>())
            .map_or(0, Vec::len)
    }

    /// Queue `event` for every matching subscriber, without waiting.
    pub fn publish<E: Message + Clone>(&self, event: E) -> PublishReport {
        let mut report = PublishReport::default();
        let mut dead = Vec::new();
        {
            let topics = self.topics.read();
            let Some(subs) = topics
                .get(&TypeId::of::<E>())
                .and_then(|t| t.downcast_ref::<Vec<Subscriber<E>>>())
            else {
                return report;
            };
            for sub in subs {
                if sub.filter.as_ref().is_some_and(|f| !f(&event)) {
                    report.filtered += 1;
                    continue;
                }
                match sub.recipient.tell(event.clone()) {
                    Ok(()) => report.delivered += 1,
                    Err(SendError::Full(_)) => {
                        report.refused += 1;
                        tracing::warn!(
                            target: "actor_system::mailbox",
                            subscriber = %sub.recipient.id(),
                            event = std::any::type_name::<E>(),
                            "subscriber's mailbox is full: event not delivered"
                        );
                    }
                    Err(SendError::Stopped(_)) => dead.push(sub.id),
                }
            }
        }
        if !dead.is_empty() {
            report.removed = dead.len();
            let mut topics = self.topics.write();
            if let Some(subs) = topics
                .get_mut(&TypeId::of::<E>())
                .and_then(|t| t.downcast_mut::<Vec<Subscriber<E>>>())
            {
                subs.retain(|s| !dead.contains(&s.id));
            }
        }
        report
    }
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("topics", &self.topics.read().len())
            .finish()
    }
}
