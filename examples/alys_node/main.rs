//! An Alys-style node: chain, engine, storage (redb), network and bridge actors under one
//! supervision tree, producing blocks every interval; and a federation of such nodes over
//! libp2p (remote actors).
//!
//! ```text
//! cargo run --release --example alys_node -- [--blocks N] [--block-interval-ms MS]
//!     [--data-dir DIR] [--inject-faults] [--metrics-addr 127.0.0.1:9000]
//!     [--node-index I] [--listen /ip4/127.0.0.1/tcp/4000] [--peer MULTIADDR/p2p/PEER_ID]...
//!     [--local-cluster N]
//! ```
//! Node 0 produces the blocks; every node stores them (remote tells to its StorageActor) and its
//! BridgeActor signs peg-ins (2 of 3). `--local-cluster 3` starts three node processes on
//! loopback, each in `DIR/node-<i>`, and checks every database afterwards.
//! Logs go to stderr, filtered by `RUST_LOG`, e.g.
//! `RUST_LOG=actor_system::supervisor=info,actor_system::mailbox=debug,actor_system::blockchain=warn,actor_system::remote=info`.

mod app;

use app::{cli, cluster, node};

#[tokio::main]
async fn main() -> Result<(), node::BoxError> {
    #[cfg(feature = "tokio-console")]
    actor_system::init_console(); // tokio-console at 127.0.0.1:6669; tasks are named actor:<name>
    #[cfg(not(feature = "tokio-console"))]
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(cli::run(&args, cluster::Launcher::this_program()?).await?)
}
