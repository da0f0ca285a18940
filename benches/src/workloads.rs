//! Workload names and sizes, and the small helpers every system's runs share.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// One line per workload for `--help`: what it does, and what its row reports.
pub const ABOUT: [(&str, &str); 20] = [
    (
        "tell",
        "1,000,000 tells from outside any actor, then one ask",
    ),
    ("ask", "100,000 asks in a row to one idle actor"),
    (
        "spawn",
        "spawn 10,000 actors, ask each once, stop and await each",
    ),
    ("fanin", "4 tasks tell one actor 250,000 times each"),
    (
        "priority",
        "p99 of 1,000 critical messages behind 100,000 slow background ones",
    ),
    ("bounded", "1,000,000 waiting sends into a mailbox of 64"),
    (
        "ask_concurrent",
        "16 tasks ask their own actor for 0.5 s; extra: fairness (slowest/fastest task)",
    ),
    (
        "ask_busy",
        "20,000 asks to an actor that another task keeps telling; extra: p50/p99 round trip",
    ),
    ("tell_64b", "1,000,000 tells of a 64-byte array"),
    ("tell_vec256", "1,000,000 tells of a Vec<u8> of 256 bytes"),
    (
        "pingpong",
        "two actors tell each other from their handlers, 1,000,000 messages (Savina)",
    ),
    (
        "ring",
        "1,000 actors pass a token 1,000,000 hops by tell (Savina thread ring)",
    ),
    (
        "chain",
        "20,000 asks through 5 actors, each asking the next from its handler",
    ),
    (
        "spawn_stop_all",
        "spawn 10,000 actors, stop them all, then await them all",
    ),
    (
        "restart",
        "2,000 times: fail a supervised actor, ask it; extra: p50/p99 from the failure to the answer",
    ),
    (
        "memory",
        "resident bytes per idle actor, never sent anything (100,000 actors)",
    ),
    (
        "memory_used",
        "resident bytes per idle actor after one ask each",
    ),
    (
        "memory_told",
        "resident bytes per idle actor after one tell each",
    ),
    (
        "remote_tell",
        "200,000 tells to an actor in another process over libp2p on loopback, then one ask (10,000 where each tell is a request of its own)",
    ),
    (
        "remote_ask",
        "10,000 asks in a row to an actor in another process over libp2p on loopback",
    ),
];

/// Every workload, in the order of the table.
pub const ALL: [&str; ABOUT.len()] = {
    let mut names = [""; ABOUT.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = ABOUT[i].0;
        i += 1;
    }
    names
};

pub const TELL_MESSAGES: u64 = 1_000_000;
pub const ASK_ROUND_TRIPS: u64 = 100_000;
pub const SPAWN_ACTORS: u64 = 10_000;
pub const FANIN_SENDERS: u64 = 4;
pub const FANIN_MESSAGES: u64 = 1_000_000;
pub const PRIORITY_BACKGROUND: u64 = 100_000;
pub const PRIORITY_CRITICAL: u64 = 1_000;
pub const BOUNDED_MESSAGES: u64 = 1_000_000;
pub const BOUNDED_CAPACITY: usize = 64;
pub const MEMORY_ACTORS: u64 = 100_000;
/// Asking tasks of `ask_concurrent`, each with its own actor.
pub const CONCURRENT_ASKERS: usize = 16;
/// How long the tasks of `ask_concurrent` ask.
pub const CONCURRENT_FOR: Duration = Duration::from_millis(500);
/// Asks of `ask_busy`, each timed.
pub const BUSY_ASKS: u64 = 20_000;
/// Tells of `tell_64b` and `tell_vec256`.
pub const PAYLOAD_MESSAGES: u64 = 1_000_000;
/// Messages of `pingpong` (hops of a ring of two).
pub const PINGPONG_MESSAGES: u64 = 1_000_000;
pub const RING_ACTORS: u64 = 1_000;
pub const RING_HOPS: u64 = 1_000_000;
/// Actors an ask of `chain` passes through.
pub const CHAIN_ACTORS: u64 = 5;
pub const CHAIN_ASKS: u64 = 20_000;
/// Failures of `restart`, each followed by an ask to the restarted actor.
pub const RESTARTS: u64 = 2_000;
/// Tells of `remote_tell` on the systems that batch them (actor_system, `floor_batched`).
pub const REMOTE_TELLS: u64 = 200_000;
/// Tells of `remote_tell` where each is a request of its own (the floor, kameo): at ~100x the
/// cost of a batched one, enough for a rate without minutes per run.
pub const REMOTE_TELLS_ONE_PER_REQUEST: u64 = 10_000;
/// Requests in flight for tells sent one per request: a node's default window.
pub const REMOTE_WINDOW: u64 = 32;
/// Asks of `remote_ask`, one after another.
pub const REMOTE_ASKS: u64 = 10_000;

/// Whether `workload` runs between two processes (see `crate::remote`).
pub fn is_remote(workload: &str) -> bool {
    workload.starts_with("remote_")
}

/// Simulated work of one background message at the slow actor (about 1-2 us).
pub fn slow_work() {
    let mut x = 0u64;
    for i in 0..400 {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
    }
    std::hint::black_box(x);
}

/// p50 and p99 of latencies in nanoseconds.
pub fn percentiles(mut ns: Vec<f64>) -> (f64, f64) {
    ns.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ns[((ns.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99))
}

/// Tells handled by `memory_told`'s actors, in this process (a static, so that the actors
/// measured carry no field for it).
static TOLD: AtomicU64 = AtomicU64::new(0);

/// Count one tell handled (the handler of `memory_told`'s message calls it).
pub fn told() {
    TOLD.fetch_add(1, Relaxed);
}

/// Wait until `n` tells have been [`told`]; panics after 10 s, so that a run whose messages
/// were lost fails instead of measuring actors that never handled one.
pub async fn all_told(n: u64) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while TOLD.load(Relaxed) < n {
        assert!(
            Instant::now() < give_up,
            "only {} of {n} tells handled",
            TOLD.load(Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The message body of `tell_64b` and `tell_vec256`. Every byte is 1, so the receiver can
/// check what arrived by adding up one byte of each message.
pub trait Payload: Send + 'static {
    /// A new payload (the heap one allocates, as a sender's would).
    fn make() -> Self;
    /// The payload's last byte (for the heap one, a read of its heap block).
    fn last(&self) -> u8;
}

impl Payload for [u8; 64] {
    fn make() -> Self {
        [1; 64]
    }
    fn last(&self) -> u8 {
        self[63]
    }
}

impl Payload for Vec<u8> {
    fn make() -> Self {
        vec![1; 256]
    }
    fn last(&self) -> u8 {
        self[self.len() - 1]
    }
}

/// A loop that runs until a shared deadline, counting its rounds: reading the clock every 16
/// rounds keeps its cost out of the figure without overshooting the deadline by much.
#[derive(Debug, Clone, Copy)]
pub struct Until {
    deadline: Instant,
    rounds: u64,
}

impl Until {
    /// Rounds of [`STRIDE`](Self::STRIDE) between two readings of the clock.
    pub const STRIDE: u64 = 16;

    pub fn new(deadline: Instant) -> Self {
        Until {
            deadline,
            rounds: 0,
        }
    }

    /// Whether to run another stride of [`STRIDE`](Self::STRIDE) rounds (counted as run).
    pub fn next_stride(&mut self) -> bool {
        let go = Instant::now() < self.deadline;
        if go {
            self.rounds += Self::STRIDE;
        }
        go
    }

    /// Rounds run.
    pub fn rounds(&self) -> u64 {
        self.rounds
    }
}
