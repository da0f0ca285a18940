//! The node example end to end: 20 blocks with storage faults injected, the database read back,
//! and the real Prometheus endpoint scraped.

#[path = "../examples/alys_node/node.rs"]
#[allow(dead_code)]
mod node;

use std::io::{Read, Write};
use std::time::Duration;

mod common;
use common::within;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_survives_storage_faults_loses_no_block_and_exports_metrics() {
    let data = tempfile::tempdir().unwrap();
    let metrics_addr = free_port();
    let node = node::run(node::NodeConfig {
        blocks: 20,
        block_interval: Duration::from_millis(30),
        data_dir: data.path().to_path_buf(),
        fail_storage_every: 5,
        metrics_addr: Some(metrics_addr),
    });
    // Many times what the run takes: its blocks, their interval and the restarts.
    let summary = within(Duration::from_secs(60), node, "the node's 20 blocks")
        .await
        .unwrap();

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
    assert_eq!(
        summary.federation,
        (6, 4),
        "the bridge followed the FederationChange event"
    );
    // Read the database back: heights 1..=20, all present, in order.
    assert_eq!(summary.heights_in_db, (1..=20).collect::<Vec<u64>>());
    let db = redb::Database::open(data.path().join("chain.redb")).unwrap();
    assert_eq!(
        node::read_heights(&db).unwrap(),
        (1..=20).collect::<Vec<u64>>()
    );

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
