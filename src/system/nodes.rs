//! Remote nodes started from the system ([`ActorSystem::start_node`], the `remote` feature).

use super::ActorSystem;
use crate::remote::{NodeConfig, RemoteNode, StartError};
use std::sync::Arc;

/// The nodes a system started, stopped by its shutdown.
#[derive(Default)]
pub(super) struct Nodes(parking_lot::Mutex<Vec<Arc<RemoteNode>>>);

impl Nodes {
    /// Stop every node (see [`RemoteNode::shutdown`]) and let go of them.
    pub(super) async fn shutdown(&self) {
        let nodes = std::mem::take(&mut *self.0.lock());
        for node in nodes {
            node.shutdown().await;
        }
    }
}

impl ActorSystem {
    /// Start a remote node that belongs to this system (a node may also be started on its own,
    /// with [`RemoteNode::start`]): what it drops goes to the system's
    /// [`dead_letters`](Self::dead_letters) instead of the sink in `config`, and the system's
    /// [`shutdown`](Self::shutdown) stops it first, before any actor, so that no message from
    /// another node reaches an actor that is stopping.
    ///
    /// ```
    /// use actor_system::prelude::*;
    /// use actor_system::remote::{NodeConfig, PeerId, RemoteError};
    /// use actor_system::system::{ActorSystem, SystemConfig};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Message, Serialize, Deserialize)]
    /// #[message(remote = "example.Ping.v1")]
    /// struct Ping;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    /// let node = system.start_node(NodeConfig::new()).await.unwrap();
    /// // A peer nobody configured: the tell is refused later, and reaches the system's dead letters.
    /// let stranger = PeerId::random();
    /// node.recipient::<Ping>(stranger, "nobody").tell(Ping).unwrap();
    /// system.shutdown().await; // stops the node too
    /// assert_eq!(
    ///     node.recipient::<Ping>(stranger, "nobody").tell(Ping),
    ///     Err(RemoteError::NodeStopped)
    /// );
    /// assert_eq!(system.dead_letters().count(), 1);
    /// # }
    /// ```
    pub async fn start_node(&self, config: NodeConfig) -> Result<Arc<RemoteNode>, StartError> {
        let config = config.dead_letters(self.dead_letters().clone());
        let node = Arc::new(RemoteNode::start(config).await?);
        self.inner.nodes.0.lock().push(node.clone());
        Ok(node)
    }
}
