//! The hand-off slot: where a message to an idle actor goes instead of a lane (see
//! [`LaneQueue::hand_off`](super::queue::LaneQueue::hand_off)).
//!
//! Only a sender that unparked the actor with every lane empty puts a message here (a teller,
//! which then wakes the actor, or an asker, which then runs it in place); the actor takes it,
//! ahead of the lanes, when it next looks. An actor that is only ever sent one message at a time
//! so never creates a lane (a queue and its first block).

use crate::sync::{AtomicUsize, Mutex, Ordering};

/// One item (`T`) of one user lane left for the actor; see the module doc.
pub(crate) struct Handoff<T> {
    /// The lane of the item in `slot`, or 0 when it is empty: one plain load per pop tells
    /// whether, and where in lane order, the item is taken.
    lane: AtomicUsize,
    /// Filled by the sender that unparked the actor and emptied by the actor, so uncontended
    /// (one compare-and-swap to lock, one store to unlock); each lock is held for one put or take.
    slot: Mutex<Option<T>>,
}

impl<T> Handoff<T> {
    pub(crate) fn new() -> Self {
        Handoff {
            lane: AtomicUsize::new(0),
            slot: Mutex::new(None),
        }
    }

    /// Leave `item` of user `lane` (never 0) for the actor if the slot is empty; otherwise hand
    /// it back (an earlier hand-off has not been taken yet: the caller queues `item` behind it).
    pub(crate) fn try_put(&self, lane: usize, item: T) -> Result<(), T> {
        debug_assert_ne!(lane, 0);
        let mut slot = self.slot.lock();
        if slot.is_some() {
            return Err(item);
        }
        *slot = Some(item);
        // `SeqCst`, as the lanes' pushes and reads are: the queue's no-lost-wake-up and
        // nothing-left-after-a-drain arguments treat the hand-off slot as one more lane.
        self.lane.store(lane, Ordering::SeqCst);
        Ok(())
    }

    /// The lane of the item left for the actor, if any.
    #[inline]
    pub(crate) fn lane(&self) -> Option<usize> {
        match self.lane.load(Ordering::SeqCst) {
            0 => None,
            lane => Some(lane),
        }
    }

    /// The item left for the actor, with its lane, if any.
    #[inline]
    pub(crate) fn take(&self) -> Option<(usize, T)> {
        self.lane()?;
        self.take_slow()
    }

    #[cold]
    fn take_slow(&self) -> Option<(usize, T)> {
        let mut slot = self.slot.lock();
        let item = slot.take()?;
        let lane = self.lane.swap(0, Ordering::Relaxed);
        Some((lane, item))
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use crate::mailbox::queue::{LaneQueue, Pushed};
    use loom::sync::Arc;

    /// An ask handed to an idle consumer (the caller then runs it) races the close and drain of
    /// its mailbox (a parent giving up on its child): the ask is taken exactly once, by the
    /// caller's run of the consumer, by the drain, or handed back to the caller by a push that
    /// found the mailbox closed.
    #[test]
    fn a_hand_off_racing_a_drain_is_taken_exactly_once() {
        loom::model(|| {
            let q = Arc::new(LaneQueue::<&str>::new());
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            assert!(q.poll_ready(&mut cx, false).is_pending(), "parked, idle");
            let closer = {
                let q = q.clone();
                loom::thread::spawn(move || {
                    q.close();
                    std::iter::from_fn(|| q.pop_first().map(|(_, x)| x)).collect::<Vec<_>>()
                })
            };
            // The caller: hand the ask over (as `Slot::hand_over`), then run the consumer.
            let mut got = Vec::new();
            if let Err(refused) = q.hand_off(2, "ask") {
                match q.push(2, refused.item) {
                    Pushed::Closed(back) => got.push(back),
                    Pushed::QueuedAfterClose | Pushed::Queued => {}
                }
            }
            got.extend(std::iter::from_fn(|| q.pop_first().map(|(_, x)| x)));
            got.extend(closer.join().unwrap());
            assert_eq!(got, ["ask"]);
        });
    }
}
