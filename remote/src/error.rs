//! Error types: what a remote send can fail with, why a peer refused a message, and why a node
//! could not start.

use actor_system_runtime::AskError;
use libp2p::PeerId;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A remote `tell`, `send` or `ask` that did not succeed.
///
/// The mailbox-level outcomes are the local ones ([`AskError`]: the remote actor stopped, its
/// mailbox or this node's outbound queue was full or dropped the message, no reply in time);
/// the others say what the network did.
///
/// ```
/// use actor_system_remote::RemoteError;
/// use actor_system_runtime::AskError;
///
/// let err = RemoteError::from(AskError::Full);
/// assert!(err.to_string().contains("full"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// What a local send would have said: the remote actor stopped, a mailbox or the outbound
    /// queue was full or dropped the message, the handler failed, or no reply came in time.
    #[error(transparent)]
    Ask(#[from] AskError),
    /// No connection to the peer could be made.
    #[error("peer {peer} is unreachable: gave up after {attempts} connection attempts; check that it runs, its address, and that it allows this node")]
    Unreachable {
        /// The peer.
        peer: PeerId,
        /// Connection attempts made.
        attempts: u32,
    },
    /// The connection closed (or broke) before the peer answered.
    #[error("the connection to peer {peer} closed before it answered ({reason}); the message may or may not have been handled")]
    Disconnected {
        /// The peer.
        peer: PeerId,
        /// What the transport said.
        reason: String,
    },
    /// The peer received the message and refused it.
    #[error("peer {peer} refused the message: {refusal}")]
    Refused {
        /// The peer.
        peer: PeerId,
        /// Why.
        refusal: Refusal,
    },
    /// The encoded message is over the node's size limit; it was not sent.
    #[error("the encoded message has {size} bytes, over the limit of {max}: send less per message or raise NodeConfig::max_message_size on every node")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The message or its reply could not be encoded or decoded with serde.
    #[error("could not encode or decode the message or its reply: {0}")]
    Codec(String),
    /// This node has been shut down.
    #[error("the remote node has been shut down: start a new one")]
    NodeStopped,
}

/// Why a peer refused a message it received. Travels back on the wire.
///
/// ```
/// use actor_system_remote::Refusal;
///
/// let r = Refusal::UnknownTarget("chain".into());
/// assert!(r.to_string().contains("chain"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// The sender is not on the receiver's allow-list.
    #[error("this node is not allowed to send to it")]
    NotAllowed,
    /// Nothing is exposed under that name.
    #[error("no actor is exposed under the name `{0}`")]
    UnknownTarget(String),
    /// The actor is exposed, but not for that message type.
    #[error("actor `{target}` is not exposed for message `{message}`")]
    UnknownMessage {
        /// The exposed name.
        target: Box<str>,
        /// The wire name of the message.
        message: Box<str>,
    },
    /// The bytes did not decode (as a frame, or as the named message type).
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// The message is over the receiver's size limit.
    #[error("message of {size} bytes is over the receiver's limit of {max}")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The receiver's limit.
        max: u64,
    },
    /// The target actor has stopped.
    #[error("the target actor has stopped")]
    Stopped,
    /// The target actor's mailbox is full and refused it.
    #[error("the target actor's mailbox is full")]
    Full,
    /// The target actor's mailbox dropped it (its overflow policy).
    #[error("the target actor's mailbox dropped it")]
    Dropped,
    /// The handler failed before replying.
    #[error("the target actor failed before replying")]
    NoReply,
    /// The reply could not be encoded.
    #[error("the reply could not be encoded: {0}")]
    Encode(String),
}

impl Refusal {
    /// The error a sender sees for this refusal by `peer`: mailbox outcomes become the
    /// [`AskError`] a local send would give.
    pub(crate) fn into_error(self, peer: PeerId) -> RemoteError {
        match self {
            Refusal::Stopped => AskError::Stopped.into(),
            Refusal::Full => AskError::Full.into(),
            Refusal::Dropped => AskError::Dropped.into(),
            Refusal::NoReply => AskError::NoReply.into(),
            refusal => RemoteError::Refused { peer, refusal },
        }
    }

    /// The refusal for a local ask's error.
    pub(crate) fn from_ask(err: AskError) -> Self {
        match err {
            AskError::Stopped => Refusal::Stopped,
            AskError::Full => Refusal::Full,
            AskError::Dropped => Refusal::Dropped,
            AskError::Timeout(_) | AskError::NoReply | AskError::SelfAsk => Refusal::NoReply,
        }
    }
}

/// A [`RemoteNode`](crate::RemoteNode) could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The key file in the data directory could not be read or written.
    #[error("node key file {path}: {source}; check the data directory's permissions")]
    Key {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The key file exists but does not hold a key.
    #[error(
        "node key file {0} is corrupt: delete it to make a new identity (the peer id changes)"
    )]
    CorruptKey(std::path::PathBuf),
    /// The configuration is invalid.
    #[error("invalid node configuration: {0}")]
    Config(String),
    /// The transport could not be built or a listen address could not be bound.
    #[error("transport: {0}")]
    Transport(String),
    /// No listen address was bound within the time allowed.
    #[error("no listen address was bound within {0:?}")]
    ListenTimeout(Duration),
}

/// [`RemoteNode::expose`](crate::RemoteNode::expose) refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExposeError {
    /// That message type is already exposed under that name.
    #[error("`{target}` is already exposed for message `{message}`: unexpose it first")]
    Duplicate {
        /// The exposed name.
        target: String,
        /// The wire name.
        message: &'static str,
    },
}

/// A peer address could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad peer address `{0}`: expected a multiaddr ending in /p2p/<peer id>, e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...")]
pub struct PeerAddrError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_stay_small_enough_to_return_by_value() {
        // A `PeerId` takes 80 bytes; clippy's `result_large_err` draws the line at 128.
        assert!(std::mem::size_of::<RemoteError>() <= 128);
    }

    #[test]
    fn mailbox_refusals_become_the_local_ask_errors() {
        let peer = PeerId::random();
        assert_eq!(Refusal::Full.into_error(peer), AskError::Full.into());
        assert_eq!(Refusal::Stopped.into_error(peer), AskError::Stopped.into());
        assert!(matches!(
            Refusal::NotAllowed.into_error(peer),
            RemoteError::Refused { .. }
        ));
        assert_eq!(
            Refusal::from_ask(AskError::Timeout(Duration::ZERO)),
            Refusal::NoReply
        );
    }
}
