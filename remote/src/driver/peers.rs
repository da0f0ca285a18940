//! Connections: who is connected, dialing with backoff ([`RetryConfig`] from the runtime), and
//! giving up on a peer (its queue goes to dead letters, its asks fail with `Unreachable`).
//!
//! A peer is dialed when it has something queued and no connection (and at start, for the
//! configured peers). A failed dial is retried after `reconnect.delay(attempt)`; after
//! `reconnect.max_attempts` failures the peer is unreachable until something new is queued.
//!
//! Connections stay open between requests (see `keep_alive`); at each ping, a peer's
//! connections close if nothing was sent to or received from it for the idle timeout.
//!
//! [`RetryConfig`]: actor_system_runtime::RetryConfig

use super::Driver;
use crate::shared::Link;
use crate::{drops, RemoteError};
use actor_system_runtime::DropReason;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{DialError, ListenError};
use libp2p::{Multiaddr, PeerId};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::time::Instant;

/// Addresses kept per peer.
const MAX_ADDRESSES: usize = 8;

/// Where dialing a peer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dial {
    /// Not dialing; `failed` dials in a row so far.
    Idle { failed: u32 },
    /// A dial is under way; `failed` before it.
    Dialing { failed: u32 },
    /// Waiting before the next dial.
    Backoff { failed: u32, until: Instant },
}

/// The task's view of one peer.
pub(super) struct Peer {
    pub link: Arc<Link>,
    pub connections: u32,
    pub dial: Dial,
    /// Whether a batch of tells of each lane is in flight (one at a time keeps a lane's order).
    pub tells_in_flight: [bool; 4],
    /// Requests in flight.
    pub in_flight: usize,
    /// The peer's activity count when last seen to change, and when that was.
    pub quiet: (u64, Instant),
}

impl Peer {
    pub(super) fn new(link: Arc<Link>) -> Self {
        Peer {
            link,
            connections: 0,
            dial: Dial::Idle { failed: 0 },
            tells_in_flight: [false; 4],
            in_flight: 0,
            quiet: (0, Instant::now()),
        }
    }
}

impl Driver {
    /// The task's state for `peer`, made on first use.
    pub(super) fn peer(&mut self, peer: PeerId) -> &mut Peer {
        let shared = &self.shared;
        self.peers
            .entry(peer)
            .or_insert_with(|| Peer::new(shared.link(peer)))
    }

    pub(super) fn add_peer(&mut self, peer: PeerId, addr: Option<Multiaddr>) {
        self.allowed.insert(peer);
        self.swarm.behaviour_mut().allow.allow_peer(peer);
        if let Some(addr) = addr {
            self.remember(peer, addr);
        }
        self.peer(peer);
        self.serve(peer);
    }

    /// Addresses a peer says it listens on: kept so that it can be dialed back.
    pub(super) fn learn_addresses(&mut self, peer: PeerId, addrs: Vec<Multiaddr>) {
        if !self.allowed.contains(&peer) {
            return;
        }
        for addr in addrs {
            if addr
                .iter()
                .any(|p| matches!(p, Protocol::Tcp(port) if port > 0))
            {
                self.remember(peer, addr);
            }
        }
    }

    /// Keep `addr` for dialing `peer` (at most [`MAX_ADDRESSES`] per peer, the newest).
    fn remember(&mut self, peer: PeerId, addr: Multiaddr) {
        let known = self.addresses.entry(peer).or_default();
        if !known.contains(&addr) {
            if known.len() >= MAX_ADDRESSES {
                known.remove(0);
            }
            known.push(addr);
        }
    }

    /// Start dialing `peer` unless connected, dialing or backing off.
    pub(super) fn dial(&mut self, peer: PeerId) {
        let state = self.peer(peer);
        let failed = match state.dial {
            Dial::Idle { failed } if state.connections == 0 => failed,
            _ => return,
        };
        state.dial = Dial::Dialing { failed };
        let addrs = self.addresses.get(&peer).cloned().unwrap_or_default();
        let opts = DialOpts::peer_id(peer)
            .condition(PeerCondition::DisconnectedAndNotDialing)
            .addresses(addrs)
            .extend_addresses_through_behaviour()
            .build();
        match self.swarm.dial(opts) {
            Ok(()) => {}
            Err(DialError::DialPeerConditionFalse(_)) => {
                self.peer(peer).dial = Dial::Idle { failed }
            }
            Err(error) => self.on_dial_error(peer, error),
        }
    }

