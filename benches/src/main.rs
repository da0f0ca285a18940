//! `actor-bench`: the same workloads on actor_system, raw tokio channels and (with the `compare`
//! feature) actix, kameo and ractor, in one run.
//!
//! `cargo run --release -p actor_bench -- [--workload NAME] [--system NAME] [--compare]
//! [--rounds N] [--json FILE]` (`--system` runs one system only, for profiling; `--rounds` runs
//! every workload N times on every system, interleaved, and reports medians)

mod report;
mod systems;
mod workloads;

use report::Report;
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, system] = args.as_slice() {
        if flag == "--memory-child" {
            // Measured in a fresh process so earlier workloads don't pollute the RSS figure.
            println!("{}", systems::memory_in_this_process(system));
            return;
        }
    }
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "actor-bench [--workload NAME] [--system NAME] [--compare] [--rounds N] [--json FILE]"
        );
        println!("workloads: {}", workloads::ALL.join(", "));
        return;
    }
    let only = value("--workload");
    if let Some(w) = &only {
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
    let mut report = Report::default();
    for workload in workloads::ALL {
        if only.as_deref().is_some_and(|w| w != workload) {
            continue;
        }
        // Rounds interleave the systems, so a slow stretch of the machine hits them all alike.
        for round in 0..rounds {
            for system in systems::names(compare) {
                if system_only.as_deref().is_some_and(|s| s != system) {
                    continue;
                }
                eprint!(
                    "\r{workload:>9} on {system:<13} round {}/{rounds} ...        ",
                    round + 1
                );
                let _ = std::io::stderr().flush();
                if let Some(m) = systems::run(system, workload) {
                    report.push(round, m);
                }
            }
        }
    }
    eprintln!("\r{:60}", "");
    print!("{}", report.table());
    if let Some(path) = value("--json") {
        if let Err(e) = std::fs::write(&path, report.json_lines()) {
            eprintln!("cannot write {path}: {e}");
            std::process::exit(1);
        }
    }
}
