//! Chain events and their types.

use actor_system_runtime::{ActorResult, Message};

/// Something that happened on the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BlockchainEvent {
    /// A block was produced.
    BlockProduced {
        /// Its height.
        height: u64,
        /// Its hash.
        hash: [u8; 32],
    },
    /// A block became final.
    BlockFinalized {
        /// Its height.
        height: u64,
        /// Its hash.
        hash: [u8; 32],
    },
    /// The federation changed.
    FederationChange {
        /// New members.
        members: Vec<String>,
        /// Signatures needed.
        threshold: usize,
    },
    /// Consensus failed.
    ConsensusFailure {
        /// Why.
        reason: String,
    },
}

impl Message for BlockchainEvent {
    type Result = ActorResult<()>;
}

/// The kind of a [`BlockchainEvent`], for filtered subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BlockchainEventType {
    /// [`BlockchainEvent::BlockProduced`].
    BlockProduced,
    /// [`BlockchainEvent::BlockFinalized`].
    BlockFinalized,
    /// [`BlockchainEvent::FederationChange`].
    FederationChange,
    /// [`BlockchainEvent::ConsensusFailure`].
    ConsensusFailure,
}

impl BlockchainEvent {
    /// The event's kind.
    ///
    /// ```
    /// use actor_system_blockchain::{BlockchainEvent, BlockchainEventType};
    /// let e = BlockchainEvent::BlockProduced { height: 1, hash: [0; 32] };
    /// assert_eq!(e.event_type(), BlockchainEventType::BlockProduced);
    /// assert_eq!(e.height(), Some(1));
    /// ```
    pub fn event_type(&self) -> BlockchainEventType {
        match self {
            BlockchainEvent::BlockProduced { .. } => BlockchainEventType::BlockProduced,
            BlockchainEvent::BlockFinalized { .. } => BlockchainEventType::BlockFinalized,
            BlockchainEvent::FederationChange { .. } => BlockchainEventType::FederationChange,
            BlockchainEvent::ConsensusFailure { .. } => BlockchainEventType::ConsensusFailure,
        }
    }

    /// The block height, for block events.
    pub fn height(&self) -> Option<u64> {
        match self {
            BlockchainEvent::BlockProduced { height, .. }
            | BlockchainEvent::BlockFinalized { height, .. } => Some(*height),
            _ => None,
        }
    }
}
