//! The bounded, prioritised queue of messages waiting to go to one peer.
//!
//! Senders push encoded messages into one lane per priority; the node's task takes them out
//! `Critical` first. The overflow strategies mean what they mean for a mailbox (see
//! [`OutboundConfig`]); what a strategy drops is handed back to the caller, which counts it and
//! publishes it to dead letters (see [`crate::drops`]).

use crate::wire::{self, Address, Letter, Request};
use crate::{OutboundConfig, RemoteError};
use actor_system_runtime::{ActorId, DropReason, OverflowStrategy, Priority};
use libp2p::PeerId;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::{oneshot, Notify};
use uuid::Uuid;

/// Where a remote recipient's messages go: the peer, the exposed name and the message type.
#[derive(Debug)]
pub(crate) struct Route {
    pub peer: PeerId,
    pub target: String,
    pub wire_name: &'static str,
    /// Rust type name, for dead letters.
    pub message_type: &'static str,
    /// Stands for the remote actor in dead letters.
    pub actor_id: ActorId,
    /// `<peer>/<target>`, for dead letters.
    pub display: Arc<str>,
}

/// One encoded message on its way out.
#[derive(Debug)]
pub(crate) struct OutLetter {
    pub route: Arc<Route>,
    pub priority: Priority,
    pub correlation: Option<Uuid>,
    pub payload: Vec<u8>,
}

impl OutLetter {
    /// Bytes it takes in a frame, at most (its address may be shared with others).
    pub(crate) fn frame_size(&self) -> usize {
        self.payload.len() + self.route.target.len() + self.route.wire_name.len() + 40
    }

    fn address(&self) -> Address<'_> {
        Address(&self.route.target, self.route.wire_name)
    }

    fn as_letter(&self, address: u32) -> Letter<'_> {
        Letter(
            address,
            self.priority.lane() as u8,
            self.correlation,
            &self.payload,
        )
    }

    /// The request frame of this letter as an ask.
    pub(crate) fn ask_frame(&self) -> Result<Vec<u8>, String> {
        wire::encode(&Request::Ask(self.address(), self.as_letter(0)))
    }
}

/// The request frame of a batch of tells: each address once, letters referring to them.
pub(crate) fn tells_frame(batch: &[OutLetter]) -> Result<Vec<u8>, String> {
    let mut addresses: Vec<Address<'_>> = Vec::new();
    let mut last: Option<(&Arc<Route>, u32)> = None;
    let letters = batch
        .iter()
        .map(|letter| {
            // Batches mostly go to one address: compare with the last one first.
            let index = match last {
                Some((route, index)) if Arc::ptr_eq(route, &letter.route) => index,
                _ => {
                    let address = letter.address();
                    let index = match addresses.iter().position(|a| *a == address) {
                        Some(i) => i as u32,
                        None => {
                            addresses.push(address);
                            addresses.len() as u32 - 1
                        }
                    };
                    last = Some((&letter.route, index));
                    index
                }
            };
            letter.as_letter(index)
        })
        .collect();
    let capacity = batch.iter().map(|l| l.payload.len() + 24).sum::<usize>() + 256;
    wire::encode_into(
        Vec::with_capacity(capacity),
        &Request::Tells(addresses, letters),
    )
}

/// Where an ask's reply (still encoded) goes.
pub(crate) type ReplyTo = oneshot::Sender<Result<Vec<u8>, RemoteError>>;

/// A queued tell or ask.
#[derive(Debug)]
pub(crate) enum Item {
    Tell(OutLetter),
    Ask(OutLetter, ReplyTo),
}

impl Item {
    pub(crate) fn letter(&self) -> &OutLetter {
        match self {
            Item::Tell(l) | Item::Ask(l, _) => l,
        }
    }
}

