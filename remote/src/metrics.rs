//! Per-peer and per-node counters: atomics updated on the hot path, read as snapshots
//! ([`PeerStats`], [`NodeStats`]) and fed to the `metrics` facade once a second when the runtime's
//! [`export_metrics`](actor_system_runtime::export_metrics) is on.

use libp2p::PeerId;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Counters of one peer.
#[derive(Debug, Default)]
pub(crate) struct PeerMetrics {
    pub messages_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub messages_received: AtomicU64,
    pub bytes_received: AtomicU64,
    pub dropped: AtomicU64,
    pub refused: AtomicU64,
    pub asks: AtomicU64,
    pub rtt_total_ns: AtomicU64,
    pub rtt_last_ns: AtomicU64,
    pub ping_ns: AtomicU64,
    pub connections: AtomicU32,
}

impl PeerMetrics {
    pub(crate) fn sent(&self, messages: u64, bytes: usize) {
        self.messages_sent.fetch_add(messages, Relaxed);
        self.bytes_sent.fetch_add(bytes as u64, Relaxed);
    }

    pub(crate) fn received(&self, messages: u64, bytes: usize) {
        self.messages_received.fetch_add(messages, Relaxed);
        self.bytes_received.fetch_add(bytes as u64, Relaxed);
    }

    /// Grows whenever a message to or from the peer is settled: sent, received or dropped.
    pub(crate) fn activity(&self) -> u64 {
        self.messages_sent.load(Relaxed)
            + self.messages_received.load(Relaxed)
            + self.dropped.load(Relaxed)
    }

    pub(crate) fn ask_round_trip(&self, rtt: Duration) {
        let ns = rtt.as_nanos().min(u64::MAX as u128) as u64;
        self.asks.fetch_add(1, Relaxed);
        self.rtt_total_ns.fetch_add(ns, Relaxed);
        self.rtt_last_ns.store(ns, Relaxed);
    }

    pub(crate) fn snapshot(&self, peer: PeerId, queued: usize) -> PeerStats {
        let nanos = |v: u64| (v > 0).then(|| Duration::from_nanos(v));
        let asks = self.asks.load(Relaxed);
        PeerStats {
            peer,
            connected: self.connections.load(Relaxed) > 0,
            messages_sent: self.messages_sent.load(Relaxed),
            bytes_sent: self.bytes_sent.load(Relaxed),
            messages_received: self.messages_received.load(Relaxed),
            bytes_received: self.bytes_received.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            refused: self.refused.load(Relaxed),
            queued,
            asks,
            mean_rtt: (asks > 0)
                .then(|| Duration::from_nanos(self.rtt_total_ns.load(Relaxed) / asks)),
            last_rtt: nanos(self.rtt_last_ns.load(Relaxed)),
            ping: nanos(self.ping_ns.load(Relaxed)),
        }
    }
}

/// A snapshot of one peer's traffic.
///
/// ```
/// # async fn f(node: &actor_system_remote::RemoteNode, peer: libp2p::PeerId) {
/// if let Some(stats) = node.peer_stats(peer) {
///     println!("{} sent, {} dropped, ask rtt {:?}", stats.messages_sent, stats.dropped, stats.mean_rtt);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStats {
    /// The peer.
    pub peer: PeerId,
    /// Whether a connection is open.
    pub connected: bool,
    /// Messages sent and confirmed (tells queued there, asks answered).
    pub messages_sent: u64,
    /// Bytes of the requests sent.
    pub bytes_sent: u64,
    /// Messages received from it.
    pub messages_received: u64,
    /// Bytes of the requests received from it.
    pub bytes_received: u64,
    /// Messages to it dropped: outbound overflow, unreachable, disconnected or refused (each one
    /// is in dead letters).
    pub dropped: u64,
    /// Messages from it this node refused (unknown, malformed, too large, mailbox refused).
    pub refused: u64,
    /// Messages waiting in the outbound queue.
    pub queued: usize,
    /// Asks answered.
    pub asks: u64,
    /// Mean round-trip time of the asks.
    pub mean_rtt: Option<Duration>,
    /// Round-trip time of the last ask.
    pub last_rtt: Option<Duration>,
    /// Round-trip time of the last ping.
    pub ping: Option<Duration>,
}

/// Counters of the whole node.
#[derive(Debug, Default)]
pub(crate) struct NodeCounters {
    pub refused_connections: AtomicU64,
    pub malformed: AtomicU64,
    pub unknown: AtomicU64,
    pub oversized: AtomicU64,
    pub failed_streams: AtomicU64,
    pub failed_connections: AtomicU64,
}

/// A snapshot of a node's counters and its peers'.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeStats {
    /// Every peer a recipient or a connection has made known.
    pub peers: Vec<PeerStats>,
    /// Connections refused: the peer is not on the allow-list.
    pub refused_connections: u64,
    /// Requests or messages that did not decode.
    pub malformed: u64,
    /// Messages for a name or message type not exposed.
    pub unknown: u64,
    /// Messages over the size limit.
    pub oversized: u64,
    /// Streams that failed before a request was read (garbage, over the frame limit, reset).
    pub failed_streams: u64,
    /// Incoming connections that failed before the peer was known (bad handshake, garbage).
    pub failed_connections: u64,
}

impl NodeCounters {
    pub(crate) fn snapshot(&self, peers: Vec<PeerStats>) -> NodeStats {
        NodeStats {
            peers,
            refused_connections: self.refused_connections.load(Relaxed),
            malformed: self.malformed.load(Relaxed),
            unknown: self.unknown.load(Relaxed),
            oversized: self.oversized.load(Relaxed),
            failed_streams: self.failed_streams.load(Relaxed),
            failed_connections: self.failed_connections.load(Relaxed),
        }
    }
}

/// Feed a snapshot to the `metrics` facade (counters as absolute values, times as gauges).
pub(crate) fn export(stats: &NodeStats) {
    for p in &stats.peers {
        let peer = p.peer.to_string();
        let counter = |name: &'static str, value: u64| {
            metrics::counter!(name, "peer" => peer.clone()).absolute(value)
        };
        counter("remote_messages_sent_total", p.messages_sent);
        counter("remote_bytes_sent_total", p.bytes_sent);
        counter("remote_messages_received_total", p.messages_received);
        counter("remote_bytes_received_total", p.bytes_received);
        counter("remote_messages_dropped_total", p.dropped);
        counter("remote_messages_refused_total", p.refused);
        if let Some(rtt) = p.mean_rtt {
            metrics::gauge!("remote_ask_rtt_seconds", "peer" => peer.clone())
                .set(rtt.as_secs_f64());
        }
        if let Some(ping) = p.ping {
            metrics::gauge!("remote_ping_rtt_seconds", "peer" => peer.clone())
                .set(ping.as_secs_f64());
        }
    }
    metrics::counter!("remote_connections_refused_total").absolute(stats.refused_connections);
    metrics::counter!("remote_malformed_total").absolute(stats.malformed);
    metrics::counter!("remote_unknown_total").absolute(stats.unknown);
    metrics::counter!("remote_oversized_total").absolute(stats.oversized);
    metrics::counter!("remote_failed_streams_total").absolute(stats.failed_streams);
    metrics::counter!("remote_failed_connections_total").absolute(stats.failed_connections);
}
