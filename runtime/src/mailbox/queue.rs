//! The core of a mailbox: five FIFO lanes (a system lane for control signals, then one lock-free
//! lane per [`Priority`](crate::Priority)), a state word with two flags and one registered
//! waker. The system lane is a small locked queue (signals are rare); the message path only
//! reads its atomic length.
//!
//! The state word holds four flags:
//! - `CLOSED`: no more pushes are accepted;
//! - `PARKED`: the (single) consumer found nothing to do and sleeps on its waker;
//! - `STOP`: a stop was requested (see [`LaneQueue::request_stop`]): a flag rather than a queued
//!   signal, so that stopping an actor allocates nothing;
//! - `NUDGED`: the consumer is to look again at something outside the queue (see
//!   [`LaneQueue::nudge`]).
//!
//! A producer pushes into a lane, then *reads* the state word; if it sees `PARKED` it clears the
//! flag and, if it was the one to clear it, wakes the consumer. The consumer parks by setting
//! `PARKED` and then looking at every lane once more: if one holds an item it clears the flag and
//! carries on. So a busy consumer costs a producer one push and one plain load, with no
//! read-modify-write of a word that every producer shares.
//!
//! Why no wake-up is lost (the consumer's second look misses an item only if the producer's read
//! sees `PARKED`): a `SegQueue` push claims its slot with a `SeqCst` compare-and-swap on the tail
//! index, the producer's read of the state word is `SeqCst`, and so are the consumer's setting of
//! `PARKED` and `SegQueue::is_empty`'s reads of the indices. The first and the last are
//! crossbeam-queue's internals, not its documented contract: they hold in the version the
//! workspace pins (`=0.3.14`: `seg_queue.rs`, the tail `compare_exchange_weak` with
//! `Ordering::SeqCst` in `push`, lines 270-275, and the two `SeqCst` loads in `is_empty`, lines
//! 551-552). Owning the ordering instead (a `SeqCst` fence after every push) would put a full
//! fence on every send; the stress tests (`parked_consumer_is_woken_by_producers` below,
//! `runtime/tests/stress.rs`) check the property on the pinned version. If the consumer's read of the tail
//! misses the push, that read precedes the push in the single total order of `SeqCst`
//! operations, and so does the consumer's setting of `PARKED`, which the producer's later read
//! must then see. A push that is not a `SeqCst` operation (the first push into a lane, which
//! creates it; the locked system lane) is published instead with a `SeqCst` read-modify-write of
//! the state word: read-modify-writes of one word are totally ordered, so either it comes after
//! the consumer's and sees `PARKED`, or the consumer's comes after it and synchronises with it,
//! and then sees the new lane and its item. Raising `STOP` or `NUDGED` is such a
//! read-modify-write too, and a consumer that finds either flag as it parks does not sleep.
//! `close` works the same way: a push that lands after the close sees `CLOSED` in its read and
//! reports it, so the pusher drains what the closer may have missed. Under `loom` the lanes are modelled by a mutex, which orders a push with the
//! consumer's look as the `SeqCst` operations do; the model tests below check the protocol.

use super::handoff::Handoff;
use crate::sync::{AtomicUsize, AtomicWaker, Lane, Ordering, SignalLane};

use std::task::{Context, Poll};

const CLOSED: usize = 0b0001;
const PARKED: usize = 0b0010;
const STOP: usize = 0b0100;
const NUDGED: usize = 0b1000;

/// Number of lanes: the system lane plus one per priority.
pub(crate) const LANES: usize = 5;
/// Index of the system lane (control signals; bypasses capacity and overflow policies).
pub(crate) const SYSTEM_LANE: usize = 0;

/// Whether the consumer must be woken by whoever was handed this: a push or a raised flag that
/// found the consumer parked unparks it, and the wake-up is then the caller's duty (to wake the
/// consumer's task, or to run the consumer in its place).
#[must_use = "the consumer was parked: wake it (or run it) or it never sees what was queued"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The consumer was parked and nobody else will wake it.
    Owed,
    /// Nothing to do: the consumer is running, or somebody else wakes it.
    Nothing,
}

impl Wake {
    #[inline]
    fn owed_if(owed: bool) -> Self {
        if owed {
            Wake::Owed
        } else {
            Wake::Nothing
        }
    }
}

