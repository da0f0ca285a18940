//! `--local-cluster N`: N node processes on loopback, each with its own data directory, key and
//! port, node 0 producing. Waits for them, then opens every database and checks that every
//! height is present on every node.

use super::node::BoxError;
use super::storage;
use actor_system::remote::load_or_create_keypair;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How to start a node process with the given arguments.
pub struct Launcher {
    pub program: PathBuf,
    /// Arguments before the node's.
    pub prefix: Vec<String>,
    /// If set, the node's arguments go in this environment variable (one a line) instead of
    /// the command line (a test binary re-running itself takes no arguments of its own).
    pub env: Option<&'static str>,
}

impl Launcher {
    /// This same program, with the node's arguments on its command line.
    pub fn this_program() -> std::io::Result<Self> {
        Ok(Launcher {
            program: std::env::current_exe()?,
            prefix: Vec::new(),
            env: None,
        })
    }

    fn command(&self, args: &[String]) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.prefix);
        match self.env {
            Some(var) => command.env(var, args.join("\n")),
            None => command.args(args),
        };
        command
    }
}

/// The cluster to run.
pub struct ClusterConfig {
    pub nodes: usize,
    pub blocks: u64,
    pub block_interval_ms: u64,
    pub base_dir: PathBuf,
    pub inject_faults: bool,
}

/// One node's outcome: its exit status and its database read back.
pub struct NodeOutcome {
    pub index: usize,
    pub exited_ok: bool,
    pub heights: Result<Vec<u64>, String>,
}

/// Every node's outcome, and the chain's height (node 0's tip).
pub struct ClusterReport {
    pub nodes: Vec<NodeOutcome>,
    pub height: u64,
}

impl ClusterReport {
    /// Every node exited cleanly and holds heights 1..=height.
    pub fn ok(&self) -> bool {
        let all: Vec<u64> = (1..=self.height).collect();
        self.height > 0
            && self
                .nodes
                .iter()
                .all(|n| n.exited_ok && n.heights.as_ref() == Ok(&all))
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Run the cluster and report; each node's output is printed with its index in front.
pub fn run_local(config: &ClusterConfig, launcher: &Launcher) -> Result<ClusterReport, BoxError> {
    let dirs: Vec<PathBuf> = (0..config.nodes)
        .map(|i| config.base_dir.join(format!("node-{i}")))
        .collect();
    let mut addrs = Vec::new();
    for dir in &dirs {
        // Each node's key is made (or read) first, so that every node knows every peer id.
        let peer = load_or_create_keypair(dir)?.public().to_peer_id();
        addrs.push((format!("/ip4/127.0.0.1/tcp/{}", free_port()?), peer));
    }
    let deadline = Duration::from_millis(config.blocks * config.block_interval_ms * 3)
        + Duration::from_secs(90);
    let (done_tx, done) = mpsc::channel();
    let mut children = Vec::new();
    // The followers first, the producer last: it waits for them to connect anyway.
    for index in (0..config.nodes).rev() {
        let mut args = vec![
            "--node-index".to_owned(),
            index.to_string(),
            "--data-dir".into(),
            dirs[index].display().to_string(),
            "--listen".into(),
            addrs[index].0.clone(),
            "--blocks".into(),
            config.blocks.to_string(),
            "--block-interval-ms".into(),
            config.block_interval_ms.to_string(),
            "--follow-timeout-s".into(),
            deadline.as_secs().to_string(),
        ];
        for (_, (addr, peer)) in addrs.iter().enumerate().filter(|(o, _)| *o != index) {
            args.extend(["--peer".to_owned(), format!("{addr}/p2p/{peer}")]);
        }
        if config.inject_faults {
            args.push("--inject-faults".into());
        }
        let mut child = launcher.command(&args).stdout(Stdio::piped()).spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let done = done_tx.clone();
        // Until the node closes its output, which it does as it exits.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("[node {index}] {line}");
            }
            let _ = done.send(index);
        });
        children.push((index, Some(child)));
    }
    drop(done_tx);
    let until = Instant::now() + deadline;
    let mut exited = vec![false; config.nodes];
    for _ in 0..config.nodes {
        let Ok(index) = done.recv_timeout(until.saturating_duration_since(Instant::now())) else {
            for (_, child) in &mut children {
                if let Some(mut child) = child.take() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
            return Err(format!("the nodes did not finish within {deadline:?}").into());
        };
        if let Some((_, child)) = children.iter_mut().find(|(i, _)| *i == index) {
            if let Some(mut child) = child.take() {
                exited[index] = child.wait().is_ok_and(|s| s.success());
            }
        }
    }
    let nodes: Vec<NodeOutcome> = dirs
        .iter()
        .enumerate()
        .map(|(index, dir)| NodeOutcome {
            index,
            exited_ok: exited[index],
            heights: storage::read_heights(&dir.join("chain.redb")).map_err(|e| e.to_string()),
        })
        .collect();
    let height = nodes[0]
        .heights
        .as_ref()
        .ok()
        .and_then(|h| h.last().copied())
        .unwrap_or(0);
    Ok(ClusterReport { nodes, height })
}

impl std::fmt::Display for ClusterReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "cluster: {} nodes, chain height {}",
            self.nodes.len(),
            self.height
        )?;
        let all: Vec<u64> = (1..=self.height).collect();
        for n in &self.nodes {
            let db = match &n.heights {
                Ok(h) if *h == all => format!(
                    "{} blocks, heights 1..={} all present",
                    h.len(),
                    self.height
                ),
                Ok(h) => format!("{} blocks, INCOMPLETE", h.len()),
                Err(e) => format!("unreadable: {e}"),
            };
            writeln!(
                f,
                "node {}: exited {}, database {db}",
                n.index,
                if n.exited_ok { "ok" } else { "WITH AN ERROR" }
            )?;
        }
        write!(
            f,
            "every height present on every node: {}",
            if self.ok() { "yes" } else { "NO" }
        )
    }
}
