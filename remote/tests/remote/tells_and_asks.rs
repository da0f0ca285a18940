//! Two nodes in one process over loopback: tells are counted exactly, asks round-trip with
//! their lane and correlation id, and the traffic shows in each peer's counters.

use super::common::{Add, Counter, Get, Order, Pair, Tag, Trace, WAIT};
use actor_system_remote::{Refusal, RemoteError};
use actor_system_runtime::{spawn, Priority};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_tells_are_counted_exactly_and_asks_round_trip() {
    let pair = Pair::start().await;
    let (remote_add, remote_get) = pair.counter().await;

    const TELLS: u64 = 100_000;
    for i in 1..=TELLS {
        // `tell_when_ready` waits while the outbound queue is full (its default policy is backpressure).
        remote_add.tell_when_ready(Add(i)).await.unwrap();
    }
    // An ask arrives after the tells of its lane sent before it: it sees all of them.
    let total = remote_get.ask_timeout(Get, WAIT).await.unwrap();
    assert_eq!(total, TELLS * (TELLS + 1) / 2);

    for _ in 0..100 {
        assert_eq!(remote_get.ask_timeout(Get, WAIT).await, Ok(total));
    }
    // actix's spelling waits for the remote handler's result, as it does in actix.
    #[allow(deprecated)]
    let via_send = tokio::time::timeout(WAIT, remote_get.send(Get)).await;
    assert_eq!(via_send, Ok(Ok(total)), "`send` is an ask");
    let stats = pair.a.peer_stats(pair.b.peer_id()).unwrap();
    assert_eq!(stats.messages_sent, TELLS + 102, "{stats:?}");
    assert_eq!(stats.dropped, 0);
    assert_eq!(stats.asks, 102);
    assert!(stats.mean_rtt.is_some() && stats.bytes_sent > TELLS);
    let theirs = pair.b.peer_stats(pair.a.peer_id()).unwrap();
    assert_eq!(theirs.messages_received, TELLS + 102, "{theirs:?}");
    assert_eq!(theirs.bytes_received, stats.bytes_sent);
    pair.a.shutdown().await;
    pair.b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_keeps_its_lane_and_correlation_id_across_the_wire() {
    let pair = Pair::start().await;
    let counter = spawn(Counter::default()).await.unwrap();
    pair.b
        .expose("counter", counter.recipient::<Trace>())
        .unwrap();
    let trace = pair.a.recipient::<Trace>(pair.b.peer_id(), "counter");

    let (lane, _) = trace.ask_timeout(Trace, WAIT).await.unwrap();
    assert_eq!(lane, "normal");
    let (lane, _) = trace
        .with_priority(Priority::Critical)
        .ask_timeout(Trace, WAIT)
        .await
        .unwrap();
    assert_eq!(lane, "critical");

    // Sent from inside a handler, a message carries the handler's correlation id.
    let id = uuid::Uuid::new_v4();
    let relay = spawn(common_relay::Relay(trace.clone())).await.unwrap();
    let seen = relay
        .with_correlation_id(id)
        .ask(common_relay::Forward)
        .await
        .unwrap();
    assert_eq!(seen, Some(id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tells_of_one_lane_arrive_in_order_and_unknown_targets_are_refused() {
    let pair = Pair::start().await;
    let counter = spawn(Counter::default()).await.unwrap();
    pair.b
        .expose("counter", counter.recipient::<Tag>())
        .unwrap();
    pair.b
        .expose("counter", counter.recipient::<Order>())
        .unwrap();
    let tag = pair.a.recipient::<Tag>(pair.b.peer_id(), "counter");
    for i in 0..5_000 {
        tag.tell_when_ready(Tag(i)).await.unwrap();
    }
    let order = pair
        .a
        .recipient::<Order>(pair.b.peer_id(), "counter")
        .with_priority(Priority::Background)
        .ask_timeout(Order, WAIT)
        .await
        .unwrap();
    assert_eq!(order, (0..5_000).collect::<Vec<u32>>());

    let nobody = pair.a.recipient::<Get>(pair.b.peer_id(), "nobody");
    assert_eq!(
        nobody.ask_timeout(Get, WAIT).await,
        Err(RemoteError::Refused {
            peer: pair.b.peer_id(),
            refusal: Refusal::UnknownTarget("nobody".into())
        })
    );
    let wrong_message = pair.a.recipient::<Get>(pair.b.peer_id(), "counter");
    assert!(matches!(
        wrong_message.ask_timeout(Get, WAIT).await,
        Err(RemoteError::Refused {
            refusal: Refusal::UnknownMessage { .. },
            ..
        })
    ));
    assert_eq!(pair.b.stats().unknown, 2);
}

/// An actor that forwards an ask to a remote recipient from inside its handler.
mod common_relay {
    use crate::common::Trace;
    use actor_system_remote::RemoteRecipient;
    use actor_system_runtime::{Actor, Context, Handler, Message};

    pub struct Relay(pub RemoteRecipient<Trace>);
    impl Actor for Relay {}

    pub struct Forward;
    impl Message for Forward {
        type Result = Option<uuid::Uuid>;
    }

    impl Handler<Forward> for Relay {
        async fn handle(&mut self, _: Forward, _: &mut Context<Self>) -> Option<uuid::Uuid> {
            self.0.ask_timeout(Trace, super::WAIT).await.ok()?.1
        }
    }
}
