//! actor_system's remote workloads: the server exposes a counting actor on a node; the client
//! reaches it through remote recipients of its own node.

use crate::remote::{announce, client_key, counted, until_stdin_closes};
use crate::systems::{against_server, Outcome};
use crate::workloads::{REMOTE_ASKS, REMOTE_TELLS};
use actor_system::prelude::*;
use actor_system::remote::{NodeConfig, PeerAddr, PeerId, RemoteNode};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

struct Counter(u64);
impl Actor for Counter {}

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bench.Inc.v1")]
struct Inc(u64);

impl Handler<Inc> for Counter {
    async fn handle(&mut self, msg: Inc, _: &mut Context<Self>) {
        self.0 += msg.0;
    }
}

#[derive(Message, Serialize, Deserialize)]
#[message(result = "u64", remote = "bench.Total.v1")]
struct Total;

impl Handler<Total> for Counter {
    async fn handle(&mut self, _: Total, _: &mut Context<Self>) -> u64 {
        self.0
    }
}

#[derive(Message, Serialize, Deserialize)]
#[message(result = "u64", remote = "bench.Echo.v1")]
struct Echo(u64);

impl Handler<Echo> for Counter {
    async fn handle(&mut self, msg: Echo, _: &mut Context<Self>) -> u64 {
        msg.0
    }
}

/// The client side of a remote workload.
pub fn run(workload: &str) -> Option<Outcome> {
    let (ops, elapsed) = match workload {
        "remote_tell" => (REMOTE_TELLS, against_server("actor_system", tell)),
        "remote_ask" => (REMOTE_ASKS, against_server("actor_system", ask)),
        _ => return None,
    };
    Some(Outcome::Timed { ops, elapsed })
}

/// The server: a node that allows the client's peer id and exposes a counter.
pub async fn serve() {
    let client = client_key().public().to_peer_id();
    let node = RemoteNode::start(NodeConfig::new().allow(client))
        .await
        .expect("server node");
    let counter = spawn(Counter(0)).await.expect("counter");
    node.expose("bench", counter.recipient::<Inc>())
        .expect("expose");
    node.expose("bench", counter.recipient::<Total>())
        .expect("expose");
    node.expose("bench", counter.recipient::<Echo>())
        .expect("expose");
    announce(&node.listen_addrs()[0], node.peer_id());
    until_stdin_closes().await;
    node.shutdown().await;
}

/// A client node connected to the server at `addr` (one ask made), and the server's peer id.
async fn client(addr: String, peer: String) -> (RemoteNode, PeerId) {
    let peer: PeerId = peer.parse().expect("peer id");
    let node = RemoteNode::start(NodeConfig::new().keypair(client_key()).peer(PeerAddr {
        id: peer,
        addrs: vec![addr.parse().expect("address")],
    }))
    .await
    .expect("client node");
    node.recipient::<Total>(peer, "bench")
        .ask_timeout(Total, Duration::from_secs(30))
        .await
        .expect("connected");
    (node, peer)
}

async fn tell(addr: String, peer: String) -> Duration {
    let (node, peer) = client(addr, peer).await;
    let inc = node.recipient::<Inc>(peer, "bench");
    let total = node.recipient::<Total>(peer, "bench");
    let before = total.ask(Total).await.expect("total");
    let start = Instant::now();
    for _ in 0..REMOTE_TELLS {
        inc.tell_when_ready(Inc(1)).await.expect("queued");
    }
    let after = total.ask(Total).await.expect("total");
    let elapsed = counted(start, before, after, REMOTE_TELLS);
    node.shutdown().await;
    elapsed
}

async fn ask(addr: String, peer: String) -> Duration {
    let (node, peer) = client(addr, peer).await;
    let echo = node.recipient::<Echo>(peer, "bench");
    let start = Instant::now();
    for i in 0..REMOTE_ASKS {
        assert_eq!(echo.ask(Echo(i)).await, Ok(i));
    }
    let elapsed = start.elapsed();
    node.shutdown().await;
    elapsed
}
