//! EngineActor (simulated EVM execution) and NetworkActor (gossip).

use super::latency::Latencies;
use actor_system::prelude::*;
use sha2::{Digest, Sha256};
use std::time::Instant;

pub struct EngineActor {
    pub latencies: Latencies,
}
impl Actor for EngineActor {}

/// Execute a block's transactions on top of its parent: the state root.
#[derive(Message)]
#[message(result = "[u8; 32]", priority = "critical")]
pub struct ExecuteBlock {
    pub height: u64,
    pub parent: [u8; 32],
    pub transactions: u32,
    pub sent: Instant,
}

impl Handler<ExecuteBlock> for EngineActor {
    async fn handle(&mut self, msg: ExecuteBlock, _: &mut Context<Self>) -> [u8; 32] {
        self.latencies.record(Priority::Critical, msg.sent);
        // Simulated execution: each transaction changes the state.
        let mut state: [u8; 32] = Sha256::new()
            .chain_update(msg.parent)
            .chain_update(msg.height.to_le_bytes())
            .finalize()
            .into();
        for tx in 0..msg.transactions {
            state = Sha256::new()
                .chain_update(state)
                .chain_update(tx.to_le_bytes())
                .finalize()
                .into();
        }
        state
    }
}

pub struct NetworkActor {
    pub peers: u32,
    pub gossiped: u64,
    pub best_height: u64,
    pub latencies: Latencies,
}
impl Actor for NetworkActor {}

#[derive(Message)]
#[message(priority = "normal")]
pub struct GossipBlock {
    pub height: u64,
    pub sent: Instant,
}

impl Handler<GossipBlock> for NetworkActor {
    async fn handle(&mut self, msg: GossipBlock, _: &mut Context<Self>) {
        self.latencies.record(Priority::Normal, msg.sent);
        self.best_height = self.best_height.max(msg.height);
        self.gossiped += self.peers as u64; // one send per simulated peer
    }
}
