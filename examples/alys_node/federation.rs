//! The node's place in the federation: its remote node (libp2p), the members, what it exposes,
//! and, on the producing node, checking that every other node stored every block.

use super::bridge::SignPegIn;
use super::storage::{GetBlocks, Heights, StorageActor, StoreBlock};
use actor_system::prelude::*;
use actor_system::remote::{NodeConfig as RemoteConfig, PeerAddr, PeerId, RemoteNode};
use actor_system::system::ActorSystem;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one remote ask of the verification may take.
const ASK_TIMEOUT: Duration = Duration::from_secs(10);

/// A member's name: `member-` and the end of its peer id.
pub fn member_name(peer: &PeerId) -> String {
    let id = peer.to_string();
    format!("member-{}", &id[id.len().saturating_sub(6)..])
}

/// Start this node's remote node from `system` (its drops counted with the system's, stopped by
/// the system's shutdown): its key in `data_dir`, listening on `listen`, allowing and dialing
/// `peers`.
pub async fn start(
    system: &ActorSystem,
    data_dir: &std::path::Path,
    listen: Option<actor_system::remote::Multiaddr>,
    peers: &[PeerAddr],
) -> Result<Arc<RemoteNode>, actor_system::remote::StartError> {
    let mut config = RemoteConfig::new()
        .data_dir(data_dir)
        // Nodes start one after another: keep dialing for about half a minute.
        .reconnect(RetryConfig {
            max_attempts: 40,
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(1),
            multiplier: 2.0,
            jitter: 0.1,
        });
    if let Some(addr) = listen {
        config = config.listen(addr);
    }
    for peer in peers {
        config = config.peer(peer.clone());
    }
    system.start_node(config).await
}

/// The producing node says the run is over: `height` is the last block (an ask, so that the
/// producer knows it arrived before it shuts down).
#[derive(Message, Serialize, Deserialize)]
#[message(priority = "critical", remote = "alys.node.Finish.v1")]
pub struct Finish {
    pub height: u64,
}

/// Receives [`Finish`] on the other nodes.
pub struct ControlActor {
    pub finished: Option<tokio::sync::oneshot::Sender<u64>>,
}
impl Actor for ControlActor {}

impl Handler<Finish> for ControlActor {
    async fn handle(&mut self, msg: Finish, _: &mut Context<Self>) {
        if let Some(finished) = self.finished.take() {
            let _ = finished.send(msg.height);
        }
    }
}

/// Expose what other nodes may reach: storage (blocks, heights), bridge (signing), control.
pub fn expose(
    node: &RemoteNode,
    storage: &Addr<StorageActor>,
    bridge: Recipient<SignPegIn>,
    control: Option<Recipient<Finish>>,
) -> Result<(), actor_system::remote::ExposeError> {
    node.expose("storage", storage.recipient::<StoreBlock>())?;
    node.expose("storage", storage.recipient::<Heights>())?;
    node.expose("bridge", bridge)?;
    if let Some(control) = control {
        node.expose("control", control)?;
    }
    Ok(())
}

/// Wait until every peer answers (connected, its storage exposed), at most about `timeout`;
/// the peers that did not.
pub async fn connect_all(node: &RemoteNode, peers: &[PeerAddr], timeout: Duration) -> Vec<PeerId> {
    let deadline = Instant::now() + timeout;
    let backoff = RetryConfig {
        max_attempts: 30,
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        ..RetryConfig::default()
    };
    let mut missing = Vec::new();
    for peer in peers {
        let left = deadline.saturating_duration_since(Instant::now());
        let heights = node.recipient::<Heights>(peer.id, "storage");
        // A peer may be connected a moment before it exposes its actors: ask until it answers.
        let ready = node.wait_connected(peer.id, left).await
            && actor_system::retry(&backoff, || heights.ask_timeout(Heights, ASK_TIMEOUT))
                .await
                .is_ok();
        if !ready {
            missing.push(peer.id);
        }
    }
    missing
}

/// Ask every peer which heights it stored; send again the blocks 1..=`height` it lacks (read
/// from local storage), up to three rounds; then tell it the run is over. Returns each peer's
/// heights (or why they could not be had).
pub async fn verify_and_finish(
    node: &RemoteNode,
    storage: &Addr<StorageActor>,
    peers: &[PeerAddr],
    height: u64,
) -> Vec<(String, Result<Vec<u64>, String>)> {
    let mut out = Vec::new();
    for peer in peers {
        let heights = node.recipient::<Heights>(peer.id, "storage");
        let store = node.recipient::<StoreBlock>(peer.id, "storage");
        let mut result = Err("not asked".to_owned());
        for round in 0..3 {
            // An ask arrives after the blocks told before it in its lane: it sees them all.
            result = match heights.ask_timeout(Heights, ASK_TIMEOUT).await {
                Ok(Ok(h)) => Ok(h),
                Ok(Err(e)) => Err(e),
                Err(e) => Err(e.to_string()),
            };
            let Ok(have) = &result else { continue };
            let missing: Vec<u64> = (1..=height)
                .filter(|h| have.binary_search(h).is_err())
                .collect();
            if missing.is_empty() {
                break;
            }
            println!(
                "{} lacks {} blocks: sending them again (round {})",
                member_name(&peer.id),
                missing.len(),
                round + 1
            );
            let blocks = storage
                .ask(GetBlocks(missing))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            for block in blocks {
                let _ = store.tell(StoreBlock {
                    block,
                    sent: Instant::now(),
                });
            }
        }
        let finish = node.recipient::<Finish>(peer.id, "control");
        if let Err(e) = finish.ask_timeout(Finish { height }, ASK_TIMEOUT).await {
            println!(
                "{} did not hear that the run is over: {e}",
                member_name(&peer.id)
            );
        }
        out.push((member_name(&peer.id), result));
    }
    out
}
