//! Recovery in the system (issue 22): names of finished actors are free, `stop_actor`
//! unregisters by name, a `Critical` failure restarts the actor and the system runs on, and
//! health checks leave an actor between incarnations alone.

mod common;

use actor_system::prelude::*;
use actor_system::supervision::ChildState;
use actor_system::system::{ActorSystem, RegistryError, SystemConfig, SystemError};
use actor_system::HealthStatus;
use common::system::*;
use std::time::Duration;

/// Item 1: an actor that stopped for good frees its name, and `stop_actor` stops one and
/// unregisters it by name; either way the root supervisor keeps no trace of it.
#[tokio::test(start_paused = true)]
async fn names_of_finished_actors_are_free_and_stop_actor_unregisters_by_name() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    for round in 0..50 {
        let peer = system
            .register(
                ChildSpec::new("peer-1", ChainActor::default).restart(RestartPolicy::Temporary),
                Priority::Normal,
            )
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(peer.stop_and_wait().await, Ok(ExitReason::Normal));
    }
    let chain = system
        .register_actor("chain", ChainActor::default, Priority::Critical)
        .await
        .unwrap();
    assert_eq!(system.stop_actor("chain").await, Ok(ExitReason::Normal));
    assert!(!chain.is_alive());
    assert!(system.lookup::<ChainActor>("chain").is_none());
    assert!(system.list().is_empty(), "{:?}", system.list());
    assert!(
        system.health().await.supervision.is_empty(),
        "nothing retained"
    );
    assert_eq!(
        system.stop_actor("chain").await,
        Err(SystemError::Registry(RegistryError::NotFound(
            "chain".into()
        )))
    );
    let again = system
        .register_actor("chain", ChainActor::default, Priority::Critical)
        .await
        .unwrap();
    assert_eq!(again.ask(GetStatus).within().await.unwrap().handled, 0);
    system.shutdown().await;
}

/// Item 2: one `Critical` failure (a handler slower than its 100 ms budget, reported as
/// `ReportCritical` does) restarts that actor; its siblings and the system run on. Only the
/// root exceeding its restart intensity ends the system.
#[tokio::test(start_paused = true)]
async fn a_critical_failure_restarts_the_actor_and_the_system_runs_on() {
    let system = ActorSystem::new(SystemConfig {
        intensity: RestartIntensity::new(1, Duration::from_secs(60)),
        ..SystemConfig::default()
    })
    .await
    .unwrap();
    let mut events = system.supervision_events().subscribe();
    let chain = system
        .register_actor("chain", ChainActor::default, Priority::Critical)
        .await
        .unwrap();
    let storage = system
        .register_actor("storage", StorageActor::default, Priority::High)
        .await
        .unwrap();
    storage.tell(block(1)).unwrap();
    chain.inject_failure(ActorError::critical(
        "timing violation: produce_block took 150ms > 100ms",
    ));
    restarted(&mut events, "chain").await;
    assert_eq!(
        chain.ask(GetStatus).within().await.unwrap().handled,
        0,
        "a new instance"
    );
    assert_eq!(
        storage.ask(GetStatus).within().await.unwrap().handled,
        1,
        "untouched"
    );
    let states: Vec<_> = system
        .health()
        .await
        .supervision
        .into_iter()
        .map(|c| (c.name, c.state, c.restarts))
        .collect();
    assert_eq!(
        states,
        [
            ("chain".to_owned(), ChildState::Running, 1),
            ("storage".to_owned(), ChildState::Running, 0)
        ]
    );
    // The second restart within a minute exceeds the root's intensity of 1.
    chain.inject_failure(ActorError::critical("again"));
    let ended = tokio::time::timeout(WAIT, system.wait()).await.unwrap();
    assert!(
        matches!(ended, Err(SystemError::Supervision(_))),
        "{ended:?}"
    );
}

/// Item 4: health checks skip an actor between incarnations. It used to be checked during its
/// restart backoff: nobody answered, the check timed out, and the kill that followed ended the
/// fresh incarnation as soon as it started, burning restart intensity.
#[tokio::test(start_paused = true)]
async fn an_actor_waiting_to_restart_is_not_health_checked() {
    let system = checked_every(Duration::from_secs(1), Duration::from_millis(500)).await;
    let mut events = system.supervision_events().subscribe();
    let engine = system
        .register(
            ChildSpec::new("engine", EngineActor::default)
                .delay(RestartDelay::FixedDelay(Duration::from_secs(10))),
            Priority::High,
        )
        .await
        .unwrap();
    engine.inject_failure(ActorError::recoverable("lost the execution client"));
    restarted(&mut events, "engine").await; // ten checks' worth of backoff later
    assert_eq!(engine.ask(GetStatus).within().await.unwrap().handled, 0);
    // Several checks of the fresh incarnation pass: nothing fails or restarts.
    let quiet = tokio::time::timeout(Duration::from_secs(5), events.recv()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    let supervision = system.health().await.supervision;
    assert_eq!(supervision[0].total_restarts, 1);
    assert!(system.health().await.is_healthy());
    assert_eq!(
        system.list()[0].health,
        Some(HealthStatus::Healthy),
        "the new incarnation was checked"
    );
}
