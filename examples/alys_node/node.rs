//! One Alys-style node on actor_system: chain, engine, storage (redb), network and bridge actors
//! under one supervision tree, and a remote node (libp2p) through which it joins a federation.
//! Node 0 produces the blocks; every node stores them; the bridges sign peg-ins together.
//! Shared by the `alys_node` example and its integration tests.

use super::bridge::{BridgeActor, PegInOutcome, Report, SignPegIn};
use super::chain::ChainActor;
use super::engine::{EngineActor, NetworkActor};
use super::federation::{self, member_name, ControlActor, Finish};
use super::latency::Latencies;
use super::storage::{self, StorageActor, StoreBlock, Tip};
use actor_system::blockchain::{Federation, SlotClock};
use actor_system::prelude::*;
use actor_system::remote::{Multiaddr, PeerAddr, PeerStats};
use actor_system::supervision::RestartDelay;
use actor_system::system::{ActorSystem, SystemConfig};
use parking_lot::Mutex;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What to run.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// 0 produces the blocks; the others store them and sign.
    pub node_index: usize,
    /// Blocks to produce in this run (on top of the stored tip).
    pub blocks: u64,
    pub block_interval: Duration,
    pub data_dir: PathBuf,
    /// Storage fails every this many writes (0: never).
    pub fail_storage_every: u64,
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Where to listen (default: a free loopback port).
    pub listen: Option<Multiaddr>,
    /// The other members of the federation.
    pub peers: Vec<PeerAddr>,
    /// How long a non-producing node waits for the producer to finish.
    pub follow_timeout: Duration,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct Summary {
    pub node_index: usize,
    pub member: String,
    /// The last height of the chain (the producer's target; what the producer said elsewhere).
    pub height: u64,
    pub blocks_produced: u64,
    pub deadline_misses: u64,
    pub restarts: u64,
    pub storage_failures: u64,
    pub p99_latency: Vec<(Priority, Duration)>,
    pub messages_dropped: u64,
    /// Read back from the database after the shutdown.
    pub heights_in_db: Vec<u64>,
    /// Each block's parent is the block below it.
    pub linked: bool,
    /// The other nodes' heights, as they answered the producer.
    pub replicas: Vec<(String, Result<Vec<u64>, String>)>,
    /// Peg-ins this node signed; the outcome of those it collected (producer).
    pub signed: u64,
    pub peg_ins: Vec<PegInOutcome>,
    pub remote: Vec<PeerStats>,
}

impl Summary {
    /// Heights 1..=height, in order, linked by their parent hashes.
    pub fn database_complete(&self) -> bool {
        self.linked && self.heights_in_db == (1..=self.height).collect::<Vec<_>>()
    }