/// A [`LaneQueue::hand_off`] that did not happen: the item back, and whether the consumer was
/// unparked all the same (the caller then owes its wake-up).
pub(crate) struct Refused<T> {
    pub(crate) item: T,
    pub(crate) unparked: bool,
}

/// What happened to a pushed item.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pushed<T> {
    /// The item is queued.
    Queued,
    /// The item is queued, but the queue was closed while it was pushed: whoever closed the queue
    /// may already have drained it, so the pusher must drain it again.
    QueuedAfterClose,
    /// The queue is closed; here is the item back.
    Closed(T),
}

pub(crate) struct LaneQueue<T> {
    system: SignalLane<T>,
    /// A user item given to the consumer while it slept on empty lanes, with its lane: taken
    /// after the system lane and before the user lanes (see [`hand_off`](Self::hand_off)).
    handoff: Handoff<T>,
    /// The user lanes, indexed by lane number minus one.
    lanes: [Lane<T>; LANES - 1],
    state: AtomicUsize,
    waker: AtomicWaker,
}

impl<T> LaneQueue<T> {
    pub(crate) fn new() -> Self {
        LaneQueue {
            system: SignalLane::new(),
            handoff: Handoff::new(),
            lanes: std::array::from_fn(|_| Lane::new()),
            state: AtomicUsize::new(0),
            waker: AtomicWaker::new(),
        }
    }

    /// Queue `item` in `lane` and wake the consumer if it is parked.
    #[inline]
    pub(crate) fn push(&self, lane: usize, item: T) -> Pushed<T> {
        let (pushed, wake) = self.push_owing_wake(lane, item);
        self.deliver(wake);
        pushed
    }

    /// Queue `item` in `lane`; if the consumer is parked, unpark it (clear `PARKED`) but leave
    /// waking it to the caller, who is handed the duty as [`Wake::Owed`]. A user item for a
    /// consumer parked on empty lanes goes into the hand-off slot instead (see
    /// [`hand_off`](Self::hand_off)): no lane is created for it, nor pushed and popped.
    #[inline]
    pub(crate) fn push_owing_wake(&self, lane: usize, item: T) -> (Pushed<T>, Wake) {
        let state = self.state.load(Ordering::Acquire);
        if state & CLOSED != 0 {
            return (Pushed::Closed(item), Wake::Nothing);
        }
        let (item, unparked) = if state & PARKED != 0 && lane != SYSTEM_LANE {
            match self.hand_off(lane, item) {
                Ok(()) => {
                    // A close that landed meanwhile may have drained already (as after a push).
                    let pushed = if self.state.load(Ordering::SeqCst) & CLOSED != 0 {
                        Pushed::QueuedAfterClose
                    } else {
                        Pushed::Queued
                    };
                    return (pushed, Wake::Owed);
                }
                Err(Refused { item, unparked }) => (item, unparked),
            }
        } else {
            (item, false)
        };
        let publish = match lane {
            SYSTEM_LANE => self.system.push(item),
            _ => self.lanes[lane - 1].push(item),
        };
        let state = if publish {
            // A push that is not a `SeqCst` operation (see the module doc).
            self.state.fetch_or(0, Ordering::SeqCst)
        } else {
            self.state.load(Ordering::SeqCst)
        };
        let wake = Wake::owed_if(unparked || (state & PARKED != 0 && self.unpark()));
        let pushed = if state & CLOSED != 0 {
            Pushed::QueuedAfterClose
        } else {
            Pushed::Queued
        };
        (pushed, wake)
    }

    /// Give user `item` (of `lane`) to a consumer parked with every lane empty, in the hand-off
    /// slot, ahead of the lanes (nothing can be ahead of it): the consumer is unparked, and the
    /// caller owes it its wake-up (or runs it in its place). Refused when the consumer is not
    /// parked idle, or when an earlier hand-off is still there (then the caller, who unparked the
    /// consumer all the same, queues `item` in its lane and still owes the wake-up).
    pub(crate) fn hand_off(&self, lane: usize, item: T) -> Result<(), Refused<T>> {
        debug_assert_ne!(lane, SYSTEM_LANE);
        if !self.unpark_if_idle() {
            return Err(Refused {
                item,
                unparked: false,
            });
        }
        self.handoff.try_put(lane, item).map_err(|item| Refused {
            item,
            unparked: true,
        })
    }

    /// Wake the consumer if `wake` says it is owed.
    #[inline]
    pub(crate) fn deliver(&self, wake: Wake) {
        if wake == Wake::Owed {
            self.waker.wake();
        }
    }