    pub(super) fn on_connected(&mut self, peer: PeerId, connections: u32) {
        let state = self.peer(peer);
        state.connections = connections;
        state.dial = Dial::Idle { failed: 0 };
        state.quiet = (state.link.metrics.activity(), Instant::now());
        state.link.metrics.connections.store(connections, Relaxed);
        tracing::debug!(target: "actor_system::remote", %peer, connections, "connected");
        self.shared.connections_changed.notify_waiters();
        self.serve(peer);
    }

    pub(super) fn on_disconnected(
        &mut self,
        peer: PeerId,
        connections: u32,
        cause: Option<libp2p::swarm::ConnectionError>,
    ) {
        let state = self.peer(peer);
        state.connections = connections;
        state.link.metrics.connections.store(connections, Relaxed);
        self.shared.connections_changed.notify_waiters();
        if connections == 0 {
            let cause = cause.map(|c| c.to_string());
            tracing::info!(target: "actor_system::remote", %peer, ?cause, "disconnected");
            // Requests in flight fail on their own (the transport reports each one).
            self.serve(peer);
        }
    }

    /// A ping from `peer` came back: close its connections if they have been idle too long.
    ///
    /// Idle means nothing in flight from here and no message settled either way for the idle
    /// timeout. An inbound request still being handled is not tracked: the idle timeout is
    /// longer than the request timeout, by when its requester has given up on it.
    pub(super) fn on_ping(&mut self, peer: PeerId) {
        let idle_timeout = self.shared.settings.idle_timeout;
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        let activity = state.link.metrics.activity();
        let now = Instant::now();
        if state.in_flight > 0 || activity != state.quiet.0 {
            state.quiet = (activity, now);
        } else if now.duration_since(state.quiet.1) >= idle_timeout && state.connections > 0 {
            tracing::debug!(target: "actor_system::remote", %peer, ?idle_timeout, "closing idle connections");
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }

    pub(super) fn on_dial_error(&mut self, peer: PeerId, error: DialError) {
        if matches!(error, DialError::DialPeerConditionFalse(_)) {
            return;
        }
        let reconnect = self.shared.settings.reconnect;
        let max = reconnect.max_attempts;
        let state = self.peer(peer);
        let failed = match state.dial {
            Dial::Idle { failed } | Dial::Dialing { failed } | Dial::Backoff { failed, .. } => {
                failed + 1
            }
        };
        if state.connections > 0 {
            state.dial = Dial::Idle { failed: 0 };
            return;
        }
        tracing::debug!(target: "actor_system::remote", %peer, %error, failed, "dial failed");
        if failed < max {
            let until = Instant::now() + reconnect.delay(failed);
            state.dial = Dial::Backoff { failed, until };
            return;
        }
        state.dial = Dial::Idle { failed: 0 };
        let link = state.link.clone();
        let items = link.queue.drain(false);
        tracing::warn!(target: "actor_system::remote", %peer, attempts = failed, dropped = items.len(), "peer unreachable");
        for item in items {
            drops::fail(
                &self.shared.dead_letters,
                &link.metrics,
                item,
                DropReason::PeerUnreachable,
                || RemoteError::Unreachable {
                    peer,
                    attempts: failed,
                },
            );
        }
    }

    pub(super) fn on_incoming_error(&mut self, error: ListenError, from: Multiaddr) {
        let counters = &self.shared.counters;
        match error {
            ListenError::Denied { cause } => {
                counters.refused_connections.fetch_add(1, Relaxed);
                tracing::warn!(target: "actor_system::remote", %from, %cause, "connection refused: peer not allowed");
            }
            error => {
                counters.failed_connections.fetch_add(1, Relaxed);
                tracing::debug!(target: "actor_system::remote", %from, %error, "incoming connection failed");
            }
        }
    }

    /// When the next backoff ends.
    pub(super) fn next_timer(&self) -> Option<Instant> {
        self.peers
            .values()
            .filter_map(|p| match p.dial {
                Dial::Backoff { until, .. } => Some(until),
                _ => None,
            })
            .min()
    }

    /// Dial again the peers whose backoff is over (if they still have something to send).
    pub(super) fn on_timer(&mut self) {
        let now = Instant::now();
        let due: Vec<(PeerId, u32)> = self
            .peers
            .iter()
            .filter_map(|(id, p)| match p.dial {
                Dial::Backoff { failed, until } if until <= now => Some((*id, failed)),
                _ => None,
            })
            .collect();
        for (peer, failed) in due {
            self.peer(peer).dial = Dial::Idle { failed };
            self.dial(peer);
        }
    }
}
