//! Priority mapping, timing enforcement, deadlines and federation, on tokio's paused clock.

use actor_system_blockchain::*;
use actor_system_runtime::{
    spawn, spawn_with, Actor, ActorResult, Context, Handler, Message, Priority, SpawnOptions,
};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// A consensus actor that records what it handles and the violations reported to it.
struct Chain {
    seen: Arc<Mutex<Vec<String>>>,
    violations: Arc<Mutex<Vec<TimingViolation>>>,
    work: Duration,
}

impl Actor for Chain {}

impl BlockchainAwareActor for Chain {
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Consensus;
    fn on_timing_violation(&mut self, violation: &TimingViolation) {
        self.violations.lock().push(violation.clone());
    }
    async fn handle_blockchain_event(
        &mut self,
        event: BlockchainEvent,
        _: &mut Context<Self>,
    ) -> ActorResult<()> {
        tokio::time::sleep(self.work).await;
        self.seen
            .lock()
            .push(format!("{:?}@{:?}", event.event_type(), event.height()));
        Ok(())
    }
}
impl_blockchain_handler!(Chain; consensus: [ProduceBlock]);

/// Consensus work that takes as long as the actor's `work`.
struct ProduceBlock;
impl Message for ProduceBlock {
    type Result = u64;
}
impl Handler<ProduceBlock> for Chain {
    async fn handle(&mut self, _: ProduceBlock, _: &mut Context<Self>) -> u64 {
        tokio::time::sleep(self.work).await;
        42
    }
}

/// Background work queued at the chain actor.
struct Sync(u32);
impl Message for Sync {
    type Result = ();
    const PRIORITY: Priority = Priority::Background;
}
impl Handler<Sync> for Chain {
    async fn handle(&mut self, msg: Sync, _: &mut Context<Self>) {
        self.seen.lock().push(format!("sync{}", msg.0));
    }
}

/// Holds the actor so messages queue up behind it.
struct Hold(Arc<tokio::sync::Notify>);
impl Message for Hold {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}
impl Handler<Hold> for Chain {
    async fn handle(&mut self, msg: Hold, _: &mut Context<Self>) {
        msg.0.notified().await;
    }
}

type Shared<T> = Arc<Mutex<Vec<T>>>;

fn chain(work: Duration) -> (Chain, Shared<String>, Shared<TimingViolation>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let violations = Arc::new(Mutex::new(Vec::new()));
    (
        Chain {
            seen: seen.clone(),
            violations: violations.clone(),
            work,
        },
        seen,
        violations,
    )
}

fn produced(height: u64) -> BlockchainEvent {
    BlockchainEvent::BlockProduced {
        height,
        hash: [height as u8; 32],
    }
}

#[tokio::test(start_paused = true)]
async fn block_produced_preempts_ten_thousand_background_messages() {
    let (actor, seen, _) = chain(Duration::ZERO);
    let addr = spawn_with(actor, SpawnOptions::new().name("ChainActor"))
        .await
        .unwrap();
    let hub = EventHub::new();
    hub.subscribe(addr.recipient(), [BlockchainEventType::BlockProduced]);
    let gate = Arc::new(tokio::sync::Notify::new());
    // Hold is Critical: whenever the actor gets to it, it is first, and the rest queue behind.
    addr.tell(Hold(gate.clone())).unwrap();
    for i in 0..10_000 {
        addr.tell(Sync(i)).unwrap();
    }
    assert_eq!(hub.publish(produced(1)).deliveries.delivered, 1);
    gate.notify_one();
    // The last of the background lane: once answered, everything before it was handled.
    let last = addr.ask(Sync(10_000));
    tokio::time::timeout(Duration::from_secs(5), last)
        .await
        .expect("all handled within 5 s")
        .unwrap();
    let seen = seen.lock();
    assert_eq!(seen.len(), 10_002);
    assert_eq!(
        seen[0], "BlockProduced@Some(1)",
        "the consensus event is handled first"
    );
    assert_eq!(seen[1], "sync0");
}

#[tokio::test(start_paused = true)]
async fn a_slow_handler_produces_exactly_one_violation_with_the_right_figures() {
    let (actor, _, violations) = chain(Duration::from_millis(150));
    let addr = spawn_with(actor, SpawnOptions::new().name("ChainActor"))
        .await
        .unwrap();
    assert_eq!(addr.ask(produced(1)).await, Ok(Ok(())));
    let v = violations.lock().clone();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].actual, Duration::from_millis(150));
    assert_eq!(v[0].limit, Duration::from_millis(100));
    assert_eq!(v[0].operation, "ChainActor handling BlockProduced");
    assert_eq!(
        v[0].to_string(),
        "ChainActor handling BlockProduced took too long: 0.15s > 0.1s"
    );

    let (actor, _, violations) = chain(Duration::from_millis(50));
    let addr = spawn(actor).await.unwrap();
    addr.ask(produced(1)).await.unwrap().unwrap();
    assert!(
        violations.lock().is_empty(),
        "50 ms is within the 100 ms limit"
    );
}

struct Strict;
impl Actor for Strict {}
impl BlockchainAwareActor for Strict {
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Consensus;
    fn violation_policy(&self) -> ViolationPolicy {
        ViolationPolicy::ReportCritical
    }
    async fn handle_blockchain_event(
        &mut self,
        _: BlockchainEvent,
        _: &mut Context<Self>,
    ) -> ActorResult<()> {
        tokio::time::sleep(Duration::from_millis(101)).await;
        Ok(())
    }
}
impl_blockchain_handler!(Strict);