/// Why a push did not queue the item.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The queue is full and its strategy refuses (`Backpressure`, `Reject`, or a `Critical`
    /// message that a drop strategy will not drop): the item comes back.
    Full(Item),
    /// The node has stopped (the item is dropped: an ask's asker sees `NodeStopped`).
    Closed,
}

/// What a push did.
#[derive(Debug)]
#[must_use = "dropped items must be counted and dead-lettered"]
pub(crate) struct Pushed {
    /// Whether the queue was empty before: the node's task must be woken.
    pub wake: bool,
    /// What the strategy dropped to make room, or the item itself, with the reason.
    pub dropped: Option<(Item, DropReason)>,
}

#[derive(Debug, Default)]
struct Lanes {
    lanes: [VecDeque<Item>; 4],
    /// Items queued, all lanes.
    len: usize,
    /// Asks queued, per lane.
    asks: [usize; 4],
    /// Frame bytes queued, per lane.
    bytes: [usize; 4],
    closed: bool,
}

/// The queue to one peer.
#[derive(Debug)]
pub(crate) struct Outbound {
    lanes: Mutex<Lanes>,
    config: OutboundConfig,
    /// Woken when room frees up (for `send` under `Backpressure`).
    pub space: Notify,
}

impl Outbound {
    pub(crate) fn new(config: OutboundConfig) -> Self {
        Outbound {
            lanes: Mutex::new(Lanes::default()),
            config,
            space: Notify::new(),
        }
    }

    /// Whether a full queue makes `send` wait.
    pub(crate) fn applies_backpressure(&self) -> bool {
        self.config.overflow == OverflowStrategy::Backpressure
    }

    /// Queue `item` in its lane, following the overflow strategy when full.
    pub(crate) fn push(&self, item: Item) -> Result<Pushed, Refused> {
        let priority = item.letter().priority;
        let mut q = self.lanes.lock();
        if q.closed {
            return Err(Refused::Closed);
        }
        let capacity = self.config.capacity;
        let protected = matches!(priority, Priority::Critical | Priority::High);
        let mut dropped = None;
        if let OverflowStrategy::DropLowPriority { threshold } = self.config.overflow {
            if !protected && q.len as f64 >= threshold * capacity as f64 {
                return Ok(Pushed {
                    wake: false,
                    dropped: Some((item, DropReason::DroppedNewest)),
                });
            }
        }
        if q.len >= capacity {
            match self.config.overflow {
                OverflowStrategy::Backpressure | OverflowStrategy::Reject => {
                    return Err(Refused::Full(item))
                }
                OverflowStrategy::DropNewest => return drop_incoming(item),
                OverflowStrategy::DropOldest | OverflowStrategy::DropLowPriority { .. } => {
                    match q.evict_below(priority) {
                        Some(victim) => dropped = Some((victim, DropReason::Evicted)),
                        None => return drop_incoming(item),
                    }
                }
            }
        }
        let wake = q.len == 0;
        q.add(&item, priority.lane());
        q.lanes[priority.lane()].push_back(item);
        Ok(Pushed { wake, dropped })
    }

    /// Whether the front of `lane` is a tell (`Some(true)`), an ask (`Some(false)`) or nothing.
    pub(crate) fn front_is_tell(&self, lane: usize) -> Option<bool> {
        let q = self.lanes.lock();
        q.lanes[lane].front().map(|i| matches!(i, Item::Tell(_)))
    }

