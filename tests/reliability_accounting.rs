//! Nothing is lost that the runtime did not declare it would drop: every message sent is either
//! handled, handed back to its sender as an error, or counted in dead letters; and what is
//! handled comes in the order each sender sent it on each lane.

use actor_system::prelude::*;
use actor_system::Fairness;
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

mod common;
use common::{bounded, until, within};

/// An item as handled: its producer, the lane it travelled in, its sequence number.
type Handled = (u32, usize, u64);

/// Counts what it handles and, when given a log, records the order it handled items in (the
/// test checks the order, outside the actor: a panic in a handler would only dead-letter the
/// item and keep the sums balanced).
struct Sink {
    order: Option<Arc<parking_lot::Mutex<Vec<Handled>>>>,
    handled: Arc<AtomicU64>,
    /// Handled `Critical` messages.
    critical: Arc<AtomicU64>,
    /// Holds the first item's handler until notified; `held` says it is waiting.
    gate: Option<(Arc<Notify>, Arc<AtomicBool>)>,
}
impl Actor for Sink {}

impl Sink {
    fn new(handled: &Arc<AtomicU64>) -> Self {
        Sink {
            order: None,
            handled: handled.clone(),
            critical: Default::default(),
            gate: None,
        }
    }
}

struct Item {
    producer: u32,
    seq: u64,
}
impl Message for Item {
    type Result = ();
}

