//! Every run happens in a fresh child process of this binary, `actor-bench --child WORKLOAD
//! SYSTEM [--one-thread] [--count-allocs]`, which prints its measurement as one line
//! ([`Measurement::to_line`]). The same command runs one workload in the foreground, for a
//! profiler. A remote workload's child starts one more process, its server
//! (`actor-bench --serve SYSTEM [--one-thread]`, see `crate::remote`).

use crate::report::Measurement;
use crate::systems::{self, Pass, Threads, ONE_THREAD_FLAG};
use crate::workloads;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::Layer;

/// Run `workload` on `system` in a fresh child process of this binary (`--child WORKLOAD
/// SYSTEM`), so that no run inherits the heap an earlier one left behind. All in one process,
/// the order of the systems skewed the figures both ways: actix's `tell` measured 97 ns per
/// message after raw tokio and actor_system had run, 70 ns in a fresh process; actor_system's
/// `fanin` 68 ns on a heap already grown by raw tokio's run, 85-95 ns on a fresh one. `None` if
/// the system does not run the workload (or the child failed; its error is printed).
pub fn run_in_child(
    system: &'static str,
    workload: &'static str,
    threads: Threads,
    pass: Pass,
) -> Option<Measurement> {
    let exe = std::env::current_exe().expect("path of this binary");
    let mut child = std::process::Command::new(exe);
    child.args(["--child", workload, system]);
    if threads == Threads::One {
        child.arg(ONE_THREAD_FLAG);
    }
    if pass == Pass::CountAllocations {
        child.arg(COUNT_ALLOCS_FLAG);
    }
    let out = match child.output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("\ncannot start the child process for {workload} on {system}: {e}");
            return None;
        }
    };
    if out.status.code() == Some(NOT_RUN) {
        return None;
    }
    if !out.status.success() {
        eprintln!(
            "\n{workload} on {system} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last()?;
    Measurement::from_line(system, workload, line)
}

/// The exit code of a child asked to run a workload its system does not run (ractor has no
/// bounded mailbox): the pair has no row, and no error is printed.
pub const NOT_RUN: i32 = 3;

/// The flag of a child run that counts allocations.
pub const COUNT_ALLOCS_FLAG: &str = "--count-allocs";

/// The child's side: run `workload` on `system` with the given flags, print the measurement
/// and exit (with [`NOT_RUN`] if the system does not run the workload).
pub fn run_here_and_exit(workload: &str, system: &str, flags: &[String]) -> ! {
    let usage = || -> ! {
        eprintln!("--child takes a workload, a system and optionally {ONE_THREAD_FLAG} and {COUNT_ALLOCS_FLAG}");
        std::process::exit(2);
    };
    let (mut threads, mut pass) = (Threads::Two, Pass::Timed);
    for flag in flags {
        match flag.as_str() {
            ONE_THREAD_FLAG => threads = Threads::One,
            COUNT_ALLOCS_FLAG => pass = Pass::CountAllocations,
            _ => usage(),
        }
    }
    let workload = workloads::ALL.iter().find(|w| **w == workload);
    let system = systems::names(true).into_iter().find(|s| *s == system);
    let (Some(workload), Some(system)) = (workload, system) else {
        usage()
    };
    no_tracing();
    match systems::run_here(system, workload, threads, pass) {
        Some(m) => {
            println!("{}", m.to_line());
            std::process::exit(0);
        }
        None => std::process::exit(NOT_RUN),
    }
}

/// A server's side: serve `system`'s remote workloads until stdin closes, then exit (with
/// [`NOT_RUN`] if the system has no server).
pub fn serve_here_and_exit(system: &str, flags: &[String]) -> ! {
    let threads = match flags {
        [] => Threads::Two,
        [flag] if flag == ONE_THREAD_FLAG => Threads::One,
        _ => {
            eprintln!("--serve takes a system and optionally {ONE_THREAD_FLAG}");
            std::process::exit(2);
        }
    };
    no_tracing();
    let served = systems::serve_here(system, threads);
    std::process::exit(if served { 0 } else { NOT_RUN })
}

/// Install a subscriber that wants nothing at any level, so that every span and event of every
/// system is disabled before its call site is looked at, as when no subscriber is set at all,
/// whatever features the build has. `compare-remote` builds `tracing` with its `log` feature
/// (kameo's remote feature brings in quinn-proto, which asks for it), and then, with no
/// subscriber set, every span libp2p makes, enters and leaves is also offered to `log`: a cost
/// the same for every system, which would shrink every ratio of the remote rows (measured in
/// docs/performance.md, "Remote asks").
fn no_tracing() {
    let off = LevelFilter::OFF.with_subscriber(tracing::subscriber::NoSubscriber::default());
    let _ = tracing::subscriber::set_global_default(off);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_no_tracing_every_span_is_disabled_at_every_level() {
        no_tracing();
        // A subscriber set is what keeps `tracing`'s `log` feature from offering spans to `log`.
        assert!(tracing::dispatcher::has_been_set());
        assert_eq!(LevelFilter::current(), LevelFilter::OFF);
        assert!(tracing::error_span!("bench").is_disabled());
        assert!(!tracing::event_enabled!(tracing::Level::ERROR));
    }
}