    /// Take the tells at the front of `lane`, up to `max` of them and about `max_bytes` (at
    /// least one), stopping at the first ask. A lane that fits whole is swapped out at once, so
    /// that senders never wait for a long copy.
    pub(crate) fn take_tells(&self, lane: usize, max: usize, max_bytes: usize) -> Vec<OutLetter> {
        let mut q = self.lanes.lock();
        let queue = &q.lanes[lane];
        let taken: VecDeque<Item> =
            if q.asks[lane] == 0 && q.bytes[lane] <= max_bytes && queue.len() <= max {
                std::mem::take(&mut q.lanes[lane])
            } else {
                let (mut n, mut bytes) = (0, 0);
                for item in queue {
                    let Item::Tell(letter) = item else { break };
                    let more = bytes + letter.frame_size();
                    if n > 0 && (more > max_bytes || n >= max) {
                        break;
                    }
                    (n, bytes) = (n + 1, more);
                }
                q.lanes[lane].drain(..n).collect()
            };
        for item in &taken {
            q.remove(item, lane);
        }
        drop(q);
        if !taken.is_empty() {
            self.space.notify_waiters();
        }
        taken
            .into_iter()
            .map(|item| match item {
                Item::Tell(letter) => letter,
                Item::Ask(..) => unreachable!("only tells are taken"),
            })
            .collect()
    }

    /// Take the ask at the front of `lane`, if the front is one.
    pub(crate) fn take_ask(&self, lane: usize) -> Option<(OutLetter, ReplyTo)> {
        let mut q = self.lanes.lock();
        if !matches!(q.lanes[lane].front(), Some(Item::Ask(..))) {
            return None;
        }
        let Some(item) = q.lanes[lane].pop_front() else {
            unreachable!("the front was an ask")
        };
        q.remove(&item, lane);
        let Item::Ask(letter, reply) = item else {
            unreachable!("the front was an ask")
        };
        drop(q);
        self.space.notify_waiters();
        Some((letter, reply))
    }

    /// Messages queued.
    pub(crate) fn len(&self) -> usize {
        self.lanes.lock().len
    }

    /// Take everything queued, highest lane first; with `close`, refuse every later push.
    pub(crate) fn drain(&self, close: bool) -> Vec<Item> {
        let mut q = self.lanes.lock();
        q.closed |= close;
        q.len = 0;
        q.asks = [0; 4];
        q.bytes = [0; 4];
        let items = q.lanes.iter_mut().flat_map(|lane| lane.drain(..)).collect();
        drop(q);
        self.space.notify_waiters();
        items
    }
}

impl Lanes {
    /// Count `item`, queued in `lane`.
    fn add(&mut self, item: &Item, lane: usize) {
        self.len += 1;
        self.bytes[lane] += item.letter().frame_size();
        self.asks[lane] += matches!(item, Item::Ask(..)) as usize;
    }

    /// Uncount `item`, taken out of `lane`.
    fn remove(&mut self, item: &Item, lane: usize) {
        self.len -= 1;
        self.bytes[lane] -= item.letter().frame_size();
        self.asks[lane] -= matches!(item, Item::Ask(..)) as usize;
    }

    /// Evict the oldest item of the lowest non-empty lane at or below `priority`, never a
    /// `Critical` one.
    fn evict_below(&mut self, priority: Priority) -> Option<Item> {
        let highest = priority.min(Priority::High);
        let lane = Priority::ALL
            .into_iter()
            .rev()
            .filter(|p| *p <= highest)
            .find(|p| !self.lanes[p.lane()].is_empty())?
            .lane();
        let victim = self.lanes[lane].pop_front()?;
        self.remove(&victim, lane);
        Some(victim)
    }
}

