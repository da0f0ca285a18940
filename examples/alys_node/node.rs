//! An Alys-style node on actor_system: chain, engine, storage (redb), network and bridge actors
//! under one supervision tree. Shared by the `alys_node` example and its integration test.

use actor_system::blockchain::{
    collect_federation_signatures, impl_blockchain_handler, BlockchainActorPriority,
    BlockchainAwareActor, BlockchainEvent, BlockchainEventType, Consensus, Federation, SlotClock,
};
use actor_system::prelude::*;
use actor_system::supervision::RestartDelay;
use actor_system::system::{ActorSystem, SystemConfig};
use parking_lot::Mutex;
use redb::{Database, ReadableTable, TableDefinition};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");

/// What to run.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub blocks: u64,
    pub block_interval: Duration,
    pub data_dir: PathBuf,
    /// Storage fails every this many writes (0: never).
    pub fail_storage_every: u64,
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct Summary {
    pub blocks_produced: u64,
    pub deadline_misses: u64,
    pub restarts: u64,
    pub storage_failures: u64,
    pub p99_latency: Vec<(Priority, Duration)>,
    pub messages_dropped: u64,
    pub heights_in_db: Vec<u64>,
    /// The bridge's federation at the end: members and threshold.
    pub federation: (usize, usize),
}

impl Summary {
    /// Whether heights 1..=blocks are all in the database, in order.
    pub fn database_complete(&self) -> bool {
        self.heights_in_db == (1..=self.blocks_produced).collect::<Vec<_>>()
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
        writeln!(
            f,
            "federation:        {} members, threshold {}",
            self.federation.0, self.federation.1
        )?;
        write!(
            f,
            "database:          {} blocks, heights 1..={} {}",
            self.heights_in_db.len(),
            self.blocks_produced,
            if self.database_complete() {
                "all present, in order"
            } else {
                "INCOMPLETE"
            }
        )
    }
}

/// Mailbox-to-handler latency per priority, recorded by the receiving actors.
#[derive(Clone, Default)]
pub struct Latencies(Arc<Mutex<HashMap<Priority, Vec<Duration>>>>);

impl Latencies {
    fn record(&self, priority: Priority, sent: Instant) {
        self.0
            .lock()
            .entry(priority)
            .or_default()
            .push(sent.elapsed());
    }
    fn p99(&self) -> Vec<(Priority, Duration)> {
        let mut out: Vec<_> = self
            .0
            .lock()
            .iter_mut()
            .map(|(p, v)| {
                v.sort();
                (*p, v[(v.len() - 1) * 99 / 100])
            })
            .collect();
        out.sort_by_key(|(p, _)| std::cmp::Reverse(*p));
        out
    }
}

// --- storage -----------------------------------------------------------------------------------

pub struct StorageActor {
    db: Arc<Database>,
    fail_every: u64,
    writes: Arc<std::sync::atomic::AtomicU64>,
    failures: Arc<std::sync::atomic::AtomicU64>,
    latencies: Latencies,
}
impl Actor for StorageActor {}

#[derive(Message)]
#[message(result = "Result<(), String>", priority = "critical")]
pub struct PersistBlock {
    pub height: u64,
    pub hash: [u8; 32],
    pub sent: Instant,
}

impl Handler<PersistBlock> for StorageActor {
    async fn handle(&mut self, msg: PersistBlock, ctx: &mut Context<Self>) -> Result<(), String> {
        use std::sync::atomic::Ordering::Relaxed;
        self.latencies.record(Priority::Critical, msg.sent);
        let n = self.writes.fetch_add(1, Relaxed) + 1;
        if self.fail_every > 0 && n % self.fail_every == 0 {
            self.failures.fetch_add(1, Relaxed);
            ctx.fail(ActorError::recoverable(format!(
                "DatabaseConnection timeout writing block {}",
                msg.height
            )));
            return Err("storage unavailable".into());
        }
        let db = self.db.clone();
        let write = move || -> Result<(), Box<redb::Error>> {
            let boxed = |e: redb::Error| Box::new(e);
            let tx = db.begin_write().map_err(|e| boxed(e.into()))?;
            tx.open_table(BLOCKS)
                .map_err(|e| boxed(e.into()))?
                .insert(msg.height, msg.hash.as_slice())
                .map_err(|e| boxed(e.into()))?;
            tx.commit().map_err(|e| boxed(e.into()))
        };
        tokio::task::spawn_blocking(write)
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }
}

