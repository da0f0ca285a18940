//! Workload names and sizes.

pub const ALL: [&str; 8] = [
    "tell",
    "ask",
    "spawn",
    "fanin",
    "priority",
    "bounded",
    "memory",
    "memory_used",
];

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
