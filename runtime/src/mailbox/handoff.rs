//! The hand-off slot: where a caller that runs an idle actor in place leaves its ask, instead of
//! queueing it in a lane (see [`Mailbox::hand_over`](super::Mailbox::hand_over)).
//!
//! Only the holder of the actor's drive claim puts an envelope here, and only when every lane is
//! empty; the actor takes it, ahead of the lanes, during the poll that follows. An actor that
//! only ever answers asks in place so never creates a lane (a lane's queue is 256 bytes and its
//! first block 752).

use crate::envelope::Envelope;
use crate::Actor;
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) struct Handoff<A: Actor> {
    /// Whether `slot` holds an envelope: one plain load per pop when it does not.
    full: AtomicBool,
    /// Filled and emptied by the drive's claim holder, one thread at a time, so uncontended (one
    /// compare-and-swap to lock, one store to unlock); only the drain of a mailbox its parent
    /// abandoned may come from elsewhere, and each lock is held for one put or take.
    slot: parking_lot::Mutex<Option<Envelope<A>>>,
}

impl<A: Actor> Handoff<A> {
    pub(crate) fn new() -> Self {
        Handoff {
            full: AtomicBool::new(false),
            slot: parking_lot::Mutex::new(None),
        }
    }

    /// Leave `env` for the actor. The caller holds the drive claim, and the slot is empty: it is
    /// emptied by the poll that follows each hand-off, or by the drain of a closing mailbox.
    pub(crate) fn put(&self, env: Envelope<A>) {
        let previous = self.slot.lock().replace(env);
        debug_assert!(previous.is_none(), "one hand-off per poll");
        // Relaxed: the actor reads it in the same claim (ordered by the drive's state word).
        self.full.store(true, Ordering::Relaxed);
    }

    /// The envelope left for the actor, if any.
    #[inline]
    pub(crate) fn take(&self) -> Option<Envelope<A>> {
        if !self.full.load(Ordering::Relaxed) {
            return None;
        }
        self.take_slow()
    }

    #[cold]
    fn take_slow(&self) -> Option<Envelope<A>> {
        let env = self.slot.lock().take();
        self.full.store(false, Ordering::Relaxed);
        env
    }
}
