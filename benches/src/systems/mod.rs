//! The systems under test. Each module runs every workload its own idiomatic way.

mod ours;
#[cfg(feature = "compare")]
mod peers;
mod tokio_raw;

use crate::report::Measurement;
use std::future::Future;
use std::time::Duration;

/// Systems to run: ours and raw tokio, plus the peers with `--compare`.
pub fn names(compare: bool) -> Vec<&'static str> {
    let mut names = vec!["tokio", "actor_system"];
    if compare {
        names.extend(["actix", "kameo", "ractor"]);
    }
    names
}

/// Run `workload` on `system`.
pub fn run(system: &'static str, workload: &'static str) -> Option<Measurement> {
    if workload == "memory" {
        return Some(memory_in_child(system));
    }
    let result = match system {
        "tokio" => tokio_raw::run(workload),
        "actor_system" => ours::run(workload),
        #[cfg(feature = "compare")]
        "actix" => peers::actix::run(workload),
        #[cfg(feature = "compare")]
        "kameo" => peers::kameo::run(workload),
        #[cfg(feature = "compare")]
        "ractor" => peers::ractor::run(workload),
        _ => None,
    };
    result.map(|mut m| {
        m.system = system;
        m.workload = workload;
        m
    })
}

/// What a workload measured.
pub enum Outcome {
    /// `ops` operations in `elapsed`.
    Timed { ops: u64, elapsed: Duration },
    /// Latencies (ns) of the critical messages, and the whole run.
    Latencies {
        ns: Vec<f64>,
        ops: u64,
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
        }
    }
}

/// Run `driver` as a task on a fresh 2-worker multi-thread runtime (not inside `block_on`).
pub fn on_tokio<F>(driver: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
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

/// Bytes of resident memory per idle actor, measured in this process.
pub fn memory_in_this_process(system: &str) -> f64 {
    let n = crate::workloads::MEMORY_ACTORS;
    let before = resident_bytes();
    let measure = move || (resident_bytes() - before) / n as f64;
    match system {
        "tokio" => tokio_raw::memory(n, Box::new(measure)),
        "actor_system" => ours::memory(n, Box::new(measure)),
        #[cfg(feature = "compare")]
        "actix" => peers::actix::memory(n, Box::new(measure)),
        #[cfg(feature = "compare")]
        "kameo" => peers::kameo::memory(n, Box::new(measure)),
        #[cfg(feature = "compare")]
        "ractor" => peers::ractor::memory(n, Box::new(measure)),
        _ => f64::NAN,
    }
}

/// The memory workload, in a child process of this binary.
fn memory_in_child(system: &'static str) -> Measurement {
    let exe = std::env::current_exe().expect("path of this binary");
    let out = std::process::Command::new(exe)
        .args(["--memory-child", system])
        .output()
        .expect("run the memory child");
    let bytes: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN);
    Measurement {
        system,
        workload: "memory",
        ns_per_op: 0.0,
        ops: crate::workloads::MEMORY_ACTORS,
        bytes: Some(bytes),
        ..Default::default()
    }
}

/// A measurement callback for the memory workload: call it while the actors are alive.
pub type Measure = Box<dyn Fn() -> f64 + Send>;
