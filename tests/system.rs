//! The seed's full-system scenario and the ActorSystem's guarantees.

use actor_system::prelude::*;
use actor_system::supervision::{ChildState, SupervisionEvent};
use actor_system::system::{ActorSystem, HealthConfig, RegistryError, SystemConfig, SystemError};
use actor_system::HealthStatus;
use std::time::Duration;
use tokio::sync::{broadcast, oneshot};

/// How long a test waits for something that must happen (virtual time on a paused clock).
const WAIT: Duration = Duration::from_secs(120);

#[derive(Clone, Debug)]
struct BlockProduced {
    height: u64,
    hash: [u8; 32],
}
impl Message for BlockProduced {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}

/// What each component reports about itself.
#[derive(Debug, Clone, PartialEq)]
struct Status {
    last_height: u64,
    handled: u64,
}

struct GetStatus;
impl Message for GetStatus {
    type Result = Status;
}

/// Says that it is being handled, then never returns (a wedged component).
struct Wedge(Option<oneshot::Sender<()>>);
impl Message for Wedge {
    type Result = ();
}

/// Wedge `addr` and wait (bounded) until its handler runs.
async fn wedge<A: Handler<Wedge>>(addr: &Addr<A>) {
    let (entered, handling) = oneshot::channel();
    addr.tell(Wedge(Some(entered))).unwrap();
    tokio::time::timeout(WAIT, handling)
        .await
        .expect("the wedge is handled")
        .unwrap();
}

/// Wait (bounded) for the first supervision event that satisfies `pred`.
async fn until(
    events: &mut broadcast::Receiver<SupervisionEvent>,
    what: &str,
    pred: impl Fn(&SupervisionEvent) -> bool,
) -> SupervisionEvent {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("the system runs");
            if pred(&event) {
                return event;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

/// Wait (bounded) until a restarted incarnation of `child` runs.
async fn restarted(events: &mut broadcast::Receiver<SupervisionEvent>, child: &str) {
    until(
        events,
        &format!("restart of '{child}'"),
        |e| matches!(e, SupervisionEvent::ActorStarted { child: c, .. } if c == child),
    )
    .await;
}

macro_rules! component {
    ($name:ident) => {
        #[derive(Default)]
        struct $name {
            status: Option<Status>,
        }
        impl Actor for $name {}
        impl Handler<BlockProduced> for $name {
            async fn handle(&mut self, block: BlockProduced, _: &mut Context<Self>) {
                assert_eq!(block.hash[0], block.height as u8);
                let s = self.status.get_or_insert(Status {
                    last_height: 0,
                    handled: 0,
                });
                s.last_height = block.height;
                s.handled += 1;
            }
        }
        impl Handler<GetStatus> for $name {
            async fn handle(&mut self, _: GetStatus, _: &mut Context<Self>) -> Status {
                self.status.clone().unwrap_or(Status {
                    last_height: 0,
                    handled: 0,
                })
            }
        }
        impl Handler<Wedge> for $name {
            async fn handle(&mut self, msg: Wedge, _: &mut Context<Self>) {
                if let Some(entered) = msg.0 {
                    let _ = entered.send(());
                }
                std::future::pending::<()>().await
            }
        }
    };
}

component!(ChainActor);
component!(EngineActor);
component!(StorageActor);

fn block(height: u64) -> BlockProduced {
    BlockProduced {
        height,
        hash: [height as u8; 32],
    }
}

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
    assert_eq!(chain.ask(GetStatus).await, Ok(expected.clone()));
    assert_eq!(engine.ask(GetStatus).await, Ok(expected.clone()));
    assert_eq!(storage.ask(GetStatus).await, Ok(expected));

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
    assert_eq!(system.wait().await, Ok(()));
}

/// A system that checks its actors every `interval`, each check answered within `timeout`,
/// and reports an actor as failed at the first failed check.
async fn checked_every(interval: Duration, timeout: Duration) -> ActorSystem {
    let health = HealthConfig {
        interval,
        timeout,
        failures_before_restart: 1,
        ..HealthConfig::default()
    };
    ActorSystem::new(SystemConfig {
        health,
        ..SystemConfig::default()
    })
    .await
    .unwrap()
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
    assert_eq!(engine.ask(GetStatus).await.unwrap().handled, 1);
    let wedged_at = tokio::time::Instant::now();
    wedge(&engine).await;
    // The first check after the wedge happens at the next interval and times out after 5 s:
    // the actor is then killed and restarted on the same address.
    restarted(&mut events, "engine").await;
    let status = engine.ask(GetStatus).await.unwrap();
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
    fn blockchain_priority(&self) -> actor_system::blockchain::BlockchainActorPriority {
        actor_system::blockchain::BlockchainActorPriority::Consensus
    }
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
    use actor_system::blockchain::{BlockchainActorPriority, BlockchainEvent, BlockchainEventType};
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let chain = system
        .register_actor(
            "chain",
            || Consensus { heights: vec![] },
            Priority::Critical,
        )
        .await
        .unwrap();
    system.chain_events().subscribe(
        chain.recipient(),
        BlockchainActorPriority::Consensus,
        [BlockchainEventType::BlockProduced],
    );
    for h in [1, 3, 2] {
        system
            .chain_events()
            .publish(BlockchainEvent::BlockProduced {
                height: h,
                hash: [0; 32],
            });
    }
    assert_eq!(
        chain.ask(GetStatus).await,
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
    assert_eq!(announcer.ask(CountRegistered).await, Ok(Some(1)));

    let weak = system.downgrade();
    system.shutdown().await;
    drop(system);
    assert!(
        weak.upgrade().is_none(),
        "the registered factory must not keep the system alive"
    );
}

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
        assert_eq!(peer.stop_and_wait().await, ExitReason::Normal);
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
    assert_eq!(again.ask(GetStatus).await.unwrap().handled, 0);
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
        chain.ask(GetStatus).await.unwrap().handled,
        0,
        "a new instance"
    );
    assert_eq!(
        storage.ask(GetStatus).await.unwrap().handled,
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
    assert_eq!(engine.ask(GetStatus).await.unwrap().handled, 0);
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
