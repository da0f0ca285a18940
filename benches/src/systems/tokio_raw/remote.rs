//! The floor of the remote workloads: a plain libp2p request-response without actors, on the
//! swarm a node runs (`build_swarm`: TCP, Noise, Yamux, libp2p's CBOR codec, and the identify
//! and ping protocols every node speaks, whose handlers libp2p polls with each request). The
//! server answers from its swarm's event loop; the client drives its own swarm in the task that
//! times the run.
//!
//! - `tokio`: one request per message; tells with [`REMOTE_WINDOW`] requests in flight, asks
//!   one after another.
//! - `floor_batched`: tells only, batched as a node batches them (up to [`BATCH`] to a request,
//!   one request in flight), each a bare `u64` delivered to no one: the least any design can
//!   cost on this transport.

use crate::remote::{announce, counted, until_stdin_closes};
use crate::systems::{against_server, Outcome};
use crate::workloads::{REMOTE_ASKS, REMOTE_TELLS, REMOTE_TELLS_ONE_PER_REQUEST, REMOTE_WINDOW};
use actor_system::remote::build_swarm;
use libp2p::futures::StreamExt;
use libp2p::request_response::{self, cbor, Event, Message, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, StreamProtocol, SwarmEvent};
use libp2p::{identify, ping, PeerId, Swarm};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Tells per request in `floor_batched`: a node's default `max_batch`.
const BATCH: u64 = 4096;

#[derive(Debug, Serialize, Deserialize)]
enum Request {
    Tells(Vec<u64>),
    Ask(u64),
    Total,
}

#[derive(Debug, Serialize, Deserialize)]
enum Response {
    Ack,
    Value(u64),
}

/// Request-response beside the protocols a node runs.
#[derive(NetworkBehaviour)]
struct Floor {
    rpc: cbor::Behaviour<Request, Response>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
}

fn swarm() -> Swarm<Floor> {
    let key = libp2p::identity::Keypair::generate_ed25519();
    build_swarm(key, Duration::from_secs(600), |key| Floor {
        rpc: cbor::Behaviour::new(
            [(StreamProtocol::new("/bench/floor/1"), ProtocolSupport::Full)],
            request_response::Config::default()
                .with_max_concurrent_streams(4 * REMOTE_WINDOW as usize + 16),
        ),
        identify: identify::Behaviour::new(identify::Config::new(
            "/bench/floor/id/1".into(),
            key.public(),
        )),
        ping: ping::Behaviour::default(),
    })
    .expect("a swarm")
}

/// The client side of a remote workload on `tokio` (`batched`: on `floor_batched`).
pub fn run(workload: &str, batched: bool) -> Option<Outcome> {
    let (system, per_request, window, tells) = match batched {
        true => ("floor_batched", BATCH, 1, REMOTE_TELLS),
        false => ("tokio", 1, REMOTE_WINDOW, REMOTE_TELLS_ONE_PER_REQUEST),
    };
    let (ops, elapsed) = match (workload, batched) {
        ("remote_tell", _) => (
            tells,
            against_server(system, move |addr, peer| {
                tell(addr, peer, tells, per_request, window)
            }),
        ),
        ("remote_ask", false) => (REMOTE_ASKS, against_server(system, ask)),
        _ => return None,
    };
    Some(Outcome::Timed { ops, elapsed })
}

/// The server: answers every request from the swarm's event loop until stdin closes.
pub async fn serve() {
    let mut swarm = swarm();
    swarm
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("address"))
        .expect("listen");
    let mut total = 0u64;
    let stop = until_stdin_closes();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            event = swarm.select_next_some() => match event {
                SwarmEvent::NewListenAddr { address, .. } => announce(address, swarm.local_peer_id()),
                SwarmEvent::Behaviour(FloorEvent::Rpc(Event::Message {
                    message: Message::Request { request, channel, .. },
                    ..
                })) => {
                    let response = match request {
                        Request::Tells(values) => {
                            total += values.iter().sum::<u64>();
                            Response::Ack
                        }
                        Request::Ask(value) => Response::Value(value),
                        Request::Total => Response::Value(total),
                    };
                    let _ = swarm.behaviour_mut().rpc.send_response(channel, response);
                }
                _ => {}
            }
        }
    }
}

/// A client swarm connected to the server at `addr`.
async fn client(addr: String, peer: String) -> (Swarm<Floor>, PeerId) {
    let mut swarm = swarm();
    let peer: PeerId = peer.parse().expect("peer id");
    swarm.add_peer_address(peer, addr.parse().expect("address"));
    swarm.dial(peer).expect("dial");
    loop {
        if let SwarmEvent::ConnectionEstablished { .. } = swarm.select_next_some().await {
            return (swarm, peer);
        }
    }
}

/// Wait for the next response (of any request in flight).
async fn response(swarm: &mut Swarm<Floor>) -> Response {
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::Behaviour(FloorEvent::Rpc(Event::Message {
                message: Message::Response { response, .. },
                ..
            })) => return response,
            SwarmEvent::Behaviour(FloorEvent::Rpc(Event::OutboundFailure { error, .. })) => {
                panic!("a floor request failed: {error}")
            }
            _ => {}
        }
    }
}

async fn call(swarm: &mut Swarm<Floor>, peer: PeerId, request: Request) -> u64 {
    swarm.behaviour_mut().rpc.send_request(&peer, request);
    match response(swarm).await {
        Response::Value(value) => value,
        Response::Ack => panic!("an ack where a value was due"),
    }
}

/// `n` tells of `1`, `per_request` to a request, `window` requests in flight; then the total.
async fn tell(addr: String, peer: String, n: u64, per_request: u64, window: u64) -> Duration {
    let (mut swarm, peer) = client(addr, peer).await;
    let before = call(&mut swarm, peer, Request::Total).await;
    let start = Instant::now();
    let (mut sent, mut in_flight) = (0, 0);
    while sent < n || in_flight > 0 {
        while sent < n && in_flight < window {
            let count = per_request.min(n - sent);
            swarm
                .behaviour_mut()
                .rpc
                .send_request(&peer, Request::Tells(vec![1; count as usize]));
            sent += count;
            in_flight += 1;
        }
        response(&mut swarm).await;
        in_flight -= 1;
    }
    let after = call(&mut swarm, peer, Request::Total).await;
    counted(start, before, after, n)
}

async fn ask(addr: String, peer: String) -> Duration {
    let (mut swarm, peer) = client(addr, peer).await;
    call(&mut swarm, peer, Request::Total).await;
    let start = Instant::now();
    for i in 0..REMOTE_ASKS {
        assert_eq!(call(&mut swarm, peer, Request::Ask(i)).await, i);
    }
    start.elapsed()
}
