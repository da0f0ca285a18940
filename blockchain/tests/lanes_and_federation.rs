//! An actor's declared blockchain priority decides the lanes of the events sent to it (issue 22,
//! item 15); `FederationChange` events update its federation, and signing is bounded by its
//! constraints' `federation_timeout` (item 16).

use actor_system_blockchain::*;
use actor_system_runtime::{
    spawn, Actor, ActorResult, Addr, Context, Handler, Message, Priority, Recipient,
};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// Records the lane of every chain event it handles.
struct Recorder<const CONSENSUS: bool> {
    lanes: Arc<Mutex<Vec<Priority>>>,
}
impl<const CONSENSUS: bool> Actor for Recorder<CONSENSUS> {}

/// `Recorder<true>` is a consensus actor, `Recorder<false>` a background one.
impl<const CONSENSUS: bool> BlockchainAwareActor for Recorder<CONSENSUS> {
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = if CONSENSUS {
        BlockchainActorPriority::Consensus
    } else {
        BlockchainActorPriority::Background
    };
    async fn handle_blockchain_event(
        &mut self,
        _: BlockchainEvent,
        ctx: &mut Context<Self>,
    ) -> ActorResult<()> {
        self.lanes.lock().push(ctx.message_info().unwrap().priority);
        Ok(())
    }
}
impl_blockchain_handler!(Recorder<true>);
impl_blockchain_handler!(Recorder<false>);

fn block(height: u64) -> BlockchainEvent {
    BlockchainEvent::BlockProduced {
        height,
        hash: [0; 32],
    }
}

/// Send one event each way an event reaches an actor; returns the lanes they arrived in.
async fn lanes_of<const C: bool>() -> Vec<Priority>
where
    Recorder<C>: Handler<BlockchainEvent>,
{
    let lanes = Arc::new(Mutex::new(Vec::new()));
    let addr = spawn(Recorder::<C> {
        lanes: lanes.clone(),
    })
    .await
    .unwrap();
    addr.tell(block(1)).unwrap();
    let hub = EventHub::new();
    hub.subscribe(addr.recipient(), [BlockchainEventType::BlockProduced]);
    hub.publish(block(2));
    // Same lane, so handled after the two above.
    addr.ask(block(3)).await.unwrap().unwrap();
    let recipient: Recipient<BlockchainEvent> = addr.recipient();
    recipient.ask(block(4)).await.unwrap().unwrap();
    // A sender's own lane still wins.
    addr.with_priority(Priority::High)
        .ask(block(5))
        .await
        .unwrap()
        .unwrap();
    let lanes = lanes.lock().clone();
    lanes
}

#[tokio::test]
async fn events_sent_to_an_actor_travel_in_the_lane_of_its_declared_priority() {
    use Priority::{Background, Critical, High};
    assert_eq!(
        lanes_of::<true>().await,
        [Critical, Critical, Critical, Critical, High]
    );
    assert_eq!(
        lanes_of::<false>().await,
        [Background, Background, Background, Background, High]
    );
    let consensus = Recorder::<true> {
        lanes: Default::default(),
    };
    assert_eq!(
        consensus.blockchain_priority(),
        BlockchainActorPriority::Consensus
    );
}

/// A bridge that keeps a federation and signs within a 200 ms federation timeout.
struct Bridge {
    federation: Federation,
    handled: Vec<BlockchainEventType>,
}
impl Actor for Bridge {}
impl BlockchainAwareActor for Bridge {
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Bridge;
    fn timing_constraints(&self) -> BlockchainTimingConstraints {
        BlockchainTimingConstraints {
            federation_timeout: Duration::from_millis(200),
            ..Default::default()
        }
    }
    fn federation(&mut self) -> Option<&mut Federation> {
        Some(&mut self.federation)
    }
    async fn handle_blockchain_event(
        &mut self,
        event: BlockchainEvent,
        _: &mut Context<Self>,
    ) -> ActorResult<()> {
        self.handled.push(event.event_type());
        Ok(())
    }
}
impl_blockchain_handler!(Bridge);

/// Members, threshold, and the kinds of events the handler saw.
struct Status;
impl Message for Status {
    type Result = (Vec<String>, usize, Vec<BlockchainEventType>);
}
impl Handler<Status> for Bridge {
    async fn handle(&mut self, _: Status, _: &mut Context<Self>) -> <Status as Message>::Result {
        let f = &self.federation;
        (f.members().to_vec(), f.threshold(), self.handled.clone())
    }
}

/// Sign with every member answering after the given delay: (threshold met, time spent).
struct Sign(Duration);
impl Message for Sign {
    type Result = (bool, Duration);
}
impl Handler<Sign> for Bridge {
    async fn handle(&mut self, Sign(delay): Sign, _: &mut Context<Self>) -> (bool, Duration) {
        let outcome = collect_federation_signatures(self, move |member| async move {
            tokio::time::sleep(delay).await;
            Ok::<_, ()>(member)
        })
        .await
        .unwrap();
        (outcome.threshold_met, outcome.elapsed)
    }
}

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("m{i}")).collect()
}

/// A bridge whose federation is 2 of m1..m3.
async fn spawn_bridge() -> Addr<Bridge> {
    let federation = Federation::new(names(3), 2).unwrap();
    let bridge = Bridge {
        federation,
        handled: Vec::new(),
    };
    spawn(bridge).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn federation_change_events_update_the_federation_and_invalid_ones_are_refused() {
    let bridge = spawn_bridge().await;
    let hub = EventHub::new();
    hub.subscribe(bridge.recipient(), [BlockchainEventType::FederationChange]);
    hub.publish(BlockchainEvent::FederationChange {
        members: names(5),
        threshold: 4,
    });
    let (members, threshold, handled) = bridge.ask(Status).await.unwrap();
    assert_eq!((members, threshold), (names(5), 4));
    assert_eq!(handled, [BlockchainEventType::FederationChange]);

    let invalid = BlockchainEvent::FederationChange {
        members: names(2),
        threshold: 3,
    };
    let refused = bridge.ask(invalid).await.unwrap().unwrap_err();
    assert!(
        refused
            .message()
            .contains("threshold 3 is invalid for 2 members"),
        "{refused}"
    );
    let (members, threshold, handled) = bridge.ask(Status).await.unwrap();
    assert_eq!((members.len(), threshold), (5, 4), "the federation is kept");
    assert_eq!(handled.len(), 1, "the handler never saw the invalid change");
}

#[tokio::test(start_paused = true)]
async fn signing_waits_no_longer_than_the_constraints_federation_timeout() {
    let bridge = spawn_bridge().await;
    let fast = bridge.ask(Sign(Duration::from_millis(150))).await.unwrap();
    assert_eq!(fast, (true, Duration::from_millis(150)));
    let slow = bridge.ask(Sign(Duration::from_millis(300))).await.unwrap();
    assert_eq!(
        slow,
        (false, Duration::from_millis(200)),
        "cut at the 200 ms federation timeout, not the 500 ms default"
    );

    let mut no_federation = Recorder::<true> {
        lanes: Default::default(),
    };
    let none =
        collect_federation_signatures(&mut no_federation, |m| async move { Ok::<_, ()>(m) }).await;
    assert_eq!(none.unwrap_err(), FederationError::NoFederation);
}
