//! An Alys-style node: chain, engine, storage (redb), network and bridge actors under one
//! supervision tree, producing blocks every interval.
//!
//! ```text
//! cargo run --release --example alys_node -- [--blocks N] [--block-interval-ms MS]
//!     [--data-dir DIR] [--inject-faults] [--metrics-addr 127.0.0.1:9000]
//! ```
//! Logs go to stderr, filtered by `RUST_LOG`, e.g.
//! `RUST_LOG=actor_system::supervisor=info,actor_system::mailbox=debug,actor_system::blockchain=warn,actor_system::metrics=info`.

mod node;

use std::time::Duration;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    #[cfg(feature = "tokio-console")]
    console_subscriber::init(); // tokio-console at 127.0.0.1:6669; tasks are named actor:<name>
    #[cfg(not(feature = "tokio-console"))]
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let temp = tempfile::tempdir()?;
    let config = node::NodeConfig {
        blocks: arg(&args, "--blocks")
            .map(|v| v.parse())
            .transpose()?
            .unwrap_or(10),
        block_interval: Duration::from_millis(
            arg(&args, "--block-interval-ms")
                .map(|v| v.parse())
                .transpose()?
                .unwrap_or(2000),
        ),
        data_dir: arg(&args, "--data-dir")
            .map(Into::into)
            .unwrap_or_else(|| temp.path().to_path_buf()),
        fail_storage_every: if args.iter().any(|a| a == "--inject-faults") {
            7
        } else {
            0
        },
        metrics_addr: arg(&args, "--metrics-addr")
            .map(|v| v.parse())
            .transpose()?,
    };
    println!(
        "alys node: {} blocks every {:?}, data in {}{}",
        config.blocks,
        config.block_interval,
        config.data_dir.display(),
        if config.fail_storage_every > 0 {
            ", storage fails every 7th write"
        } else {
            ""
        }
    );
    let summary = node::run(config).await?;
    println!("\n{summary}");
    if !summary.database_complete() {
        std::process::exit(1);
    }
    Ok(())
}
