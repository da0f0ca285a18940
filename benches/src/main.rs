//! `actor-bench`: the same workloads on actor_system, raw tokio channels and (with the `compare`
//! feature) actix, kameo and ractor, in one run.
//!
//! `cargo run --release -p actor_bench -- [--workload NAME[,NAME...]] [--system NAME]
//! [--compare] [--rounds N] [--one-thread] [--json FILE] [--plot FILE.svg]`
//! (`--workload` runs the workloads named, `--system` one system only; `--rounds` runs every
//! workload N times on every system, interleaved, and reports medians; `--one-thread` runs the
//! tokio-based systems on a current-thread runtime instead of two workers, so that every system
//! runs on one thread, as actix always does; `--plot` draws the ratio chart of the run, see
//! `plot`). Every run happens in a fresh child process,
//! `actor-bench --child WORKLOAD SYSTEM [--one-thread] [--count-allocs]`, which is also the
//! command to profile. After the timed rounds of a workload, one more run per system counts
//! allocations (the `allocs/op` column).
//!
//! The workloads (`--help` lists them with their sizes):
//! - from outside any actor: `tell`, `ask`, `spawn`, `fanin`, `priority` (p99 of critical
//!   messages behind slow background ones), `bounded` (waiting sends into a full mailbox),
//!   `tell_64b` and `tell_vec256` (payloads by value and on the heap);
//! - under load: `ask_concurrent` (16 tasks asking their own actors on 2 workers; its `extra`
//!   column is the fairness, slowest task's asks over the fastest's), `ask_busy` (asks to an
//!   actor that another task keeps telling, so they queue behind its mail);
//! - between actors, from inside handlers: `pingpong` and `ring` (Savina's ping-pong and thread
//!   ring, by tell), `chain` (an ask through 5 actors, each asking the next);
//! - lifecycle: `spawn_stop_all` (spawn 10,000, stop all, then await all);
//! - memory: resident bytes per idle actor, `memory` (fresh), `memory_used` (after one ask),
//!   `memory_told` (after one tell);
//! - between two processes over libp2p on loopback: `remote_tell` and `remote_ask`. Their
//!   baseline (the `tokio` row) is a plain libp2p request-response on the same swarm without
//!   actors, the floor; `floor_batched` is a second one for `remote_tell`: bare `u64`s batched
//!   as a node batches tells (see `systems::tokio_raw::remote`).
//!
//! Every workload checks what it did (counts, sums, the token's arrival) and fails its run
//! otherwise. Raw tokio runs each as tasks, unbounded mpsc channels and oneshot replies; the
//! shapes shared by every system are written once, in `systems::shapes`.

mod alloc_count;
mod child;
mod plot;
mod remote;
mod report;
mod systems;
mod workloads;

use report::Report;
use std::io::Write;
use systems::{Pass, Threads};

// Counts allocations only in `--count-allocs` runs (see `alloc_count`).
#[global_allocator]
static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;

/// The `--help` text: the flags, then one line per workload.
fn help() -> String {
    let mut text = String::from(
        "actor-bench [--workload NAME[,NAME...]] [--system NAME] [--compare] [--rounds N] [--one-thread]
            [--json FILE] [--plot FILE.svg]

  --workload NAME  run these workloads only (NAME,NAME,... in the table's order)
  --system NAME    run one system only (tokio, floor_batched, actor_system, and with --compare
                   actix, kameo, ractor)
  --compare        add the peers (needs --features compare; kameo's remote workloads need
                   --features compare-remote)
  --rounds N       run everything N times, interleaved, and report medians
  --one-thread     run the tokio-based systems on a current-thread runtime
  --json FILE      also write one JSON object per workload and system to FILE
  --plot FILE.svg  also draw the ratio chart: every workload and system, x raw tokio, log axis

workloads:
",
    );
    for (name, about) in workloads::ABOUT {
        text.push_str(&format!("  {name:<15} {about}\n"));
    }
    text
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, workload, system, rest @ ..] = args.as_slice() {
        if flag == "--child" {
            child::run_here_and_exit(workload, system, rest);
        }
    }
    if let [flag, system, rest @ ..] = args.as_slice() {
        if flag == remote::SERVE_FLAG {
            child::serve_here_and_exit(system, rest);
        }
    }
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", help());
        return;
    }
    let only: Option<Vec<String>> =
        value("--workload").map(|w| w.split(',').map(str::to_string).collect());
    for w in only.iter().flatten() {
        if !workloads::ALL.contains(&w.as_str()) {
            eprintln!(
                "unknown workload '{w}': use one of {}",
                workloads::ALL.join(", ")
            );
            std::process::exit(2);
        }
    }
    let compare = args.iter().any(|a| a == "--compare");
    if compare && !cfg!(feature = "compare") {
        eprintln!("--compare needs the peers compiled in: cargo run --release -p actor_bench --features compare -- --compare");
        std::process::exit(2);
    }
    let rounds = match value("--rounds").map(|n| n.parse::<usize>()) {
        None => 1,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("--rounds takes a positive number");
            std::process::exit(2);
        }
    };
    let system_only = value("--system");
    let threads = if args.iter().any(|a| a == systems::ONE_THREAD_FLAG) {
        Threads::One
    } else {
        Threads::Two
    };
    let systems: Vec<_> = systems::names(compare)
        .into_iter()
        .filter(|s| system_only.as_deref().is_none_or(|only| only == *s))
        .collect();
    let mut report = Report::default();
    for workload in workloads::ALL {
        if only
            .as_ref()
            .is_some_and(|w| !w.iter().any(|w| w == workload))
        {
            continue;
        }
        // Rounds interleave the systems, so a slow stretch of the machine hits them all alike,
        // and each round starts one system later, so none always runs right after another.
        for round in 0..rounds {
            let order = systems.iter().cycle().skip(round % systems.len().max(1));
            for &system in order.take(systems.len()) {
                eprint!(
                    "\r{workload:>14} on {system:<13} round {}/{rounds} ...        ",
                    round + 1
                );
                let _ = std::io::stderr().flush();
                if let Some(m) = child::run_in_child(system, workload, threads, Pass::Timed) {
                    report.push(round, m);
                }
            }
        }
        // One more run per system, counting allocations (counting slows it: not timed).
        for &system in &systems {
            eprint!("\r{workload:>14} on {system:<13} counting allocations ...   ");
            let _ = std::io::stderr().flush();
            if let Some(m) = child::run_in_child(system, workload, threads, Pass::CountAllocations)
            {
                report.push_allocations(&m);
            }
        }
    }
    eprintln!("\r{:64}", "");
    if threads == Threads::One {
        println!(
            "--one-thread: raw tokio, actor_system, kameo and ractor on a current-thread runtime"
        );
    }
    print!("{}", report.table());
    if let Some(path) = value("--json") {
        if let Err(e) = std::fs::write(&path, report.json_lines()) {
            eprintln!("cannot write {path}: {e}");
            std::process::exit(1);
        }
    }
    if let Some(path) = value("--plot") {
        if let Err(e) = plot::ratio_chart(&report, &path) {
            eprintln!("cannot draw {path}: {e}");
            std::process::exit(1);
        }
    }
}
