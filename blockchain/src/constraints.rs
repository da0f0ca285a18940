//! Timing constraints and blockchain priorities.

use actor_system_runtime::Priority;
use std::time::Duration;

/// The timing an actor must meet. Defaults are Alys's: 2 s blocks, 100 ms consensus latency,
/// 500 ms federation timeout, 600 s AuxPoW window.
///
/// ```
/// use actor_system_blockchain::BlockchainTimingConstraints;
/// use std::time::Duration;
///
/// let c = BlockchainTimingConstraints::default();
/// assert_eq!(c.block_interval, Duration::from_secs(2));
/// assert_eq!(c.max_consensus_latency, Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BlockchainTimingConstraints {
    /// Time between blocks.
    pub block_interval: Duration,
    /// Longest a consensus operation (or event handling) may take.
    pub max_consensus_latency: Duration,
    /// Longest to wait for federation members.
    pub federation_timeout: Duration,
    /// Window for merged-mining (AuxPoW) submissions.
    pub auxpow_window: Duration,
}

impl Default for BlockchainTimingConstraints {
    fn default() -> Self {
        BlockchainTimingConstraints {
            block_interval: Duration::from_secs(2),
            max_consensus_latency: Duration::from_millis(100),
            federation_timeout: Duration::from_millis(500),
            auxpow_window: Duration::from_secs(600),
        }
    }
}

/// How important an actor's blockchain traffic is; maps onto mailbox lanes so consensus work
/// never waits behind background work.
///
/// ```
/// use actor_system_blockchain::BlockchainActorPriority;
/// use actor_system_runtime::Priority;
///
/// assert_eq!(BlockchainActorPriority::Consensus.lane(), Priority::Critical);
/// assert!(BlockchainActorPriority::Consensus > BlockchainActorPriority::Bridge);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BlockchainActorPriority {
    /// Maintenance, sync, metrics.
    Background,
    /// Peer-to-peer networking.
    Network,
    /// Federation and peg operations.
    Bridge,
    /// Block production and consensus.
    Consensus,
}

impl BlockchainActorPriority {
    /// The mailbox lane of this priority.
    pub const fn lane(self) -> Priority {
        match self {
            BlockchainActorPriority::Consensus => Priority::Critical,
            BlockchainActorPriority::Bridge => Priority::High,
            BlockchainActorPriority::Network => Priority::Normal,
            BlockchainActorPriority::Background => Priority::Background,
        }
    }
}
