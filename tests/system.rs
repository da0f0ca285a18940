//! The seed's full-system scenario and the ActorSystem's guarantees.

mod common;

use actor_system::prelude::*;
use actor_system::system::{ActorSystem, HealthConfig, RegistryError, SystemConfig, SystemError};
use actor_system::HealthStatus;
use common::system::*;
use std::time::Duration;

#[tokio::test]
async fn full_system_registers_actors_and_broadcasts_a_produced_block() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let chain = system
        .register_actor("chain", ChainActor::default, Priority::Critical)
        .await
        .unwrap();
    let engine = system
        .register_actor("engine", EngineActor::default, Priority::High)
        .await
        .unwrap();
    let storage = system
        .register_actor("storage", StorageActor::default, Priority::Normal)
        .await
        .unwrap();
    system.subscribe(chain.recipient::<BlockProduced>());
    system.subscribe(engine.recipient::<BlockProduced>());
    system.subscribe(storage.recipient::<BlockProduced>());

    let report = system.broadcast(block(1));
    assert_eq!(report.delivered, 3);
    system.broadcast(block(2));

    let expected = Status {
        last_height: 2,
        handled: 2,
    };
    assert_eq!(chain.ask(GetStatus).within().await, Ok(expected.clone()));
    assert_eq!(engine.ask(GetStatus).within().await, Ok(expected.clone()));
    assert_eq!(storage.ask(GetStatus).within().await, Ok(expected));

    let listed: Vec<_> = system
        .list()
        .into_iter()
        .map(|a| (a.name, a.priority, a.state))
        .collect();
    assert_eq!(
        listed,
        [
            ("chain".to_owned(), Priority::Critical, ActorState::Running),
            ("engine".to_owned(), Priority::High, ActorState::Running),
            ("storage".to_owned(), Priority::Normal, ActorState::Running),
        ]
    );
    assert_eq!(system.lookup::<ChainActor>("chain"), Some(chain));
    assert!(
        system.lookup::<EngineActor>("chain").is_none(),
        "lookup is typed"
    );
    let dup = system
        .register_actor("chain", ChainActor::default, Priority::Critical)
        .await;
    assert_eq!(
        dup.unwrap_err(),
        SystemError::Registry(RegistryError::Duplicate("chain".into()))
    );
    assert!(system.health().await.is_healthy());

    let report = system.shutdown().await;
    assert_eq!(
        report.stopped,
        ["storage", "engine", "chain"],
        "reverse start order"
    );
    assert!(report.aborted.is_empty());
    assert_eq!(system.wait().within().await, Ok(()));
}

