//! [`NodeConfig`]: addresses, peers, identity, limits and policies of a node.

use crate::{PeerAddrError, StartError};
use actor_system_runtime::{DeadLetters, OverflowStrategy, RetryConfig};
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// A known peer: its id and where to dial it.
///
/// ```
/// use actor_system_remote::PeerAddr;
///
/// let id = libp2p::PeerId::random();
/// let peer: PeerAddr = format!("/ip4/127.0.0.1/tcp/4001/p2p/{id}").parse().unwrap();
/// assert_eq!(peer.id, id);
/// assert_eq!(peer.addrs[0].to_string(), "/ip4/127.0.0.1/tcp/4001");
/// assert!("/ip4/127.0.0.1/tcp/4001".parse::<PeerAddr>().is_err(), "the peer id is required");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerAddr {
    /// Its peer id (the hash of its public key).
    pub id: PeerId,
    /// Addresses to dial, without the `/p2p/` suffix; empty if it only dials in.
    pub addrs: Vec<Multiaddr>,
}

impl FromStr for PeerAddr {
    type Err = PeerAddrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PeerAddrError(s.to_owned());
        let mut addr: Multiaddr = s.parse().map_err(|_| bad())?;
        match addr.pop() {
            Some(Protocol::P2p(id)) => Ok(PeerAddr {
                id,
                addrs: if addr.is_empty() { vec![] } else { vec![addr] },
            }),
            _ => Err(bad()),
        }
    }
}

/// Where the node's keypair (and so its peer id) comes from.
#[derive(Debug, Clone)]
pub enum Identity {
    /// Kept in this directory (see [`load_or_create_keypair`](crate::load_or_create_keypair)):
    /// the same peer id across restarts.
    DataDir(PathBuf),
    /// This keypair.
    Keypair(Keypair),
    /// A new keypair, forgotten when the node stops (tests).
    Ephemeral,
}

/// The bounded queue of messages waiting to go to one peer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutboundConfig {
    /// Messages queued per peer at most (all lanes together).
    pub capacity: usize,
    /// What a full queue does, with the mailbox's meaning: `Backpressure` makes `send` wait and
    /// `tell` fail with `Full`, `Reject` fails both, the drop policies drop (and dead-letter)
    /// as a mailbox does. A `Critical` message is never dropped silently.
    pub overflow: OverflowStrategy,
}

impl Default for OutboundConfig {
    /// 65,536 messages, `Backpressure`.
    fn default() -> Self {
        OutboundConfig {
            capacity: 65_536,
            overflow: OverflowStrategy::Backpressure,
        }
    }
}

/// Everything a [`RemoteNode`](crate::RemoteNode) needs: built with the methods below.
///
/// ```
/// use actor_system_remote::{NodeConfig, OutboundConfig};
/// use actor_system_runtime::OverflowStrategy;
/// use std::time::Duration;
///
/// let config = NodeConfig::new()
///     .listen("/ip4/127.0.0.1/tcp/0".parse().unwrap())
///     .outbound(OutboundConfig { capacity: 1024, overflow: OverflowStrategy::DropOldest });
/// assert!(config.validate().is_ok());
/// assert!(NodeConfig::new().window(0).validate().is_err());
/// // An idle timeout must outlast any request.
/// let idle_first = NodeConfig { idle_timeout: Duration::from_secs(5), ..NodeConfig::new() };
/// assert!(idle_first.validate().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Addresses to listen on (default: `/ip4/127.0.0.1/tcp/0`, a free loopback port).
    pub listen: Vec<Multiaddr>,
    /// Known peers: they may connect, and they are dialed when there is something to send.
    pub peers: Vec<PeerAddr>,
    /// Further peers allowed to connect (they are not dialed unless an address is learned).
    pub allowed: Vec<PeerId>,
    /// Where the keypair comes from (default: [`Identity::Ephemeral`]).
    pub identity: Identity,
    /// Largest encoded message, each way (default 1 MiB).
    pub max_message_size: usize,
    /// The per-peer outbound queue.
    pub outbound: OutboundConfig,
    /// Requests in flight to one peer at most (default 32).
    pub window: usize,
    /// Tells sent in one request at most (default 4096).
    pub max_batch: usize,
    /// How long the transport waits for a response before failing the request (default 30 s).
    pub request_timeout: Duration,
    /// Reconnection: attempts before a peer is declared unreachable, and the backoff between
    /// them (default: 6 attempts, 50 ms doubling up to 2 s).
    pub reconnect: RetryConfig,
    /// A connection with nothing sent or received for this long is closed, at the first ping
    /// after (default 10 min). It must exceed `request_timeout`, so that no request anybody
    /// still waits for is cut.
    pub idle_timeout: Duration,
    /// Ping interval, for liveness and round-trip times (default 5 s).
    pub ping_interval: Duration,
    /// Where dropped messages are published (default: the process-wide sink).
    pub dead_letters: DeadLetters,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            listen: vec!["/ip4/127.0.0.1/tcp/0"
                .parse()
                .expect("a valid loopback multiaddr")],
            peers: Vec::new(),
            allowed: Vec::new(),
            identity: Identity::Ephemeral,
            max_message_size: 1 << 20,
            outbound: OutboundConfig::default(),
            window: 32,
            max_batch: 4096,
            request_timeout: Duration::from_secs(30),
            reconnect: RetryConfig {
                max_attempts: 6,
                initial_delay: Duration::from_millis(50),
                max_delay: Duration::from_secs(2),
                multiplier: 2.0,
                jitter: 0.1,
            },
            idle_timeout: Duration::from_secs(600),
            ping_interval: Duration::from_secs(5),
            dead_letters: DeadLetters::global(),
        }
    }
}