/// Heights stored in the database, in key order.
pub fn read_heights(db: &Database) -> Result<Vec<u64>, Box<redb::Error>> {
    let boxed = |e: redb::Error| Box::new(e);
    let tx = db.begin_read().map_err(|e| boxed(e.into()))?;
    let table = match tx.open_table(BLOCKS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(boxed(e.into())),
    };
    let mut heights = Vec::new();
    for entry in table.iter().map_err(|e| boxed(e.into()))? {
        heights.push(entry.map_err(|e| boxed(e.into()))?.0.value());
    }
    Ok(heights)
}

// --- engine ------------------------------------------------------------------------------------

pub struct EngineActor {
    latencies: Latencies,
}
impl Actor for EngineActor {}

#[derive(Message)]
#[message(result = "[u8; 32]", priority = "critical")]
pub struct ExecuteBlock {
    pub height: u64,
    pub transactions: u32,
    pub sent: Instant,
}

impl Handler<ExecuteBlock> for EngineActor {
    async fn handle(&mut self, msg: ExecuteBlock, _: &mut Context<Self>) -> [u8; 32] {
        self.latencies.record(Priority::Critical, msg.sent);
        // Simulated EVM execution: a little CPU per transaction.
        let mut state = [0u8; 32];
        for tx in 0..msg.transactions {
            for (i, b) in state.iter_mut().enumerate() {
                *b = b
                    .wrapping_mul(31)
                    .wrapping_add((msg.height as u8) ^ (tx as u8) ^ (i as u8));
            }
        }
        state
    }
}

// --- network -----------------------------------------------------------------------------------

pub struct NetworkActor {
    peers: u32,
    gossiped: u64,
    best_height: u64,
    latencies: Latencies,
}
impl Actor for NetworkActor {}

#[derive(Message)]
#[message(priority = "normal")]
pub struct GossipBlock {
    pub height: u64,
    pub sent: Instant,
}

impl Handler<GossipBlock> for NetworkActor {
    async fn handle(&mut self, msg: GossipBlock, _: &mut Context<Self>) {
        self.latencies.record(Priority::Normal, msg.sent);
        self.best_height = self.best_height.max(msg.height);
        self.gossiped += self.peers as u64; // one send per simulated peer
    }
}

// --- bridge ------------------------------------------------------------------------------------

pub struct BridgeActor {
    federation: Federation,
    signed: u64,
    latencies: Latencies,
}
impl Actor for BridgeActor {}

#[derive(Message)]
#[message(result = "bool", priority = "high")]
pub struct PegIn {
    pub amount: u64,
    pub sent: Instant,
}

impl Handler<PegIn> for BridgeActor {
    async fn handle(&mut self, msg: PegIn, _: &mut Context<Self>) -> bool {
        self.latencies.record(Priority::High, msg.sent);
        let amount = msg.amount;
        // Within the constraints' federation timeout (500 ms).
        let met = collect_federation_signatures(self, move |member| async move {
            tokio::time::sleep(Duration::from_millis(1 + amount % 3)).await;
            Ok::<_, ()>(format!("{member}-sig"))
        })
        .await
        .is_ok_and(|outcome| outcome.threshold_met);
        self.signed += met as u64;
        met
    }
}

/// The bridge's federation follows `FederationChange` events (applied by `dispatch_event`).
impl BlockchainAwareActor for BridgeActor {
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Bridge;
    fn federation(&mut self) -> Option<&mut Federation> {
        Some(&mut self.federation)
    }
}
impl_blockchain_handler!(BridgeActor);

#[derive(Message)]
#[message(result = "(usize, usize)", priority = "high")]
pub struct GetFederation;

impl Handler<GetFederation> for BridgeActor {
    async fn handle(&mut self, _: GetFederation, _: &mut Context<Self>) -> (usize, usize) {
        (self.federation.members().len(), self.federation.threshold())
    }
}

