//! Publish/subscribe: one message type delivered to many recipients, with one accounting.
//!
//! [`Topic`] is the base of every pub/sub mechanism above the runtime (the facade's typed
//! `EventBus` and the blockchain `EventHub`), so they all count alike: an event is delivered,
//! declined by a subscriber's filter, refused by a full mailbox (then counted in that actor's
//! dropped messages and published to its dead letters, never just logged), or meets a stopped
//! subscriber (which is removed). [`PublishReport`] says which, per publish and since the start.

use crate::{DropReason, Message, Recipient, SendError};
use parking_lot::RwLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Identifies one subscription, for [`Topic::unsubscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

impl SubscriptionId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        SubscriptionId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// What publishing did: per [`Topic::publish`], or summed by [`Topic::totals`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Events queued at subscribers.
    pub delivered: usize,
    /// Events a subscriber's filter declined.
    pub filtered: usize,
    /// Events a full mailbox refused: each is in that actor's dead letters (the subscriber stays).
    pub refused: usize,
    /// Subscribers found stopped, and removed.
    pub removed: usize,
}

impl std::ops::AddAssign for PublishReport {
    fn add_assign(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.filtered += other.filtered;
        self.refused += other.refused;
        self.removed += other.removed;
    }
}

type Filter<E> = Box<dyn Fn(&E) -> bool + Send + Sync>;

struct Subscriber<E: Message> {
    id: SubscriptionId,
    recipient: Recipient<E>,
    filter: Option<Filter<E>>,
}

/// The counters of [`PublishReport`], kept since the topic was made.
#[derive(Default)]
struct Totals([AtomicUsize; 4]);

impl Totals {
    fn add(&self, r: &PublishReport) {
        for (total, n) in self
            .0
            .iter()
            .zip([r.delivered, r.filtered, r.refused, r.removed])
        {
            total.fetch_add(n, Ordering::Relaxed);
        }
    }

    fn get(&self) -> PublishReport {
        let [delivered, filtered, refused, removed] =
            self.0.each_ref().map(|n| n.load(Ordering::Relaxed));
        PublishReport {
            delivered,
            filtered,
            refused,
            removed,
        }
    }
}

/// Subscribers of one event type `E`, each reached through a [`Recipient<E>`] in the lane that
/// recipient sends at.
///
/// Publishing never waits. A subscriber whose bounded mailbox is full is not detached: the refused
/// event is counted and dead-lettered. A stopped subscriber is removed.
///
/// ```
/// use actor_system_runtime::pubsub::{PublishReport, Topic};
/// use actor_system_runtime::testing::TestProbe;
/// use actor_system_runtime::{Message, Priority};
/// use std::time::Duration;
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct Height(u64);
/// impl Message for Height { type Result = (); }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let topic = Topic::new();
/// let mut all = TestProbe::<Height>::new().await;
/// let mut even = TestProbe::<Height>::new().await;
/// topic.subscribe(all.recipient().with_priority(Priority::Critical));
/// topic.subscribe_filtered(even.recipient(), |h: &Height| h.0 % 2 == 0);
/// assert_eq!(topic.publish(Height(1)), PublishReport { delivered: 1, filtered: 1, ..Default::default() });
/// topic.publish(Height(2));
/// assert_eq!(even.expect_msg(Duration::from_secs(1)).await, Height(2));
/// assert_eq!(all.expect_msg(Duration::from_secs(1)).await, Height(1));
/// assert_eq!(topic.totals().delivered, 3);
/// # }
/// ```
pub struct Topic<E: Message + Clone> {
    subscribers: RwLock<Vec<Subscriber<E>>>,
    totals: Totals,
}

impl<E: Message + Clone> Default for Topic<E> {
    fn default() -> Self {
        Topic {
            subscribers: RwLock::new(Vec::new()),
            totals: Totals::default(),
        }
    }
}

impl<E: Message + Clone> Topic<E> {
    /// A topic without subscribers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deliver every event to `recipient`.
    pub fn subscribe(&self, recipient: Recipient<E>) -> SubscriptionId {
        self.add(recipient, None)
    }

    /// Deliver the events for which `filter` returns true to `recipient`.
    pub fn subscribe_filtered(
        &self,
        recipient: Recipient<E>,
        filter: impl Fn(&E) -> bool + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.add(recipient, Some(Box::new(filter)))
    }

    fn add(&self, recipient: Recipient<E>, filter: Option<Filter<E>>) -> SubscriptionId {
        let id = SubscriptionId::next();
        self.subscribers.write().push(Subscriber {
            id,
            recipient,
            filter,
        });
        id
    }

    /// Remove a subscription; returns whether it existed.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let mut subscribers = self.subscribers.write();
        let before = subscribers.len();
        subscribers.retain(|s| s.id != id);
        subscribers.len() != before
    }

    /// Number of subscriptions (stopped subscribers count until the next publish removes them).
    pub fn subscriber_count(&self) -> usize {
        self.subscribers.read().len()
    }

    /// Queue `event` for every subscriber whose filter accepts it, without waiting.
    pub fn publish(&self, event: E) -> PublishReport {
        let mut report = PublishReport::default();
        let mut stopped = Vec::new();
        for sub in self.subscribers.read().iter() {
            if sub.filter.as_ref().is_some_and(|accepts| !accepts(&event)) {
                report.filtered += 1;
                continue;
            }
            match sub.recipient.tell(event.clone()) {
                Ok(()) => report.delivered += 1,
                Err(SendError::Full(event)) => {
                    report.refused += 1;
                    tracing::warn!(
                        target: "actor_system::mailbox",
                        subscriber = %sub.recipient.id(),
                        event = std::any::type_name::<E>(),
                        "subscriber's mailbox is full: event dead-lettered"
                    );
                    sub.recipient.dead_letter(event, DropReason::DroppedNewest);
                }
                Err(SendError::Stopped(_)) => stopped.push(sub.id),
            }
        }
        if !stopped.is_empty() {
            report.removed = stopped.len();
            self.subscribers
                .write()
                .retain(|s| !stopped.contains(&s.id));
        }
        self.totals.add(&report);
        report
    }

    /// Everything publishing has done since the topic was made.
    pub fn totals(&self) -> PublishReport {
        self.totals.get()
    }
}

