//! Failures: a peer killed mid-ask, a peer that never answers the dial, a peer restarted with
//! its persisted identity, and an outbound queue that overflows.

use super::common::{free_address, identity, peer_at, quick, Add, Counter, Get, Pair, WAIT};
use actor_system_remote::{NodeConfig, OutboundConfig, PeerAddr, RemoteError, RemoteNode};
use actor_system_runtime::{
    spawn, Actor, AskError, Context, DeadLetters, DropReason, Handler, Message, OverflowStrategy,
    Priority,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Never answers: it signals that it got the message, then waits for good.
struct Staller(Arc<Notify>);
impl Actor for Staller {}

#[derive(Message, Serialize, Deserialize)]
#[message(result = "u64", remote = "test.Stall.v1")]
struct Stall;

impl Handler<Stall> for Staller {
    async fn handle(&mut self, _: Stall, _: &mut Context<Self>) -> u64 {
        self.0.notify_one();
        std::future::pending().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_killed_in_the_middle_of_an_ask_gives_a_typed_error_within_the_timeout() {
    let (b_key, b_id) = identity();
    let (a_key, a_id) = identity();
    let got_it = Arc::new(Notify::new());
    let (kill, killed) = std::sync::mpsc::channel::<()>();
    let (ready_tx, ready) = std::sync::mpsc::channel();
    // B runs on a runtime of its own, on its own thread: dropping that runtime kills it at
    // once, as a crash would (its tasks are dropped, its sockets closed).
    let staller_signal = got_it.clone();
    let b_thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let b = RemoteNode::start(NodeConfig::new().keypair(b_key).allow(a_id))
                .await
                .unwrap();
            let staller = spawn(Staller(staller_signal)).await.unwrap();
            b.expose("staller", staller.recipient::<Stall>()).unwrap();
            ready_tx.send(b.listen_addrs()).unwrap();
            std::mem::forget(b); // no graceful shutdown: the runtime's end kills it
        });
        killed.recv_timeout(WAIT).ok();
        drop(rt);
    });
    let addrs = ready.recv_timeout(WAIT).unwrap();
    let a = RemoteNode::start(
        NodeConfig::new()
            .keypair(a_key)
            .peer(PeerAddr { id: b_id, addrs }),
    )
    .await
    .unwrap();
    let stall = a.recipient::<Stall>(b_id, "staller");
    let timeout = Duration::from_secs(15);
    let started = Instant::now();
    let ask = tokio::spawn(async move { stall.ask_timeout(Stall, timeout).await });
    tokio::time::timeout(WAIT, got_it.notified()).await.unwrap();
    kill.send(()).unwrap();
    let result = tokio::time::timeout(WAIT, ask).await.unwrap().unwrap();
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(RemoteError::Disconnected { peer, .. }) if peer == b_id),
        "{result:?}"
    );
    assert!(
        elapsed < timeout,
        "failed after {elapsed:?}, before the timeout"
    );
    b_thread.join().unwrap();
    a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_peer_fails_asks_and_dead_letters_tells_with_a_reason() {
    let (_, b_id) = identity();
    let sink = DeadLetters::new(64);
    let mut letters = sink.subscribe();
    let a = RemoteNode::start(
        NodeConfig::new()
            .peer(peer_at(b_id, &free_address()))
            .reconnect(quick(3))
            .dead_letters(sink.clone()),
    )
    .await
    .unwrap();
    let add = a.recipient::<Add>(b_id, "counter");
    add.tell(Add(1)).unwrap();
    let get = a.recipient::<Get>(b_id, "counter");
    let result = get.ask_timeout(Get, WAIT).await;
    assert!(
        matches!(result, Err(RemoteError::Unreachable { peer, attempts: 3 }) if peer == b_id),
        "{result:?}"
    );
    let letter = tokio::time::timeout(WAIT, letters.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(letter.reason, DropReason::PeerUnreachable);
    assert_eq!(letter.actor_name.as_ref(), format!("{b_id}/counter"));
    assert!(letter.message_type.ends_with("Add"));
    assert_eq!(sink.count(), 2, "the tell and the ask");
    assert_eq!(a.peer_stats(b_id).unwrap().dropped, 2);
    a.shutdown().await;
    assert_eq!(add.tell(Add(1)), Err(RemoteError::NodeStopped));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_peer_keeps_its_id_and_is_reconnected_with_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let (a_key, a_id) = identity();
    let addr = free_address();
    let start_b = || async {
        let b = RemoteNode::start(
            NodeConfig::new()
                .data_dir(dir.path())
                .allow(a_id)
                .listen(addr.clone()),
        )
        .await
        .unwrap();
        let counter = spawn(Counter::default()).await.unwrap();
        b.expose("counter", counter.recipient::<Add>()).unwrap();
        b.expose("counter", counter.recipient::<Get>()).unwrap();
        b
    };
    let b = start_b().await;
    let b_id = b.peer_id();
    let a = RemoteNode::start(
        NodeConfig::new()
            .keypair(a_key)
            .peer(peer_at(b_id, &addr))
            .reconnect(quick(100)),
    )
    .await
    .unwrap();
    let get = a.recipient::<Get>(b_id, "counter");
    a.recipient::<Add>(b_id, "counter").tell(Add(5)).unwrap();
    assert_eq!(get.ask_timeout(Get, WAIT).await, Ok(5));

    b.shutdown().await;
    drop(b);
    // A tell sent before A sees the connection close could go out on it and be dead-lettered
    // (at most once): wait for A to see it.
    assert!(a.wait_disconnected(b_id, WAIT).await);
    // Queued while B is down; delivered once it is back, under the same peer id.
    a.recipient::<Add>(b_id, "counter").tell(Add(7)).unwrap();
    let b = start_b().await;
    assert_eq!(b.peer_id(), b_id, "the key was kept in the data dir");
    assert_eq!(
        get.ask_timeout(Get, WAIT).await,
        Ok(7),
        "a new counter got the queued tell"
    );
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overflowing_outbound_queue_follows_its_policy_and_dead_letters_every_drop() {
    let (_, b_id) = identity();
    let sink = DeadLetters::new(64);
    let a = RemoteNode::start(
        NodeConfig::new()
            .peer(peer_at(b_id, &free_address()))
            .reconnect(quick(1_000))
            .outbound(OutboundConfig {
                capacity: 10,
                overflow: OverflowStrategy::DropOldest,
            })
            .dead_letters(sink.clone()),
    )
    .await
    .unwrap();
    let add = a.recipient::<Add>(b_id, "counter");
    for i in 0..25 {
        add.with_priority(Priority::Background)
            .tell(Add(i))
            .unwrap();
    }
    assert_eq!(sink.count(), 15);
    let stats = a.peer_stats(b_id).unwrap();
    assert_eq!((stats.queued, stats.dropped), (10, 15));
    // A Critical message evicts a Background one; it is never dropped itself.
    add.with_priority(Priority::Critical).tell(Add(99)).unwrap();
    assert_eq!(sink.count(), 16);

    // Reject hands the failure back instead.
    let (_, c_id) = identity();
    let b = RemoteNode::start(
        NodeConfig::new()
            .peer(peer_at(c_id, &free_address()))
            .reconnect(quick(1_000))
            .outbound(OutboundConfig {
                capacity: 1,
                overflow: OverflowStrategy::Reject,
            }),
    )
    .await
    .unwrap();
    let add = b.recipient::<Add>(c_id, "counter");
    add.tell(Add(1)).unwrap();
    assert_eq!(add.tell(Add(2)), Err(AskError::Full.into()));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_limit_is_refused_by_the_sender_or_the_receiver() {
    // A allows bigger messages than B.
    let pair = Pair::start_with(
        |a| a.max_message_size(1 << 20),
        |b| b.max_message_size(1024),
    )
    .await;
    let echo = spawn(Counter::default()).await.unwrap();
    pair.b.expose("echo", echo.recipient::<Blob>()).unwrap();
    let blob = pair.a.recipient::<Blob>(pair.b.peer_id(), "echo");
    assert_eq!(blob.ask_timeout(Blob(vec![1; 100]), WAIT).await, Ok(100));
    let refused = blob.ask_timeout(Blob(vec![1; 4096]), WAIT).await;
    assert!(
        matches!(
            refused,
            Err(RemoteError::Refused {
                refusal: actor_system_remote::Refusal::TooLarge { max: 1024, .. },
                ..
            })
        ),
        "{refused:?}"
    );
    let too_big = blob.tell(Blob(vec![1; 2 << 20]));
    assert!(
        matches!(too_big, Err(RemoteError::TooLarge { .. })),
        "{too_big:?}"
    );
    assert_eq!(pair.b.stats().oversized, 1);
}

#[derive(Message, Serialize, Deserialize)]
#[message(result = "usize", remote = "test.Blob.v1")]
struct Blob(#[serde(with = "serde_bytes")] Vec<u8>);

impl Handler<Blob> for Counter {
    async fn handle(&mut self, msg: Blob, _: &mut Context<Self>) -> usize {
        msg.0.len()
    }
}
