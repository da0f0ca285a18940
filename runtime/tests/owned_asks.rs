//! Asks whose futures own what they need (issue 23, item 5): spawned, joined over many actors,
//! through a typed address or a recipient, with their lifecycle (the actor stops while asks are
//! out, a full mailbox).

mod common;
use common::*;

use actor_system_runtime::{
    spawn, spawn_with, Actor, AskError, Context, Handler, MailboxConfig, Message, OverflowStrategy,
    Recipient, SpawnOptions,
};
use std::time::Duration;

struct Peer {
    height: u64,
}
impl Actor for Peer {}

struct Height;
impl Message for Height {
    type Result = u64;
}
impl Handler<Height> for Peer {
    async fn handle(&mut self, _: Height, _: &mut Context<Self>) -> u64 {
        self.height
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_can_be_spawned_and_outlives_the_address_it_came_from() {
    let peer = spawn(Peer { height: 7 }).await.unwrap();
    let asking = {
        let short_lived = peer.clone();
        let ask = short_lived.ask(Height);
        drop(short_lived);
        tokio::spawn(ask)
    };
    assert_eq!(bounded(asking, "the spawned ask").await.unwrap(), Ok(7));
    let through_recipient = tokio::spawn(peer.recipient::<Height>().ask(Height));
    assert_eq!(
        bounded(through_recipient, "a recipient's spawned ask")
            .await
            .unwrap(),
        Ok(7)
    );
}

#[tokio::test]
async fn join_all_over_asks_to_many_actors() {
    let mut peers = Vec::new();
    for height in 0..16 {
        peers.push(spawn(Peer { height }).await.unwrap());
    }
    let asks = peers.iter().map(|p| p.ask(Height));
    let heights = bounded(futures::future::join_all(asks), "every peer's answer").await;
    assert_eq!(heights, (0..16).map(Ok).collect::<Vec<_>>());
    let recipients: Vec<Recipient<Height>> = peers.iter().map(|p| p.recipient()).collect();
    let timed = recipients
        .iter()
        .map(|r| r.ask_timeout(Height, Duration::from_secs(5)));
    let heights = bounded(futures::future::join_all(timed), "every recipient's answer").await;
    assert_eq!(heights.len(), 16);
    assert!(heights.iter().all(Result::is_ok));
}

/// The actor stops while spawned asks wait in its mailbox behind a held handler: each resolves
/// with `Stopped`, none hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_asks_resolve_when_the_actor_stops_under_them() {
    let addr = spawn(Recorder::default()).await.unwrap();
    let gate = hold(&addr).await;
    let asks: Vec<_> = (0..8).map(|_| tokio::spawn(addr.ask(Take))).collect();
    until("the asks are queued", || addr.stats().queued() == 8).await;
    addr.stop();
    gate.notify_one();
    for ask in asks {
        let answer = bounded(ask, "a spawned ask to a stopping actor")
            .await
            .unwrap();
        assert_eq!(answer, Err(AskError::Stopped));
    }
}

/// A spawned ask into a full `Backpressure` mailbox waits for room (it owns its handle while it
/// waits); into a full `Reject` mailbox it is refused at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawned_ask_waits_for_room_or_is_refused_by_policy() {
    for (overflow, waits) in [
        (OverflowStrategy::Backpressure, true),
        (OverflowStrategy::Reject, false),
    ] {
        let options =
            SpawnOptions::new().mailbox(MailboxConfig::bounded(1).with_overflow(overflow));
        let addr = spawn_with(Recorder::default(), options).await.unwrap();
        let gate = hold(&addr).await;
        addr.tell(Record(0)).unwrap();
        let ask = tokio::spawn(addr.ask(Take));
        if waits {
            gate.notify_one();
            let seen = bounded(ask, "the waiting ask").await.unwrap().unwrap();
            assert_eq!(seen.len(), 1);
        } else {
            assert_eq!(
                bounded(ask, "the refused ask").await.unwrap(),
                Err(AskError::Full)
            );
            assert_eq!(addr.stats().rejected, 1);
            gate.notify_one();
        }
    }
}
