//! kameo 0.22's remote actors (libp2p too: its messaging and registry behaviours) on the same
//! transport (`build_swarm`), loopback only: the server registers a counting actor in kameo's
//! registry, the client looks it up and sends to it.

use crate::{against, counted, until_stdin_closes, Server, System};
use actor_system_remote::build_swarm;
use kameo::actor::{RemoteActorRef, Spawn};
use kameo::message::{Context, Message};
use kameo::{remote, remote_message, Actor, RemoteActor};
use libp2p::futures::stream::FuturesUnordered;
use libp2p::futures::StreamExt;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{PeerId, Swarm};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Tells in flight (the node's default window).
const WINDOW: usize = 32;

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

/// kameo's swarm on this process (kameo keeps one per process), driven by a task.
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

pub fn system() -> System {
    System {
        name: "kameo",
        tell,
        ask: Some(ask),
        scale: 20,
        own_process: true,
    }
}

pub async fn serve(ready: impl Fn(String, String)) {
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
    tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    });
    let counter = Counter::spawn(Counter(0));
    counter.register("bench").await.expect("registered");
    ready(addr.to_string(), peer.to_string());
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
    tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    });
    for _ in 0..100 {
        if let Ok(Some(counter)) = RemoteActorRef::<Counter>::lookup("bench").await {
            return counter;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("kameo's registry never found the counter")
}

fn tell(server: &Server, n: u64) -> Duration {
    against(server, |addr, peer| async move {
        let counter = client(addr, peer).await;
        let before = counter.ask(&Total).await.expect("total");
        let start = Instant::now();
        // Fire-and-forget `send()` has no flow control: a burst of them fills kameo's stream
        // limit ("max sub-streams reached") and later requests fail. `send_ack()` with 32 in
        // flight (the node's window) is the reliable way.
        let inc = Inc(1);
        let mut in_flight = FuturesUnordered::new();
        for _ in 0..n {
            if in_flight.len() == WINDOW {
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
    })
}

fn ask(server: &Server, n: u64) -> Duration {
    against(server, |addr, peer| async move {
        let counter = client(addr, peer).await;
        let start = Instant::now();
        for i in 0..n {
            assert_eq!(counter.ask(&Echo(i)).await.expect("echo"), i);
        }
        start.elapsed()
    })
}
