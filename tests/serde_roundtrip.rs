//! The `serde` feature: the data types people log or export round-trip through JSON.

use actor_system::blockchain::{
    BlockchainActorPriority, BlockchainEvent, BlockchainEventType, BlockchainTimingConstraints,
    TimingViolation,
};
use actor_system::supervision::{ChildState, ChildStatus, ShutdownReport, SupervisionEvent};
use actor_system::{ActorError, HealthStatus, Priority, StatsSnapshot};
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;
use std::time::Duration;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
    let json = serde_json::to_string(&value).unwrap();
    assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value, "{json}");
}

#[test]
fn exported_types_round_trip() {
    round_trip(Priority::High);
    round_trip(HealthStatus::Degraded("mailbox 91% full".into()));
    round_trip(StatsSnapshot {
        processed: 9,
        queue_depth: [0, 1, 2, 3],
        ..Default::default()
    });
    round_trip(BlockchainEvent::BlockProduced {
        height: 7,
        hash: [7; 32],
    });
    round_trip(BlockchainEvent::FederationChange {
        members: vec!["a".into(), "b".into()],
        threshold: 2,
    });
    round_trip(BlockchainEventType::ConsensusFailure);
    round_trip(BlockchainActorPriority::Consensus);
    round_trip(BlockchainTimingConstraints::default());
    round_trip(TimingViolation::new(
        "produce",
        Duration::from_millis(150),
        Duration::from_millis(100),
    ));
    round_trip(ChildStatus {
        name: "storage".into(),
        state: ChildState::Restarting,
        restarts: 2,
        total_restarts: 7,
        last_error: Some(ActorError::recoverable("db timeout")),
        uptime: Some(Duration::from_secs(3)),
    });
    round_trip(ShutdownReport {
        stopped: vec!["a".into()],
        aborted: vec!["b".into()],
    });
    round_trip(SupervisionEvent::Escalated {
        supervisor: "root".into(),
        error: ActorError::critical("x"),
    });
    round_trip(SupervisionEvent::ActorStopped {
        supervisor: "root".into(),
        child: "peer-7".into(),
        reason: actor_system::ExitReason::Aborted,
    });
}
