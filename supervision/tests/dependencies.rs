//! Dependency-aware restarts: a dependent waits for its dependencies to run (and to answer
//! their health check healthy, where it asks for that), on their state changes, not polling.

mod common;

use actor_system_runtime::{ActorError, Context, HealthStatus};
use actor_system_supervision::*;
use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);

/// Item 10: a dependent restarts the moment its dependency runs again (before: at the next of
/// its 20 ms polls).
#[tokio::test(start_paused = true)]
async fn a_dependent_restarts_as_soon_as_its_dependency_runs() {
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .child(
                ChildSpec::new("storage", worker("storage", &log))
                    .delay(RestartDelay::FixedDelay(SECOND)),
            )
            .child(ChildSpec::new("chain", worker("chain", &log)).depends_on(["storage"])),
    )
    .await;
    let mut watch = Watch::new(root.events());
    root.child::<Worker>("storage")
        .unwrap()
        .inject_failure(ActorError::recoverable("DatabaseConnection timeout"));
    root.child::<Worker>("chain")
        .unwrap()
        .inject_failure(ActorError::recoverable("Storage unavailable"));
    watch.started("chain").await;
    assert_eq!(log.starts_of("chain")[1], log.starts_of("storage")[1]);
}

/// Item 10: a dependent whose dependency does not come back goes ahead at its dependency
/// timeout, to the millisecond: the supervisor sets its alarm for it (before, it noticed at
/// the next of its 20 ms polls).
#[tokio::test(start_paused = true)]
async fn a_dependent_goes_ahead_at_its_dependency_timeout() {
    let log = Log::default();
    let timeout = Duration::from_millis(1010);
    let root = start(
        SupervisorSpec::builder("root")
            .child(
                ChildSpec::new("storage", worker("storage", &log))
                    .delay(RestartDelay::FixedDelay(Duration::from_secs(10))),
            )
            .child(
                ChildSpec::new("chain", worker("chain", &log))
                    .depends_on(["storage"])
                    .dependency_timeout(timeout),
            ),
    )
    .await;
    let mut watch = Watch::new(root.events());
    root.child::<Worker>("storage")
        .unwrap()
        .inject_failure(ActorError::recoverable("DatabaseConnection timeout"));
    watch.restarting("storage").await;
    let t0 = Instant::now();
    root.child::<Worker>("chain")
        .unwrap()
        .inject_failure(ActorError::recoverable("Storage unavailable"));
    watch.started("chain").await;
    assert_eq!(log.starts_of("chain")[1] - t0, timeout);
}

/// The seed's scenario 1: storage fails, then chain and engine because storage is gone. They
/// wait for storage instead of failing in a loop, and each restarts once.
#[tokio::test(start_paused = true)]
async fn restart_cascade_dependents_wait_for_storage_instead_of_looping() {
    let log = Log::default();
    let storage_backoff = RestartDelay::FixedDelay(Duration::from_secs(2));
    let root = start(
        SupervisorSpec::builder("root")
            .intensity(RestartIntensity::new(10, Duration::from_secs(60)))
            .child(ChildSpec::new("storage", worker("storage", &log)).delay(storage_backoff))
            .child(ChildSpec::new("chain", worker("chain", &log)).depends_on(["storage"]))
            .child(ChildSpec::new("engine", worker("engine", &log)).depends_on(["storage"])),
    )
    .await;
    let mut watch = Watch::new(root.events());
    log.clear();
    let t0 = Instant::now();
    root.child::<Worker>("storage")
        .unwrap()
        .inject_failure(ActorError::recoverable("DatabaseConnection timeout"));
    watch.restarting("storage").await;
    root.child::<Worker>("chain")
        .unwrap()
        .inject_failure(ActorError::recoverable("Storage unavailable"));
    root.child::<Worker>("engine")
        .unwrap()
        .inject_failure(ActorError::recoverable("Chain state unavailable"));
    for child in ["storage", "chain", "engine"] {
        watch.started(child).await;
    }
    let restarts: Vec<u32> = root
        .children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.restarts)
        .collect();
    assert_eq!(restarts, [1, 1, 1], "each restarted once, no loop");
    for dependent in ["chain", "engine"] {
        let started = log.starts_of(dependent)[0];
        assert!(
            started >= log.starts_of("storage")[0],
            "{dependent} waited for storage"
        );
        assert!(
            started - t0 >= Duration::from_secs(2),
            "storage came back after its 2 s backoff"
        );
    }
}

