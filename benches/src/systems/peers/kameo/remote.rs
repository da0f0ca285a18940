//! kameo 0.22's remote actors (libp2p too: its messaging and registry behaviours) on the same
//! transport (`build_swarm`), loopback only: the server registers a counting actor in kameo's
//! registry, the client looks it up and sends to it.

use crate::remote::{announce, counted, until_stdin_closes};
use crate::systems::{against_server, Outcome};
use crate::workloads::{REMOTE_ASKS, REMOTE_TELLS_ONE_PER_REQUEST, REMOTE_WINDOW};
use actor_system::remote::build_swarm;
use kameo::actor::{RemoteActorRef, Spawn};
use kameo::message::{Context, Message};
use kameo::{remote, remote_message, Actor, RemoteActor};
use libp2p::futures::stream::FuturesUnordered;
use libp2p::futures::StreamExt;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{PeerId, Swarm};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

#[derive(Actor, RemoteActor)]
struct Counter(u64);

#[derive(Serialize, Deserialize)]
struct Inc(u64);

#[remote_message("bench.Inc")]
impl Message<Inc> for Counter {
    type Reply = ();
    async fn handle(&mut self, msg: Inc, _: &mut Context<Self, Self::Reply>) {
        self.0 += msg.0;
    }
}

#[derive(Serialize, Deserialize)]
struct Total;

#[remote_message("bench.Total")]
impl Message<Total> for Counter {
    type Reply = u64;
    async fn handle(&mut self, _: Total, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.0
    }
}

#[derive(Serialize, Deserialize)]
struct Echo(u64);

#[remote_message("bench.Echo")]
impl Message<Echo> for Counter {
    type Reply = u64;
    async fn handle(&mut self, msg: Echo, _: &mut Context<Self, Self::Reply>) -> u64 {
        msg.0
    }
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    kameo: remote::Behaviour,
}

/// The client side of a remote workload.
pub fn run(workload: &str) -> Option<Outcome> {
    let (ops, elapsed) = match workload {
        "remote_tell" => (REMOTE_TELLS_ONE_PER_REQUEST, against_server("kameo", tell)),
        "remote_ask" => (REMOTE_ASKS, against_server("kameo", ask)),
        _ => return None,
    };
    Some(Outcome::Timed { ops, elapsed })
}

/// kameo's swarm of this process (kameo keeps one per process), not yet driven.
fn start_swarm() -> Swarm<Behaviour> {
    let key = libp2p::identity::Keypair::generate_ed25519();
    let swarm = build_swarm(key, Duration::from_secs(600), |key| Behaviour {
        kameo: remote::Behaviour::new(
            key.public().to_peer_id(),
            remote::messaging::Config::default(),
        ),
    })
    .expect("a swarm");
    swarm.behaviour().kameo.init_global();
    swarm
}

/// Drive `swarm` in a task of its own, as kameo expects.
fn drive(mut swarm: Swarm<Behaviour>) {
    tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    });
}

/// The server: a counter registered as "bench" in kameo's registry.
pub async fn serve() {
    let mut swarm = start_swarm();
    swarm
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("address"))
        .expect("listen");
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            break address;
        }
    };
    let peer = *swarm.local_peer_id();
    drive(swarm);
    let counter = Counter::spawn(Counter(0));
    counter.register("bench").await.expect("registered");
    announce(addr, peer);
    until_stdin_closes().await;
}

/// Connect to the server and look the counter up (kameo's registry is a Kademlia DHT).
async fn client(addr: String, peer: String) -> RemoteActorRef<Counter> {
    let mut swarm = start_swarm();
    let peer: PeerId = peer.parse().expect("peer id");
    let addr: libp2p::Multiaddr = addr.parse().expect("address");
    // Known to kameo's registry (Kademlia) and dialed at once.
    swarm.add_peer_address(peer, addr.clone());
    let dial = libp2p::swarm::dial_opts::DialOpts::peer_id(peer)
        .addresses(vec![addr])
        .build();
    swarm.dial(dial).expect("dial");
    drive(swarm);
    for _ in 0..100 {
        if let Ok(Some(counter)) = RemoteActorRef::<Counter>::lookup("bench").await {
            return counter;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("kameo's registry never found the counter")
}

async fn tell(addr: String, peer: String) -> Duration {
    let counter = client(addr, peer).await;
    let n = REMOTE_TELLS_ONE_PER_REQUEST;
    let before = counter.ask(&Total).await.expect("total");
    let start = Instant::now();
    // Fire-and-forget `send()` has no flow control: a burst of them fills kameo's stream limit
    // ("max sub-streams reached") and later requests fail. `send_ack()` with the node's window
    // in flight is the reliable way.
    let inc = Inc(1);
    let mut in_flight = FuturesUnordered::new();
    for _ in 0..n {
        if in_flight.len() == REMOTE_WINDOW as usize {
            let sent: Result<(), _> = in_flight.next().await.expect("a tell");
            sent.expect("tell");
        }
        in_flight.push(counter.tell(&inc).send_ack());
    }
    while let Some(sent) = in_flight.next().await {
        sent.expect("tell");
    }
    let after = counter.ask(&Total).await.expect("total");
    counted(start, before, after, n)
}

async fn ask(addr: String, peer: String) -> Duration {
    let counter = client(addr, peer).await;
    let start = Instant::now();
    for i in 0..REMOTE_ASKS {
        assert_eq!(counter.ask(&Echo(i)).await.expect("echo"), i);
    }
    start.elapsed()
}