impl<E: Message + Clone> std::fmt::Debug for Topic<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Topic")
            .field("event", &std::any::type_name::<E>())
            .field("subscribers", &self.subscriber_count())
            .field("totals", &self.totals())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestProbe;
    use crate::{Actor, ActorCell, Context, DeadLetters, ExitReason, Handler, Priority};
    use crate::{MailboxConfig, OverflowStrategy, SpawnOptions};
    use std::time::Duration;

    #[derive(Clone, Debug, PartialEq)]
    struct Event(u32);
    impl Message for Event {
        type Result = ();
    }

    struct Subscriber;
    impl Actor for Subscriber {}
    impl Handler<Event> for Subscriber {
        async fn handle(&mut self, _: Event, _: &mut Context<Self>) {}
    }

    #[tokio::test]
    async fn a_refusal_is_counted_and_dead_lettered_and_a_stopped_subscriber_removed() {
        let sink = DeadLetters::new(8);
        let mut letters = sink.subscribe();
        let options = SpawnOptions::new()
            .name("full")
            .mailbox(MailboxConfig::bounded(1).with_overflow(OverflowStrategy::Reject))
            .dead_letters(sink.clone());
        // Nothing runs this actor: its one slot stays taken by the first event.
        let cell = ActorCell::<Subscriber>::new(options).unwrap();
        let full = cell.address();
        let topic = Topic::new();
        topic.subscribe(full.recipient().with_priority(Priority::High));
        assert_eq!(topic.publish(Event(0)).delivered, 1);
        let report = topic.publish(Event(1));
        assert_eq!((report.delivered, report.refused), (0, 1));
        let letter = letters.try_recv().expect("the refusal is a dead letter");
        assert_eq!(&*letter.actor_name, "full");
        assert_eq!(letter.priority, Priority::High);
        assert_eq!(letter.reason, DropReason::DroppedNewest);
        let stats = full.stats();
        assert_eq!(
            (stats.rejected, stats.dropped),
            (1, 1),
            "refused, then dead-lettered"
        );
        assert_eq!(
            topic.subscriber_count(),
            1,
            "a full subscriber stays subscribed"
        );

        cell.finish(ExitReason::Normal);
        let mut probe = TestProbe::<Event>::new().await;
        let id = topic.subscribe(probe.recipient());
        assert_eq!(topic.publish(Event(2)).removed, 1);
        assert_eq!(probe.expect_msg(Duration::from_secs(1)).await, Event(2));
        assert_eq!(
            topic.totals(),
            PublishReport {
                delivered: 2,
                filtered: 0,
                refused: 1,
                removed: 1
            }
        );
        assert!(topic.unsubscribe(id));
        assert!(!topic.unsubscribe(id));
    }
}
