//! Event delivery through the system (issue 22): the event bus dead-letters what a full mailbox
//! refuses (item 13), the bus and the chain-event hub count alike on one base (item 14), and
//! the priority an actor is registered with is the lane of its broadcasts (item 15).

use actor_system::blockchain::{BlockchainEvent, BlockchainEventType};
use actor_system::prelude::*;
use actor_system::system::{ActorSystem, SystemConfig};
use actor_system::{ActorCell, DropReason};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, PartialEq)]
struct Tick;
impl Message for Tick {
    type Result = Priority;
}

/// Reports the lane each `Tick` came in.
struct Worker(tokio::sync::mpsc::UnboundedSender<Priority>);
impl Actor for Worker {}
impl Handler<Tick> for Worker {
    async fn handle(&mut self, _: Tick, ctx: &mut Context<Self>) -> Priority {
        let lane = ctx.message_info().unwrap().priority;
        let _ = self.0.send(lane);
        lane
    }
}
impl Handler<BlockchainEvent> for Worker {
    async fn handle(&mut self, _: BlockchainEvent, _: &mut Context<Self>) -> ActorResult<()> {
        Ok(())
    }
}

/// A `Worker` whose one-slot mailbox is taken: nothing runs it (keep the cell, or it ends).
fn full_worker(system: &ActorSystem) -> (ActorCell<Worker>, Addr<Worker>) {
    let options = SpawnOptions::new()
        .name("worker")
        .mailbox(MailboxConfig::bounded(1).with_overflow(OverflowStrategy::Reject))
        .dead_letters(system.dead_letters().clone());
    let cell = ActorCell::new(options).unwrap();
    let worker = cell.address();
    worker.tell(Tick).unwrap();
    (cell, worker)
}

#[tokio::test(start_paused = true)]
async fn the_bus_dead_letters_what_a_full_mailbox_refuses() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let mut letters = system.dead_letters().subscribe();
    let (_cell, worker) = full_worker(&system);
    system.subscribe(worker.recipient::<Tick>());
    let report = system.broadcast(Tick);
    assert_eq!((report.delivered, report.refused), (0, 1));
    let letter = tokio::time::timeout(WAIT, letters.recv())
        .await
        .expect("the refusal is a dead letter")
        .unwrap();
    assert_eq!(&*letter.actor_name, "worker");
    assert_eq!(letter.reason, DropReason::DroppedNewest);
    assert!(letter.message_type.ends_with("Tick"));
    assert_eq!(worker.stats().dropped, 1);
    assert_eq!(
        system.event_bus().subscriber_count::<Tick>(),
        1,
        "still subscribed"
    );
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_bus_and_the_chain_event_hub_count_alike() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let (_cell, worker) = full_worker(&system);
    system.subscribe(worker.recipient::<Tick>());
    system
        .chain_events()
        .subscribe(worker.recipient(), [BlockchainEventType::ConsensusFailure]);
    let bus = system.broadcast(Tick);
    let hub = system
        .chain_events()
        .publish(BlockchainEvent::ConsensusFailure {
            reason: "fork".into(),
        });
    assert_eq!(bus, hub.deliveries, "the same report from the same base");
    assert_eq!(bus.refused, 1);
    assert_eq!(
        system.dead_letters().count(),
        2,
        "both refusals dead-lettered"
    );
    assert_eq!(
        system.event_bus().totals::<Tick>(),
        system.chain_events().stats().deliveries
    );
    system.shutdown().await;
}

#[tokio::test]
async fn broadcasts_travel_in_the_lane_an_actor_was_registered_with() {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let mut lanes = Vec::new();
    let mut subscribe = |recipient: Recipient<Tick>, rx| {
        system.subscribe(recipient);
        lanes.push(rx);
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let high = system
        .register_actor("high", move || Worker(tx.clone()), Priority::High)
        .await
        .unwrap();
    subscribe(high.recipient(), rx);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let chosen = system
        .register_actor("chosen", move || Worker(tx.clone()), Priority::High)
        .await
        .unwrap();
    subscribe(chosen.recipient().with_priority(Priority::Background), rx);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let unregistered = spawn(Worker(tx)).await.unwrap();
    subscribe(unregistered.recipient(), rx);

    assert_eq!(system.broadcast(Tick).delivered, 3);
    let mut arrived = Vec::new();
    for rx in &mut lanes {
        arrived.push(
            tokio::time::timeout(WAIT, rx.recv())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(
        arrived,
        [Priority::High, Priority::Background, Priority::Normal],
        "registered lane; the subscriber's own; the message type's"
    );
    system.shutdown().await;
}
