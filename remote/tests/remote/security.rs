//! Security and bad input: a peer that is not allowed is refused; garbage, malformed and
//! oversized frames from a raw client are refused and counted without a crash, and the same
//! connection still serves good requests afterwards.

use super::common::{identity, Counter, Get, WAIT};
use actor_system_remote::{
    build_swarm, NodeConfig, NodeStats, PeerAddr, Refusal, RemoteError, RemoteNode,
};
use actor_system_runtime::spawn;
use async_trait::async_trait;
use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, StreamExt};
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport};
use libp2p::swarm::{StreamProtocol, SwarmEvent};
use libp2p::{PeerId, Swarm};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::time::Duration;

/// Wait until `stats` of `node` satisfy `check`, at most [`WAIT`].
async fn eventually(node: &RemoteNode, check: impl Fn(&NodeStats) -> bool) -> NodeStats {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stats = node.stats();
        if check(&stats) || tokio::time::Instant::now() > deadline {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_is_not_allowed_is_refused_and_counted() {
    let b = RemoteNode::start(NodeConfig::new()).await.unwrap(); // allows nobody
    let counter = spawn(Counter::default()).await.unwrap();
    b.expose("counter", counter.recipient::<Get>()).unwrap();
    let c = RemoteNode::start(NodeConfig::new().peer(PeerAddr {
        id: b.peer_id(),
        addrs: b.listen_addrs(),
    }))
    .await
    .unwrap();
    let result = c
        .recipient::<Get>(b.peer_id(), "counter")
        .ask_timeout(Get, WAIT)
        .await;
    assert!(
        matches!(
            result,
            Err(RemoteError::Disconnected { .. } | RemoteError::Unreachable { .. })
        ),
        "{result:?}"
    );
    let stats = eventually(&b, |s| s.refused_connections > 0).await;
    assert!(stats.refused_connections >= 1, "{stats:?}");
    assert_eq!(
        stats.peers.iter().map(|p| p.messages_received).sum::<u64>(),
        0
    );
}

/// Writes requests as raw bytes and reads responses whole: a client that can send anything.
#[derive(Clone, Default)]
struct RawCodec;

#[async_trait]
impl request_response::Codec for RawCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        io.take(1 << 24).read_to_end(&mut buf).await?;
        Ok(buf)
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        p: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        self.read_request(p, io).await
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> std::io::Result<()> {
        io.write_all(&req).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> std::io::Result<()> {
        io.write_all(&res).await
    }
}

type Raw = Swarm<request_response::Behaviour<RawCodec>>;

/// Send `bytes` and wait for the response (`Err` if the stream failed or was closed without
/// one).
async fn request(raw: &mut Raw, peer: PeerId, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    let id: OutboundRequestId = raw.behaviour_mut().send_request(&peer, bytes);
    let wait = async {
        loop {
            match raw.select_next_some().await {
                SwarmEvent::Behaviour(request_response::Event::Message {
                    message:
                        request_response::Message::Response {
                            request_id,
                            response,
                        },
                    ..
                }) if request_id == id => {
                    return match response.is_empty() {
                        true => Err("the stream was closed without a response".into()),
                        false => Ok(response),
                    }
                }
                SwarmEvent::Behaviour(request_response::Event::OutboundFailure {
                    request_id,
                    error,
                    ..
                }) if request_id == id => return Err(error.to_string()),
                _ => {}
            }
        }
    };
    tokio::time::timeout(WAIT, wait)
        .await
        .expect("an answer or a failure in time")
}

/// `payload` as a CBOR byte string: what the node's codec expects a request to be.
fn byte_string(payload: &[u8]) -> Vec<u8> {
    cbor4ii::serde::to_vec(Vec::new(), &serde_bytes::Bytes::new(payload)).unwrap()
}

/// The frames, as the node reads them (the crate keeps its own types private): an address is
/// (exposed name, wire name); a letter is (address index, lane, correlation id, payload).
#[derive(Serialize, Clone, Copy)]
struct Address<'a>(&'a str, &'a str);

#[derive(Serialize)]
struct Letter<'a>(
    u32,
    u8,
    Option<uuid::Uuid>,
    #[serde(with = "serde_bytes")] &'a [u8],
);

#[derive(Serialize)]
enum Request<'a> {
    Tells(Vec<Address<'a>>, Vec<Letter<'a>>),
    Ask(Address<'a>, Letter<'a>),
}

#[derive(Debug, Deserialize, PartialEq)]
enum Response {
    Accepted(Vec<(u32, Refusal)>),
    Reply(serde_bytes::ByteBuf),
    Refused(Refusal),
}

