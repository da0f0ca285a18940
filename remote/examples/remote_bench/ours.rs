//! actor_system_remote: a counting actor exposed by the server, reached through remote
//! recipients.

use crate::{against, client_key, counted, until_stdin_closes, Server, System};
use actor_system_remote::{NodeConfig, PeerAddr, RemoteNode};
use actor_system_runtime::{spawn, Actor, Context, Handler, Message};
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

pub fn system() -> System {
    System {
        name: "actor_system",
        tell,
        ask: Some(ask),
        scale: 1,
        own_process: false,
    }
}

pub async fn serve(ready: impl Fn(String, String)) {
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
    ready(
        node.listen_addrs()[0].to_string(),
        node.peer_id().to_string(),
    );
    until_stdin_closes().await;
    node.shutdown().await;
}

/// A client node connected to the server at `addr` (one ask made), and the server's peer id.
async fn client(addr: String, peer: String) -> (RemoteNode, actor_system_remote::PeerId) {
    let peer: actor_system_remote::PeerId = peer.parse().expect("peer id");
    let node = RemoteNode::start(NodeConfig::new().keypair(client_key()).peer(PeerAddr {
        id: peer,
        addrs: vec![addr.parse().expect("address")],
    }))
    .await
    .expect("client node");
    let total = node.recipient::<Total>(peer, "bench");
    total
        .ask_timeout(Total, Duration::from_secs(30))
        .await
        .expect("connected");
    (node, peer)
}

fn tell(server: &Server, n: u64) -> Duration {
    against(server, |addr, peer| async move {
        let (node, peer) = client(addr, peer).await;
        let inc = node.recipient::<Inc>(peer, "bench");
        let total = node.recipient::<Total>(peer, "bench");
        let before = total.ask(Total).await.expect("total");
        let start = Instant::now();
        for _ in 0..n {
            inc.tell_when_ready(Inc(1)).await.expect("send");
        }
        let after = total.ask(Total).await.expect("total");
        let elapsed = counted(start, before, after, n);
        node.shutdown().await;
        elapsed
    })
}

fn ask(server: &Server, n: u64) -> Duration {
    against(server, |addr, peer| async move {
        let (node, peer) = client(addr, peer).await;
        let echo = node.recipient::<Echo>(peer, "bench");
        let start = Instant::now();
        for i in 0..n {
            assert_eq!(echo.ask(Echo(i)).await, Ok(i));
        }
        let elapsed = start.elapsed();
        node.shutdown().await;
        elapsed
    })
}
