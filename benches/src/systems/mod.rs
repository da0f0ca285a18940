//! The systems under test. Each module runs every workload its own idiomatic way.

mod ours;
#[cfg(feature = "compare")]
mod peers;
mod shapes;
mod tokio_raw;

use crate::report::Measurement;
use std::future::Future;
use std::time::Duration;

/// Systems to run: ours and raw tokio, plus the peers with `--compare`. `floor_batched` is a
/// second baseline of `remote_tell` only (see `tokio_raw::remote`).
pub fn names(compare: bool) -> Vec<&'static str> {
    let mut names = vec!["tokio", "floor_batched", "actor_system"];
    if compare {
        names.extend(["actix", "kameo", "ractor"]);
    }
    names
}

/// The runtime the tokio-based systems (raw tokio, actor_system, kameo, ractor) run on; actix
/// always runs on its own single-threaded `System`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// A 2-worker multi-thread runtime: what the issue prescribes and the docs recommend.
    Two,
    /// A current-thread runtime: every system on one thread, as actix always is.
    One,
}

/// The flag that puts the tokio-based systems on one thread ([`Threads::One`]).
pub const ONE_THREAD_FLAG: &str = "--one-thread";

/// What a run is for (a child process runs one pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Timed, with allocation counting off.
    Timed,
    /// Counting allocations (slower: its time is not used).
    CountAllocations,
}

static ONE_THREAD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Run `workload` on `system` in this process (what a child process does, see `crate::child`),
/// on `threads`; a [`Pass::CountAllocations`] run reports allocations per operation.
pub fn run_here(
    system: &'static str,
    workload: &'static str,
    threads: Threads,
    pass: Pass,
) -> Option<Measurement> {
    if pass == Pass::Timed {
        return run_on(system, workload, threads);
    }
    crate::alloc_count::start();
    let measured = run_on(system, workload, threads);
    let (allocations, bytes) = crate::alloc_count::stop();
    measured.map(|m| {
        let ops = m.ops.max(1) as f64;
        Measurement {
            allocs_per_op: Some(allocations as f64 / ops),
            alloc_bytes_per_op: Some(bytes as f64 / ops),
            ..m
        }
    })
}

fn run_on(system: &'static str, workload: &'static str, threads: Threads) -> Option<Measurement> {
    ONE_THREAD.store(
        threads == Threads::One,
        std::sync::atomic::Ordering::Relaxed,
    );
    let result = match system {
        _ if crate::workloads::is_remote(workload) => remote_client(system, workload),
        "tokio" => tokio_raw::run(workload).or_else(|| shapes::run::<tokio_raw::Tokio>(workload)),
        "actor_system" => ours::run(workload).or_else(|| shapes::run::<ours::Ours>(workload)),
        #[cfg(feature = "compare")]
        "actix" => {
            peers::actix::run(workload).or_else(|| shapes::run::<peers::actix::Actix>(workload))
        }
        #[cfg(feature = "compare")]
        "kameo" => {
            peers::kameo::run(workload).or_else(|| shapes::run::<peers::kameo::Kameo>(workload))
        }
        #[cfg(feature = "compare")]
        "ractor" => {
            peers::ractor::run(workload).or_else(|| shapes::run::<peers::ractor::Ractor>(workload))
        }
        _ => None,
    };
    result.map(|mut m| {
        m.system = system;
        m.workload = workload;
        m
    })
}

/// A remote workload's client on `system`, against a server of its own (see `crate::remote`).
fn remote_client(system: &str, workload: &str) -> Option<Measurement> {
    let outcome = match system {
        "tokio" => tokio_raw::remote::run(workload, false),
        "floor_batched" => tokio_raw::remote::run(workload, true),
        "actor_system" => ours::remote::run(workload),
        #[cfg(feature = "compare-remote")]
        "kameo" => peers::kameo::remote::run(workload),
        _ => None,
    };
    outcome.map(Measurement::from)
}

/// Serve the remote workloads of `system` in this process until stdin closes (what
/// `actor-bench --serve SYSTEM` does); `false` if the system has no server.
pub fn serve_here(system: &str, threads: Threads) -> bool {
    ONE_THREAD.store(
        threads == Threads::One,
        std::sync::atomic::Ordering::Relaxed,
    );
    if threads == Threads::One {
        crate::remote::pin(crate::remote::Side::Server);
    }
    match system {
        "tokio" | "floor_batched" => on_tokio(tokio_raw::remote::serve()),
        "actor_system" => on_tokio(ours::remote::serve()),
        #[cfg(feature = "compare-remote")]
        "kameo" => on_tokio(peers::kameo::remote::serve()),
        _ => return false,
    }
    true
}

