//! An actor's declared blockchain priority decides the lanes of the events sent to it (issue 22,
//! item 15).

use actor_system_blockchain::*;
use actor_system_runtime::{spawn, Actor, ActorResult, Context, Handler, Priority, Recipient};
use parking_lot::Mutex;
use std::sync::Arc;

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
