//! The floor: libp2p request-response with libp2p's CBOR codec on the node's transport, no
//! actors. The server answers from its swarm's event loop; the client drives its own swarm.

use crate::{against, counted, until_stdin_closes, Server, System};
use actor_system_remote::build_swarm;
use libp2p::futures::StreamExt;
use libp2p::request_response::{self, cbor, Event, Message, ProtocolSupport};
use libp2p::swarm::{StreamProtocol, SwarmEvent};
use libp2p::{PeerId, Swarm};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Tells per request in `floor_batched`: the node's default `max_batch`.
const BATCH: u64 = 4096;
/// Requests in flight for `floor`'s tells: the node's default window.
const WINDOW: u64 = 32;

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

type Rpc = cbor::Behaviour<Request, Response>;

fn swarm(key: libp2p::identity::Keypair) -> Swarm<Rpc> {
    build_swarm(key, Duration::from_secs(600), |_| {
        Rpc::new(
            [(StreamProtocol::new("/bench/floor/1"), ProtocolSupport::Full)],
            request_response::Config::default()
                .with_max_concurrent_streams(4 * WINDOW as usize + 16),
        )
    })
    .expect("a swarm")
}

/// One request per message.
pub fn system() -> System {
    System {
        name: "floor",
        tell: |server, n| tell(server, n, 1, WINDOW),
        ask: Some(ask),
        scale: 20,
        own_process: false,
    }
}

/// Tells batched as the node batches them (asks are the same as `floor`'s).
pub fn batched() -> System {
    System {
        name: "floor_batched",
        tell: |server, n| tell(server, n, BATCH, 1),
        ask: None,
        scale: 1,
        own_process: false,
    }
}

pub async fn serve(ready: impl Fn(String, String)) {
    let mut swarm = swarm(libp2p::identity::Keypair::generate_ed25519());
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
                SwarmEvent::NewListenAddr { address, .. } => {
                    ready(address.to_string(), swarm.local_peer_id().to_string())
                }
                SwarmEvent::Behaviour(Event::Message {
                    message: Message::Request { request, channel, .. },
                    ..
                }) => {
                    let response = match request {
                        Request::Tells(values) => {
                            total += values.iter().sum::<u64>();
                            Response::Ack
                        }
                        Request::Ask(value) => Response::Value(value),
                        Request::Total => Response::Value(total),
                    };
                    let _ = swarm.behaviour_mut().send_response(channel, response);
                }
                _ => {}
            }
        }
    }
}

/// A client swarm connected to the server at `addr`.
async fn client(addr: String, peer: String) -> (Swarm<Rpc>, PeerId) {
    let mut swarm = swarm(libp2p::identity::Keypair::generate_ed25519());
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
async fn response(swarm: &mut Swarm<Rpc>) -> Response {
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::Behaviour(Event::Message {
                message: Message::Response { response, .. },
                ..
            }) => return response,
            SwarmEvent::Behaviour(Event::OutboundFailure { error, .. }) => {
                panic!("floor request failed: {error}")
            }
            _ => {}
        }
    }
}

async fn call(swarm: &mut Swarm<Rpc>, peer: PeerId, request: Request) -> Response {
    swarm.behaviour_mut().send_request(&peer, request);
    response(swarm).await
}

/// `n` tells of `1`, `per_request` to a request, `window` requests in flight; then the total.
fn tell(server: &Server, n: u64, per_request: u64, window: u64) -> Duration {
    against(server, |addr, peer| async move {
        let (mut swarm, peer) = client(addr, peer).await;
        let Response::Value(before) = call(&mut swarm, peer, Request::Total).await else {
            panic!("no total")
        };
        let start = Instant::now();
        let (mut sent, mut in_flight) = (0, 0);
        while sent < n || in_flight > 0 {
            while sent < n && in_flight < window {
                let count = per_request.min(n - sent);
                swarm
                    .behaviour_mut()
                    .send_request(&peer, Request::Tells(vec![1; count as usize]));
                sent += count;
                in_flight += 1;
            }
            response(&mut swarm).await;
            in_flight -= 1;
        }
        let Response::Value(after) = call(&mut swarm, peer, Request::Total).await else {
            panic!("no total")
        };
        counted(start, before, after, n)
    })
}

fn ask(server: &Server, n: u64) -> Duration {
    against(server, |addr, peer| async move {
        let (mut swarm, peer) = client(addr, peer).await;
        call(&mut swarm, peer, Request::Total).await;
        let start = Instant::now();
        for i in 0..n {
            let Response::Value(v) = call(&mut swarm, peer, Request::Ask(i)).await else {
                panic!("no value")
            };
            assert_eq!(v, i);
        }
        start.elapsed()
    })
}
