//! Soak: a tree of 200 children (4 supervisors of 50) under 16 askers, with a panic on 1% of
//! the messages. No ask waits more than a second, every panic is followed by a restart (they
//! keep pace), and after the shutdown the runtime's live tasks are back to their baseline.
//!
//! Its own test binary: it silences the panic hook for the whole process. It prints its
//! figures (`cargo test -p actor_system_supervision --test soak -- --nocapture`); `SOAK_SECS`
//! sets how long the askers run (default 4.5 s, to keep the CI suite short).

use actor_system_runtime::{Actor, Addr, Context, Handler, Message};
use actor_system_supervision::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SHARDS: usize = 4;
const PER_SHARD: usize = 50;
const ASKERS: usize = 16;
/// One message in this many makes its handler panic.
const PANIC_ONE_IN: u64 = 100;
/// No ask may wait longer.
const ASK_BOUND: Duration = Duration::from_secs(1);
/// Bound of every wait for the tree (restarts catching up, tasks ending).
const WAIT: Duration = Duration::from_secs(10);

struct Soak;
impl Actor for Soak {}

/// Work, or panic.
struct Work {
    panic: bool,
}
impl Message for Work {
    type Result = u64;
}
impl Handler<Work> for Soak {
    async fn handle(&mut self, msg: Work, _: &mut Context<Self>) -> u64 {
        assert!(!msg.panic, "injected panic");
        1
    }
}

/// xorshift64*: enough randomness to spread asks and panics.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[derive(Default)]
struct Figures {
    asks: AtomicU64,
    panics: AtomicU64,
    timeouts: AtomicU64,
    max_wait_us: AtomicU64,
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Total restarts of the workers, and whether all of them run.
async fn restarts(shards: &[Addr<Supervisor>]) -> (u64, bool) {
    let mut total = 0;
    let mut running = true;
    for shard in shards {
        for child in shard.ask(GetChildren).await.expect("the shard runs") {
            total += child.total_restarts;
            running &= child.state == ChildState::Running;
        }
    }
    (total, running)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_of_200_children_keeps_pace_with_panics_under_16_askers() {
    std::panic::set_hook(Box::new(|_| {}));
    let ask_for = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(5), Duration::from_secs_f64);
    let baseline = alive_tasks();
    let unlimited = RestartIntensity::new(u32::MAX, Duration::from_secs(1));
    let mut root = SupervisorSpec::builder("root").intensity(unlimited);
    let mut workers = Vec::new();
    for s in 0..SHARDS {
        let mut shard = SupervisorSpec::builder(format!("shard-{s}")).intensity(unlimited);
        for w in 0..PER_SHARD {
            shard = shard.child(ChildSpec::new(format!("w{w}"), || Soak));
        }
        let shard = shard.build().unwrap();
        workers.extend((0..PER_SHARD).map(|w| shard.address::<Soak>(&format!("w{w}")).unwrap()));
        root = root.child(shard.into_child());
    }
    let root = root.build().unwrap().start().await.unwrap();
    let shards: Vec<Addr<Supervisor>> = (0..SHARDS)
        .map(|s| root.child(&format!("shard-{s}")).unwrap())
        .collect();

    let figures = Arc::new(Figures::default());
    let workers = Arc::new(workers);
    let began = Instant::now();
    let askers: Vec<_> = (0..ASKERS as u64)
        .map(|seed| {
            let (figures, workers) = (figures.clone(), workers.clone());
            tokio::spawn(async move {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (seed + 1));
                while began.elapsed() < ask_for {
                    let target = &workers[(rng.next() % workers.len() as u64) as usize];
                    let panic = rng.next() % PANIC_ONE_IN == 0;
                    let t0 = Instant::now();
                    match tokio::time::timeout(ASK_BOUND, target.ask(Work { panic })).await {
                        Ok(answer) => assert_eq!(answer.is_err(), panic, "{answer:?}"),
                        Err(_) => {
                            figures.timeouts.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    let waited = t0.elapsed().as_micros() as u64;
                    figures.max_wait_us.fetch_max(waited, Ordering::Relaxed);
                    figures.asks.fetch_add(1, Ordering::Relaxed);
                    figures.panics.fetch_add(panic as u64, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for asker in askers {
        asker.await.unwrap();
    }
    let asked_for = began.elapsed();
    let (asks, panics) = (
        figures.asks.load(Ordering::Relaxed),
        figures.panics.load(Ordering::Relaxed),
    );
    let at_end = restarts(&shards).await.0;
    // Every panic is followed by exactly one restart, and every worker runs again.
    let caught_up = Instant::now();
    let settled = tokio::time::timeout(WAIT, async {
        loop {
            let (restarted, running) = restarts(&shards).await;
            assert!(
                restarted <= panics,
                "{restarted} restarts for {panics} panics"
            );
            if restarted == panics && running {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(
        settled.is_ok(),
        "restarts did not catch up with {panics} panics"
    );
    let lag = caught_up.elapsed();

    let report = root.shutdown().await;
    assert!(report.aborted.is_empty(), "{report:?}");
    drop((root, shards, workers));
    let ended = tokio::time::timeout(WAIT, async {
        while alive_tasks() > baseline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    let _ = std::panic::take_hook();
    assert!(
        ended.is_ok(),
        "{} tasks alive after the shutdown, {baseline} before",
        alive_tasks()
    );
    let max_wait = Duration::from_micros(figures.max_wait_us.load(Ordering::Relaxed));
    println!(
        "soak: {asks} asks in {asked_for:.2?} ({:.0}/s) by {ASKERS} askers over {} children; \
         {panics} panics, {at_end} restarted by the end of the asks, all {panics} {lag:.2?} \
         later; longest ask {max_wait:.2?}; tasks back to {baseline}",
        asks as f64 / asked_for.as_secs_f64(),
        SHARDS * PER_SHARD,
    );
    assert_eq!(
        figures.timeouts.load(Ordering::Relaxed),
        0,
        "an ask waited over 1 s"
    );
    assert!(max_wait < ASK_BOUND, "{max_wait:?}");
    assert!(panics > 0);
}
