//! The EventHub's order and accounting (issue 22, item 12), on tokio's paused clock: a bounded
//! wait for a gap, late and reorged events delivered, finalized heights with gaps, and every
//! refusal by a full mailbox counted and dead-lettered.

use actor_system_blockchain::*;
use actor_system_runtime::testing::TestProbe;
use actor_system_runtime::{
    Actor, ActorCell, ActorResult, Context, DeadLetters, DropReason, Handler, MailboxConfig,
    OverflowStrategy, SpawnOptions,
};
use std::time::Duration;
use tokio::time::Instant;

const WAIT: Duration = Duration::from_secs(5);

fn produced(height: u64, tag: u8) -> BlockchainEvent {
    BlockchainEvent::BlockProduced {
        height,
        hash: [tag; 32],
    }
}

fn finalized(height: u64) -> BlockchainEvent {
    BlockchainEvent::BlockFinalized {
        height,
        hash: [0; 32],
    }
}

async fn hub_with_probe(kind: BlockchainEventType) -> (EventHub, TestProbe<BlockchainEvent>) {
    let hub = EventHub::new();
    let probe = TestProbe::<BlockchainEvent>::with_reply(|_| Ok(())).await;
    hub.subscribe(probe.recipient(), [kind]);
    (hub, probe)
}

async fn expect_heights(probe: &mut TestProbe<BlockchainEvent>, heights: &[u64]) {
    for &h in heights {
        assert_eq!(probe.expect_msg(WAIT).await.height(), Some(h));
    }
}

#[tokio::test(start_paused = true)]
async fn a_gap_is_waited_for_no_longer_than_the_gap_timeout_and_counted() {
    let (hub, mut probe) = hub_with_probe(BlockchainEventType::BlockProduced).await;
    hub.publish(produced(1, 0));
    let start = Instant::now();
    assert_eq!(hub.publish(produced(3, 0)).held, 1);
    assert_eq!(hub.publish(produced(4, 0)).held, 1);
    expect_heights(&mut probe, &[1, 3, 4]).await;
    assert_eq!(
        start.elapsed(),
        GAP_TIMEOUT,
        "3 and 4 waited for 2 exactly that long"
    );
    let stats = hub.stats();
    assert_eq!((stats.gaps, stats.held, stats.released), (1, 0, 3));

    // A gap filled in time costs no wait and counts nothing.
    let start = Instant::now();
    hub.publish(produced(6, 0));
    assert_eq!(hub.publish(produced(5, 0)).released, 2);
    expect_heights(&mut probe, &[5, 6]).await;
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(hub.stats().gaps, 1);
}

#[tokio::test(start_paused = true)]
async fn too_many_waiting_events_give_up_the_gap_at_once() {
    let hub = EventHub::with_config(HubConfig {
        gap_timeout: Duration::from_secs(3600),
        max_held: 2,
    });
    let mut probe = TestProbe::<BlockchainEvent>::with_reply(|_| Ok(())).await;
    hub.subscribe(probe.recipient(), [BlockchainEventType::BlockProduced]);
    hub.publish(produced(1, 0));
    hub.publish(produced(3, 0));
    hub.publish(produced(4, 0));
    assert_eq!(hub.publish(produced(5, 0)).gaps, 1);
    let start = Instant::now();
    expect_heights(&mut probe, &[1, 3, 4, 5]).await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_lower_height_arriving_later_is_delivered_late_and_counted() {
    let (hub, mut probe) = hub_with_probe(BlockchainEventType::BlockProduced).await;
    hub.publish(produced(5, 0));
    let report = hub.publish(produced(4, 0));
    assert_eq!((report.late, report.released), (1, 1));
    assert_eq!(report.deliveries.delivered, 1);
    expect_heights(&mut probe, &[5, 4]).await;
    // The missing height of an expired gap is late too.
    hub.publish(produced(7, 0));
    expect_heights(&mut probe, &[7]).await;
    assert_eq!(hub.publish(produced(6, 0)).late, 1);
    expect_heights(&mut probe, &[6]).await;
    assert_eq!(hub.stats().late, 2);
}

#[tokio::test(start_paused = true)]
async fn reorgs_at_the_same_height_are_delivered_in_arrival_order() {
    let (hub, mut probe) = hub_with_probe(BlockchainEventType::BlockProduced).await;
    hub.publish(produced(1, 0));
    let reorg = hub.publish(produced(1, 1));
    assert_eq!((reorg.released, reorg.late), (1, 0));
    // A reorg of a height that waits, waits with it.
    hub.publish(produced(3, 0));
    hub.publish(produced(3, 1));
    hub.publish(produced(2, 0));
    for expected in [
        produced(1, 0),
        produced(1, 1),
        produced(2, 0),
        produced(3, 0),
        produced(3, 1),
    ] {
        assert_eq!(probe.expect_msg(WAIT).await, expected);
    }
    assert_eq!(hub.stats().late, 0);
}

#[tokio::test(start_paused = true)]
async fn finalized_heights_need_not_be_contiguous() {
    let (hub, mut probe) = hub_with_probe(BlockchainEventType::BlockFinalized).await;
    let start = Instant::now();
    for h in [10, 20, 35] {
        assert_eq!(hub.publish(finalized(h)).released, 1);
    }
    expect_heights(&mut probe, &[10, 20, 35]).await;
    assert_eq!(start.elapsed(), Duration::ZERO, "nothing waited");
    let stats = hub.stats();
    assert_eq!((stats.gaps, stats.late), (0, 0));
}

/// The actor behind a full mailbox.
struct Subscriber;
impl Actor for Subscriber {}
impl Handler<BlockchainEvent> for Subscriber {
    async fn handle(&mut self, _: BlockchainEvent, _: &mut Context<Self>) -> ActorResult<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn every_refusal_by_a_full_mailbox_is_counted_and_dead_lettered() {
    let sink = DeadLetters::new(16);
    let mut letters = sink.subscribe();
    let options = SpawnOptions::new()
        .name("full")
        .mailbox(MailboxConfig::bounded(1).with_overflow(OverflowStrategy::Reject))
        .dead_letters(sink.clone());
    // Nothing runs this actor: its one slot stays taken.
    let cell = ActorCell::<Subscriber>::new(options).unwrap();
    let full = cell.address();
    full.tell(produced(0, 0)).unwrap();
    let hub = EventHub::new();
    hub.subscribe(
        full.recipient(),
        [
            BlockchainEventType::BlockProduced,
            BlockchainEventType::ConsensusFailure,
        ],
    );
    let report = hub.publish(BlockchainEvent::ConsensusFailure {
        reason: "fork".into(),
    });
    assert_eq!(
        (report.deliveries.delivered, report.deliveries.refused),
        (0, 1)
    );
    hub.publish(produced(1, 0));
    // Refused too when the wait for height 2 expires and the hub's own task delivers 3.
    hub.publish(produced(3, 0));
    for _ in 0..3 {
        let letter = tokio::time::timeout(WAIT, letters.recv())
            .await
            .expect("a dead letter for each refusal")
            .unwrap();
        assert_eq!(
            (&*letter.actor_name, letter.reason),
            ("full", DropReason::DroppedNewest)
        );
        assert!(letter.message_type.ends_with("BlockchainEvent"));
    }
    let stats = hub.stats();
    assert_eq!((stats.deliveries.refused, stats.released), (3, 3));
    assert_eq!(full.stats().dropped, 3);
    assert_eq!(
        hub.subscriber_count(),
        1,
        "a full subscriber stays subscribed"
    );
}