// --- chain -------------------------------------------------------------------------------------

pub struct ChainActor {
    engine: Addr<EngineActor>,
    storage: Addr<StorageActor>,
    network: Addr<NetworkActor>,
    bridge: Addr<BridgeActor>,
    /// The system's chain-event hub (not the system itself: the system owns this actor's spec).
    chain_events: actor_system::blockchain::EventHub,
    clock: SlotClock,
    height: u64,
    target: u64,
    misses: u64,
    done: Option<tokio::sync::oneshot::Sender<(u64, u64)>>,
}

impl Actor for ChainActor {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        let _ = ctx.notify(Consensus(ProduceBlock));
        ctx.run_interval_at(self.clock.interval(), Priority::Critical, |_, ctx| {
            let _ = ctx.notify(Consensus(ProduceBlock));
        });
        Ok(())
    }
}

impl BlockchainAwareActor for ChainActor {
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Consensus;
    fn timing_constraints(&self) -> actor_system::blockchain::BlockchainTimingConstraints {
        actor_system::blockchain::BlockchainTimingConstraints {
            block_interval: self.clock.interval(),
            max_consensus_latency: self.clock.interval(),
            ..Default::default()
        }
    }
}

pub struct ProduceBlock;
impl Message for ProduceBlock {
    type Result = ();
}
impl_blockchain_handler!(ChainActor; consensus: [ProduceBlock]);

impl Handler<ProduceBlock> for ChainActor {
    async fn handle(&mut self, _: ProduceBlock, ctx: &mut Context<Self>) {
        if self.height >= self.target {
            return;
        }
        let height = self.height + 1;
        let slot = self.clock.height_at(tokio::time::Instant::now());
        let hash = match self
            .engine
            .ask_timeout(
                ExecuteBlock {
                    height,
                    transactions: 200,
                    sent: Instant::now(),
                },
                Duration::from_secs(1),
            )
            .await
        {
            Ok(hash) => hash,
            Err(e) => {
                println!("block {height}: engine unavailable ({e}); retrying next slot");
                return;
            }
        };
        // Persist, retrying while storage restarts: no block may be lost.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let persist = PersistBlock {
                height,
                hash,
                sent: Instant::now(),
            };
            match self
                .storage
                .ask_timeout(persist, Duration::from_secs(1))
                .await
            {
                Ok(Ok(())) => break,
                other if attempts < 50 => {
                    tracing::warn!(target: "actor_system::blockchain", height, ?other, "storage write failed, retrying");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                other => {
                    println!("block {height}: storage failed {attempts} times ({other:?}); retrying next slot");
                    return;
                }
            }
        }
        self.height = height;
        let _ = self.network.tell(GossipBlock {
            height,
            sent: Instant::now(),
        });
        if height == 10 {
            // A sixth member joins; the bridge hears it through the chain-event hub.
            self.chain_events
                .publish(BlockchainEvent::FederationChange {
                    members: (1..=6).map(|i| format!("federation-{i}")).collect(),
                    threshold: 4,
                });
        }
        if height % 5 == 0 {
            let _ = self.bridge.tell(PegIn {
                amount: height * 1_000,
                sent: Instant::now(),
            });
        }
        self.chain_events
            .publish(BlockchainEvent::BlockProduced { height, hash });
        let timing = match self
            .clock
            .check(ctx.name(), slot, tokio::time::Instant::now())
        {
            Ok(left) => format!("{left:?} to spare"),
            Err(missed) => {
                self.misses += 1;
                missed.to_string()
            }
        };
        let retried = if attempts > 1 {
            format!(", storage retried {}x", attempts - 1)
        } else {
            String::new()
        };
        println!(
            "block {height:>4} slot {slot:>4} hash {:02x}{:02x}.. {timing}{retried}",
            hash[0], hash[1]
        );
        if self.height >= self.target {
            if let Some(done) = self.done.take() {
                let _ = done.send((self.height, self.misses));
            }
            ctx.stop();
        }
    }
}