/// A storage whose health the test sets, and which says when it is asked.
struct Storage {
    healthy: Arc<AtomicBool>,
    asked: mpsc::UnboundedSender<Instant>,
}

impl actor_system_runtime::Actor for Storage {
    async fn health_check(&mut self, _: &mut Context<Self>) -> HealthStatus {
        let _ = self.asked.send(Instant::now());
        if self.healthy.load(Ordering::Relaxed) {
            HealthStatus::Healthy
        } else {
            HealthStatus::Unhealthy("replaying the journal".into())
        }
    }
}

/// Item 10, as the seed's `is_actor_healthy(dep)`: with a dependency health check, the
/// dependent waits until its dependency runs *and* answers healthy. An unhealthy dependency is
/// asked again after the check's timeout, not every few milliseconds.
#[tokio::test(start_paused = true)]
async fn a_dependent_waits_for_its_dependency_to_answer_healthy() {
    let log = Log::default();
    let healthy = Arc::new(AtomicBool::new(false));
    let (asked_tx, mut asked) = mpsc::unbounded_channel();
    let (flag, tx) = (healthy.clone(), asked_tx.clone());
    let check = Duration::from_millis(500);
    let root = start(
        SupervisorSpec::builder("root")
            .child(ChildSpec::new("storage", move || Storage {
                healthy: flag.clone(),
                asked: tx.clone(),
            }))
            .child(
                ChildSpec::new("chain", worker("chain", &log))
                    .depends_on(["storage"])
                    .dependency_health_check(check),
            ),
    )
    .await;
    let mut watch = Watch::new(root.events());
    let chain = root.child::<Worker>("chain").unwrap();
    chain.inject_failure(ActorError::recoverable("Storage unavailable"));
    let mut times = Vec::new();
    for _ in 0..3 {
        let at = tokio::time::timeout(WAIT, asked.recv())
            .await
            .unwrap()
            .unwrap();
        times.push(at);
    }
    assert_eq!(times[1] - times[0], check, "asked again after the timeout");
    assert_eq!(times[2] - times[1], check);
    let status = root.children().await.unwrap();
    assert_eq!(status[1].state, ChildState::Restarting, "chain still waits");
    healthy.store(true, Ordering::Relaxed);
    watch.started("chain").await;
    let answered = tokio::time::timeout(WAIT, asked.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        log.starts_of("chain")[1],
        answered,
        "restarted on the healthy answer"
    );
    assert_eq!(chain.ask(Which).within().await, Ok(2));
}

/// A dependency that ended for good will not come back: the dependent does not wait for it.
#[tokio::test(start_paused = true)]
async fn a_dependency_that_ended_for_good_is_not_waited_for() {
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .child(ChildSpec::new("setup", worker("setup", &log)).restart(RestartPolicy::Transient))
            .child(ChildSpec::new("chain", worker("chain", &log)).depends_on(["setup"])),
    )
    .await;
    let mut watch = Watch::new(root.events());
    root.child::<Worker>("setup").unwrap().tell(Quit).unwrap();
    watch.removed("setup").await;
    let t0 = Instant::now();
    let chain = root.child::<Worker>("chain").unwrap();
    chain.inject_failure(ActorError::recoverable("x"));
    watch.started("chain").await;
    assert_eq!(Instant::now(), t0);
}
