//! Typed publish/subscribe between actors: one runtime [`Topic`] per event type.

use super::Registry;
use actor_system_runtime::pubsub::Topic;
use actor_system_runtime::{Message, Recipient};
pub use actor_system_runtime::{PublishReport, SubscriptionId};
use parking_lot::RwLock;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

/// Typed publish/subscribe: subscribers receive events of type `E` through a
/// [`Recipient<E>`](Recipient), at the recipient's priority.
///
/// Each event type is a runtime [`Topic`], so the bus counts like every other pub/sub here (the
/// chain-event hub included): stopped subscribers are removed on the next publish, and an event a
/// full mailbox refuses is counted in the report and goes to that actor's dead letters; the
/// subscriber is *not* detached.
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
/// assert_eq!(bus.totals::<BlockProduced>().delivered, 3);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct EventBus {
    topics: Arc<RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>,
}

impl EventBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deliver every `E` to `recipient`.
    pub fn subscribe<E: Message + Clone>(&self, recipient: Recipient<E>) -> SubscriptionId {
        self.topic_or_new::<E>().subscribe(recipient)
    }

    /// Deliver the `E`s for which `filter` returns true to `recipient`.
    pub fn subscribe_filtered<E: Message + Clone>(
        &self,
        recipient: Recipient<E>,
        filter: impl Fn(&E) -> bool + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.topic_or_new::<E>()
            .subscribe_filtered(recipient, filter)
    }

    /// Remove a subscription; returns whether it existed.
    pub fn unsubscribe<E: Message + Clone>(&self, id: SubscriptionId) -> bool {
        self.topic::<E>().is_some_and(|t| t.unsubscribe(id))
    }

    /// Number of subscriptions to `E`.
    pub fn subscriber_count<E: Message + Clone>(&self) -> usize {
        self.topic::<E>().map_or(0, |t| t.subscriber_count())
    }

    /// Queue `event` for every matching subscriber, without waiting.
    pub fn publish<E: Message + Clone>(&self, event: E) -> PublishReport {
        self.topic::<E>()
            .map_or_else(PublishReport::default, |t| t.publish(event))
    }

    /// Everything publishing `E`s has done since the first subscription to `E`.
    pub fn totals<E: Message + Clone>(&self) -> PublishReport {
        self.topic::<E>()
            .map_or_else(PublishReport::default, |t| t.totals())
    }

    fn topic<E: Message + Clone>(&self) -> Option<Arc<Topic<E>>> {
        let topic = self.topics.read().get(&TypeId::of::<E>())?.clone();
        Some(downcast(topic))
    }

    fn topic_or_new<E: Message + Clone>(&self) -> Arc<Topic<E>> {
        let topic = self
            .topics
            .write()
            .entry(TypeId::of::<E>())
            .or_insert_with(|| Arc::new(Topic::<E>::new()))
            .clone();
        downcast(topic)
    }
}

fn downcast<E: Message + Clone>(topic: Arc<dyn Any + Send + Sync>) -> Arc<Topic<E>> {
    topic
        .downcast()
        .unwrap_or_else(|_| unreachable!("topics are keyed by their event's TypeId"))
}

/// `recipient` in the lane its actor was registered with, unless it has a lane of its own: one
/// chosen with [`Recipient::with_priority`] or declared by the actor for `E`
/// ([`Handler::PRIORITY`](actor_system_runtime::Handler::PRIORITY)). A recipient in `E`'s
/// default lane counts as having none.
pub(crate) fn in_registered_lane<E: Message>(
    registry: &Registry,
    recipient: Recipient<E>,
) -> Recipient<E> {
    if recipient.priority() != E::PRIORITY {
        return recipient;
    }
    let id = recipient.id();
    match registry.list().into_iter().find(|actor| actor.id == id) {
        Some(actor) => recipient.with_priority(actor.priority),
        None => recipient,
    }
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("topics", &self.topics.read().len())
            .finish()
    }
}
