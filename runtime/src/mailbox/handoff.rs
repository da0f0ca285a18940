//! The hand-off slot: where a caller that runs an idle actor in place leaves its ask, instead of
//! queueing it in a lane (see [`Slot::hand_over`](super::Slot::hand_over)).
//!
//! Only the holder of the actor's drive claim puts an envelope here, and only when every lane is
//! empty; the actor takes it, ahead of the lanes, during the poll that follows. An actor that
//! only ever answers asks in place so never creates a lane (a queue and its first block).

use crate::sync::{AtomicBool, Mutex, Ordering};

/// One envelope (`T`) left for the actor; see the module doc.
pub(crate) struct Handoff<T> {
    /// Whether `slot` holds an envelope: one plain load per pop when it does not.
    full: AtomicBool,
    /// Filled and emptied by the drive's claim holder, one thread at a time, so uncontended (one
    /// compare-and-swap to lock, one store to unlock); only the drain of a mailbox its parent
    /// abandoned may come from elsewhere, and each lock is held for one put or take.
    slot: Mutex<Option<T>>,
}

impl<T> Handoff<T> {
    pub(crate) fn new() -> Self {
        Handoff {
            full: AtomicBool::new(false),
            slot: Mutex::new(None),
        }
    }

    /// Leave `env` for the actor. The caller holds the drive claim, and the slot is empty: it is
    /// emptied by the poll that follows each hand-off, or by the drain of a closing mailbox.
    pub(crate) fn put(&self, env: T) {
        let previous = self.slot.lock().replace(env);
        debug_assert!(previous.is_none(), "one hand-off per poll");
        // Relaxed: the actor reads it in the same claim (ordered by the drive's state word).
        self.full.store(true, Ordering::Relaxed);
    }

    /// The envelope left for the actor, if any.
    #[inline]
    pub(crate) fn take(&self) -> Option<T> {
        if !self.full.load(Ordering::Relaxed) {
            return None;
        }
        self.take_slow()
    }

    #[cold]
    fn take_slow(&self) -> Option<T> {
        let env = self.slot.lock().take();
        self.full.store(false, Ordering::Relaxed);
        env
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
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
            let h = Arc::new(Handoff::new());
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            assert!(q.poll_ready(&mut cx, false).is_pending(), "parked, idle");
            let closer = {
                let (q, h) = (q.clone(), h.clone());
                loom::thread::spawn(move || {
                    q.close();
                    let mut drained: Vec<_> = h.take().into_iter().collect();
                    drained.extend(std::iter::from_fn(|| q.pop_first().map(|(_, x)| x)));
                    drained
                })
            };
            // The caller: hand the ask over (as `Slot::hand_over`), then run the consumer.
            let mut got = Vec::new();
            if q.unpark_if_idle() {
                h.put("ask");
            } else if let Pushed::Closed(back) = q.push(2, "ask") {
                got.push(back);
            }
            got.extend(h.take());
            got.extend(std::iter::from_fn(|| q.pop_first().map(|(_, x)| x)));
            got.extend(closer.join().unwrap());
            assert_eq!(got, ["ask"]);
        });
    }
}
