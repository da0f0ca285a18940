//! Synchronisation primitives of the mailbox core, swapped for `loom`'s models under `cfg(loom)`.
//!
//! Under loom the lanes are modelled by a mutex-protected `VecDeque`: crossbeam's `SegQueue` is
//! tested by crossbeam; what loom checks here is our own protocol (the state word, parking and
//! waking, closing).

#[cfg(not(loom))]
pub(crate) use atomic_waker::AtomicWaker;
#[cfg(not(loom))]
use once_cell::race::OnceBox;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::future::AtomicWaker;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};

/// A mutex for short critical sections: `parking_lot`'s, or loom's model of one.
pub(crate) struct Mutex<T>(
    #[cfg(not(loom))] parking_lot::Mutex<T>,
    #[cfg(loom)] loom::sync::Mutex<T>,
);

impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        #[cfg(not(loom))]
        return Mutex(parking_lot::Mutex::new(value));
        #[cfg(loom)]
        return Mutex(loom::sync::Mutex::new(value));
    }

    /// Lock it (a poisoned loom mutex is a failed model run anyway).
    pub(crate) fn lock(&self) -> impl std::ops::DerefMut<Target = T> + '_ {
        #[cfg(not(loom))]
        return self.0.lock();
        #[cfg(loom)]
        return self.0.lock().unwrap();
    }
}

/// Register `waker` (the two `AtomicWaker`s differ in how they take it).
pub(crate) fn register(slot: &AtomicWaker, waker: &std::task::Waker) {
    #[cfg(not(loom))]
    slot.register(waker);
    #[cfg(loom)]
    slot.register_by_ref(waker);
}

/// One user lane of the mailbox: a crossbeam `SegQueue`, allocated on first use. A `SegQueue`
/// is two cache-padded words, and its first push allocates a block; most actors use one or two
/// of their four user lanes, so allocating lazily keeps an idle actor small.
#[cfg(not(loom))]
pub(crate) struct Lane<T>(OnceBox<crossbeam_queue::SegQueue<T>>);

#[cfg(not(loom))]
impl<T> Lane<T> {
    pub(crate) fn new() -> Self {
        Lane(OnceBox::new())
    }
    /// Push `value`; `true` when this push created the lane (the caller must then publish the
    /// new lane with a `SeqCst` read-modify-write, see the mailbox core's module doc).
    #[inline]
    pub(crate) fn push(&self, value: T) -> bool {
        match self.0.get() {
            Some(queue) => {
                queue.push(value);
                false
            }
            None => self.create_and_push(value),
        }
    }
    #[cold]
    fn create_and_push(&self, value: T) -> bool {
        // Two first pushes may race to create the lane: one box wins, the other is dropped.
        self.0
            .get_or_init(|| Box::new(crossbeam_queue::SegQueue::new()))
            .push(value);
        true
    }
    /// Whether the lane holds nothing (`SeqCst` reads of the queue's indices).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.get().is_none_or(|q| q.is_empty())
    }
    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        self.0.get()?.pop()
    }
    /// [`pop`](Self::pop), but an empty lane costs two plain loads (`SegQueue::pop` on an empty
    /// queue would also issue a SeqCst fence).
    #[inline]
    pub(crate) fn pop_if_any(&self) -> Option<T> {
        let queue = self.0.get()?;
        if queue.is_empty() {
            None
        } else {
            queue.pop()
        }
    }
    pub(crate) fn len(&self) -> usize {
        self.0.get().map_or(0, |q| q.len())
    }
    /// Whether the lane was created (by a first push).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_created(&self) -> bool {
        self.0.get().is_some()
    }
}

/// The system lane: control signals are rare (a stop, a health check), so a short locked queue
/// serves them without the first block of a `SegQueue`. `len` lets the consumer see that
/// it is empty without taking the lock.
#[cfg(not(loom))]
pub(crate) struct SignalLane<T> {
    /// Created with the first signal: an idle actor carries one pointer for it.
    queue: OnceBox<parking_lot::Mutex<std::collections::VecDeque<T>>>,
    len: AtomicUsize,
}

#[cfg(not(loom))]
impl<T> SignalLane<T> {
    pub(crate) fn new() -> Self {
        SignalLane {
            queue: OnceBox::new(),
            len: AtomicUsize::new(0),
        }
    }
    /// Push `value`. Returns `true`: a locked push is not a `SeqCst` operation, so the caller
    /// publishes it with a `SeqCst` read-modify-write (see the mailbox core's module doc).
    pub(crate) fn push(&self, value: T) -> bool {
        let mut queue = self.queue.get_or_init(Box::default).lock();
        queue.push_back(value);
        self.len.store(queue.len(), Ordering::Release);
        true
    }
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::Acquire) == 0
    }
    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut queue = self.queue.get()?.lock();
        let value = queue.pop_front();
        self.len.store(queue.len(), Ordering::Release);
        value
    }
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }
}

#[cfg(loom)]
pub(crate) use loom_lane::Lane;
/// Under loom every lane is the same mutex-protected model.
#[cfg(loom)]
pub(crate) use loom_lane::Lane as SignalLane;

#[cfg(loom)]
mod loom_lane {
    use std::collections::VecDeque;

    /// A lane model with the subset of `SegQueue`'s API the mailbox uses.
    pub(crate) struct Lane<T>(loom::sync::Mutex<VecDeque<T>>);

    impl<T> Lane<T> {
        pub(crate) fn new() -> Self {
            Lane(loom::sync::Mutex::new(VecDeque::new()))
        }
        /// Returns `false`: a locked push is ordered with the consumer's locked look at the lane,
        /// as a `SegQueue` push's `SeqCst` claim is with its `SeqCst` reads, so the model checks
        /// the plain-read path of the protocol.
        pub(crate) fn push(&self, value: T) -> bool {
            self.0.lock().unwrap().push_back(value);
            false
        }
        pub(crate) fn pop(&self) -> Option<T> {
            self.0.lock().unwrap().pop_front()
        }
        pub(crate) fn pop_if_any(&self) -> Option<T> {
            self.pop()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().unwrap().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().unwrap().len()
        }
    }
}