    /// The database is complete, and on the producer every other node's too and every peg-in
    /// reached the threshold.
    pub fn ok(&self) -> bool {
        let all = (1..=self.height).collect::<Vec<_>>();
        self.height > 0
            && self.database_complete()
            && self.replicas.iter().all(|(_, h)| h.as_ref() == Ok(&all))
            && self.peg_ins.iter().all(|p| p.threshold_met)
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let role = if self.node_index == 0 {
            "producer"
        } else {
            "follower"
        };
        writeln!(f, "node {} ({}, {role})", self.node_index, self.member)?;
        writeln!(f, "blocks produced:   {}", self.blocks_produced)?;
        writeln!(f, "deadline misses:   {}", self.deadline_misses)?;
        writeln!(
            f,
            "restarts:          {} ({} injected storage failures)",
            self.restarts, self.storage_failures
        )?;
        for (p, d) in &self.p99_latency {
            writeln!(f, "p99 latency {p:<10} {d:?}")?;
        }
        writeln!(f, "messages dropped:  {}", self.messages_dropped)?;
        let verdict = |ok: bool| {
            if ok {
                "all present, in order"
            } else {
                "INCOMPLETE"
            }
        };
        writeln!(
            f,
            "database:          {} blocks, heights 1..={} {}{}",
            self.heights_in_db.len(),
            self.height,
            verdict(self.database_complete()),
            if self.linked {
                ", each linked to its parent"
            } else {
                ", NOT LINKED"
            }
        )?;
        for (member, heights) in &self.replicas {
            let all = (1..=self.height).collect::<Vec<_>>();
            match heights {
                Ok(h) => writeln!(f, "  {member}:  {} blocks, {}", h.len(), verdict(*h == all))?,
                Err(e) => writeln!(f, "  {member}:  UNKNOWN ({e})")?,
            }
        }
        writeln!(f, "peg-ins signed:    {}", self.signed)?;
        for p in &self.peg_ins {
            let signers: Vec<&str> = p.signatures.iter().map(|(m, _)| m.as_str()).collect();
            writeln!(
                f,
                "  peg-in {}: {} signatures in {:?} [{}]{}",
                p.id,
                signers.len(),
                p.elapsed,
                signers.join(", "),
                if p.threshold_met {
                    ""
                } else {
                    " THRESHOLD NOT MET"
                }
            )?;
        }
        for s in &self.remote {
            write!(
                f,
                "\n  peer {}: sent {} ({} B), received {} ({} B), dropped {}, ask rtt {:?}",
                member_name(&s.peer),
                s.messages_sent,
                s.bytes_sent,
                s.messages_received,
                s.bytes_received,
                s.dropped,
                s.mean_rtt.unwrap_or_default()
            )?;
        }
        Ok(())
    }
}