fn frame(request: &Request) -> Vec<u8> {
    byte_string(&cbor4ii::serde::to_vec(Vec::new(), request).unwrap())
}

fn response(bytes: &[u8]) -> Response {
    let inner: serde_bytes::ByteBuf = cbor4ii::serde::from_slice(bytes).unwrap();
    cbor4ii::serde::from_slice(&inner).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_oversized_frames_from_a_raw_client_are_refused_without_a_crash() {
    let (raw_key, raw_id) = identity();
    let b = RemoteNode::start(NodeConfig::new().allow(raw_id).max_message_size(1024))
        .await
        .unwrap();
    let counter = spawn(Counter::default()).await.unwrap();
    b.expose("counter", counter.recipient::<Get>()).unwrap();

    // Raw TCP garbage: the handshake fails, the connection is closed, the node counts it.
    let port = b.listen_addrs()[0]
        .iter()
        .find_map(|p| match p {
            libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
            _ => None,
        })
        .unwrap();
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(WAIT)).unwrap();
    tcp.write_all(&[0xde; 4096]).unwrap();
    let _ = tcp.read_to_end(&mut Vec::new()); // until the node closes it
    assert!(
        eventually(&b, |s| s.failed_connections >= 1)
            .await
            .failed_connections
            >= 1
    );

    // A raw libp2p client on the node's protocol, allowed to connect.
    let protocol = StreamProtocol::new("/alys/actor-remote/1");
    let mut raw: Raw = build_swarm(raw_key, Duration::from_secs(60), |_| {
        request_response::Behaviour::with_codec(
            RawCodec,
            [(protocol, ProtocolSupport::Full)],
            request_response::Config::default(),
        )
    })
    .unwrap();
    let b_id = b.peer_id();
    raw.add_peer_address(b_id, b.listen_addrs()[0].clone());

    // Not even a CBOR byte string: the node's codec fails, the stream is dropped.
    assert!(request(&mut raw, b_id, b"\xff\xfe not cbor".to_vec())
        .await
        .is_err());
    // A byte string of garbage: answered with a refusal.
    let answer = request(&mut raw, b_id, byte_string(b"\x9f\x9f garbage"))
        .await
        .unwrap();
    assert!(matches!(
        response(&answer),
        Response::Refused(Refusal::Malformed(_))
    ));
    // Over the frame limit (the message limit plus 64 KiB): the stream is dropped.
    assert!(request(&mut raw, b_id, byte_string(&vec![7; 2 << 20]))
        .await
        .is_err());
    // A letter over the message limit, one for a message type not exposed, one that does not
    // decode as its type, one in no lane, one with no address: each refused on its own.
    let big = vec![0u8; 2048];
    let get = cbor4ii::serde::to_vec(Vec::new(), &Get).unwrap();
    let counter = Address("counter", "test.Get.v1");
    let batch = Request::Tells(
        vec![counter, Address("counter", "test.Nope.v1")],
        vec![
            Letter(0, 2, None, &big),
            Letter(1, 2, None, &get),
            Letter(0, 2, None, b"\xff"),
            Letter(0, 9, None, &get),
            Letter(7, 2, None, &get),
        ],
    );
    let answer = response(&request(&mut raw, b_id, frame(&batch)).await.unwrap());
    let Response::Accepted(refused) = answer else {
        panic!("{answer:?}")
    };
    assert!(matches!(
        refused[0],
        (
            0,
            Refusal::TooLarge {
                size: 2048,
                max: 1024
            }
        )
    ));
    assert!(matches!(refused[1], (1, Refusal::UnknownMessage { .. })));
    assert!(matches!(refused[2], (2, Refusal::Malformed(_))));
    assert!(
        matches!(refused[3], (3, Refusal::Malformed(_))),
        "no lane 9"
    );
    assert!(
        matches!(refused[4], (4, Refusal::Malformed(_))),
        "no address 7"
    );
    // The connection is not poisoned: a good ask on it is answered.
    let ask = Request::Ask(counter, Letter(0, 2, None, &get));
    let answer = response(&request(&mut raw, b_id, frame(&ask)).await.unwrap());
    let Response::Reply(reply) = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(cbor4ii::serde::from_slice::<u64>(&reply).unwrap(), 0);

    let stats = eventually(&b, |s| s.failed_streams >= 2).await;
    assert!(stats.failed_streams >= 2, "{stats:?}");
    assert_eq!((stats.oversized, stats.unknown), (1, 1), "{stats:?}");
    assert!(stats.malformed >= 4, "{stats:?}");
    let from_raw = b.peer_stats(raw_id).unwrap();
    assert!(from_raw.refused >= 6, "{from_raw:?}");
    b.shutdown().await;
}
