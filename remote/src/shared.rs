//! State shared by a node's handles (the [`RemoteNode`](crate::RemoteNode), its recipients) and
//! its task: the exposed actors, one [`Link`] per peer, counters, and the wake-up.

use crate::exposed::Registry;
use crate::metrics::{NodeCounters, NodeStats, PeerMetrics};
use crate::outbound::{Item, Outbound, Refused};
use crate::{drops, NodeConfig, OutboundConfig, RemoteError};
use actor_system_runtime::{AskError, DeadLetters, RetryConfig};
use libp2p::{Multiaddr, PeerId};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, watch, Notify};

/// What handles ask of the node's task.
#[derive(Debug)]
pub(crate) enum Command {
    /// A link to a peer the task does not know yet.
    Link(Arc<Link>),
    /// Dial this address for the peer (and allow it).
    AddPeer(PeerId, Option<Multiaddr>),
    /// Stop.
    Shutdown,
}

/// Limits the task applies.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub max_message_size: usize,
    pub max_frame: usize,
    pub max_batch: usize,
    pub window: usize,
    pub request_timeout: std::time::Duration,
    pub idle_timeout: std::time::Duration,
    pub reconnect: RetryConfig,
}

/// Everything about one peer that handles touch: its outbound queue and its counters.
#[derive(Debug)]
pub(crate) struct Link {
    pub peer: PeerId,
    pub queue: Outbound,
    pub metrics: PeerMetrics,
}

pub(crate) struct Shared {
    pub local: PeerId,
    pub settings: Settings,
    pub registry: Registry,
    pub counters: Arc<NodeCounters>,
    pub dead_letters: DeadLetters,
    links: RwLock<HashMap<PeerId, Arc<Link>>>,
    outbound: OutboundConfig,
    commands: mpsc::UnboundedSender<Command>,
    /// The task has work: a queue went from empty to not.
    pub wake: Notify,
    /// A connection opened or closed.
    pub connections_changed: Notify,
    pub listen_addrs: watch::Sender<Vec<Multiaddr>>,
    stopped: AtomicBool,
}

impl Shared {
    pub(crate) fn new(
        local: PeerId,
        config: &NodeConfig,
        counters: Arc<NodeCounters>,
        commands: mpsc::UnboundedSender<Command>,
    ) -> Self {
        Shared {
            local,
            settings: Settings {
                max_message_size: config.max_message_size,
                max_frame: config.max_frame(),
                max_batch: config.max_batch,
                window: config.window,
                request_timeout: config.request_timeout,
                idle_timeout: config.idle_timeout,
                reconnect: config.reconnect,
            },
            registry: Registry::default(),
            counters,
            dead_letters: config.dead_letters.clone(),
            links: RwLock::new(HashMap::new()),
            outbound: config.outbound,
            commands,
            wake: Notify::new(),
            connections_changed: Notify::new(),
            listen_addrs: watch::Sender::new(Vec::new()),
            stopped: AtomicBool::new(false),
        }
    }

    /// The link to `peer`, made (and announced to the task) on first use.
    pub(crate) fn link(&self, peer: PeerId) -> Arc<Link> {
        if let Some(link) = self.links.read().get(&peer) {
            return link.clone();
        }
        let mut links = self.links.write();
        links
            .entry(peer)
            .or_insert_with(|| {
                let link = Arc::new(Link {
                    peer,
                    queue: Outbound::new(self.outbound),
                    metrics: PeerMetrics::default(),
                });
                self.command(Command::Link(link.clone()));
                link
            })
            .clone()
    }

    /// The link to `peer`, if there is one.
    pub(crate) fn existing_link(&self, peer: &PeerId) -> Option<Arc<Link>> {
        self.links.read().get(peer).cloned()
    }

    pub(crate) fn command(&self, command: Command) {
        // The task gone means the node stopped: every handle checks `is_stopped` first.
        let _ = self.commands.send(command);
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    pub(crate) fn mark_stopped(&self) {
        self.stopped.store(true, Ordering::Release);
    }

    /// Queue `item` for `link`'s peer, following the outbound queue's overflow strategy: what
    /// it drops is counted and dead-lettered (an ask among it fails with `Dropped`).
    /// A full queue hands the item back.
    pub(crate) fn enqueue(&self, link: &Link, item: Item) -> Result<(), Refused> {
        let pushed = link.queue.push(item)?;
        if let Some((dropped, reason)) = pushed.dropped {
            drops::fail(&self.dead_letters, &link.metrics, dropped, reason, || {
                AskError::Dropped.into()
            });
        }
        if pushed.wake {
            self.wake.notify_one();
        }
        Ok(())
    }

    /// The error for an item the queue handed back.
    pub(crate) fn refused_error(refused: &Refused) -> RemoteError {
        match refused {
            Refused::Full(_) => AskError::Full.into(),
            Refused::Closed => RemoteError::NodeStopped,
        }
    }

    pub(crate) fn links(&self) -> Vec<Arc<Link>> {
        self.links.read().values().cloned().collect()
    }

    pub(crate) fn stats(&self) -> NodeStats {
        let mut peers: Vec<_> = self
            .links()
            .iter()
            .map(|l| l.metrics.snapshot(l.peer, l.queue.len()))
            .collect();
        peers.sort_by_key(|p| p.peer.to_bytes());
        self.counters.snapshot(peers)
    }
}