/// Start a server of `system` in a process of its own, then run `client` with its address and
/// peer id as [`on_tokio`] runs a workload; the server ends when this returns.
pub fn against_server<F, Fut>(system: &str, client: F) -> Fut::Output
where
    F: FnOnce(String, String) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let one_thread = ONE_THREAD.load(std::sync::atomic::Ordering::Relaxed);
    let flags: &[&str] = match one_thread {
        true => &[ONE_THREAD_FLAG],
        false => &[],
    };
    let server = crate::remote::Server::start(system, flags);
    // After the server started: it would inherit this process's CPU.
    if one_thread {
        crate::remote::pin(crate::remote::Side::Client);
    }
    on_tokio(client(server.addr.clone(), server.peer.clone()))
}

/// What a workload measured.
pub enum Outcome {
    /// `ops` operations in `elapsed`.
    Timed { ops: u64, elapsed: Duration },
    /// Latencies (ns) of the critical messages (or asks), and the whole run.
    Latencies {
        ns: Vec<f64>,
        ops: u64,
        elapsed: Duration,
    },
    /// Operations of each of several tasks that ran side by side for `elapsed`.
    Fair {
        per_task: Vec<u64>,
        elapsed: Duration,
    },
}

impl From<Outcome> for Measurement {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Timed { ops, elapsed } => Measurement {
                ns_per_op: elapsed.as_nanos() as f64 / ops as f64,
                ops,
                ..Default::default()
            },
            Outcome::Latencies { ns, ops, elapsed } => {
                let (p50, p99) = crate::workloads::percentiles(ns);
                Measurement {
                    ns_per_op: elapsed.as_nanos() as f64 / ops as f64,
                    ops,
                    p50_ns: Some(p50),
                    p99_ns: Some(p99),
                    ..Default::default()
                }
            }
            Outcome::Fair { per_task, elapsed } => {
                let ops: u64 = per_task.iter().sum();
                let slowest = per_task.iter().copied().min().unwrap_or(0);
                let fastest = per_task.iter().copied().max().unwrap_or(0);
                assert!(fastest > 0, "no task made any progress");
                Measurement {
                    ns_per_op: elapsed.as_nanos() as f64 / ops as f64,
                    ops,
                    fairness: Some(slowest as f64 / fastest as f64),
                    ..Default::default()
                }
            }
        }
    }
}

/// Run `driver` as a task (not inside `block_on`) on a fresh 2-worker multi-thread runtime, or
/// on a current-thread one when this run is on [`Threads::One`].
pub fn on_tokio<F>(driver: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut builder = if ONE_THREAD.load(std::sync::atomic::Ordering::Relaxed) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2);
        builder
    };
    let rt = builder.enable_all().build().expect("tokio runtime");
    rt.block_on(async { tokio::spawn(driver).await.expect("driver task") })
}

fn resident_bytes() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0
}

/// Which idle actors the memory workloads measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Never sent anything (`memory`).
    Fresh,
    /// Each answered one ask before the measurement (`memory_used`): what a mailbox keeps once
    /// it has been used.
    Asked,
    /// Each handled one tell before the measurement (`memory_told`): what a mailbox keeps once
    /// it has delivered a message that needs no reply.
    Told,
}

/// Bytes of resident memory per idle actor, measured in this (fresh) process by `run`, which
/// is given the number of actors, `idle` and the measurement to call while they are alive.
fn memory_in_this_process(idle: Idle, run: fn(u64, Idle, Measure) -> f64) -> Measurement {
    let n = crate::workloads::MEMORY_ACTORS;
    let before = resident_bytes();
    let measure = move || (resident_bytes() - before) / n as f64;
    Measurement {
        ns_per_op: 0.0,
        ops: n,
        bytes: Some(run(n, idle, Box::new(measure))),
        ..Default::default()
    }
}

/// A measurement callback for the memory workload: call it while the actors are alive.
pub type Measure = Box<dyn Fn() -> f64 + Send>;