#[tokio::test(start_paused = true)]
async fn an_actor_that_stops_answering_is_detected_and_restarted() {
    let system = checked_every(Duration::from_secs(30), Duration::from_secs(5)).await;
    let engine = system
        .register_actor("engine", EngineActor::default, Priority::High)
        .await
        .unwrap();
    let mut events = system.supervision_events().subscribe();
    engine.tell(block(7)).unwrap();
    assert_eq!(engine.ask(GetStatus).within().await.unwrap().handled, 1);
    let wedged_at = tokio::time::Instant::now();
    wedge(&engine).await;
    // The first check after the wedge happens at the next interval and times out after 5 s:
    // the actor is then killed and restarted on the same address.
    restarted(&mut events, "engine").await;
    let status = engine.ask(GetStatus).within().await.unwrap();
    assert_eq!(status.handled, 0, "a fresh incarnation answers");
    assert!(tokio::time::Instant::now() - wedged_at <= Duration::from_secs(36));
    let supervision = system.health().await.supervision;
    assert_eq!(supervision[0].restarts, 1);
    assert!(supervision[0]
        .last_error
        .as_ref()
        .unwrap()
        .message()
        .contains("health check failed"));
    let info = &system.list()[0];
    assert!(
        matches!(info.health, Some(HealthStatus::Unhealthy(_))),
        "the failed check is recorded"
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_with_a_handler_that_never_finishes_is_bounded_and_reported() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    system
        .register_actor("chain", ChainActor::default, Priority::Critical)
        .await
        .unwrap();
    let storage = system
        .register(
            ChildSpec::new("storage", StorageActor::default)
                .shutdown_timeout(Duration::from_secs(2)),
            Priority::Normal,
        )
        .await
        .unwrap();
    wedge(&storage).await;
    let t0 = tokio::time::Instant::now();
    let report = system.shutdown().await;
    let took = tokio::time::Instant::now() - t0;
    assert_eq!(report.aborted, ["storage"]);
    assert_eq!(report.stopped, ["chain"]);
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(!storage.is_alive());
    assert!(
        system.list().is_empty() || system.list().iter().all(|a| a.state == ActorState::Stopped)
    );
}

#[tokio::test]
async fn invalid_system_config_is_a_typed_error() {
    let health = HealthConfig {
        failures_before_restart: 0,
        ..HealthConfig::default()
    };
    let err = ActorSystem::new(SystemConfig {
        health,
        ..SystemConfig::default()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("at least 1"), "{err}");
    let intensity = RestartIntensity::new(0, Duration::from_secs(1));
    let err = ActorSystem::new(SystemConfig {
        intensity,
        ..SystemConfig::default()
    })
    .await
    .err()
    .unwrap();
    assert!(matches!(err, SystemError::Supervision(_)));
}

struct Consensus {
    heights: Vec<u64>,
}
impl Actor for Consensus {}
impl actor_system::blockchain::BlockchainAwareActor for Consensus {
    const BLOCKCHAIN_PRIORITY: actor_system::blockchain::BlockchainActorPriority =
        actor_system::blockchain::BlockchainActorPriority::Consensus;
    async fn handle_blockchain_event(
        &mut self,
        event: actor_system::blockchain::BlockchainEvent,
        _: &mut Context<Self>,
    ) -> ActorResult<()> {
        self.heights.extend(event.height());
        Ok(())
    }
}
actor_system::blockchain::impl_blockchain_handler!(Consensus);
impl Handler<GetStatus> for Consensus {
    async fn handle(&mut self, _: GetStatus, _: &mut Context<Self>) -> Status {
        Status {
            last_height: *self.heights.last().unwrap_or(&0),
            handled: self.heights.len() as u64,
        }
    }
}

#[tokio::test]
async fn chain_events_reach_registered_blockchain_actors_in_height_order() {
    use actor_system::blockchain::{BlockchainEvent, BlockchainEventType};
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let chain = system
        .register_actor(
            "chain",
            || Consensus { heights: vec![] },
            Priority::Critical,
        )
        .await
        .unwrap();
    system
        .chain_events()
        .subscribe(chain.recipient(), [BlockchainEventType::BlockProduced]);
    for h in [1, 3, 2] {
        system
            .chain_events()
            .publish(BlockchainEvent::BlockProduced {
                height: h,
                hash: [0; 32],
            });
    }
    assert_eq!(
        chain.ask(GetStatus).within().await,
        Ok(Status {
            last_height: 3,
            handled: 3
        })
    );
}

/// An actor that reaches the system through a weak handle (registered peers, broadcasts).
struct Announcer {
    system: actor_system::system::WeakActorSystem,
}
impl Actor for Announcer {}

struct CountRegistered;
impl Message for CountRegistered {
    type Result = Option<usize>;
}
impl Handler<CountRegistered> for Announcer {
    async fn handle(&mut self, _: CountRegistered, _: &mut Context<Self>) -> Option<usize> {
        self.system.upgrade().map(|system| system.list().len())
    }
}

#[tokio::test]
async fn a_factory_holding_a_weak_handle_reaches_the_system_without_keeping_it_alive() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let weak = system.downgrade();
    let announcer = system
        .register_actor(
            "announcer",
            move || Announcer {
                system: weak.clone(),
            },
            Priority::Normal,
        )
        .await
        .unwrap();
    assert_eq!(announcer.ask(CountRegistered).within().await, Ok(Some(1)));

    let weak = system.downgrade();
    system.shutdown().await;
    drop(system);
    assert!(
        weak.upgrade().is_none(),
        "the registered factory must not keep the system alive"
    );
}

/// A remote message for the node tests.
#[derive(Message, serde::Serialize, serde::Deserialize)]
#[message(remote = "test.system.Ping.v1")]
struct Ping;

/// On stop, tries to send through the system's node and reports what the node said.
struct NodeWatcher {
    node: std::sync::Arc<actor_system::remote::RemoteNode>,
    report: tokio::sync::mpsc::UnboundedSender<Result<(), actor_system::remote::RemoteError>>,
}
impl Actor for NodeWatcher {
    async fn stopped(&mut self, _: &ExitReason) {
        let stranger = actor_system::remote::PeerId::random();
        let sent = self.node.recipient::<Ping>(stranger, "nobody").tell(Ping);
        let _ = self.report.send(sent);
    }
}

#[tokio::test]
async fn a_node_the_system_started_stops_before_its_actors_and_drops_into_its_dead_letters() {
    use actor_system::remote::{NodeConfig, PeerId, RemoteError};
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let node = system.start_node(NodeConfig::new()).await.unwrap();
    let (report, mut reports) = tokio::sync::mpsc::unbounded_channel();
    let watcher_node = node.clone();
    system
        .register_actor(
            "watcher",
            move || NodeWatcher {
                node: watcher_node.clone(),
                report: report.clone(),
            },
            Priority::Normal,
        )
        .await
        .unwrap();
    // For a peer nobody configured: dead-lettered (unreachable, or when the node stops) in the
    // system's dead letters, not in the node's default sink, the global one.
    node.recipient::<Ping>(PeerId::random(), "nobody")
        .tell(Ping)
        .unwrap();

    system.shutdown().await;
    assert_eq!(
        reports.recv().within().await,
        Some(Err(RemoteError::NodeStopped)),
        "the node had stopped when the actor did"
    );
    assert_eq!(system.dead_letters().count(), 1);
}
