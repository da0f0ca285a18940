//! [`EventHub`]: distributes chain events to subscribers, filtered by type, in height order.

use crate::{BlockchainActorPriority, BlockchainEvent, BlockchainEventType};
use actor_system_runtime::Recipient;
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// How many out-of-order block events a subscriber may have buffered before the hub gives up on
/// the missing heights and delivers what it has, in order.
pub const MAX_REORDER_BUFFER: usize = 64;

struct Subscriber {
    recipient: Recipient<BlockchainEvent>,
    types: HashSet<BlockchainEventType>,
    /// Per block-event type: the next height to deliver and the events waiting for it.
    produced: HeightOrder,
    finalized: HeightOrder,
}

#[derive(Default)]
struct HeightOrder {
    next: Option<u64>,
    waiting: BTreeMap<u64, BlockchainEvent>,
}

impl HeightOrder {
    /// Events to deliver now, in height order; stale heights (already delivered) are dropped.
    fn accept(&mut self, height: u64, event: BlockchainEvent) -> Vec<BlockchainEvent> {
        let next = *self.next.get_or_insert(height);
        if height < next {
            return Vec::new();
        }
        self.waiting.insert(height, event);
        let mut ready = Vec::new();
        loop {
            let expected = self.next.expect("set above");
            if let Some(e) = self.waiting.remove(&expected) {
                ready.push(e);
                self.next = Some(expected + 1);
            } else if self.waiting.len() > MAX_REORDER_BUFFER {
                // Give up on the gap: jump to the lowest waiting height.
                let (&h, _) = self.waiting.iter().next().expect("non-empty");
                self.next = Some(h);
            } else {
                return ready;
            }
        }
    }
}

/// What one publish did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubReport {
    /// Events queued at subscribers.
    pub delivered: usize,
    /// Subscribers removed because they had stopped.
    pub removed: usize,
    /// Events held back until a missing lower height arrives.
    pub held: usize,
}

/// Distributes [`BlockchainEvent`]s: each subscriber gets the types it asked for, at its
/// priority's lane, and block events in strictly increasing height order (an event that arrives
/// early waits for the missing heights; a stale one is skipped).
///
/// ```
/// use actor_system_blockchain::*;
/// use actor_system_runtime::testing::TestProbe;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let hub = EventHub::new();
/// let mut probe = TestProbe::<BlockchainEvent>::with_reply(|_| Ok(())).await;
/// hub.subscribe(probe.recipient(), BlockchainActorPriority::Consensus, [BlockchainEventType::BlockProduced]);
/// let block = |height| BlockchainEvent::BlockProduced { height, hash: [0; 32] };
/// hub.publish(block(1));
/// assert_eq!(hub.publish(block(3)).held, 1); // 3 waits for 2
/// hub.publish(block(2)); // delivers 2, then 3
/// for h in 1..=3 {
///     assert_eq!(probe.expect_msg(Duration::from_secs(1)).await.height(), Some(h));
/// }
/// # }
/// ```
#[derive(Clone, Default)]
pub struct EventHub {
    subscribers: Arc<Mutex<Vec<Subscriber>>>,
}

impl EventHub {
    /// A hub without subscribers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deliver events of `types` to `recipient` in `priority`'s lane.
    pub fn subscribe(
        &self,
        recipient: Recipient<BlockchainEvent>,
        priority: BlockchainActorPriority,
        types: impl IntoIterator<Item = BlockchainEventType>,
    ) {
        self.subscribers.lock().push(Subscriber {
            recipient: recipient.with_priority(priority.lane()),
            types: types.into_iter().collect(),
            produced: HeightOrder::default(),
            finalized: HeightOrder::default(),
        });
    }

    /// Number of live subscribers.
    pub fn subscriber_count(&self) -> usize {
        self.subscribers.lock().len()
    }

    /// Queue `event` for every subscriber of its type.
    pub fn publish(&self, event: BlockchainEvent) -> HubReport {
        let mut report = HubReport::default();
        let mut subscribers = self.subscribers.lock();
        subscribers.retain_mut(|sub| {
            if !sub.types.contains(&event.event_type()) {
                return true;
            }
            let ready = match (&event, event.height()) {
                (BlockchainEvent::BlockProduced { .. }, Some(h)) => {
                    sub.produced.accept(h, event.clone())
                }
                (BlockchainEvent::BlockFinalized { .. }, Some(h)) => {
                    sub.finalized.accept(h, event.clone())
                }
                _ => vec![event.clone()],
            };
            if ready.is_empty() {
                report.held += 1;
            }
            for e in ready {
                match sub.recipient.tell(e) {
                    Ok(()) => report.delivered += 1,
                    Err(err) if err.is_stopped() => {
                        report.removed += 1;
                        return false;
                    }
                    Err(_) => tracing::warn!(
                        target: "actor_system::blockchain",
                        subscriber = %sub.recipient.id(),
                        "subscriber's mailbox is full: chain event not delivered"
                    ),
                }
            }
            true
        });
        report
    }
}