/// Run the node for `config.blocks` blocks and report.
pub async fn run(config: NodeConfig) -> Result<Summary, Box<dyn std::error::Error + Send + Sync>> {
    use std::sync::atomic::AtomicU64;
    if let Some(addr) = config.metrics_addr {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .with_http_listener(addr)
            .install()?;
        actor_system::export_metrics(true);
        tracing::info!(target: "actor_system::metrics", "Prometheus metrics at http://{addr}/metrics");
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let db = Arc::new(Database::create(config.data_dir.join("chain.redb"))?);
    let latencies = Latencies::default();
    let system = ActorSystem::new(SystemConfig {
        name: "alys-node".into(),
        ..SystemConfig::default()
    })
    .await?;

    let failures = Arc::new(AtomicU64::new(0));
    let storage = {
        let (db, lat, failures) = (db.clone(), latencies.clone(), failures.clone());
        let writes = Arc::new(AtomicU64::new(0));
        let fail_every = config.fail_storage_every;
        let spec = ChildSpec::new("storage", move || StorageActor {
            db: db.clone(),
            fail_every,
            writes: writes.clone(),
            failures: failures.clone(),
            latencies: lat.clone(),
        })
        .delay(RestartDelay::FixedDelay(Duration::from_millis(10)));
        system.register(spec, Priority::Critical).await?
    };
    let engine = {
        let lat = latencies.clone();
        system
            .register_actor(
                "engine",
                move || EngineActor {
                    latencies: lat.clone(),
                },
                Priority::Critical,
            )
            .await?
    };
    let network = {
        let lat = latencies.clone();
        system
            .register_actor(
                "network",
                move || NetworkActor {
                    peers: 8,
                    gossiped: 0,
                    best_height: 0,
                    latencies: lat.clone(),
                },
                Priority::Normal,
            )
            .await?
    };
    let bridge = {
        let lat = latencies.clone();
        let members: Vec<String> = (1..=5).map(|i| format!("federation-{i}")).collect();
        let federation = Federation::new(members, 3)?;
        system
            .register_actor(
                "bridge",
                move || BridgeActor {
                    federation: federation.clone(),
                    signed: 0,
                    latencies: lat.clone(),
                },
                Priority::High,
            )
            .await?
    };
    system
        .chain_events()
        .subscribe(bridge.recipient(), [BlockchainEventType::FederationChange]);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let done = Arc::new(Mutex::new(Some(done_tx)));
    let chain_spec = {
        let (engine, storage, network, bridge) = (
            engine.clone(),
            storage.clone(),
            network.clone(),
            bridge.clone(),
        );
        let chain_events = system.chain_events().clone();
        let clock = SlotClock::new(tokio::time::Instant::now(), config.block_interval);
        let target = config.blocks;
        ChildSpec::new("chain", move || ChainActor {
            engine: engine.clone(),
            storage: storage.clone(),
            network: network.clone(),
            bridge: bridge.clone(),
            chain_events: chain_events.clone(),
            clock,
            height: 0,
            target,
            misses: 0,
            done: done.lock().take(),
        })
        .restart(actor_system::supervision::RestartPolicy::Transient)
        .depends_on(["storage", "engine"])
    };
    system.register(chain_spec, Priority::Critical).await?;
    let (blocks_produced, deadline_misses) = done_rx.await?;

    let supervision = system.health().await.supervision;
    let restarts = supervision.iter().map(|c| c.total_restarts).sum();
    let messages_dropped = system.dead_letters().count();
    let federation = bridge.ask(GetFederation).await?;
    system.shutdown().await;
    drop(system);
    let heights_in_db = read_heights(&db)?;
    // The shutdown dropped every actor and, with the system, every factory: this is the last
    // owner, and the database closes here, before `run` returns.
    let db = Arc::try_unwrap(db).map_err(|db| {
        format!(
            "the database is still open in {} other places after the shutdown",
            Arc::strong_count(&db) - 1
        )
    })?;
    drop(db);
    Ok(Summary {
        blocks_produced,
        deadline_misses,
        restarts,
        storage_failures: failures.load(std::sync::atomic::Ordering::Relaxed),
        p99_latency: latencies.p99(),
        messages_dropped,
        heights_in_db,
        federation,
    })
}
