//! [`RemoteNode`]: a running node, what it exposes and how to reach other nodes' actors.

use crate::driver::Driver;
use crate::metrics::NodeCounters;
use crate::shared::{Command, Shared};
use crate::{
    behaviour, load_or_create_keypair, ExposeError, Identity, NodeConfig, NodeStats, PeerStats,
    RemoteMessage, RemoteRecipient, StartError,
};
use actor_system_runtime::Recipient;
use libp2p::identity::Keypair;
use libp2p::{Multiaddr, PeerId};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long [`RemoteNode::start`] waits for its listen addresses to be bound.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`RemoteNode::shutdown`] waits for the node's task before aborting it.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// A node: a libp2p peer that exposes local actors to its peers and reaches theirs.
///
/// Start one on its own with [`start`](Self::start), or alongside an `ActorSystem` by giving it
/// the system's dead letters ([`NodeConfig::dead_letters`]) and shutting it down with the system.
///
/// ```
/// use actor_system_remote::{NodeConfig, PeerAddr, RemoteNode};
/// use actor_system_runtime::{spawn, Actor, Context, Handler, Message};
/// use serde::{Deserialize, Serialize};
/// use std::time::Duration;
///
/// struct Chain { height: u64 }
/// impl Actor for Chain {}
///
/// #[derive(Message, Serialize, Deserialize)]
/// #[message(result = "u64", priority = "critical", remote = "alys.chain.ProduceBlock.v1")]
/// struct ProduceBlock;
///
/// impl Handler<ProduceBlock> for Chain {
///     async fn handle(&mut self, _: ProduceBlock, _: &mut Context<Self>) -> u64 {
///         self.height += 1;
///         self.height
///     }
/// }
///
/// # #[tokio::main] async fn main() {
/// let a_key = libp2p::identity::Keypair::generate_ed25519();
/// let a_id = a_key.public().to_peer_id();
/// let b_key = libp2p::identity::Keypair::generate_ed25519();
/// let b_id = b_key.public().to_peer_id();
///
/// // B exposes its chain actor for ProduceBlock and allows A.
/// let b = RemoteNode::start(NodeConfig::new().keypair(b_key).allow(a_id)).await.unwrap();
/// let chain = spawn(Chain { height: 0 }).await.unwrap();
/// b.expose("chain", chain.recipient::<ProduceBlock>()).unwrap();
///
/// // A knows where B is.
/// let b_addr = PeerAddr { id: b_id, addrs: b.listen_addrs() };
/// let a = RemoteNode::start(NodeConfig::new().keypair(a_key).peer(b_addr)).await.unwrap();
/// let remote_chain = a.recipient::<ProduceBlock>(b_id, "chain");
/// assert_eq!(remote_chain.ask_timeout(ProduceBlock, Duration::from_secs(10)).await, Ok(1));
/// remote_chain.tell(ProduceBlock).unwrap();
/// assert_eq!(remote_chain.ask_timeout(ProduceBlock, Duration::from_secs(10)).await, Ok(3));
/// a.shutdown().await;
/// b.shutdown().await;
/// # }
/// ```
pub struct RemoteNode {
    shared: Arc<Shared>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl RemoteNode {
    /// Start a node: load or make its keypair, listen, and dial the configured peers. Returns
    /// once every listen address is bound.
    pub async fn start(config: NodeConfig) -> Result<RemoteNode, StartError> {
        config.validate()?;
        let keypair = match &config.identity {
            Identity::DataDir(dir) => load_or_create_keypair(dir)?,
            Identity::Keypair(keypair) => keypair.clone(),
            Identity::Ephemeral => Keypair::generate_ed25519(),
        };
        let local = keypair.public().to_peer_id();
        let counters = Arc::new(NodeCounters::default());
        let swarm = behaviour::node_swarm(keypair, &config, counters.clone())?;
        let (commands, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(local, &config, counters, commands));
        let mut listening = shared.listen_addrs.subscribe();
        let driver = Driver::new(swarm, shared.clone(), receiver, &config);
        let eager = config.peers.iter().map(|p| p.id).collect();
        let task = tokio::spawn(driver.run(eager));
        let wanted = config.listen.len();
        let bound = tokio::time::timeout(LISTEN_TIMEOUT, listening.wait_for(|a| a.len() >= wanted));
        if !matches!(bound.await, Ok(Ok(_))) {
            task.abort();
            return Err(StartError::ListenTimeout(LISTEN_TIMEOUT));
        }
        Ok(RemoteNode {
            shared,
            task: Mutex::new(Some(task)),
        })
    }

    /// This node's peer id.
    pub fn peer_id(&self) -> PeerId {
        self.shared.local
    }

    /// The addresses it listens on (with the actual ports).
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        self.shared.listen_addrs.borrow().clone()
    }

