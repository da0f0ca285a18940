//! A shut-down system leaves nothing behind: once its shutdown has returned (or its root gave
//! up) and the last handle is dropped, no factory, spec, actor or task of the tree is alive,
//! so what they held (the node's database, say) can be opened again at once.
//!
//! The scenarios repeat a few hundred rounds on two workers, so that a race between the waiter
//! and the tasks that end the tree shows up.

use actor_system::prelude::*;
use actor_system::supervision::{RestartIntensity, SupervisorSpec};
use actor_system::system::{ActorSystem, SystemConfig};
use std::sync::{Arc, Weak};
use std::time::Duration;

const ROUNDS: usize = 200;
const WAIT: Duration = Duration::from_secs(5);

/// Holds the shared resource its factory captured.
struct Storage {
    _db: Arc<()>,
}
impl Actor for Storage {}

#[derive(Message)]
struct Write;
impl Handler<Write> for Storage {
    async fn handle(&mut self, _: Write, _: &mut Context<Self>) {}
}

#[derive(Message)]
#[message(result = "u64")]
struct Height;
impl Handler<Height> for Storage {
    async fn handle(&mut self, _: Height, _: &mut Context<Self>) -> u64 {
        1
    }
}

/// Tasks alive on this runtime.
fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Wait, bounded, until no task started since `baseline` is alive.
async fn tasks_back_to(baseline: usize) {
    let settled = tokio::time::timeout(WAIT, async {
        while alive_tasks() > baseline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(
        settled.is_ok(),
        "{} tasks alive after the shutdown, {baseline} before the system started",
        alive_tasks()
    );
}

/// Register three actors whose factories capture `db`, one with a dependency, and use them.
async fn populated_system(db: &Arc<()>, config: SystemConfig) -> ActorSystem {
    let system = ActorSystem::new(config).await.unwrap();
    for name in ["storage", "engine", "chain"] {
        let db = db.clone();
        let spec = ChildSpec::new(name, move || Storage { _db: db.clone() });
        let spec = if name == "chain" {
            spec.depends_on(["storage"])
        } else {
            spec
        };
        let addr = system.register(spec, Priority::High).await.unwrap();
        addr.tell(Write).unwrap();
        assert_eq!(addr.ask(Height).await, Ok(1));
    }
    system
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shut_down_system_releases_its_factories_and_tasks() {
    let baseline = alive_tasks();
    for round in 0..ROUNDS {
        let db = Arc::new(());
        let weak: Weak<()> = Arc::downgrade(&db);
        let system = populated_system(&db, SystemConfig::default()).await;
        drop(db);
        let report = tokio::time::timeout(WAIT, system.shutdown())
            .await
            .expect("the shutdown ends");
        assert!(report.aborted.is_empty(), "round {round}: {report:?}");
        drop(system);
        assert_eq!(
            weak.strong_count(),
            0,
            "round {round}: a factory or actor outlived the shut-down system"
        );
    }
    tasks_back_to(baseline).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_whose_root_gave_up_releases_its_factories_and_tasks() {
    let baseline = alive_tasks();
    for round in 0..ROUNDS {
        let db = Arc::new(());
        let weak: Weak<()> = Arc::downgrade(&db);
        let config = SystemConfig {
            intensity: RestartIntensity::new(1, Duration::from_secs(10)),
            ..SystemConfig::default()
        };
        let system = populated_system(&db, config).await;
        drop(db);
        let storage = system.lookup::<Storage>("storage").unwrap();
        // One restart is allowed: the second failure exceeds the root's intensity.
        storage.inject_failure(ActorError::recoverable("disk gone"));
        storage.inject_failure(ActorError::recoverable("disk gone again"));
        drop(storage);
        let ended = tokio::time::timeout(WAIT, system.wait())
            .await
            .expect("the root gives up");
        assert!(ended.is_err(), "round {round}: the root gave up: {ended:?}");
        drop(system);
        assert_eq!(
            weak.strong_count(),
            0,
            "round {round}: a factory or actor outlived the root that gave up"
        );
    }
    tasks_back_to(baseline).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shut_down_root_supervisor_releases_its_tree() {
    let baseline = alive_tasks();
    for round in 0..ROUNDS {
        let db = Arc::new(());
        let weak: Weak<()> = Arc::downgrade(&db);
        let (a, b) = (db.clone(), db.clone());
        drop(db);
        let nested = SupervisorSpec::builder("nested")
            .child(ChildSpec::new("engine", move || Storage { _db: a.clone() }))
            .build()
            .unwrap();
        let root = SupervisorSpec::builder("root")
            .child(ChildSpec::new("storage", move || Storage {
                _db: b.clone(),
            }))
            .child(nested.into_child())
            .build()
            .unwrap()
            .start()
            .await
            .unwrap();
        let storage = root.child::<Storage>("storage").unwrap();
        storage.tell(Write).unwrap();
        drop(storage);
        let report = tokio::time::timeout(WAIT, root.shutdown())
            .await
            .expect("the shutdown ends");
        assert_eq!(report.stopped, ["nested", "storage"], "round {round}");
        drop(root);
        assert_eq!(
            weak.strong_count(),
            0,
            "round {round}: a factory or actor outlived the shut-down tree"
        );
    }
    tasks_back_to(baseline).await;
}
