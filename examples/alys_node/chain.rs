//! ChainActor: produces a block every slot on top of the stored tip, persists it locally, and
//! sends it to every other node's StorageActor with remote tells.

use super::bridge::{BridgeActor, PegIn};
use super::engine::{EngineActor, ExecuteBlock, GossipBlock, NetworkActor};
use super::storage::{hex, StorageActor, StoreBlock, StoredBlock, Tip};
use actor_system::blockchain::{
    impl_blockchain_handler, BlockchainActorPriority, BlockchainAwareActor, BlockchainEvent,
    Consensus, EventHub, SlotClock,
};
use actor_system::prelude::*;
use actor_system::remote::RemoteRecipient;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// The hash of a block header: height, parent hash, state root and slot.
pub fn block_hash(height: u64, parent: &[u8; 32], state_root: &[u8; 32], slot: u64) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"alys-block-v1")
        .chain_update(height.to_le_bytes())
        .chain_update(parent)
        .chain_update(state_root)
        .chain_update(slot.to_le_bytes())
        .finalize()
        .into()
}

pub struct ChainActor {
    pub engine: Addr<EngineActor>,
    pub storage: Addr<StorageActor>,
    pub network: Addr<NetworkActor>,
    pub bridge: Addr<BridgeActor>,
    /// The other nodes' storage.
    pub replicas: Vec<RemoteRecipient<StoreBlock>>,
    /// The system's chain-event hub (not the system itself: the system owns this actor's spec).
    pub chain_events: EventHub,
    pub clock: SlotClock,
    /// The block to build on: read from storage when (re)started.
    pub tip: Option<StoredBlock>,
    /// Produce up to this height (this run's first tip plus `--blocks`).
    pub target: u64,
    pub misses: u64,
    pub done: Option<tokio::sync::oneshot::Sender<(u64, u64)>>,
}

impl ChainActor {
    fn height(&self) -> u64 {
        self.tip.map_or(0, |t| t.height)
    }
}

impl Actor for ChainActor {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        // Resume from the stored tip: after a restart, and on a rerun with the same data dir.
        self.tip = self
            .storage
            .ask_timeout(Tip, Duration::from_secs(5))
            .await
            .map_err(|e| ActorError::recoverable(format!("storage unavailable: {e}")))?
            .map_err(ActorError::recoverable)?;
        if let Some(tip) = self.tip {
            println!("chain resumes at height {} ({})", tip.height, tip.short());
        }
        let _ = ctx.notify(Consensus(ProduceBlock));
        ctx.run_interval_at(self.clock.interval(), Priority::Critical, |_, ctx| {
            let _ = ctx.notify(Consensus(ProduceBlock));
        });
        Ok(())
    }
}

impl BlockchainAwareActor for ChainActor {
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Consensus;
    fn timing_constraints(&self) -> actor_system::blockchain::BlockchainTimingConstraints {
        actor_system::blockchain::BlockchainTimingConstraints {
            block_interval: self.clock.interval(),
            max_consensus_latency: self.clock.interval(),
            ..Default::default()
        }
    }
}

pub struct ProduceBlock;
impl Message for ProduceBlock {
    type Result = ();
}
impl_blockchain_handler!(ChainActor; consensus: [ProduceBlock]);

impl Handler<ProduceBlock> for ChainActor {
    async fn handle(&mut self, _: ProduceBlock, ctx: &mut Context<Self>) {
        if self.height() >= self.target {
            return;
        }
        let height = self.height() + 1;
        let parent = self.tip.map_or([0; 32], |t| t.hash);
        let slot = self.clock.height_at(tokio::time::Instant::now());
        let execute = ExecuteBlock {
            height,
            parent,
            transactions: 200,
            sent: Instant::now(),
        };
        let state_root = match self
            .engine
            .ask_timeout(execute, Duration::from_secs(1))
            .await
        {
            Ok(root) => root,
            Err(e) => {
                println!("block {height}: engine unavailable ({e}); retrying next slot");
                return;
            }
        };
        let block = StoredBlock {
            height,
            hash: block_hash(height, &parent, &state_root, slot),
            parent,
        };
        // Persist, retrying while storage restarts: no block may be lost.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let persist = StoreBlock {
                block,
                sent: Instant::now(),
            };
            match self
                .storage
                .ask_timeout(persist, Duration::from_secs(1))
                .await
            {
                Ok(Ok(())) => break,
                other if attempts < 50 => {
                    tracing::warn!(target: "actor_system::blockchain", height, ?other, "storage write failed, retrying");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                other => {
                    println!("block {height}: storage failed {attempts} times ({other:?}); retrying next slot");
                    return;
                }
            }
        }
        self.tip = Some(block);
        for replica in &self.replicas {
            let store = StoreBlock {
                block,
                sent: Instant::now(),
            };
            if let Err(e) = replica.tell(store) {
                tracing::warn!(target: "actor_system::blockchain", height, peer = %replica.peer(), %e, "block not sent");
            }
        }
        let _ = self.network.tell(GossipBlock {
            height,
            sent: Instant::now(),
        });
        if height % 5 == 0 {
            let _ = self.bridge.tell(PegIn {
                id: height / 5,
                amount: height * 1_000,
                sent: Instant::now(),
            });
        }
        let hash = block.hash;
        self.chain_events
            .publish(BlockchainEvent::BlockProduced { height, hash });
        let timing = match self
            .clock
            .check(ctx.name(), slot, tokio::time::Instant::now())
        {
            Ok(left) => format!("{left:?} to spare"),
            Err(missed) => {
                self.misses += 1;
                missed.to_string()
            }
        };
        let retried = match attempts {
            1 => String::new(),
            n => format!(", storage retried {}x", n - 1),
        };
        println!(
            "block {height:>4} slot {slot:>4} hash {}.. parent {}.. {timing}{retried}",
            block.short(),
            &hex(&parent)[..8]
        );
        if height >= self.target {
            if let Some(done) = self.done.take() {
                let _ = done.send((height, self.misses));
            }
            ctx.stop();
        }
    }
}