impl Handler<Item> for Sink {
    async fn handle(&mut self, item: Item, ctx: &mut Context<Self>) {
        if let Some((gate, held)) = self.gate.take() {
            held.store(true, Ordering::SeqCst);
            gate.notified().await;
        }
        let lane = ctx.message_info().unwrap().priority.lane();
        if let Some(order) = &self.order {
            order.lock().push((item.producer, lane, item.seq));
        }
        self.handled.fetch_add(1, Ordering::Relaxed);
        if lane == Priority::Critical.lane() {
            self.critical.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The items of `order` handled after a later or the same item of their producer and lane:
/// each is a FIFO violation or a duplicate. (Gaps are allowed: dropped messages.)
fn out_of_order(order: &[Handled]) -> Vec<Handled> {
    let mut last = HashMap::new();
    order
        .iter()
        .filter(|(producer, lane, seq)| {
            let before = last.insert((*producer, *lane), *seq);
            before.is_some_and(|before| *seq <= before)
        })
        .copied()
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Tell,
    TellWhenReady,
    Ask,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![Just(Op::Tell), Just(Op::TellWhenReady), Just(Op::Ask)]
}

fn priority() -> impl Strategy<Value = Priority> {
    (0usize..4).prop_map(|l| Priority::from_lane(l).unwrap())
}

fn mailbox() -> impl Strategy<Value = MailboxConfig> {
    let overflow = prop_oneof![
        Just(OverflowStrategy::Backpressure),
        Just(OverflowStrategy::Reject),
        Just(OverflowStrategy::DropOldest),
        Just(OverflowStrategy::DropNewest),
        (0.1f64..=1.0).prop_map(|threshold| OverflowStrategy::DropLowPriority { threshold }),
    ];
    let fairness = prop_oneof![
        Just(Fairness::Strict),
        (1u32..5).prop_map(|every| Fairness::AntiStarvation { every })
    ];
    prop_oneof![
        fairness
            .clone()
            .prop_map(|f| MailboxConfig::unbounded().with_fairness(f)),
        (1usize..16, overflow, fairness).prop_map(|(cap, o, f)| MailboxConfig::bounded(cap)
            .with_overflow(o)
            .with_fairness(f)),
    ]
}

/// What became of the messages of one run.
struct Outcome {
    sent: u64,
    handled: u64,
    returned: u64,
    dead: u64,
    /// What the actor handled, in order.
    order: Vec<Handled>,
}

/// `future`'s output; its producer is not counted as `running` while it waits for it.
async fn waiting<F: std::future::Future>(running: &AtomicUsize, future: F) -> F::Output {
    running.fetch_sub(1, Ordering::SeqCst);
    let output = future.await;
    running.fetch_add(1, Ordering::SeqCst);
    output
}

async fn run(config: MailboxConfig, producers: Vec<Vec<(Op, Priority)>>) -> Outcome {
    let sink = DeadLetters::new(1);
    let handled = Arc::new(AtomicU64::new(0));
    let order = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let (gate, held) = (Arc::new(Notify::new()), Arc::new(AtomicBool::new(false)));
    let addr = spawn_with(
        Sink {
            order: Some(order.clone()),
            gate: Some((gate.clone(), held.clone())),
            ..Sink::new(&handled)
        },
        SpawnOptions::new()
            .mailbox(config)
            .dead_letters(sink.clone()),
    )
    .await
    .unwrap();
    let returned = Arc::new(AtomicU64::new(0));
    let sent: u64 = producers.iter().map(|p| p.len() as u64).sum();
    // Producers that are neither finished nor waiting in a send or an ask.
    let running = Arc::new(AtomicUsize::new(producers.len()));
    let tasks: Vec<_> = producers
        .into_iter()
        .enumerate()
        .map(|(producer, ops)| {
            let (addr, returned, running) = (addr.clone(), returned.clone(), running.clone());
            tokio::spawn(async move {
                for (seq, (op, p)) in ops.into_iter().enumerate() {
                    let item = Item {
                        producer: producer as u32,
                        seq: seq as u64,
                    };
                    let out = addr.with_priority(p);
                    let refused = match op {
                        Op::Tell => out.tell(item).is_err(),
                        Op::TellWhenReady => {
                            waiting(&running, out.tell_when_ready(item)).await.is_err()
                        }
                        Op::Ask => {
                            let answer = waiting(&running, out.ask(item)).await;
                            matches!(answer, Err(AskError::Full))
                        }
                    };
                    if refused {
                        returned.fetch_add(1, Ordering::Relaxed);
                    }
                }
                running.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    // Let the load build up against the held actor: open the gate once every producer has
    // finished or waits for the actor.
    until("the producers are finished or waiting", || {
        running.load(Ordering::SeqCst) == 0 && (held.load(Ordering::SeqCst) || sent == 0)
    })
    .await;
    gate.notify_one();
    for t in tasks {
        bounded(t, "a producer's sends").await.unwrap();
    }
    // Let the actor drain, then stop it (nothing is left to dead-letter at stop).
    until("the mailbox is drained", || addr.stats().queued() == 0).await;
    addr.stop();
    bounded(addr.wait_for_stop(), "the actor stops")
        .await
        .unwrap();
    let dead = sink.count();
    assert_eq!(addr.stats().dropped, dead);
    let order = std::mem::take(&mut *order.lock());
    Outcome {
        sent,
        handled: handled.load(Ordering::Relaxed),
        returned: returned.load(Ordering::Relaxed),
        dead,
        order,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_message_is_handled_returned_or_dead_lettered(
        config in mailbox(),
        producers in prop::collection::vec(prop::collection::vec((op(), priority()), 0..60), 1..5),
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let Outcome { sent, handled, returned, dead, order } = rt.block_on(run(config, producers));
        prop_assert_eq!(handled + returned + dead, sent, "config {:?}", config);
        if config.capacity.is_none() {
            prop_assert_eq!(handled, sent);
        }
        prop_assert_eq!(order.len() as u64, handled);
        prop_assert_eq!(out_of_order(&order), vec![], "config {:?}", config);
    }
}

/// Shutting down while 8 producers send: handled + returned + dead letters = sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_under_load_accounts_for_every_message() {
    let sink = DeadLetters::new(1);
    let handled = Arc::new(AtomicU64::new(0));
    let order = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let addr = spawn_with(
        Sink {
            order: Some(order.clone()),
            ..Sink::new(&handled)
        },
        SpawnOptions::new()
            .mailbox(MailboxConfig::bounded(256).with_overflow(OverflowStrategy::DropOldest))
            .dead_letters(sink.clone()),
    )
    .await
    .unwrap();
    let returned = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let producers: Vec<_> = (0..8)
        .map(|producer| {
            let (addr, returned, sent) = (addr.clone(), returned.clone(), sent.clone());
            tokio::spawn(async move {
                for seq in 0.. {
                    let p = Priority::from_lane(seq as usize % 4).unwrap();
                    sent.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = addr.with_priority(p).tell(Item { producer, seq }) {
                        returned.fetch_add(1, Ordering::Relaxed);
                        if e.is_stopped() {
                            return;
                        }
                    }
                    if seq % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    until("items are both handled and evicted", || {
        handled.load(Ordering::Relaxed) > 0 && addr.stats().dropped > 0
    })
    .await;
    addr.stop();
    bounded(addr.wait_for_stop(), "the actor stops under load")
        .await
        .unwrap();
    for p in producers {
        bounded(p, "a producer sees the actor stopped")
            .await
            .unwrap();
    }
    let (sent, handled, returned, dead) = (
        sent.load(Ordering::Relaxed),
        handled.load(Ordering::Relaxed),
        returned.load(Ordering::Relaxed),
        sink.count(),
    );
    assert_eq!(
        handled + returned + dead,
        sent,
        "handled {handled} returned {returned} dead {dead}"
    );
    let order = order.lock();
    assert_eq!(order.len() as u64, handled);
    assert_eq!(out_of_order(&order), [], "handled out of order");
}

/// Set in the process that runs the flood on its own.
const FLOOD_CHILD: &str = "ACTOR_SYSTEM_FLOOD_CHILD";

/// Messages in the flood: `ACTOR_SYSTEM_HEAVY=1` raises it from 1,000,000 to 10,000,000.
fn flood_size() -> u64 {
    if std::env::var_os("ACTOR_SYSTEM_HEAVY").is_some() {
        10_000_000
    } else {
        1_000_000
    }
}

/// The bound on the flood under one strategy: many times what a debug build takes.
fn strategy_bound() -> Duration {
    Duration::from_secs(flood_size() / 10_000)
}

/// A flood of Background messages at a bounded mailbox, under every overflow strategy: memory
/// stays bounded, Critical messages get through, drop counts are exact.
///
/// Memory is the process's: the flood runs in a process of its own (this test binary again,
/// with only this test selected), so no other test allocates meanwhile.
#[test]
fn flood_keeps_memory_bounded_and_lets_critical_through() {
    if std::env::var_os(FLOOD_CHILD).is_some() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        return runtime.block_on(flood(flood_size()));
    }
    let log = tempfile::tempfile().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "--nocapture", "--test-threads=1"])
        .arg("flood_keeps_memory_bounded_and_lets_critical_through")
        .env(FLOOD_CHILD, "1")
        .stdout(log.try_clone().unwrap())
        .stderr(log.try_clone().unwrap())
        .spawn()
        .unwrap();
    // Five strategies, and the start of the process.
    let limit = 6 * strategy_bound();
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the flood did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut log = log;
    std::io::Seek::rewind(&mut log).unwrap();
    let output = std::io::read_to_string(&log).unwrap();
    assert!(status.success(), "the flood failed ({status}):\n{output}");
    for line in output
        .lines()
        .filter_map(|l| l.find("flood ").map(|at| &l[at..]))
    {
        eprintln!("{line}");
    }
}

/// The flood itself, run in the child process.
async fn flood(flood: u64) {
    for overflow in [
        OverflowStrategy::Backpressure,
        OverflowStrategy::Reject,
        OverflowStrategy::DropOldest,
        OverflowStrategy::DropNewest,
        OverflowStrategy::DropLowPriority { threshold: 0.8 },
    ] {
        let sink = DeadLetters::new(1);
        let handled = Arc::new(AtomicU64::new(0));
        let critical = Arc::new(AtomicU64::new(0));
        // No order log here: it would be the very growth this test looks for.
        let addr = spawn_with(
            Sink {
                critical: critical.clone(),
                ..Sink::new(&handled)
            },
            SpawnOptions::new()
                .mailbox(MailboxConfig::bounded(FLOOD_CAPACITY).with_overflow(overflow))
                .dead_letters(sink.clone()),
        )
        .await
        .unwrap();
        let heap_before = live_heap::reset_peak();
        let mut returned = 0u64;
        let mut critical_sent = 0u64;
        let flooding = async {
            for seq in 0..flood {
                let item = Item { producer: 0, seq };
                let background = addr.with_priority(Priority::Background);
                let result = if overflow == OverflowStrategy::Backpressure {
                    background.tell_when_ready(item).await
                } else {
                    background.tell(item)
                };
                returned += result.is_err() as u64;
                if seq % 10_000 == 0 {
                    // A critical message must get in: retry while a Reject/DropNewest mailbox
                    // is full.
                    let mut item = Item { producer: 1, seq };
                    loop {
                        match addr.with_priority(Priority::Critical).tell(item) {
                            Ok(()) => break,
                            Err(SendError::Full(back)) => {
                                item = back;
                                tokio::task::yield_now().await;
                            }
                            Err(e) => panic!("actor stopped: {e}"),
                        }
                    }
                    critical_sent += 1;
                    tokio::task::yield_now().await;
                }
            }
        };
        let what = format!("the flood under {overflow:?}");
        within(strategy_bound(), flooding, &what).await;
        until("the mailbox is drained", || addr.stats().queued() == 0).await;
        let growth = live_heap::peak().saturating_sub(heap_before);
        let handled = handled.load(Ordering::Relaxed);
        let dead = sink.count();
        assert_eq!(
            handled + returned + dead,
            flood + critical_sent,
            "{overflow:?}"
        );
        assert_eq!(
            critical.load(Ordering::Relaxed),
            critical_sent,
            "{overflow:?}: every critical message is handled"
        );
        assert!(
            growth <= FLOOD_HEAP_LIMIT,
            "{overflow:?}: the heap grew {growth} bytes, over {FLOOD_HEAP_LIMIT}"
        );
        eprintln!(
            "flood {flood} {overflow:?}: handled {handled}, returned {returned}, dead letters {dead}, critical {critical_sent} all delivered, peak heap growth {} KiB",
            growth / 1024
        );
    }
}

/// The flood's mailbox capacity.
const FLOOD_CAPACITY: usize = 1024;

/// How much the heap may grow during the flood, in bytes.
///
/// What the bounded mailbox legitimately holds: FLOOD_CAPACITY (1,024) messages. A queued
/// message costs its slot in a lane's queue block (two words of payload and a state word:
/// 24 bytes) and its boxed letter (the 16-byte item, plus a correlation id and an enqueue
/// instant when its timing is sampled: at most 48 bytes), so at most 72 bytes, rounded up to
/// 128 for block headers and partly used blocks: 1,024 x 128 B = 128 KiB.
///
/// The limit is four times that, 512 KiB. A mailbox that let the flood pile up would hold
/// 1,000,000 x 40 B = 40 MB; one 16-byte item leaked in every 32 crosses the limit too
/// (31,250 x 16 B = 500 KB, with the legitimate 128 KiB on top).
const FLOOD_HEAP_LIMIT: usize = 4 * FLOOD_CAPACITY * 128;

/// The process's live heap bytes, and the most there were since the last `reset_peak`: every
/// allocation of this test binary goes through [`Counting`].
mod live_heap {
    #![allow(unsafe_code)] // `GlobalAlloc` is an unsafe trait; every method forwards to `System`.

    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    /// The system allocator, counting live bytes.
    struct Counting;

    #[global_allocator]
    static COUNTING: Counting = Counting;

    fn grew(bytes: usize) {
        let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
        PEAK.fetch_max(live, Relaxed);
    }

    // SAFETY: every method passes its arguments unchanged to `System`, which upholds the
    // `GlobalAlloc` contract; counting only touches atomics and never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            grew(layout.size());
            // SAFETY: the caller's guarantees for `layout` are `System.alloc`'s.
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            grew(layout.size());
            // SAFETY: as for `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size(), Relaxed);
            // SAFETY: `ptr` was allocated by `System` (every allocation goes through it) with
            // `layout`.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Relaxed);
            // SAFETY: as for `dealloc`, and the caller's guarantees for `new_size` are
            // `System`'s.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    /// Start a new peak from the bytes live now; returns them.
    pub fn reset_peak() -> usize {
        let live = LIVE.load(Relaxed);
        PEAK.store(live, Relaxed);
        live
    }

    /// The most bytes live since the last [`reset_peak`].
    pub fn peak() -> usize {
        PEAK.load(Relaxed)
    }
}
