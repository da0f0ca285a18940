//! Children built from a configuration by a constructor that may fail (issue 23, item 10), and
//! children stopped with a drain (item 4): a failing constructor is a failed start, through the
//! restart policy and the restart intensity; infallible factories keep working; a supervisor's
//! shutdown lets a draining child handle its backlog.

mod common;
use common::*;

use actor_system_runtime::{
    Actor, ActorError, ActorResult, Addr, Context, FailureKind, FromConfig, Handler, Message,
    Priority,
};
use actor_system_supervision::{
    ChildSpec, RestartIntensity, SupervisionError, SupervisionEvent, SupervisorRef, SupervisorSpec,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the storage actor's constructor behaves, per call (numbered from 1).
#[derive(Clone)]
struct StorageConfig {
    builds: Arc<AtomicU32>,
    /// Builds that fail.
    failing: Arc<dyn Fn(u32) -> bool + Send + Sync>,
}

impl StorageConfig {
    fn failing(failing: impl Fn(u32) -> bool + Send + Sync + 'static) -> Self {
        StorageConfig {
            builds: Arc::default(),
            failing: Arc::new(failing),
        }
    }

    fn builds(&self) -> u32 {
        self.builds.load(Ordering::SeqCst)
    }
}

struct Storage {
    build: u32,
}
impl Actor for Storage {}

impl FromConfig for Storage {
    type Config = StorageConfig;
    fn new(config: StorageConfig) -> ActorResult<Self> {
        let build = config.builds.fetch_add(1, Ordering::SeqCst) + 1;
        if (config.failing)(build) {
            return Err(ActorError::recoverable(format!(
                "database not reachable (build {build})"
            )));
        }
        Ok(Storage { build })
    }
}

struct Build;
impl Message for Build {
    type Result = u32;
}
impl Handler<Build> for Storage {
    async fn handle(&mut self, _: Build, _: &mut Context<Self>) -> u32 {
        self.build
    }
}

struct Crash;
impl Message for Crash {
    type Result = ();
}
impl Handler<Crash> for Storage {
    async fn handle(&mut self, _: Crash, ctx: &mut Context<Self>) {
        ctx.fail(ActorError::recoverable("crash"));
    }
}

/// A root supervising a storage built from `config`, allowed `max_restarts` in 10 s; its
/// address and a watch on the tree's events, taken before the start.
async fn storage_under_root(
    config: &StorageConfig,
    max_restarts: u32,
) -> (SupervisorRef, Addr<Storage>, Watch) {
    let spec = SupervisorSpec::builder("root")
        .intensity(RestartIntensity::new(max_restarts, Duration::from_secs(10)))
        .child(ChildSpec::<Storage>::from_config("storage", config.clone()))
        .build()
        .unwrap();
    let storage = spec.address::<Storage>("storage").unwrap();
    let watch = Watch::new(spec.events());
    (spec.start().await.unwrap(), storage, watch)
}

#[tokio::test]
async fn a_constructor_failing_at_the_first_start_fails_the_start() {
    let config = StorageConfig::failing(|_| true);
    let spec = SupervisorSpec::builder("root")
        .child(ChildSpec::<Storage>::from_config("storage", config.clone()))
        .build()
        .unwrap();
    match spec.start().await {
        Err(SupervisionError::ChildStartFailed { child, error }) => {
            assert_eq!(child, "storage");
            assert_eq!(error.kind(), FailureKind::StartFailed);
            assert!(error.message().contains("database not reachable"));
        }
        other => panic!("expected a failed start, got {:?}", other.map(|_| ())),
    }
    assert_eq!(config.builds(), 1);
}

/// After a crash, two builds fail and the third succeeds: each failure is a failed start the
/// restart policy restarts, counted like any restart.
#[tokio::test(start_paused = true)]
async fn a_constructor_failing_on_restart_goes_through_the_restart_policy() {
    let config = StorageConfig::failing(|build| build == 2 || build == 3);
    let (root, storage, mut watch) = storage_under_root(&config, 5).await;
    assert_eq!(storage.ask(Build).within().await, Ok(1));
    storage.tell(Crash).unwrap();
    for _ in 0..2 {
        let failed = watch
            .until("a failed build", |e| {
                matches!(e, SupervisionEvent::ActorFailed { error, .. }
                    if error.kind() == FailureKind::StartFailed)
            })
            .await;
        assert!(matches!(failed, SupervisionEvent::ActorFailed { .. }));
    }
    watch
        .until(
            "the storage runs again",
            |e| matches!(e, SupervisionEvent::ActorStarted { child, .. } if child == "storage"),
        )
        .await;
    assert_eq!(storage.ask(Build).within().await, Ok(4));
    assert_eq!(config.builds(), 4);
    assert_eq!(
        storage.stats().failed,
        3,
        "the crash and the two failed builds"
    );
    root.shutdown().await;
}

/// A constructor that keeps failing exhausts the restart intensity: the root gives up.
#[tokio::test(start_paused = true)]
async fn a_constructor_that_keeps_failing_exceeds_the_intensity() {
    let config = StorageConfig::failing(|build| build > 1);
    let (root, storage, mut watch) = storage_under_root(&config, 3).await;
    storage.tell(Crash).unwrap();
    watch
        .until("the root gives up", |e| {
            matches!(e, SupervisionEvent::Escalated { .. })
        })
        .await;
    assert!(matches!(
        root.wait().within().await,
        Err(SupervisionError::GaveUp { .. })
    ));
    assert_eq!(config.builds(), 4, "the first build, then three restarts");
}

/// `try_new` takes any fallible factory; `new` an infallible one, as before.
#[tokio::test]
async fn fallible_and_infallible_factories_side_by_side() {
    let log = Log::default();
    let spec = SupervisorSpec::builder("root")
        .child(ChildSpec::new("plain", worker("plain", &log)))
        .child(ChildSpec::try_new("fallible", || Ok(Storage { build: 7 })))
        .build()
        .unwrap();
    let fallible = spec.address::<Storage>("fallible").unwrap();
    let root = spec.start().await.unwrap();
    assert_eq!(fallible.ask(Build).within().await, Ok(7));
    assert_eq!(log.entries(), ["start:plain"]);
    root.shutdown().await;
}

/// Keeps writes until it stops, then flushes them.
struct Writer {
    pending: Vec<u64>,
    flushed: Arc<Mutex<Vec<u64>>>,
}
impl Actor for Writer {
    async fn stopping(&mut self, _: &mut Context<Self>) {
        self.flushed.lock().unwrap().append(&mut self.pending);
    }
}
struct Write(u64, Option<Arc<tokio::sync::Notify>>);
impl Message for Write {
    type Result = ();
    const PRIORITY: Priority = Priority::Background;
}
impl Handler<Write> for Writer {
    async fn handle(&mut self, msg: Write, _: &mut Context<Self>) {
        if let Some(gate) = msg.1 {
            gate.notified().await; // a slow write holds the backlog behind it
        }
        self.pending.push(msg.0);
    }
}

/// A child that drains on stop flushes its backlog at shutdown; one that does not leaves it.
#[tokio::test(start_paused = true)]
async fn shutdown_drains_a_child_that_drains_on_stop() {
    for drain in [true, false] {
        let flushed = Arc::new(Mutex::new(Vec::new()));
        let shared = flushed.clone();
        let mut spec = ChildSpec::new("storage", move || Writer {
            pending: Vec::new(),
            flushed: shared.clone(),
        });
        if drain {
            spec = spec.drain_on_stop();
        }
        let spec = SupervisorSpec::builder("root").child(spec).build().unwrap();
        let writer = spec.address::<Writer>("storage").unwrap();
        let root = spec.start().await.unwrap();
        let gate = Arc::new(tokio::sync::Notify::new());
        writer.tell(Write(0, Some(gate.clone()))).unwrap();
        for height in 1..=3 {
            writer.tell(Write(height, None)).unwrap();
        }
        let shutdown = tokio::spawn(async move { root.shutdown().await });
        // On the paused clock this ends only once every other task is idle (time advances only
        // then): the supervisor has asked the writer to stop and waits for it. Not a guess at
        // how long that takes.
        tokio::time::sleep(Duration::from_secs(1)).await;
        gate.notify_one();
        let report = shutdown.within().await.unwrap();
        assert_eq!(report.stopped, ["storage"]);
        let flushed = flushed.lock().unwrap().clone();
        if drain {
            assert_eq!(flushed, [0, 1, 2, 3]);
        } else {
            assert_eq!(flushed, [0], "the backlog is not handled");
        }
    }
}