/// Run the node and report.
pub async fn run(config: NodeConfig) -> Result<Summary, BoxError> {
    if let Some(addr) = config.metrics_addr {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .with_http_listener(addr)
            .install()?;
        actor_system::export_metrics(true);
        tracing::info!(target: "actor_system::metrics", "Prometheus metrics at http://{addr}/metrics");
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let db_path = config.data_dir.join("chain.redb");
    let producer = config.node_index == 0;
    let latencies = Latencies::default();
    let system = ActorSystem::new(SystemConfig {
        name: "alys-node".into(),
        ..SystemConfig::default()
    })
    .await?;
    let remote = federation::start(
        &system,
        &config.data_dir,
        config.listen.clone(),
        &config.peers,
    )
    .await?;
    let me = member_name(&remote.peer_id());
    println!(
        "{me}: node {} listening on {:?}",
        config.node_index,
        remote.listen_addrs()
    );

    let failures = Arc::new(AtomicU64::new(0));
    let storage = {
        let (lat, failures, path) = (latencies.clone(), failures.clone(), db_path.clone());
        let writes = Arc::new(AtomicU64::new(0));
        let fail_every = config.fail_storage_every;
        let spec = ChildSpec::new("storage", move || StorageActor {
            path: path.clone(),
            db: None,
            fail_every,
            writes: writes.clone(),
            failures: failures.clone(),
            latencies: lat.clone(),
        })
        .delay(RestartDelay::FixedDelay(Duration::from_millis(10)));
        system.register(spec, Priority::Critical).await?
    };
    let engine = {
        let latencies = latencies.clone();
        system
            .register_actor(
                "engine",
                move || EngineActor {
                    latencies: latencies.clone(),
                },
                Priority::Critical,
            )
            .await?
    };
    let network = {
        let latencies = latencies.clone();
        let factory = move || NetworkActor {
            peers: 8,
            gossiped: 0,
            best_height: 0,
            latencies: latencies.clone(),
        };
        system
            .register_actor("network", factory, Priority::Normal)
            .await?
    };
    let bridge = {
        let latencies = latencies.clone();
        let mut names: Vec<String> = config.peers.iter().map(|p| member_name(&p.id)).collect();
        names.push(me.clone());
        let members: std::collections::HashMap<_, _> = config
            .peers
            .iter()
            .map(|p| {
                (
                    member_name(&p.id),
                    remote.recipient::<SignPegIn>(p.id, "bridge"),
                )
            })
            .collect();
        let threshold = names.len() / 2 + 1;
        let federation = Federation::new(names, threshold)?;
        let me = me.clone();
        let factory = move || BridgeActor {
            me: me.clone(),
            federation: federation.clone(),
            members: members.clone(),
            signed: 0,
            outcomes: Vec::new(),
            latencies: latencies.clone(),
        };
        system
            .register_actor("bridge", factory, Priority::High)
            .await?
    };
    let (finished_tx, finished) = tokio::sync::oneshot::channel();
    let control = spawn(ControlActor {
        finished: Some(finished_tx),
    })
    .await?;
    federation::expose(
        &remote,
        &storage,
        bridge.recipient::<SignPegIn>(),
        (!producer).then(|| control.recipient::<Finish>()),
    )?;

    let (mut blocks_produced, mut deadline_misses, mut replicas) = (0, 0, Vec::new());
    let height = if producer {
        let missing =
            federation::connect_all(&remote, &config.peers, Duration::from_secs(30)).await;
        if !missing.is_empty() {
            println!(
                "not connected to {} peers; their blocks wait in the outbound queue",
                missing.len()
            );
        }
        let start = storage
            .ask(Tip)
            .await?
            .map_err(|e| format!("storage: {e}"))?
            .map_or(0, |t| t.height);
        let height = start + config.blocks;
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let done = Arc::new(Mutex::new(Some(done_tx)));
        let chain_spec = {
            let (engine, storage, network, bridge) = (
                engine.clone(),
                storage.clone(),
                network.clone(),
                bridge.clone(),
            );
            let replicas: Vec<_> = config
                .peers
                .iter()
                .map(|p| remote.recipient::<StoreBlock>(p.id, "storage"))
                .collect();
            let chain_events = system.chain_events().clone();
            let clock = SlotClock::new(tokio::time::Instant::now(), config.block_interval);
            ChildSpec::new("chain", move || ChainActor {
                engine: engine.clone(),
                storage: storage.clone(),
                network: network.clone(),
                bridge: bridge.clone(),
                replicas: replicas.clone(),
                chain_events: chain_events.clone(),
                clock,
                tip: None,
                target: height,
                misses: 0,
                done: done.lock().take(),
            })
            .restart(actor_system::supervision::RestartPolicy::Transient)
            .depends_on(["storage", "engine"])
        };
        system.register(chain_spec, Priority::Critical).await?;
        (_, deadline_misses) = done_rx.await?;
        blocks_produced = height - start;
        replicas = federation::verify_and_finish(&remote, &storage, &config.peers, height).await;
        height
    } else {
        match tokio::time::timeout(config.follow_timeout, finished).await {
            Ok(Ok(height)) => height,
            _ => {
                println!(
                    "{me}: the producer did not finish within {:?}",
                    config.follow_timeout
                );
                0
            }
        }
    };

    // The bridge handles what was queued before this ask first: every peg-in is settled.
    let (signed, peg_ins) = bridge.ask(Report).await?;
    let supervision = system.health().await.supervision;
    let restarts = supervision.iter().map(|c| c.total_restarts).sum();
    let remote_stats = remote.stats().peers;
    remote.shutdown().await;
    let messages_dropped = system.dead_letters().count();
    system.shutdown().await;
    drop(system);
    // The shutdown closed the database (the storage actor held it): read it back from the file.
    let blocks = storage::read_blocks(&redb::Database::open(&db_path)?)?;
    Ok(Summary {
        node_index: config.node_index,
        member: me,
        height,
        blocks_produced,
        deadline_misses,
        restarts,
        storage_failures: failures.load(Relaxed),
        p99_latency: latencies.p99(),
        messages_dropped,
        heights_in_db: blocks.iter().map(|b| b.height).collect(),
        linked: storage::chain_is_linked(&blocks),
        replicas,
        signed,
        peg_ins,
        remote: remote_stats,
    })
}
