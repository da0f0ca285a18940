//! Nothing is lost that the runtime did not declare it would drop: every message sent is either
//! handled, handed back to its sender as an error, or counted in dead letters.

use actor_system::prelude::*;
use actor_system::Fairness;
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Checks per-sender-per-lane FIFO (gaps allowed: dropped messages) and counts what it handles.
struct Sink {
    last: HashMap<(u32, usize), u64>,
    handled: Arc<AtomicU64>,
    /// Handled `Critical` messages.
    critical: Arc<AtomicU64>,
    gate: Option<Arc<tokio::sync::Notify>>,
}
impl Actor for Sink {}

struct Item {
    producer: u32,
    seq: u64,
}
impl Message for Item {
    type Result = ();
}

impl Handler<Item> for Sink {
    async fn handle(&mut self, item: Item, ctx: &mut Context<Self>) {
        if let Some(gate) = self.gate.take() {
            gate.notified().await;
        }
        let lane = ctx.message_info().unwrap().priority.lane();
        if let Some(prev) = self.last.insert((item.producer, lane), item.seq) {
            assert!(
                item.seq > prev,
                "FIFO violated or duplicate: {prev} then {}",
                item.seq
            );
        }
        self.handled.fetch_add(1, Ordering::Relaxed);
        if lane == Priority::Critical.lane() {
            self.critical.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Tell,
    Send,
    Ask,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![Just(Op::Tell), Just(Op::Send), Just(Op::Ask)]
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

/// Outcome counts of one run: (sent, handled, returned to sender, dead letters).
async fn run(config: MailboxConfig, producers: Vec<Vec<(Op, Priority)>>) -> (u64, u64, u64, u64) {
    let sink = DeadLetters::new(1);
    let handled = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(tokio::sync::Notify::new());
    let addr = spawn_with(
        Sink {
            last: HashMap::new(),
            handled: handled.clone(),
            critical: Default::default(),
            gate: Some(gate.clone()),
        },
        SpawnOptions::new()
            .mailbox(config)
            .dead_letters(sink.clone()),
    )
    .await
    .unwrap();
    let returned = Arc::new(AtomicU64::new(0));
    let sent: u64 = producers.iter().map(|p| p.len() as u64).sum();
    let tasks: Vec<_> = producers
        .into_iter()
        .enumerate()
        .map(|(producer, ops)| {
            let addr = addr.clone();
            let returned = returned.clone();
            tokio::spawn(async move {
                for (seq, (op, p)) in ops.into_iter().enumerate() {
                    let item = Item {
                        producer: producer as u32,
                        seq: seq as u64,
                    };
                    let out = addr.with_priority(p);
                    let refused = match op {
                        Op::Tell => out.tell(item).is_err(),
                        Op::Send => out.send(item).await.is_err(),
                        Op::Ask => matches!(out.ask(item).await, Err(AskError::Full)),
                    };
                    if refused {
                        returned.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1)).await;
    gate.notify_one();
    for t in tasks {
        t.await.unwrap();
    }
    // Let the actor drain, then stop it (nothing is left to dead-letter at stop).
    while addr.stats().queued() > 0 {
        tokio::task::yield_now().await;
    }
    addr.stop();
    addr.wait_for_stop().await.unwrap();
    let dead = sink.count();
    assert_eq!(addr.stats().dropped, dead);
    (
        sent,
        handled.load(Ordering::Relaxed),
        returned.load(Ordering::Relaxed),
        dead,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_message_is_handled_returned_or_dead_lettered(
        config in mailbox(),
        producers in prop::collection::vec(prop::collection::vec((op(), priority()), 0..60), 1..5),
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (sent, handled, returned, dead) = rt.block_on(run(config, producers));
        prop_assert_eq!(handled + returned + dead, sent, "config {:?}", config);
        if config.capacity.is_none() {
            prop_assert_eq!(handled, sent);
        }
    }
}

/// Shutting down while 8 producers send: handled + returned + dead letters = sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_under_load_accounts_for_every_message() {
    let sink = DeadLetters::new(1);
    let handled = Arc::new(AtomicU64::new(0));
    let addr = spawn_with(
        Sink {
            last: HashMap::new(),
            handled: handled.clone(),
            critical: Default::default(),
            gate: None,
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
    tokio::time::sleep(Duration::from_millis(20)).await;
    addr.stop();
    addr.wait_for_stop().await.unwrap();
    for p in producers {
        p.await.unwrap();
    }
    let (sent, handled, returned, dead) = (
        sent.load(Ordering::Relaxed),
        handled.load(Ordering::Relaxed),
        returned.load(Ordering::Relaxed),
        sink.count(),
    );
    assert!(
        handled > 0 && dead > 0,
        "the test must exercise both paths: {handled} {dead}"
    );
    assert_eq!(
        handled + returned + dead,
        sent,
        "handled {handled} returned {returned} dead {dead}"
    );
}

/// A flood of Background messages at a bounded mailbox, under every overflow strategy: memory
/// stays bounded, Critical messages get through, drop counts are exact.
/// `ACTOR_SYSTEM_HEAVY=1` raises the flood from 1,000,000 to 10,000,000 messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_keeps_memory_bounded_and_lets_critical_through() {
    let flood: u64 = if std::env::var_os("ACTOR_SYSTEM_HEAVY").is_some() {
        10_000_000
    } else {
        1_000_000
    };
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
        let addr = spawn_with(
            Sink {
                last: HashMap::new(),
                handled: handled.clone(),
                critical: critical.clone(),
                gate: None,
            },
            SpawnOptions::new()
                .mailbox(MailboxConfig::bounded(1024).with_overflow(overflow))
                .dead_letters(sink.clone()),
        )
        .await
        .unwrap();
        let rss_before = peak_rss_kib();
        let mut returned = 0u64;
        let mut critical_sent = 0u64;
        for seq in 0..flood {
            let result = if overflow == OverflowStrategy::Backpressure {
                addr.with_priority(Priority::Background)
                    .send(Item { producer: 0, seq })
                    .await
            } else {
                addr.with_priority(Priority::Background)
                    .tell(Item { producer: 0, seq })
            };
            returned += result.is_err() as u64;
            if seq % 10_000 == 0 {
                // A critical message must get in: retry while a Reject/DropNewest mailbox is full.
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
        while addr.stats().queued() > 0 {
            tokio::task::yield_now().await;
        }
        let growth_mib = peak_rss_kib().saturating_sub(rss_before) / 1024;
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
            growth_mib < 64,
            "{overflow:?}: peak RSS grew {growth_mib} MiB"
        );
        eprintln!(
            "flood {flood} {overflow:?}: handled {handled}, returned {returned}, dead letters {dead}, critical {critical_sent} all delivered, peak RSS growth {growth_mib} MiB"
        );
    }
}

/// Peak resident set size of this process, in KiB (VmHWM).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
