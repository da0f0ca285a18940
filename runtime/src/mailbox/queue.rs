//! The core of a mailbox: five FIFO lanes (a system lane for control signals, then one lock-free
//! lane per [`Priority`](crate::Priority)), a single state word and one registered waker. The
//! system lane is a small locked queue (signals are rare); the message path only reads its
//! atomic length.
//!
//! The state word packs the number of queued items with two flags:
//! - `CLOSED`: no more pushes are accepted;
//! - `PARKED`: the (single) consumer found nothing to do and sleeps on its waker.
//!
//! A producer pushes into a lane, then adds one to the count. Because the count is raised only
//! after the item is in its lane, a consumer that reads a non-zero count will find the item. The
//! consumer parks with a compare-and-swap from "empty, not parked" to "parked", so a push either
//! happens before that CAS (the CAS fails and the consumer retries) or after it (the producer sees
//! `PARKED` in the value its `fetch_add` returned and wakes the consumer). Only the producer that
//! clears `PARKED` wakes, so a busy consumer costs a producer one push and one atomic add.
//!
//! The consumer does not subtract per item: it counts what it [`take`](LaneQueue::take)s and
//! subtracts the lot in [`poll_ready`](LaneQueue::poll_ready), before it decides to park (or in
//! [`settle`](LaneQueue::settle)). The count may run ahead of the lanes meanwhile, which only
//! makes the consumer look once more; it never runs behind, so a parked consumer is never owed
//! an item. This keeps the state word's cache line with the producers while the consumer is busy.

use crate::sync::{AtomicUsize, AtomicWaker, Lane, Ordering, SignalLane};

use std::task::{Context, Poll};

const CLOSED: usize = 0b01;
const PARKED: usize = 0b10;
const ONE: usize = 0b100;

/// Number of lanes: the system lane plus one per priority.
pub(crate) const LANES: usize = 5;
/// Index of the system lane (control signals; bypasses capacity and overflow policies).
pub(crate) const SYSTEM_LANE: usize = 0;

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
    /// The user lanes, indexed by lane number minus one.
    lanes: [Lane<T>; LANES - 1],
    state: AtomicUsize,
    waker: AtomicWaker,
}

impl<T> LaneQueue<T> {
    pub(crate) fn new() -> Self {
        LaneQueue {
            system: SignalLane::new(),
            lanes: std::array::from_fn(|_| Lane::new()),
            state: AtomicUsize::new(0),
            waker: AtomicWaker::new(),
        }
    }

    /// Queue `item` in `lane` and wake the consumer if it is parked.
    #[inline]
    pub(crate) fn push(&self, lane: usize, item: T) -> Pushed<T> {
        if self.state.load(Ordering::Acquire) & CLOSED != 0 {
            return Pushed::Closed(item);
        }
        match lane {
            SYSTEM_LANE => self.system.push(item),
            _ => self.lanes[lane - 1].push(item),
        }
        let prev = self.state.fetch_add(ONE, Ordering::AcqRel);
        if prev & PARKED != 0 {
            self.wake_parked();
        }
        if prev & CLOSED != 0 {
            Pushed::QueuedAfterClose
        } else {
            Pushed::Queued
        }
    }

    fn wake_parked(&self) {
        if self.state.fetch_and(!PARKED, Ordering::AcqRel) & PARKED != 0 {
            self.waker.wake();
        }
    }

    /// Take the oldest item of `lane`. Any thread may pop (overflow policies evict from the
    /// producer side); the consumer is the only one that waits.
    pub(crate) fn pop_lane(&self, lane: usize) -> Option<T> {
        let item = self.pop_from(lane)?;
        self.state.fetch_sub(ONE, Ordering::AcqRel);
        Some(item)
    }

    #[inline]
    fn pop_from(&self, lane: usize) -> Option<T> {
        match lane {
            SYSTEM_LANE => self.system.pop(),
            _ => self.lanes[lane - 1].pop(),
        }
    }

    /// Take the oldest item of the first non-empty lane, in lane order.
    pub(crate) fn pop_first(&self) -> Option<T> {
        (0..LANES).find_map(|lane| self.pop_lane(lane))
    }

    /// Consumer side: take the oldest item of `lane` (or, with `None`, of the first non-empty
    /// lane) without lowering the count; `taken` counts it, to be settled by
    /// [`poll_ready`](Self::poll_ready) or [`settle`](Self::settle).
    #[inline]
    pub(crate) fn take(&self, lane: Option<usize>, taken: &mut usize) -> Option<T> {
        let item = match lane {
            Some(lane) => self.pop_from(lane),
            None if !self.system.is_empty() => self.system.pop(),
            None => self.lanes.iter().find_map(Lane::pop_if_any),
        }?;
        *taken += 1;
        Some(item)
    }

    /// Lower the count by the `taken` items the consumer took.
    pub(crate) fn settle(&self, taken: &mut usize) {
        if *taken > 0 {
            self.state
                .fetch_sub(std::mem::take(taken) * ONE, Ordering::AcqRel);
        }
    }

    /// Items waiting in `lane`.
    pub(crate) fn lane_len(&self, lane: usize) -> usize {
        match lane {
            SYSTEM_LANE => self.system.len(),
            _ => self.lanes[lane - 1].len(),
        }
    }