    /// Set `flag` and wake the consumer if it is parked (a read-modify-write: see the module doc).
    fn raise(&self, flag: usize) {
        let wake = self.raise_owing_wake(flag);
        self.deliver(wake);
    }

    /// Set `flag` and unpark a parked consumer, leaving the wake-up to the caller (see
    /// [`push_owing_wake`](Self::push_owing_wake)).
    fn raise_owing_wake(&self, flag: usize) -> Wake {
        Wake::owed_if(self.state.fetch_or(flag, Ordering::SeqCst) & PARKED != 0 && self.unpark())
    }

    /// Ask the consumer to stop: [`take_stop`](Self::take_stop) reports it, ahead of every lane.
    /// Requests made before it is taken count as one.
    pub(crate) fn request_stop(&self) {
        self.raise(STOP);
    }

    /// [`request_stop`](Self::request_stop), leaving the wake-up to the caller as
    /// [`push_owing_wake`](Self::push_owing_wake) does.
    pub(crate) fn request_stop_owing_wake(&self) -> Wake {
        self.raise_owing_wake(STOP)
    }

    /// Whether a stop was requested and the consumer has not taken it yet.
    pub(crate) fn stop_requested(&self) -> bool {
        self.state.load(Ordering::Acquire) & STOP != 0
    }

    /// Consumer side: whether a stop was requested since the last call (clears the request).
    #[inline]
    pub(crate) fn take_stop(&self) -> bool {
        self.state.load(Ordering::Acquire) & STOP != 0
            && self.state.fetch_and(!STOP, Ordering::AcqRel) & STOP != 0
    }

    /// Make a parked (or parking) consumer return from [`ready`](Self::ready) once, so that it
    /// looks again at state kept outside the queue; everything the nudger wrote before is
    /// visible to it then.
    pub(crate) fn nudge(&self) {
        self.raise(NUDGED);
    }

    fn wake_parked(&self) {
        if self.unpark() {
            self.waker.wake();
        }
    }

    /// Clear `PARKED` if the consumer is parked with nothing to do (every lane empty, the queue
    /// open, no flag raised): `true` if this call cleared it. The caller can then give it an item
    /// in the hand-off slot without passing anything queued earlier (see [`hand_off`]).
    ///
    /// [`hand_off`]: Self::hand_off
    fn unpark_if_idle(&self) -> bool {
        self.state.load(Ordering::SeqCst) & (CLOSED | STOP | NUDGED) == 0
            && self.is_empty()
            && self.unpark()
    }

    /// Clear `PARKED`: `true` if this call cleared it (the caller is then the one to wake the
    /// consumer).
    #[inline]
    fn unpark(&self) -> bool {
        self.state.fetch_and(!PARKED, Ordering::SeqCst) & PARKED != 0
    }

    /// Take the oldest item of `lane`, a handed-off one first (see [`pop_first`]). Any thread
    /// may pop (overflow policies evict from the producer side); the consumer is the only one
    /// that waits.
    ///
    /// [`pop_first`]: Self::pop_first
    #[inline]
    pub(crate) fn pop_lane(&self, lane: usize) -> Option<T> {
        if lane == SYSTEM_LANE {
            return self.system.pop();
        }
        if self.handoff.lane() == Some(lane) {
            if let Some((_, item)) = self.handoff.take() {
                return Some(item);
            }
        }
        self.lanes[lane - 1].pop()
    }

    /// Take the oldest item of the first non-empty lane, in lane order, with its lane. A
    /// handed-off item is the oldest of its lane: it comes after the lanes above its own, and
    /// before its own lane's queue.
    #[inline]
    pub(crate) fn pop_first(&self) -> Option<(usize, T)> {
        if let Some(item) = self.system.pop() {
            return Some((SYSTEM_LANE, item));
        }
        let handed = self.handoff.lane().unwrap_or(LANES);
        for (i, lane) in self.lanes.iter().enumerate() {
            if i + 1 == handed {
                if let Some(item) = self.handoff.take() {
                    return Some(item);
                }
            }
            if let Some(item) = lane.pop_if_any() {
                return Some((i + 1, item));
            }
        }
        None
    }

    /// Whether every lane, and the hand-off slot, is empty.
    fn is_empty(&self) -> bool {
        self.system.is_empty()
            && self.handoff.lane().is_none()
            && self.lanes.iter().all(Lane::is_empty)
    }

