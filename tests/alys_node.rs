//! The node example end to end: 20 blocks with storage faults injected, the database read back
//! (reopened by every restart), the real Prometheus endpoint scraped, a rerun on the same data
//! directory resuming from the stored tip; and three node processes on loopback, as
//! `alys_node --local-cluster 3` runs them (one test binary: each links libp2p).

#[path = "../examples/alys_node/app.rs"]
#[allow(dead_code)]
mod app;

use app::cluster::{self, ClusterConfig, Launcher};
use app::{node, storage};
use std::io::{Read, Write};
use std::time::Duration;

/// Many times what a run of a few dozen blocks takes (their interval and the restarts): a node
/// that hangs fails the test instead of hanging it.
const RUN_BOUND: Duration = Duration::from_secs(60);

/// `node::run(config)`, bounded by [`RUN_BOUND`].
async fn run_bounded(config: node::NodeConfig) -> node::Summary {
    tokio::time::timeout(RUN_BOUND, node::run(config))
        .await
        .expect("the node finished its blocks")
        .unwrap()
}

fn free_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn scrape(addr: std::net::SocketAddr) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).unwrap();
    body
}

/// The value of the first sample of `metric` whose labels contain `label`.
fn sample(text: &str, metric: &str, label: &str) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(metric) && l.contains(label))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

fn config(data: &std::path::Path, blocks: u64, fail_every: u64) -> node::NodeConfig {
    node::NodeConfig {
        node_index: 0,
        blocks,
        block_interval: Duration::from_millis(30),
        data_dir: data.to_path_buf(),
        fail_storage_every: fail_every,
        metrics_addr: None,
        listen: None,
        peers: Vec::new(),
        follow_timeout: Duration::from_secs(60),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_survives_storage_faults_loses_no_block_and_exports_metrics() {
    let data = tempfile::tempdir().unwrap();
    let metrics_addr = free_port();
    let summary = run_bounded(node::NodeConfig {
        metrics_addr: Some(metrics_addr),
        ..config(data.path(), 20, 5)
    })
    .await;

    assert_eq!(summary.blocks_produced, 20);
    assert!(
        summary.storage_failures >= 3,
        "faults were injected: {summary}"
    );
    assert_eq!(
        summary.restarts, summary.storage_failures,
        "each storage failure was one restart"
    );
    assert_eq!(summary.messages_dropped, 0);
    // Read the database back: heights 1..=20, all present, in order, each linked to its parent.
    assert!(summary.ok(), "{summary}");
    assert_eq!(summary.heights_in_db, (1..=20).collect::<Vec<u64>>());
    assert_eq!(
        storage::read_heights(&data.path().join("chain.redb")).unwrap(),
        (1..=20).collect::<Vec<u64>>()
    );
    // Peg-ins every 5th block, signed by the one-member federation.
    assert_eq!(summary.peg_ins.len(), 4);

    let text = scrape(metrics_addr);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "{}",
        &text[..text.len().min(200)]
    );
    let processed = sample(&text, "actor_messages_processed_total", "actor=\"engine\"").unwrap();
    assert!(
        processed >= 20.0,
        "engine executed every block: {processed}"
    );
    assert!(sample(&text, "actor_messages_processed_total", "actor=\"storage\"").unwrap() >= 20.0);
    assert!(sample(&text, "actor_failures_total", "actor=\"storage\"").unwrap() >= 3.0);
    assert!(sample(&text, "actor_restarts_total", "supervisor=\"alys-node\"").unwrap() >= 3.0);
    for name in [
        "actor_message_handling_seconds",
        "actor_mailbox_wait_seconds",
        "actor_failures_supervised_total",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_on_the_same_data_dir_resumes_from_the_stored_tip_with_distinct_hashes() {
    let data = tempfile::tempdir().unwrap();
    let first = run_bounded(config(data.path(), 6, 0)).await;
    assert!(first.ok(), "{first}");
    let second = run_bounded(config(data.path(), 4, 0)).await;
    assert!(second.ok(), "{second}");
    assert_eq!(second.blocks_produced, 4);
    assert_eq!(second.heights_in_db, (1..=10).collect::<Vec<u64>>());
    let db = redb::Database::open(data.path().join("chain.redb")).unwrap();
    let blocks = storage::read_blocks(&db).unwrap();
    assert!(
        storage::chain_is_linked(&blocks),
        "each block's parent is the one below it"
    );
    let hashes: std::collections::HashSet<_> = blocks.iter().map(|b| b.hash).collect();
    assert_eq!(hashes.len(), 10, "every block has its own hash");
}

// --- three processes -----------------------------------------------------------------------
// Node 0 produces 15 blocks, every node stores each one through remote tells (storage faults
// injected), the bridges collect 2-of-3 peg-in signatures; afterwards every database is opened
// and checked. The node processes are this test binary run again: `cluster_node_process` runs a
// node when `ALYS_NODE_ARGS` is set, and does nothing otherwise.

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
