//! Three node processes on loopback, as `alys_node --local-cluster 3` runs them: node 0 produces
//! 15 blocks, every node stores each one through remote tells (storage faults injected), the
//! bridges collect 2-of-3 peg-in signatures; afterwards every database is opened and checked.
//!
//! The node processes are this test binary run again: `cluster_node_process` below runs a node
//! when `ALYS_NODE_ARGS` is set, and does nothing otherwise.

#[path = "../examples/alys_node/app.rs"]
#[allow(dead_code)]
mod app;

use app::cluster::{self, ClusterConfig, Launcher};

const ARGS: &str = "ALYS_NODE_ARGS";

#[test]
fn cluster_node_process() {
    let Ok(args) = std::env::var(ARGS) else {
        return; // not started as a node
    };
    let args: Vec<String> = args.lines().map(str::to_owned).collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let code = runtime
        .block_on(app::cli::run(&args, Launcher::this_program().unwrap()))
        .unwrap();
    std::process::exit(code);
}

#[test]
fn three_node_processes_store_every_block_and_sign_peg_ins() {
    let data = tempfile::tempdir().unwrap();
    let launcher = Launcher {
        program: std::env::current_exe().unwrap(),
        prefix: ["cluster_node_process", "--exact", "--nocapture"]
            .map(String::from)
            .to_vec(),
        env: Some(ARGS),
    };
    let config = ClusterConfig {
        nodes: 3,
        blocks: 15,
        block_interval_ms: 40,
        base_dir: data.path().to_path_buf(),
        inject_faults: true,
    };
    let report = cluster::run_local(&config, &launcher).unwrap();
    println!("{report}");
    assert_eq!(report.height, 15);
    assert!(report.ok(), "{report}");
}