    /// Items waiting in `lane` (a handed-off item counts in its lane).
    pub(crate) fn lane_len(&self, lane: usize) -> usize {
        match lane {
            SYSTEM_LANE => self.system.len(),
            _ => {
                let handed = self.handoff.lane() == Some(lane);
                self.lanes[lane - 1].len() + usize::from(handed)
            }
        }
    }

    /// How many user lanes were ever used (created).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn lanes_in_use(&self) -> usize {
        self.lanes.iter().filter(|lane| lane.is_created()).count()
    }

    /// Items waiting in all lanes.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        (0..LANES).map(|lane| self.lane_len(lane)).sum()
    }

    /// Whether [`close`](Self::close) was called.
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Refuse further pushes and wake the consumer. Items already queued stay queued; a caller
    /// that drains after closing sees every item whose push did not report the close.
    pub(crate) fn close(&self) {
        let prev = self.state.fetch_or(CLOSED, Ordering::SeqCst);
        if prev & PARKED != 0 {
            self.wake_parked();
        }
    }

    /// Whether the consumer is parked in [`ready`](Self::ready) (its waker is registered).
    #[inline]
    pub(crate) fn is_parked(&self) -> bool {
        self.state.load(Ordering::Acquire) & PARKED != 0
    }

    /// Register the consumer's waker while it waits on something other than the queue, so that
    /// [`wake_consumer`](Self::wake_consumer) reaches it (the queue itself only wakes a parked
    /// consumer).
    pub(crate) fn register_consumer(&self, waker: &std::task::Waker) {
        crate::sync::register(&self.waker, waker);
    }

    /// Wake the consumer wherever it waits (parked, or registered with
    /// [`register_consumer`](Self::register_consumer)): used to deliver a kill request.
    pub(crate) fn wake_consumer(&self) {
        self.waker.wake();
    }

    /// Consumer side, after finding every lane empty: wait until an item is queued or the queue
    /// is closed. Only one task may wait.
    pub(crate) async fn ready(&self) {
        /// Clears `PARKED` if the wait is dropped while parked (a killed incarnation), so that
        /// the flag always means "a consumer is waiting in `ready`".
        struct Parked<'a, T> {
            queue: &'a LaneQueue<T>,
            pending: bool,
        }
        impl<T> Drop for Parked<'_, T> {
            fn drop(&mut self) {
                if self.pending {
                    self.queue.state.fetch_and(!PARKED, Ordering::SeqCst);
                }
            }
        }
        let mut parked = Parked {
            queue: self,
            pending: false,
        };
        std::future::poll_fn(|cx| {
            let poll = self.poll_ready(cx, parked.pending);
            parked.pending = poll.is_pending();
            poll
        })
        .await
    }

    /// Consumer side, after finding every lane empty: be ready when an item is queued (or the
    /// queue is closed, a stop is requested or the consumer nudged), otherwise park until a
    /// producer wakes us. Only one task may call this.
    /// Polled again after a wake-up, it returns at once: whoever woke us (a push, a close, a
    /// raised flag) has already cleared `PARKED`, so there is nothing to look at, register or
    /// undo. A poll without a wake-up finds `PARKED` still set and parks again.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, woken: bool) -> Poll<()> {
        if woken {
            let state = self.state.load(Ordering::Acquire);
            if state & PARKED == 0 {
                if state & NUDGED != 0 {
                    // The nudge that woke us is used up.
                    self.state.fetch_and(!NUDGED, Ordering::SeqCst);
                }
                return Poll::Ready(());
            }
        }
        crate::sync::register(&self.waker, cx.waker());
        let prev = self.state.fetch_or(PARKED, Ordering::SeqCst);
        if prev & (CLOSED | STOP | NUDGED) != 0 || !self.is_empty() {
            // Something arrived (or the queue closed, or a flag was raised) before we parked: do
            // not sleep; a nudge is used up. A producer that saw `PARKED` meanwhile may have
            // cleared it and woken us: a harmless extra poll.
            self.state.fetch_and(!(PARKED | NUDGED), Ordering::SeqCst);
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// Tests look at items, not at their lanes.
#[cfg(test)]
impl<T> LaneQueue<T> {
    fn pop_item(&self) -> Option<T> {
        self.pop_first().map(|(_, item)| item)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn pops_in_lane_order_and_fifo_within_a_lane() {
        let q = LaneQueue::new();
        assert_eq!(q.push(4, "bg1"), Pushed::Queued);
        assert_eq!(q.push(1, "crit1"), Pushed::Queued);
        assert_eq!(q.push(4, "bg2"), Pushed::Queued);
        assert_eq!(q.push(0, "sys"), Pushed::Queued);
        assert_eq!(q.len(), 4);
        assert_eq!(q.lane_len(4), 2);
        let order: Vec<_> = std::iter::from_fn(|| q.pop_first()).collect();
        assert_eq!(order, [(0, "sys"), (1, "crit1"), (4, "bg1"), (4, "bg2")]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn a_handed_off_item_keeps_its_place_in_lane_order() {
        let q = LaneQueue::new();
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(q.poll_ready(&mut cx, false).is_pending(), "parked, idle");
        let (pushed, wake) = q.push_owing_wake(3, "normal1");
        assert_eq!(pushed, Pushed::Queued);
        assert!(
            matches!(wake, Wake::Owed),
            "the sender unparked the consumer"
        );
        assert_eq!(q.lanes_in_use(), 0, "handed off, no lane created");
        assert_eq!(q.lane_len(3), 1);
        assert_eq!(q.push(4, "bg1"), Pushed::Queued);
        assert_eq!(q.push(3, "normal2"), Pushed::Queued);
        assert_eq!(q.push(2, "high1"), Pushed::Queued);
        let order: Vec<_> = std::iter::from_fn(|| q.pop_first()).collect();
        assert_eq!(
            order,
            [(2, "high1"), (3, "normal1"), (3, "normal2"), (4, "bg1")],
            "higher lanes first, the hand-off ahead of its own lane"
        );
        // An eviction from the lane takes the hand-off, the lane's oldest item.
        assert!(q.poll_ready(&mut cx, false).is_pending(), "parked again");
        let (_, wake) = q.push_owing_wake(4, "bg2");
        q.deliver(wake);
        assert_eq!(q.push(4, "bg3"), Pushed::Queued);
        assert_eq!(q.pop_lane(4), Some("bg2"));
        assert_eq!(q.pop_lane(4), Some("bg3"));
    }

    #[test]
    fn closed_queue_returns_the_item() {
        let q = LaneQueue::new();
        q.push(2, 1);
        q.close();
        assert!(q.is_closed());
        assert_eq!(q.push(2, 7), Pushed::Closed(7));
        assert_eq!(q.pop_item(), Some(1), "queued items survive close");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn parked_consumer_is_woken_by_producers() {
        let q = Arc::new(LaneQueue::new());
        let producers: Vec<_> = (0..4usize)
            .map(|p| {
                let q = q.clone();
                tokio::spawn(async move {
                    for i in 0..10_000u32 {
                        q.push(1 + (i as usize % 4), (p, i));
                        if i % 1000 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        // The last item seen from each producer in each lane: FIFO per producer and lane.
        let mut last = [[None::<u32>; 4]; 4];
        let mut seen = 0;
        while seen < 40_000 {
            while let Some((p, i)) = q.pop_item() {
                let lane = i as usize % 4;
                assert!(last[p][lane] < Some(i), "out of order: {p} {i}");
                last[p][lane] = Some(i);
                seen += 1;
            }
            if seen < 40_000 {
                q.ready().await;
            }
        }
        for p in producers {
            p.await.unwrap();
        }
        assert_eq!(seen, 40_000);
        assert_eq!(q.len(), 0);
    }

    /// Producers that pause between pushes make the consumer park and be woken thousands of
    /// times: a lost wake-up would hang the test (bounded by the timeout).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_consumer_that_parks_after_every_item_is_always_woken() {
        let q = Arc::new(LaneQueue::new());
        const PER_PRODUCER: u32 = 5_000;
        let producers: Vec<_> = (0..2u32)
            .map(|p| {
                let q = q.clone();
                tokio::spawn(async move {
                    for i in 0..PER_PRODUCER {
                        // The first push of each lane creates it (published with a
                        // read-modify-write), then plain pushes; the system lane is the locked one.
                        let lane = [0, 1 + p as usize, 4][i as usize % 3];
                        q.push(lane, i);
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        let consumer = async {
            let mut seen = 0;
            while seen < 2 * PER_PRODUCER {
                while q.pop_item().is_some() {
                    seen += 1;
                }
                if seen < 2 * PER_PRODUCER {
                    q.ready().await;
                }
            }
            seen
        };
        let seen = tokio::time::timeout(std::time::Duration::from_secs(30), consumer)
            .await
            .expect("no lost wake-up");
        assert_eq!(seen, 2 * PER_PRODUCER);
        for p in producers {
            p.await.unwrap();
        }
    }
    /// The first push into a lane creates it (published with a read-modify-write): race that, on
    /// fresh queues, against a consumer that is about to park. A lost wake-up hangs an iteration
    /// (bounded by the timeout).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_push_that_creates_its_lane_wakes_a_parking_consumer() {
        for round in 0..2_000usize {
            let q = Arc::new(LaneQueue::new());
            let lane = round % LANES;
            let producer = {
                let q = q.clone();
                std::thread::spawn(move || q.push(lane, round))
            };
            let received = tokio::time::timeout(std::time::Duration::from_secs(10), async {
                loop {
                    if let Some(item) = q.pop_item() {
                        return item;
                    }
                    q.ready().await;
                }
            })
            .await
            .expect("no lost wake-up");
            assert_eq!(received, round);
            assert_eq!(producer.join().unwrap(), Pushed::Queued);
        }
    }

    #[test]
    fn a_stop_request_is_taken_once_and_leaves_the_lanes_alone() {
        let q = LaneQueue::new();
        q.push(2, 1);
        assert!(!q.take_stop());
        q.request_stop();
        q.request_stop();
        assert!(q.take_stop(), "requested");
        assert!(!q.take_stop(), "two requests before the take count as one");
        assert_eq!(q.pop_item(), Some(1), "queued items stay queued");
    }

    /// A stop request or a nudge racing a consumer that is about to park: the consumer always
    /// returns from `ready` (a lost wake-up hangs an iteration, bounded by the timeout); a nudge
    /// is used up by that return, a stop request stays until taken.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stop_requests_and_nudges_wake_a_parking_consumer() {
        for round in 0..2_000usize {
            let q = Arc::new(LaneQueue::<u32>::new());
            let stop = round % 2 == 0;
            let raiser = {
                let q = q.clone();
                std::thread::spawn(move || if stop { q.request_stop() } else { q.nudge() })
            };
            tokio::time::timeout(std::time::Duration::from_secs(10), q.ready())
                .await
                .expect("no lost wake-up");
            raiser.join().unwrap();
            assert_eq!(q.take_stop(), stop, "round {round}");
            if !stop {
                // The nudge is used up: the consumer parks again (and is woken by a push).
                let mut ready = std::pin::pin!(q.ready());
                assert!(poll_once(ready.as_mut()).is_pending(), "round {round}");
                q.push(1, 7);
                ready.await;
            }
        }
    }

    fn poll_once<F: std::future::Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        fut.poll(&mut cx)
    }

    /// Several first pushes into the same fresh lane race to create it: one lane wins, the
    /// others' are dropped, and every item lands in the winner (none is lost or duplicated).
    #[test]
    fn first_pushes_racing_to_create_a_lane_all_land_in_it() {
        const PRODUCERS: usize = 4;
        for round in 0..500usize {
            let q = Arc::new(LaneQueue::new());
            let lane = 1 + round % (LANES - 1);
            let start = Arc::new(std::sync::Barrier::new(PRODUCERS));
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let (q, start) = (q.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        q.push(lane, p)
                    })
                })
                .collect();
            for p in producers {
                assert_eq!(p.join().unwrap(), Pushed::Queued);
            }
            let mut seen: Vec<_> = std::iter::from_fn(|| q.pop_item()).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..PRODUCERS).collect::<Vec<_>>(), "round {round}");
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Two producers on different lanes, one consumer that parks: every item is received exactly
    /// once and the consumer never sleeps through a push.
    #[test]
    fn no_lost_wakeup_across_lanes() {
        loom::model(|| {
            let q = Arc::new(LaneQueue::new());
            let handles: Vec<_> = [1usize, 4]
                .into_iter()
                .map(|lane| {
                    let q = q.clone();
                    loom::thread::spawn(move || {
                        assert_eq!(q.push(lane, lane), Pushed::Queued);
                    })
                })
                .collect();
            loom::future::block_on(async {
                let mut got = Vec::new();
                while got.len() < 2 {
                    while let Some(v) = q.pop_item() {
                        got.push(v);
                    }
                    if got.len() < 2 {
                        q.ready().await;
                    }
                }
                got.sort();
                assert_eq!(got, [1, 4]);
            });
            for h in handles {
                h.join().unwrap();
            }
        });
    }

    /// A stop request racing the consumer as it parks: the consumer is never left asleep, and
    /// the request is reported once.
    #[test]
    fn stop_request_vs_parking_consumer() {
        loom::model(|| {
            let q = Arc::new(LaneQueue::<u32>::new());
            let requester = {
                let q = q.clone();
                loom::thread::spawn(move || q.request_stop())
            };
            loom::future::block_on(async {
                while !q.take_stop() {
                    q.ready().await;
                }
            });
            requester.join().unwrap();
            assert!(!q.take_stop(), "taken once");
        });
    }

    /// A close racing with a push: the item is either refused (returned) or queued, and a queued
    /// item is reported as racing the close when it landed after it.
    #[test]
    fn close_races_push_without_loss() {
        loom::model(|| {
            let q = Arc::new(LaneQueue::new());
            let producer = {
                let q = q.clone();
                loom::thread::spawn(move || q.push(2, 42))
            };
            loom::future::block_on(async {
                q.close();
                q.ready().await;
            });
            let drained_by_consumer = q.pop_item();
            let pushed = producer.join().unwrap();
            let drained_late = q.pop_item();
            match pushed {
                Pushed::Closed(v) => assert_eq!(v, 42),
                Pushed::Queued => assert_eq!(drained_by_consumer.or(drained_late), Some(42)),
                Pushed::QueuedAfterClose => {
                    assert_eq!(drained_by_consumer.or(drained_late), Some(42))
                }
            }
            assert_eq!(q.len(), 0);
        });
    }

    /// A caller handing an item to the parked consumer outside the lanes (it runs the consumer
    /// itself next) races a producer's push: the producer's item is never passed over. Either
    /// the consumer's run finds it, or the producer wakes the consumer for it.
    #[test]
    fn a_hand_off_racing_a_push_passes_nothing_over() {
        struct Count(loom::sync::atomic::AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        loom::model(|| {
            let q = Arc::new(LaneQueue::new());
            let wakes = std::sync::Arc::new(Count(loom::sync::atomic::AtomicUsize::new(0)));
            let waker = std::task::Waker::from(wakes.clone());
            let mut cx = Context::from_waker(&waker);
            assert!(
                q.poll_ready(&mut cx, false).is_pending(),
                "parked on empty lanes"
            );
            let producer = {
                let q = q.clone();
                loom::thread::spawn(move || assert_eq!(q.push(2, "pushed"), Pushed::Queued))
            };
            // The caller's hand-off, then its run of the consumer: the handed item first, then
            // the lanes until the consumer parks again.
            let handed = q.unpark_if_idle();
            if !handed {
                q.push(1, "queued by the caller");
            }
            let mut got: Vec<_> = handed.then_some("handed").into_iter().collect();
            loop {
                while let Some(item) = q.pop_item() {
                    got.push(item);
                }
                if q.poll_ready(&mut cx, false).is_pending() {
                    break;
                }
            }
            producer.join().unwrap();
            if !got.contains(&"pushed") {
                assert!(
                    wakes.0.load(Ordering::SeqCst) > 0,
                    "the pushed item was passed over"
                );
                got.extend(q.pop_item());
            }
            assert_eq!(got.len(), 2, "{got:?}");
        });
    }

    /// A producer-side eviction racing the consumer's pop: the item goes to exactly one of them.
    #[test]
    fn eviction_races_consumer_pop() {
        loom::model(|| {
            let q = Arc::new(LaneQueue::new());
            q.push(4, 1);
            let evictor = {
                let q = q.clone();
                loom::thread::spawn(move || q.pop_lane(4))
            };
            let consumed = q.pop_item();
            let evicted = evictor.join().unwrap();
            assert!(consumed.is_some() ^ evicted.is_some());
            assert_eq!(q.len(), 0);
        });
    }

    /// The ask/reply protocol over the real queue: an asker queues a request carrying a reply
    /// slot while the actor either answers it or stops (closing and draining, which rejects every
    /// queued request), and the asker's timeout may fire at any point. Whatever the
    /// interleaving, the ask resolves exactly once: a reply, a rejection, or the timeout (an
    /// answer that comes after the timeout is dropped, never delivered twice).
    #[test]
    fn ask_reply_vs_stop_vs_timeout_always_resolves() {
        use loom::sync::Mutex;
        #[derive(Debug, Clone, Copy, PartialEq)]
        enum Reply {
            Waiting,
            Answered(Result<u32, &'static str>),
            TimedOut,
        }
        type Slot = Arc<Mutex<Reply>>;
        /// The actor's side of the reply channel: a send to an asker that gave up is dropped.
        fn answer(slot: &Slot, value: Result<u32, &'static str>) {
            let mut s = slot.lock().unwrap();
            match *s {
                Reply::Waiting => *s = Reply::Answered(value),
                Reply::TimedOut => {}
                Reply::Answered(_) => panic!("a request is answered at most once"),
            }
        }
        loom::model(|| {
            let q: Arc<LaneQueue<Slot>> = Arc::new(LaneQueue::new());
            let slot: Slot = Arc::new(Mutex::new(Reply::Waiting));
            let actor = {
                let q = q.clone();
                loom::thread::spawn(move || {
                    // Handle at most one request, then stop: close and reject the rest.
                    if let Some(req) = q.pop_item() {
                        answer(&req, Ok(7));
                    }
                    q.close();
                    while let Some(req) = q.pop_item() {
                        answer(&req, Err("stopped"));
                    }
                })
            };
            let timeout = {
                let slot = slot.clone();
                loom::thread::spawn(move || {
                    let mut s = slot.lock().unwrap();
                    if *s == Reply::Waiting {
                        *s = Reply::TimedOut;
                    }
                })
            };
            match q.push(3, slot.clone()) {
                Pushed::Closed(_) => answer(&slot, Err("stopped before sending")),
                Pushed::QueuedAfterClose => {
                    // The actor may have drained already: the sender drains what is left.
                    while let Some(req) = q.pop_item() {
                        answer(&req, Err("stopped"));
                    }
                }
                Pushed::Queued => {}
            }
            actor.join().unwrap();
            timeout.join().unwrap();
            let resolved = *slot.lock().unwrap();
            assert_ne!(resolved, Reply::Waiting, "the ask resolved");
            assert_eq!(q.len(), 0, "nothing is left behind");
        });
    }

    /// The backpressure protocol of a bounded mailbox (`Mailbox::reserve`, `free_slot` and
    /// `wait_for_space`; loom's `Notify` keeps a permit as tokio's `notify_one` does): a sender
    /// waiting for room in a full mailbox while the actor frees the only slot is never left
    /// waiting. The code's two `SeqCst` loads (the waiter count after freeing a slot, the slot
    /// count after counting a waiter) are read-modify-writes here: loom models `SeqCst` as
    /// `AcqRel`, under which this Dekker pattern of loads reports a deadlock that the C++
    /// memory model rules out (read-modify-writes of one location are totally ordered in both).
    #[test]
    fn a_sender_waiting_for_room_is_woken_when_a_slot_frees() {
        use loom::sync::Notify;
        struct Room {
            capacity: usize,
            reserved: AtomicUsize,
            waiters: AtomicUsize,
            space: Notify,
        }
        impl Room {
            fn try_reserve(&self) -> bool {
                let taken = self.reserved.load(Ordering::SeqCst);
                taken < self.capacity
                    && self
                        .reserved
                        .compare_exchange(taken, taken + 1, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
            }
            fn release(&self) {
                self.reserved.fetch_sub(1, Ordering::SeqCst);
                if self.waiters.fetch_add(0, Ordering::SeqCst) > 0 {
                    self.space.notify();
                }
            }
            fn wait_for_space(&self) {
                self.waiters.fetch_add(1, Ordering::SeqCst);
                if self.reserved.fetch_add(0, Ordering::SeqCst) >= self.capacity {
                    self.space.wait();
                }
                self.waiters.fetch_sub(1, Ordering::SeqCst);
            }
        }
        loom::model(|| {
            let room = Arc::new(Room {
                capacity: 1,
                reserved: AtomicUsize::new(1),
                waiters: AtomicUsize::new(0),
                space: Notify::new(),
            });
            let actor = {
                let room = room.clone();
                loom::thread::spawn(move || room.release())
            };
            while !room.try_reserve() {
                room.wait_for_space();
            }
            actor.join().unwrap();
            assert_eq!(room.reserved.load(Ordering::SeqCst), 1);
        });
    }
}