impl NodeConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Listen on `addr` instead of the default (call again to add more).
    pub fn listen(mut self, addr: Multiaddr) -> Self {
        if self.listen == NodeConfig::default().listen {
            self.listen.clear();
        }
        self.listen.push(addr);
        self
    }

    /// Add a known peer.
    pub fn peer(mut self, peer: PeerAddr) -> Self {
        self.peers.push(peer);
        self
    }

    /// Allow `peer` to connect without dialing it.
    pub fn allow(mut self, peer: PeerId) -> Self {
        self.allowed.push(peer);
        self
    }

    /// Keep the keypair in `dir`.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.identity = Identity::DataDir(dir.into());
        self
    }

    /// Use `keypair`.
    pub fn keypair(mut self, keypair: Keypair) -> Self {
        self.identity = Identity::Keypair(keypair);
        self
    }

    /// Set the outbound queue.
    pub fn outbound(mut self, outbound: OutboundConfig) -> Self {
        self.outbound = outbound;
        self
    }

    /// Set the request window per peer.
    pub fn window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }

    /// Set the size limit per message.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Set the reconnection policy.
    pub fn reconnect(mut self, retry: RetryConfig) -> Self {
        self.reconnect = retry;
        self
    }

    /// Publish dropped messages to `sink` (pass an `ActorSystem`'s to count them with its own).
    pub fn dead_letters(mut self, sink: DeadLetters) -> Self {
        self.dead_letters = sink;
        self
    }

    /// Check the values.
    pub fn validate(&self) -> Result<(), StartError> {
        let invalid = |what: &str| Err(StartError::Config(what.to_owned()));
        if self.listen.is_empty() {
            return invalid("listen on at least one address");
        }
        if self.window == 0 || self.window > 1024 {
            return invalid("window must be in 1..=1024 requests per peer");
        }
        if self.max_batch == 0 {
            return invalid("max_batch must be at least 1");
        }
        if self.max_message_size == 0 || self.max_message_size > 64 << 20 {
            return invalid("max_message_size must be in 1 byte..=64 MiB");
        }
        if self.outbound.capacity == 0 {
            return invalid("the outbound queue needs room for at least one message");
        }
        if let OverflowStrategy::DropLowPriority { threshold } = self.outbound.overflow {
            if !(threshold > 0.0 && threshold <= 1.0) {
                return invalid("the outbound DropLowPriority threshold must be in (0.0, 1.0]");
            }
        }
        if self.request_timeout.is_zero() {
            return invalid("request_timeout must be positive");
        }
        if self.idle_timeout <= self.request_timeout {
            return invalid("idle_timeout must be longer than request_timeout");
        }
        self.reconnect
            .validate()
            .map_err(|e| StartError::Config(e.to_string()))
    }

    /// The largest frame (a request or a response): one message at the limit plus headers.
    pub(crate) fn max_frame(&self) -> usize {
        self.max_message_size + 64 * 1024
    }
}
