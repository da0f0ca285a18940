//! Shared by the remote crate's tests: two nodes on loopback, and a counting actor.
#![allow(dead_code)]

use actor_system_remote::{
    keys::Keypair, Multiaddr, NodeConfig, PeerAddr, PeerId, RemoteNode, RemoteRecipient,
};
use actor_system_runtime::{spawn, Actor, Context, Handler, Message, Priority, RetryConfig};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(20);

/// A keypair and its peer id.
pub fn identity() -> (Keypair, PeerId) {
    let key = Keypair::generate_ed25519();
    let id = key.public().to_peer_id();
    (key, id)
}

/// A loopback address nothing listens on (yet).
pub fn free_address() -> Multiaddr {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()
}

/// `id`, dialed at `addr`.
pub fn peer_at(id: PeerId, addr: &Multiaddr) -> PeerAddr {
    PeerAddr {
        id,
        addrs: vec![addr.clone()],
    }
}

/// Fast reconnection for tests: `attempts` dials, 10 ms apart at first, 40 ms at most.
pub fn quick(attempts: u32) -> RetryConfig {
    RetryConfig {
        max_attempts: attempts,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        multiplier: 2.0,
        jitter: 0.0,
    }
}

/// Two nodes on loopback: `b` allows `a`, and `a` knows where `b` is.
pub struct Pair {
    pub a: RemoteNode,
    pub b: RemoteNode,
}

impl Pair {
    pub async fn start() -> Pair {
        Pair::start_with(|c| c, |c| c).await
    }

    /// With each node's configuration adjusted first.
    pub async fn start_with(
        a: impl FnOnce(NodeConfig) -> NodeConfig,
        b: impl FnOnce(NodeConfig) -> NodeConfig,
    ) -> Pair {
        let (a_key, a_id) = identity();
        let (b_key, b_id) = identity();
        let b = RemoteNode::start(b(NodeConfig::new().keypair(b_key).allow(a_id)))
            .await
            .expect("node b starts");
        let b_addr = PeerAddr {
            id: b_id,
            addrs: b.listen_addrs(),
        };
        let a = RemoteNode::start(a(NodeConfig::new().keypair(a_key).peer(b_addr)))
            .await
            .expect("node a starts");
        Pair { a, b }
    }

    /// A [`Counter`] exposed on `b` as "counter" for [`Add`] and [`Get`], and `a`'s recipients
    /// for both.
    pub async fn counter(&self) -> (RemoteRecipient<Add>, RemoteRecipient<Get>) {
        let counter = spawn(Counter::default()).await.expect("the counter spawns");
        let b = &self.b;
        b.expose("counter", counter.recipient::<Add>()).unwrap();
        b.expose("counter", counter.recipient::<Get>()).unwrap();
        let a = &self.a;
        (
            a.recipient::<Add>(b.peer_id(), "counter"),
            a.recipient::<Get>(b.peer_id(), "counter"),
        )
    }
}

/// Counts what it is told; answers how many, and in which order tags arrived.
#[derive(Default)]
pub struct Counter {
    pub count: u64,
    pub order: Vec<u32>,
}
impl Actor for Counter {}

#[derive(Message, Serialize, Deserialize, Debug, Clone)]
#[message(remote = "test.Add.v1")]
pub struct Add(pub u64);

impl Handler<Add> for Counter {
    async fn handle(&mut self, msg: Add, _: &mut Context<Self>) {
        self.count += msg.0;
    }
}

#[derive(Message, Serialize, Deserialize, Debug)]
#[message(result = "u64", remote = "test.Get.v1")]
pub struct Get;

impl Handler<Get> for Counter {
    async fn handle(&mut self, _: Get, _: &mut Context<Self>) -> u64 {
        self.count
    }
}

/// A tagged message, to see the order of arrival.
#[derive(Message, Serialize, Deserialize, Debug, Clone)]
#[message(priority = "background", remote = "test.Tag.v1")]
pub struct Tag(pub u32);

impl Handler<Tag> for Counter {
    async fn handle(&mut self, msg: Tag, _: &mut Context<Self>) {
        self.order.push(msg.0);
    }
}

#[derive(Message, Serialize, Deserialize, Debug)]
#[message(result = "Vec<u32>", remote = "test.Order.v1")]
pub struct Order;

impl Handler<Order> for Counter {
    async fn handle(&mut self, _: Order, _: &mut Context<Self>) -> Vec<u32> {
        std::mem::take(&mut self.order)
    }
}

/// The lane a message was handled in, and its correlation id.
#[derive(Message, Serialize, Deserialize, Debug)]
#[message(result = "(String, Option<uuid::Uuid>)", remote = "test.Trace.v1")]
pub struct Trace;

impl Handler<Trace> for Counter {
    async fn handle(&mut self, _: Trace, ctx: &mut Context<Self>) -> (String, Option<uuid::Uuid>) {
        let lane = ctx.message_info().map_or(Priority::Normal, |i| i.priority);
        (lane.to_string(), ctx.correlation_id())
    }
}
