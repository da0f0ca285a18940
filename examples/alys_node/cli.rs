//! The command line: one node, or `--local-cluster N` of them.

use super::{cluster, node};
use std::time::Duration;

/// The value after `name`.
fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Every value after `name` (a repeatable flag).
fn args_of(args: &[String], name: &str) -> Vec<String> {
    args.windows(2)
        .filter(|w| w[0] == name)
        .map(|w| w[1].clone())
        .collect()
}

fn number<T: std::str::FromStr>(
    args: &[String],
    name: &str,
    default: T,
) -> Result<T, node::BoxError>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    Ok(arg(args, name)
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(default))
}

/// Run what `args` say; the exit code (0: every check passed).
pub async fn run(args: &[String], launcher: cluster::Launcher) -> Result<i32, node::BoxError> {
    let temp = tempfile::tempdir()?;
    let data_dir = arg(args, "--data-dir").map_or_else(|| temp.path().to_path_buf(), Into::into);
    let blocks = number(args, "--blocks", 10)?;
    let interval_ms = number(args, "--block-interval-ms", 2000)?;
    let inject_faults = args.iter().any(|a| a == "--inject-faults");
    if let Some(nodes) = arg(args, "--local-cluster") {
        let config = cluster::ClusterConfig {
            nodes: nodes.parse()?,
            blocks,
            block_interval_ms: interval_ms,
            base_dir: data_dir,
            inject_faults,
        };
        let report =
            tokio::task::spawn_blocking(move || cluster::run_local(&config, &launcher)).await??;
        println!("\n{report}");
        return Ok(if report.ok() { 0 } else { 1 });
    }
    let config = node::NodeConfig {
        node_index: number(args, "--node-index", 0)?,
        blocks,
        block_interval: Duration::from_millis(interval_ms),
        data_dir,
        fail_storage_every: if inject_faults { 7 } else { 0 },
        metrics_addr: arg(args, "--metrics-addr").map(|v| v.parse()).transpose()?,
        listen: arg(args, "--listen").map(|v| v.parse()).transpose()?,
        peers: args_of(args, "--peer")
            .iter()
            .map(|p| p.parse())
            .collect::<Result<_, _>>()?,
        follow_timeout: Duration::from_secs(number(args, "--follow-timeout-s", 300)?),
    };
    println!(
        "alys node {}: {} blocks every {:?}, data in {}, {} peers{}",
        config.node_index,
        config.blocks,
        config.block_interval,
        config.data_dir.display(),
        config.peers.len(),
        if inject_faults {
            ", storage fails every 7th write"
        } else {
            ""
        }
    );
    let summary = node::run(config).await?;
    println!("\n{summary}");
    Ok(if summary.ok() { 0 } else { 1 })
}