#[tokio::test(start_paused = true)]
async fn the_report_policy_fails_the_actor_for_its_supervisor() {
    let addr = spawn(Strict).await.unwrap();
    addr.ask(produced(1)).await.unwrap().unwrap();
    let error = actor_system_runtime::testing::assert_failed_with(
        &addr,
        actor_system_runtime::Severity::Critical,
        "took too long: 0.101s > 0.1s",
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(error.kind(), actor_system_runtime::FailureKind::Failed);
}

#[tokio::test(start_paused = true)]
async fn hub_filters_by_type_and_removes_stopped_subscribers() {
    let (actor, seen, _) = chain(Duration::ZERO);
    let addr = spawn(actor).await.unwrap();
    let hub = EventHub::new();
    hub.subscribe(addr.recipient(), [BlockchainEventType::BlockFinalized]);
    let fin = |height| BlockchainEvent::BlockFinalized {
        height,
        hash: [0; 32],
    };
    assert_eq!(hub.publish(produced(1)).deliveries.filtered, 1);
    hub.publish(fin(10));
    assert_eq!(hub.publish(fin(12)).held, 0, "finalized heights have gaps");
    assert_eq!(hub.publish(fin(11)).late, 1);
    // Events to a consensus actor travel Critical: this ask is handled after them.
    assert_eq!(addr.ask(Consensus(ProduceBlock)).await, Ok(42));
    assert_eq!(
        *seen.lock(),
        [
            "BlockFinalized@Some(10)",
            "BlockFinalized@Some(12)",
            "BlockFinalized@Some(11)"
        ]
    );
    addr.stop();
    addr.wait_for_stop().await.unwrap();
    assert_eq!(
        hub.publish(fin(13)).deliveries.removed,
        1,
        "stopped subscribers are removed"
    );
    assert_eq!(hub.subscriber_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn missed_block_deadlines_are_detected_with_their_lateness() {
    let genesis = tokio::time::Instant::now();
    let clock = SlotClock::new(genesis, Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(2150)).await;
    let missed = clock
        .check("ChainActor", 1, tokio::time::Instant::now())
        .unwrap_err();
    assert_eq!(missed.lateness, Duration::from_millis(150));
    assert_eq!(missed.took, Duration::from_millis(2150));
    assert_eq!(
        missed.to_string(),
        "ChainActor missed block deadline: 2.15s > 2.0s"
    );
    assert_eq!(clock.height_at(tokio::time::Instant::now()), 2);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        clock.check("ChainActor", 2, tokio::time::Instant::now()),
        Ok(Duration::from_millis(850))
    );
}

#[tokio::test(start_paused = true)]
async fn federation_threshold_is_met_or_not_within_the_timeout() {
    let members: Vec<String> = (1..=5).map(|i| format!("m{i}")).collect();
    let fed = Federation::new(members, 3).unwrap();
    let timeout = BlockchainTimingConstraints::default().federation_timeout;
    // Members answer after 100 ms × their number: m1..m3 are in time.
    let latency = |member: &str| Duration::from_millis(100 * member[1..].parse::<u64>().unwrap());
    let met = fed
        .collect_signatures(timeout, |m| {
            let d = latency(&m);
            async move {
                tokio::time::sleep(d).await;
                Ok::<_, ()>(format!("sig-{m}"))
            }
        })
        .await;
    assert!(met.threshold_met);
    assert_eq!(met.signatures.len(), 3);
    assert_eq!(
        met.elapsed,
        Duration::from_millis(300),
        "stops as soon as the threshold is met"
    );

    // Now everyone is slower than 200 ms per rank: only m1 and m2 answer within 500 ms.
    let not_met = fed
        .collect_signatures(timeout, |m| {
            let d = latency(&m) * 2 + Duration::from_millis(50);
            async move {
                tokio::time::sleep(d).await;
                if m == "m1" {
                    Err("refused")
                } else {
                    Ok(m)
                }
            }
        })
        .await;
    assert!(!not_met.threshold_met);
    assert_eq!(not_met.failed, ["m1"]);
    assert_eq!(not_met.signatures.len(), 1);
    assert_eq!(not_met.missing, ["m3", "m4", "m5"]);
    assert_eq!(not_met.elapsed, timeout);
    assert!(Federation::new(vec!["a".into()], 2).is_err());
    assert!(matches!(
        Federation::new(vec!["a".into(), "a".into()], 1),
        Err(FederationError::DuplicateMember(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn consensus_messages_are_timed_and_travel_in_the_critical_lane() {
    assert_eq!(
        <Consensus<ProduceBlock> as Message>::PRIORITY,
        Priority::Critical
    );
    let (actor, _, violations) = chain(Duration::from_millis(120));
    let addr = spawn_with(actor, SpawnOptions::new().name("ChainActor"))
        .await
        .unwrap();
    assert_eq!(addr.ask(Consensus(ProduceBlock)).await, Ok(42));
    let v = violations.lock().clone();
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0].actual, v[0].limit),
        (Duration::from_millis(120), Duration::from_millis(100))
    );
    assert_eq!(v[0].operation, "ChainActor handling ProduceBlock");
    // The plain message is not timed.
    assert_eq!(addr.ask(ProduceBlock).await, Ok(42));
    assert_eq!(violations.lock().len(), 1);
}
