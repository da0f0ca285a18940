//! Remote actors for `actor_system`, over libp2p.
//!
//! A [`RemoteNode`] is a libp2p peer (TCP, Noise, Yamux; request-response with libp2p's CBOR
//! codec; identify; ping). It exposes local actors, one message type at a time
//! ([`RemoteNode::expose`]), and reaches the actors other nodes expose through
//! [`RemoteRecipient`]s (`tell`, `tell_when_ready`, `ask`, `ask_timeout`). Messages are ordinary
//! `#[derive(Message)]` types that also derive serde's traits, named on the wire by a stable
//! `#[message(remote = "...")]` name ([`RemoteMessage`]).
//!
//! - **Priority across the wire.** A message keeps its priority: the receiving node queues it in
//!   that lane. The sending node keeps a bounded queue per peer, served `Critical` first, whose
//!   overflow follows the declared [`OverflowStrategy`](actor_system_runtime::OverflowStrategy);
//!   every drop is counted and dead-lettered.
//! - **Failures.** Reconnection backs off ([`RetryConfig`](actor_system_runtime::RetryConfig));
//!   a peer that stays unreachable fails its asks with [`RemoteError::Unreachable`] and sends its
//!   tells to dead letters; a connection lost mid-ask fails it with
//!   [`RemoteError::Disconnected`]. Correlation ids travel with each message.
//! - **Security and bad input.** Only configured peers may connect (an allow-list); others are
//!   refused and counted. Messages have a size limit. A malformed or unknown message is counted
//!   and answered with a [`Refusal`]; nothing a peer sends can panic the node or poison its
//!   connection.
//! - **Metrics** per peer ([`PeerStats`]): messages and bytes each way, round-trip times, drops.
//!
//! The example on [`RemoteNode`] runs two nodes in one process. Logs use the target
//! `actor_system::remote`.
#![warn(missing_docs)]

extern crate self as actor_system_remote;

mod behaviour;
mod codec;
mod config;
mod driver;
mod drops;
mod error;
mod exposed;
mod identity;
mod keep_alive;
mod message;
mod metrics;
mod node;
mod outbound;
mod recipient;
mod shared;
mod wire;

pub use behaviour::build_swarm;
pub use config::{Identity, NodeConfig, OutboundConfig, PeerAddr};
pub use error::{ExposeError, PeerAddrError, Refusal, RemoteError, StartError};
pub use identity::{load_or_create_keypair, KEY_FILE};
pub use message::RemoteMessage;
pub use metrics::{NodeStats, PeerStats};
pub use node::RemoteNode;
pub use recipient::RemoteRecipient;

/// The libp2p types in this crate's API (peer ids, addresses, keys).
pub use libp2p::{identity as keys, Multiaddr, PeerId};