    /// Expose `recipient` under `name` for message type `M`: peers may then send `M` to it.
    /// Only exposed (name, message type) pairs are reachable.
    pub fn expose<M: RemoteMessage>(
        &self,
        name: &str,
        recipient: Recipient<M>,
    ) -> Result<(), ExposeError>
    where
        M::Result: Serialize,
    {
        self.shared.registry.expose(name, recipient)
    }

    /// Stop exposing `name` for `M`; whether it was exposed.
    pub fn unexpose<M: RemoteMessage>(&self, name: &str) -> bool {
        self.shared.registry.unexpose(name, M::WIRE_NAME)
    }

    /// A recipient for the actor `peer` exposes under `name` for `M`. The peer must be
    /// configured ([`NodeConfig::peer`]) or added ([`add_peer`](Self::add_peer)); otherwise its
    /// messages fail as unreachable.
    pub fn recipient<M: RemoteMessage>(&self, peer: PeerId, name: &str) -> RemoteRecipient<M>
    where
        M::Result: DeserializeOwned,
    {
        RemoteRecipient::new(self.shared.clone(), peer, name)
    }

    /// Allow `peer` to connect, and dial it at `addr` when there is something to send.
    pub fn add_peer(&self, peer: PeerId, addr: Option<Multiaddr>) {
        self.shared.command(Command::AddPeer(peer, addr));
    }

    /// Whether a connection to `peer` is open.
    pub fn is_connected(&self, peer: PeerId) -> bool {
        self.shared
            .existing_link(&peer)
            .is_some_and(|l| l.metrics.snapshot(peer, 0).connected)
    }

    /// Wait until a connection to `peer` is open, at most `timeout`; whether it is.
    pub async fn wait_connected(&self, peer: PeerId, timeout: Duration) -> bool {
        self.wait_connection(peer, true, timeout).await
    }

    /// Wait until no connection to `peer` is open, at most `timeout`; whether none is.
    pub async fn wait_disconnected(&self, peer: PeerId, timeout: Duration) -> bool {
        self.wait_connection(peer, false, timeout).await
    }

    async fn wait_connection(&self, peer: PeerId, connected: bool, timeout: Duration) -> bool {
        let wait = async {
            loop {
                let changed = self.shared.connections_changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if self.is_connected(peer) == connected {
                    return;
                }
                changed.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }

    /// Counters of one peer, if it is known.
    pub fn peer_stats(&self, peer: PeerId) -> Option<PeerStats> {
        let link = self.shared.existing_link(&peer)?;
        Some(link.metrics.snapshot(peer, link.queue.len()))
    }

    /// Counters of the node and of every known peer.
    pub fn stats(&self) -> NodeStats {
        self.shared.stats()
    }

    /// Stop the node: what is still queued goes to dead letters, asks in flight fail with
    /// `NodeStopped`, connections close. Waits for the node's task (aborts it after 5 s).
    pub async fn shutdown(&self) {
        self.shared.command(Command::Shutdown);
        let task = self.task.lock().take();
        if let Some(mut task) = task {
            if tokio::time::timeout(SHUTDOWN_TIMEOUT, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for RemoteNode {
    fn drop(&mut self) {
        // The task finishes on its own: queued messages are dead-lettered, asks answered.
        self.shared.command(Command::Shutdown);
    }
}

impl std::fmt::Debug for RemoteNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteNode")
            .field("peer_id", &self.shared.local)
            .field("listen_addrs", &self.listen_addrs())
            .finish()
    }
}
