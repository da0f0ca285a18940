//! Priority order, fairness, overflow strategies with exact drop counts, and dead letters.

mod common;

use actor_system_runtime::{
    spawn_with, AskError, DeadLetters, DropReason, Fairness, MailboxConfig, OverflowStrategy,
    Priority, SendError, SpawnOptions,
};
use common::*;

async fn recorder(
    config: MailboxConfig,
    sink: &DeadLetters,
) -> actor_system_runtime::Addr<Recorder> {
    spawn_with(
        Recorder::default(),
        SpawnOptions::new()
            .name("recorder")
            .mailbox(config)
            .dead_letters(sink.clone()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn critical_message_behind_ten_thousand_background_ones_is_handled_next() {
    let sink = DeadLetters::new(16);
    let addr = recorder(MailboxConfig::unbounded(), &sink).await;
    let gate = hold(&addr).await;
    for i in 0..10_000 {
        addr.with_priority(Priority::Background)
            .tell(Record(i))
            .unwrap();
    }
    addr.with_priority(Priority::Critical)
        .tell(Record(u64::MAX))
        .unwrap();
    assert_eq!(addr.stats().queue_depth, [1, 0, 0, 10_000]);
    gate.notify_one();
    let seen = drain_and_take(&addr).await;
    assert_eq!(seen.len(), 10_001);
    assert_eq!(seen[0], (Priority::Critical, u64::MAX));
    assert!(seen[1..]
        .iter()
        .enumerate()
        .all(|(i, s)| *s == (Priority::Background, i as u64)));
}

#[tokio::test]
async fn lanes_are_served_in_strict_priority_order() {
    let sink = DeadLetters::new(16);
    let addr = recorder(MailboxConfig::unbounded(), &sink).await;
    let gate = hold(&addr).await;
    for (i, p) in [
        Priority::Background,
        Priority::Normal,
        Priority::High,
        Priority::Critical,
    ]
    .into_iter()
    .enumerate()
    {
        addr.with_priority(p).tell(Record(i as u64)).unwrap();
    }
    gate.notify_one();
    let order: Vec<_> = drain_and_take(&addr)
        .await
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        order,
        [
            Priority::Critical,
            Priority::High,
            Priority::Normal,
            Priority::Background
        ]
    );
}

#[tokio::test]
async fn anti_starvation_gives_lower_lanes_a_turn() {
    let sink = DeadLetters::new(16);
    let config = MailboxConfig::unbounded().with_fairness(Fairness::AntiStarvation { every: 4 });
    let addr = recorder(config, &sink).await;
    let gate = hold(&addr).await;
    for i in 0..20 {
        addr.with_priority(Priority::Critical)
            .tell(Record(i))
            .unwrap();
    }
    for i in 0..3 {
        addr.with_priority(Priority::Background)
            .tell(Record(100 + i))
            .unwrap();
    }
    gate.notify_one();
    let seen = drain_and_take(&addr).await;
    let first_bg = seen
        .iter()
        .position(|(p, _)| *p == Priority::Background)
        .unwrap();
    assert!(
        first_bg < 20,
        "a background message must run before all critical ones: {seen:?}"
    );
    assert_eq!(seen.len(), 23);
}

/// Wait until the mailbox is empty, then collect what the actor recorded (so `Take` itself is
/// not subject to the overflow strategy or the lane order under test).
async fn drain_and_take(addr: &actor_system_runtime::Addr<Recorder>) -> Vec<(Priority, u64)> {
    until("the mailbox is drained", || addr.stats().queued() == 0).await;
    bounded(addr.ask(Take), "what the actor recorded")
        .await
        .unwrap()
}

/// The values the actor recorded, once its mailbox is empty.
async fn drain_values(addr: &actor_system_runtime::Addr<Recorder>) -> Vec<u64> {
    drain_and_take(addr)
        .await
        .into_iter()
        .map(|(_, i)| i)
        .collect()
}

/// Fill a capacity-4 mailbox whose actor is parked, then offer more.
async fn overflow_case(
    strategy: OverflowStrategy,
) -> (
    actor_system_runtime::Addr<Recorder>,
    DeadLetters,
    std::sync::Arc<tokio::sync::Notify>,
) {
    let sink = DeadLetters::new(64);
    let addr = recorder(MailboxConfig::bounded(4).with_overflow(strategy), &sink).await;
    let gate = hold(&addr).await;
    (addr, sink, gate)
}

#[tokio::test]
async fn reject_returns_the_message_and_drops_nothing() {
    let (addr, sink, gate) = overflow_case(OverflowStrategy::Reject).await;
    for i in 0..4 {
        addr.tell(Record(i)).unwrap();
    }
    for i in 4..10 {
        match addr.tell(Record(i)) {
            Err(SendError::Full(Record(n))) => assert_eq!(n, i),
            other => panic!("expected Full, got {other:?}"),
        }
    }
    // Reject does not wait even for `tell_when_ready`.
    assert!(matches!(
        bounded(addr.tell_when_ready(Record(10)), "a send refused at once").await,
        Err(SendError::Full(_))
    ));
    gate.notify_one();
    assert_eq!(drain_and_take(&addr).await.len(), 4);
    let stats = addr.stats();
    assert_eq!((stats.rejected, stats.dropped), (7, 0));
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn drop_newest_drops_exactly_the_overflow_into_dead_letters() {
    let (addr, sink, gate) = overflow_case(OverflowStrategy::DropNewest).await;
    let mut letters = sink.subscribe();
    for i in 0..10 {
        addr.with_priority(Priority::Background)
            .tell(Record(i))
            .unwrap();
    }
    let dropped = addr.with_priority(Priority::Normal).ask(Record(99));
    assert_eq!(
        bounded(dropped, "the dropped ask's answer").await,
        Err(AskError::Dropped)
    );
    gate.notify_one();
    let kept = drain_values(&addr).await;
    assert_eq!(kept, [0, 1, 2, 3]);
    assert_eq!(addr.stats().dropped, 7);
    assert_eq!(sink.count(), 7);
    for _ in 0..7 {
        let letter = bounded(letters.recv(), "a dead letter").await.unwrap();
        assert_eq!(letter.reason, DropReason::DroppedNewest);
        assert_eq!(letter.actor_id, addr.id());
        assert!(letter.message_type.ends_with("Record"));
    }
}

#[tokio::test]
async fn drop_newest_hands_critical_messages_back() {
    let (addr, sink, gate) = overflow_case(OverflowStrategy::DropNewest).await;
    for i in 0..4 {
        addr.tell(Record(i)).unwrap();
    }
    let err = addr
        .with_priority(Priority::Critical)
        .tell(Record(9))
        .unwrap_err();
    assert_eq!(
        err.into_inner().0,
        9,
        "critical messages are never dropped silently"
    );
    gate.notify_one();
    drain_and_take(&addr).await;
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn drop_oldest_evicts_the_oldest_lowest_priority_messages() {
    let (addr, sink, gate) = overflow_case(OverflowStrategy::DropOldest).await;
    let mut letters = sink.subscribe();
    addr.with_priority(Priority::High).tell(Record(0)).unwrap();
    for i in 1..4 {
        addr.with_priority(Priority::Background)
            .tell(Record(i))
            .unwrap();
    }
    // Two more background messages evict background 1 and 2.
    addr.with_priority(Priority::Background)
        .tell(Record(4))
        .unwrap();
    addr.with_priority(Priority::Background)
        .tell(Record(5))
        .unwrap();
    // A critical message evicts background 3; the high one is never evicted by background.
    addr.with_priority(Priority::Critical)
        .tell(Record(6))
        .unwrap();
    gate.notify_one();
    let kept = drain_values(&addr).await;
    assert_eq!(kept, [6, 0, 4, 5]);
    assert_eq!(addr.stats().dropped, 3);
    assert_eq!(sink.count(), 3);
    for _ in 0..3 {
        let letter = bounded(letters.recv(), "a dead letter").await.unwrap();
        assert_eq!(letter.reason, DropReason::Evicted);
    }
}

#[tokio::test]
async fn drop_oldest_never_evicts_higher_priority_messages() {
    let (addr, sink, gate) = overflow_case(OverflowStrategy::DropOldest).await;
    for i in 0..4 {
        addr.with_priority(Priority::Critical)
            .tell(Record(i))
            .unwrap();
    }
    // Nothing at or below Background to evict: the background message itself is dropped.
    addr.with_priority(Priority::Background)
        .tell(Record(10))
        .unwrap();
    // Nothing evictable for a critical one either: it comes back to the sender.
    assert!(addr
        .with_priority(Priority::Critical)
        .tell(Record(11))
        .is_err());
    gate.notify_one();
    let kept = drain_values(&addr).await;
    assert_eq!(kept, [0, 1, 2, 3]);
    assert_eq!(sink.count(), 1);
}

#[tokio::test]
async fn drop_low_priority_keeps_room_for_critical_and_high() {
    let (addr, sink, gate) =
        overflow_case(OverflowStrategy::DropLowPriority { threshold: 0.5 }).await;
    // Threshold 0.5 of 4: two normal messages fit, the rest of the normal ones are dropped.
    for i in 0..5 {
        addr.tell(Record(i)).unwrap();
    }
    addr.with_priority(Priority::High).tell(Record(10)).unwrap();
    addr.with_priority(Priority::Critical)
        .tell(Record(11))
        .unwrap();
    // Full now: a high message evicts the oldest normal one.
    addr.with_priority(Priority::High).tell(Record(12)).unwrap();
    gate.notify_one();
    let kept = drain_values(&addr).await;
    assert_eq!(kept, [11, 10, 12, 1]);
    assert_eq!(addr.stats().dropped, 4);
    assert_eq!(sink.count(), 4);
}

#[tokio::test]
async fn messages_queued_at_stop_go_to_dead_letters() {
    let sink = DeadLetters::new(64);
    let addr = recorder(MailboxConfig::unbounded(), &sink).await;
    let gate = hold(&addr).await;
    for i in 0..5 {
        addr.tell(Record(i)).unwrap();
    }
    addr.stop();
    gate.notify_one();
    bounded(addr.wait_for_stop(), "the actor stops")
        .await
        .unwrap();
    assert_eq!(sink.count(), 5);
    assert_eq!(addr.stats().dropped, 5);
}
