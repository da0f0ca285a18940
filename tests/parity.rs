//! The system's side of issue 23: services started on first use (item 8), actors registered
//! from a configuration (item 10), and a storage actor that flushes its queued writes at
//! shutdown (item 4).

mod common;
use common::*;

use actor_system::prelude::*;
use actor_system::system::{ActorSystem, SystemConfig, SystemError};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

static PEER_STORES_BUILT: AtomicU32 = AtomicU32::new(0);

struct PeerStore {
    peers: Vec<u64>,
}

impl Default for PeerStore {
    fn default() -> Self {
        PEER_STORES_BUILT.fetch_add(1, Ordering::SeqCst);
        PeerStore { peers: Vec::new() }
    }
}

impl Actor for PeerStore {}
impl Service for PeerStore {}

struct AddPeer(u64);
impl Message for AddPeer {
    type Result = usize;
}
impl Handler<AddPeer> for PeerStore {
    async fn handle(&mut self, msg: AddPeer, _: &mut Context<Self>) -> usize {
        self.peers.push(msg.0);
        self.peers.len()
    }
}

/// Concurrent first calls start one instance; later calls find it; after it was stopped for
/// good, the next call starts a fresh one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_starts_once_on_first_use() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let first_calls = (0..8).map(|_| {
        let system = system.clone();
        tokio::spawn(async move { system.service::<PeerStore>().await })
    });
    let addrs: Vec<Addr<PeerStore>> = bounded(futures::future::join_all(first_calls), "the calls")
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();
    assert!(addrs.windows(2).all(|w| w[0] == w[1]), "one instance");
    assert_eq!(PEER_STORES_BUILT.load(Ordering::SeqCst), 1);
    assert_eq!(bounded(addrs[0].ask(AddPeer(1)), "an ask").await, Ok(1));
    let name = <PeerStore as Service>::service_name();
    assert_eq!(system.lookup::<PeerStore>(&name), Some(addrs[0].clone()));

    bounded(system.stop_actor(&name), "the service's stop")
        .await
        .unwrap();
    let fresh = bounded(system.service::<PeerStore>(), "a fresh start")
        .await
        .unwrap();
    assert_ne!(fresh, addrs[0]);
    assert_eq!(bounded(fresh.ask(AddPeer(2)), "the fresh one").await, Ok(1));
    assert_eq!(PEER_STORES_BUILT.load(Ordering::SeqCst), 2);
    system.shutdown().await;
}

/// A service is a supervised actor: it restarts on failure at the same address.
#[tokio::test]
async fn a_service_restarts_at_the_same_address() {
    #[derive(Default)]
    struct Metrics {
        count: u32,
    }
    impl Actor for Metrics {}
    impl Service for Metrics {}
    struct Bump;
    impl Message for Bump {
        type Result = u32;
    }
    impl Handler<Bump> for Metrics {
        async fn handle(&mut self, _: Bump, _: &mut Context<Self>) -> u32 {
            self.count += 1;
            self.count
        }
    }
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let mut events = system.supervision_events().subscribe();
    let metrics = system.service::<Metrics>().await.unwrap();
    assert_eq!(bounded(metrics.ask(Bump), "a bump").await, Ok(1));
    metrics.inject_failure(ActorError::recoverable("crash"));
    common::system::restarted(&mut events, &<Metrics as Service>::service_name()).await;
    let again = system.service::<Metrics>().await.unwrap();
    assert_eq!(again, metrics);
    assert_eq!(bounded(again.ask(Bump), "the new incarnation").await, Ok(1));
    system.shutdown().await;
}

#[derive(Clone)]
struct StorageConfig {
    reachable: bool,
    flushed: Arc<Mutex<Vec<u64>>>,
}

/// Keeps writes in a batch and flushes it when it stops.
struct StorageActor {
    pending: Vec<u64>,
    flushed: Arc<Mutex<Vec<u64>>>,
}

impl FromConfig for StorageActor {
    type Config = StorageConfig;
    fn new(config: StorageConfig) -> ActorResult<Self> {
        if !config.reachable {
            return Err(ActorError::recoverable("database not reachable"));
        }
        Ok(StorageActor {
            pending: Vec::new(),
            flushed: config.flushed,
        })
    }
}

impl Actor for StorageActor {
    async fn stopping(&mut self, _: &mut Context<Self>) {
        self.flushed.lock().unwrap().append(&mut self.pending);
    }
}

struct Write(u64);
impl Message for Write {
    type Result = ();
}
impl Handler<Write> for StorageActor {
    async fn handle(&mut self, msg: Write, _: &mut Context<Self>) {
        self.pending.push(msg.0);
    }
}

#[tokio::test]
async fn an_actor_registered_from_a_config_whose_constructor_fails_is_not_registered() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let config = StorageConfig {
        reachable: false,
        flushed: Arc::default(),
    };
    let refused = system
        .register_from_config::<StorageActor>("storage", config, Priority::High)
        .await;
    assert!(matches!(refused, Err(SystemError::Supervision(_))));
    assert!(system.lookup::<StorageActor>("storage").is_none());
    system.shutdown().await;
}

/// A storage actor registered with a drain on stop flushes every queued write at shutdown, the
/// ones still queued when the shutdown reached it included.
#[tokio::test(start_paused = true)]
async fn the_storage_actor_flushes_its_queued_writes_at_shutdown() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let flushed = Arc::new(Mutex::new(Vec::new()));
    let config = StorageConfig {
        reachable: true,
        flushed: flushed.clone(),
    };
    let spec = ChildSpec::<StorageActor>::from_config("storage", config).drain_on_stop();
    let storage = system.register(spec, Priority::High).await.unwrap();
    let gate = wedge_and_write(&storage, 100).await;
    let shutdown = tokio::spawn({
        let system = system.clone();
        async move { system.shutdown().await }
    });
    // On the paused clock this ends only once every other task is idle: the shutdown has asked
    // the held storage actor to stop, and waits for it.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(storage.stats().queued(), 100, "the writes are still queued");
    gate.notify_one();
    let report = bounded(shutdown, "the shutdown").await.unwrap();
    assert_eq!(report.stopped, ["storage"]);
    assert_eq!(*flushed.lock().unwrap(), (1..=100).collect::<Vec<_>>());
}

/// Hold the actor and queue `writes` writes behind it; returns the gate that lets it go.
async fn wedge_and_write(storage: &Addr<StorageActor>, writes: u64) -> Arc<tokio::sync::Notify> {
    struct Hold(
        Arc<tokio::sync::Notify>,
        Option<tokio::sync::oneshot::Sender<()>>,
    );
    impl Message for Hold {
        type Result = ();
    }
    impl Handler<Hold> for StorageActor {
        async fn handle(&mut self, mut msg: Hold, _: &mut Context<Self>) {
            let _ = msg.1.take().unwrap().send(());
            msg.0.notified().await;
        }
    }
    let gate = Arc::new(tokio::sync::Notify::new());
    let (entered, is_in) = tokio::sync::oneshot::channel();
    storage.tell(Hold(gate.clone(), Some(entered))).unwrap();
    bounded(is_in, "the storage is held").await.unwrap();
    for height in 1..=writes {
        storage.tell(Write(height)).unwrap();
    }
    gate
}