    /// Items waiting in all lanes (plus any the consumer took and has not settled yet).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.state.load(Ordering::Acquire) / ONE
    }

    /// Whether [`close`](Self::close) was called.
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Refuse further pushes and wake the consumer. Items already queued stay queued.
    pub(crate) fn close(&self) {
        let prev = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        if prev & PARKED != 0 {
            self.wake_parked();
        }
    }

    /// Consumer side: settle what it took, then be ready when an item is queued (or the queue is
    /// closed), otherwise park until a producer wakes us. Only one task may call this.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, taken: &mut usize) -> Poll<()> {
        self.settle(taken);
        let state = self.state.load(Ordering::Acquire);
        if state & !PARKED != 0 {
            return Poll::Ready(());
        }
        crate::sync::register(&self.waker, cx.waker());
        match self
            .state
            .compare_exchange(state, PARKED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Poll::Pending,
            Err(_) => {
                // Something arrived (or the queue closed) between the load and the CAS. A
                // producer that saw PARKED from an earlier park may also clear it; either way
                // we do not sleep, so clear our own flag.
                self.state.fetch_and(!PARKED, Ordering::AcqRel);
                Poll::Ready(())
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::future::poll_fn;
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
        assert_eq!(order, ["sys", "crit1", "bg1", "bg2"]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn closed_queue_returns_the_item() {
        let q = LaneQueue::new();
        q.push(2, 1);
        q.close();
        assert!(q.is_closed());
        assert_eq!(q.push(2, 7), Pushed::Closed(7));
        assert_eq!(q.pop_first(), Some(1), "queued items survive close");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn parked_consumer_is_woken_by_producers() {
        let q = Arc::new(LaneQueue::new());
        let producers: Vec<_> = (0..4)
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
        let (mut seen, mut taken) = (0, 0);
        while seen < 40_000 {
            poll_fn(|cx| q.poll_ready(cx, &mut taken)).await;
            while q.take(None, &mut taken).is_some() {
                seen += 1;
            }
        }
        for p in producers {
            p.await.unwrap();
        }
        assert_eq!(q.len(), taken, "taken items count until settled");
        q.settle(&mut taken);
        assert_eq!(q.len(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use std::future::poll_fn;

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
                let (mut got, mut taken) = (Vec::new(), 0);
                while got.len() < 2 {
                    poll_fn(|cx| q.poll_ready(cx, &mut taken)).await;
                    while let Some(v) = q.take(None, &mut taken) {
                        got.push(v);
                    }
                }
                q.settle(&mut taken);
                got.sort();
                assert_eq!(got, [1, 4]);
            });
            for h in handles {
                h.join().unwrap();
            }
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
                poll_fn(|cx| q.poll_ready(cx, &mut 0)).await;
            });
            let drained_by_consumer = q.pop_first();
            let pushed = producer.join().unwrap();
            let drained_late = q.pop_first();
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
            let consumed = q.pop_first();
            let evicted = evictor.join().unwrap();
            assert!(consumed.is_some() ^ evicted.is_some());
            assert_eq!(q.len(), 0);
        });
    }

    /// The ask/reply protocol over the real queue: an asker queues a request carrying a reply
    /// slot while the actor either answers it or stops (closing and draining, which rejects every
    /// queued request), and the asker may give up (time out). Whatever the interleaving, a
    /// waiting asker gets exactly one answer: a reply, a rejection, or its request back.
    #[test]
    fn ask_reply_vs_stop_vs_timeout_always_resolves() {
        use loom::sync::Mutex;
        type Slot = Arc<Mutex<Option<Result<u32, &'static str>>>>;
        fn answer(slot: &Slot, value: Result<u32, &'static str>) {
            let mut s = slot.lock().unwrap();
            assert!(s.is_none(), "a request is answered at most once");
            *s = Some(value);
        }
        for asker_times_out in [false, true] {
            loom::model(move || {
                let q: Arc<LaneQueue<Slot>> = Arc::new(LaneQueue::new());
                let slot: Slot = Arc::new(Mutex::new(None));
                let actor = {
                    let q = q.clone();
                    loom::thread::spawn(move || {
                        // Handle at most one request, then stop: close and reject the rest.
                        if let Some(req) = q.pop_first() {
                            answer(&req, Ok(7));
                        }
                        q.close();
                        while let Some(req) = q.pop_first() {
                            answer(&req, Err("stopped"));
                        }
                    })
                };
                match q.push(3, slot.clone()) {
                    Pushed::Closed(_) => answer(&slot, Err("stopped before sending")),
                    Pushed::QueuedAfterClose => {
                        // The actor may have drained already: the sender drains what is left.
                        while let Some(req) = q.pop_first() {
                            answer(&req, Err("stopped"));
                        }
                    }
                    Pushed::Queued => {}
                }
                actor.join().unwrap();
                if !asker_times_out {
                    // After the actor is gone, the answer must be there: nothing can hang.
                    let got = slot.lock().unwrap().take();
                    assert!(got.is_some(), "the ask resolved");
                }
                assert_eq!(q.len(), 0, "nothing is left behind");
            });
        }
    }
}