/// A drop strategy refusing the incoming item: dropped, unless `Critical` (handed back).
fn drop_incoming(item: Item) -> Result<Pushed, Refused> {
    if item.letter().priority == Priority::Critical {
        Err(Refused::Full(item))
    } else {
        Ok(Pushed {
            wake: false,
            dropped: Some((item, DropReason::DroppedNewest)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route() -> Arc<Route> {
        Arc::new(Route {
            peer: PeerId::random(),
            target: "t".into(),
            wire_name: "m",
            message_type: "M",
            actor_id: ActorId::next(),
            display: "p/t".into(),
        })
    }

    fn tell(route: &Arc<Route>, priority: Priority, tag: u8) -> Item {
        Item::Tell(OutLetter {
            route: route.clone(),
            priority,
            correlation: None,
            payload: vec![tag],
        })
    }

    fn queue(capacity: usize, overflow: OverflowStrategy) -> Outbound {
        Outbound::new(OutboundConfig { capacity, overflow })
    }

    #[test]
    fn critical_is_served_first_and_lanes_keep_their_order() {
        let (r, q) = (route(), queue(16, OverflowStrategy::Reject));
        assert!(q.push(tell(&r, Priority::Background, 1)).unwrap().wake);
        assert!(!q.push(tell(&r, Priority::Background, 2)).unwrap().wake);
        let _ = q.push(tell(&r, Priority::Critical, 3)).unwrap();
        let taken: Vec<u8> = (0..4)
            .flat_map(|lane| q.take_tells(lane, 10, 1 << 20))
            .map(|l| l.payload[0])
            .collect();
        assert_eq!(taken, [3, 1, 2]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn overflow_follows_the_strategy() {
        let r = route();
        let q = queue(1, OverflowStrategy::Reject);
        let _ = q.push(tell(&r, Priority::Normal, 1)).unwrap();
        assert!(matches!(
            q.push(tell(&r, Priority::Normal, 2)),
            Err(Refused::Full(_))
        ));

        let q = queue(1, OverflowStrategy::DropNewest);
        let _ = q.push(tell(&r, Priority::Normal, 1)).unwrap();
        let pushed = q.push(tell(&r, Priority::Normal, 2)).unwrap();
        assert!(matches!(
            pushed.dropped,
            Some((_, DropReason::DroppedNewest))
        ));
        assert!(matches!(
            q.push(tell(&r, Priority::Critical, 3)),
            Err(Refused::Full(_))
        ));

        let q = queue(2, OverflowStrategy::DropOldest);
        let _ = q.push(tell(&r, Priority::Background, 1)).unwrap();
        let _ = q.push(tell(&r, Priority::Critical, 2)).unwrap();
        let pushed = q.push(tell(&r, Priority::High, 3)).unwrap();
        let Some((victim, DropReason::Evicted)) = pushed.dropped else {
            panic!("expected an eviction")
        };
        assert_eq!(victim.letter().payload, [1]);
        assert_eq!(q.len(), 2);

        let q = queue(4, OverflowStrategy::DropLowPriority { threshold: 0.5 });
        let _ = q.push(tell(&r, Priority::Normal, 1)).unwrap();
        let _ = q.push(tell(&r, Priority::Normal, 2)).unwrap();
        assert!(q
            .push(tell(&r, Priority::Normal, 3))
            .unwrap()
            .dropped
            .is_some());
        assert!(q
            .push(tell(&r, Priority::High, 4))
            .unwrap()
            .dropped
            .is_none());
    }

    #[test]
    fn batches_stop_at_asks_and_at_the_byte_budget_and_a_closed_queue_refuses() {
        let (r, q) = (route(), queue(16, OverflowStrategy::Reject));
        let _ = q.push(tell(&r, Priority::Normal, 1)).unwrap();
        let _ = q.push(tell(&r, Priority::Normal, 2)).unwrap();
        let (reply, _rx) = oneshot::channel();
        let ask = OutLetter {
            route: r.clone(),
            priority: Priority::Normal,
            correlation: None,
            payload: vec![9],
        };
        let _ = q.push(Item::Ask(ask, reply)).unwrap();
        let lane = Priority::Normal.lane();
        assert_eq!(
            q.take_tells(lane, 10, 1).len(),
            1,
            "at least one, then the budget"
        );
        assert_eq!(q.take_tells(lane, 10, 1 << 20).len(), 1, "stops at the ask");
        assert_eq!(q.front_is_tell(lane), Some(false));
        assert!(q.take_ask(lane).is_some());
        assert_eq!(q.drain(true).len(), 0);
        assert!(matches!(
            q.push(tell(&r, Priority::Normal, 3)),
            Err(Refused::Closed)
        ));
    }
}
