//! Priority across the wire: a `Critical` message queued behind 10,000 `Background` ones for a
//! peer that is not up yet is the first to arrive once it is.
//!
//! Arrival order is read from the receiving node's `remote tell received` trace events (each
//! carries the sending peer and the message's lane), so the receiving mailbox's own ordering
//! plays no part. The other tests of this binary may emit such events too: only those from this
//! test's sender count.

use super::common::{free_address, identity, peer_at, quick, Counter, Order, Tag, WAIT};
use actor_system_remote::{NodeConfig, OutboundConfig, RemoteNode};
use actor_system_runtime::{spawn, OverflowStrategy, Priority};
use parking_lot::Mutex;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// The sending peer and the lane of each tell a node got, in arrival order.
static ARRIVALS: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

struct Arrivals;

impl<S: tracing::Subscriber> Layer<S> for Arrivals {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.target() == "actor_system::remote" && *metadata.level() == tracing::Level::TRACE
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        #[derive(Default)]
        struct Arrival {
            peer: Option<String>,
            lane: Option<u64>,
            received: bool,
        }
        impl Visit for Arrival {
            fn record_u64(&mut self, field: &Field, value: u64) {
                if field.name() == "lane" {
                    self.lane = Some(value);
                }
            }
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                match field.name() {
                    "peer" => self.peer = Some(format!("{value:?}")),
                    "message" => self.received = format!("{value:?}") == "remote tell received",
                    _ => {}
                }
            }
        }
        let mut arrival = Arrival::default();
        event.record(&mut arrival);
        if let (Some(peer), Some(lane), true) = (arrival.peer, arrival.lane, arrival.received) {
            ARRIVALS.lock().push((peer, lane));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critical_message_overtakes_ten_thousand_queued_background_ones_on_the_wire() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Arrivals)).unwrap();
    const QUEUED: u32 = 10_000;
    // B's port and identity are known before it runs: A queues for it while it is down.
    let addr = free_address();
    let (a_key, a_id) = identity();
    let (b_key, b_id) = identity();
    let a = RemoteNode::start(
        NodeConfig::new()
            .keypair(a_key)
            .peer(peer_at(b_id, &addr))
            .outbound(OutboundConfig {
                capacity: 2 * QUEUED as usize,
                overflow: OverflowStrategy::Reject,
            })
            .reconnect(quick(200)),
    )
    .await
    .unwrap();
    let tag = a.recipient::<Tag>(b_id, "counter");
    for i in 0..QUEUED {
        tag.tell(Tag(i)).unwrap();
    }
    tag.with_priority(Priority::Critical)
        .tell(Tag(QUEUED))
        .unwrap();
    assert_eq!(a.peer_stats(b_id).unwrap().queued, QUEUED as usize + 1);

    let b = RemoteNode::start(NodeConfig::new().keypair(b_key).allow(a_id).listen(addr))
        .await
        .unwrap();
    let counter = spawn(Counter::default()).await.unwrap();
    b.expose("counter", counter.recipient::<Tag>()).unwrap();
    b.expose("counter", counter.recipient::<Order>()).unwrap();
    // A Background ask arrives after every Background tell before it.
    let handled = a
        .recipient::<Order>(b_id, "counter")
        .with_priority(Priority::Background)
        .ask_timeout(Order, WAIT)
        .await
        .unwrap();
    assert_eq!(handled.len(), QUEUED as usize + 1);
    assert_eq!(handled[0], QUEUED, "handled first too");

    let a_id = a.peer_id().to_string();
    let arrivals: Vec<u64> = ARRIVALS
        .lock()
        .iter()
        .filter(|(peer, _)| *peer == a_id)
        .map(|(_, lane)| *lane)
        .collect();
    assert_eq!(arrivals.len(), QUEUED as usize + 1);
    assert_eq!(
        arrivals[0],
        Priority::Critical.lane() as u64,
        "the Critical tell arrived first"
    );
    assert!(arrivals[1..]
        .iter()
        .all(|l| *l == Priority::Background.lane() as u64));
    a.shutdown().await;
    b.shutdown().await;
}
