//! StorageActor: every block in the node's own redb database. It opens the database in its
//! `started` hook and closes it when it stops, so a restart after a fault reopens it.

use super::latency::Latencies;
use actor_system::prelude::*;
use redb::{Database, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Height → the block's hash followed by its parent's (64 bytes).
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");

/// A block as stored: its height, its hash and its parent's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBlock {
    pub height: u64,
    pub hash: [u8; 32],
    pub parent: [u8; 32],
}

impl StoredBlock {
    /// The first bytes of the hash, for logs.
    pub fn short(&self) -> String {
        hex(&self.hash[..4])
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct StorageActor {
    pub path: PathBuf,
    pub db: Option<Database>,
    /// A write fails every this many writes (0: never).
    pub fail_every: u64,
    pub writes: Arc<AtomicU64>,
    pub failures: Arc<AtomicU64>,
    pub latencies: Latencies,
}

impl StorageActor {
    fn db(&self) -> Result<&Database, String> {
        self.db
            .as_ref()
            .ok_or_else(|| "database not open".to_owned())
    }
}

impl Actor for StorageActor {
    async fn started(&mut self, _: &mut Context<Self>) -> ActorResult<()> {
        // The incarnation before a restart may still be closing the file: retry briefly.
        let backoff = RetryConfig {
            max_attempts: 20,
            initial_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
            ..RetryConfig::default()
        };
        let path = self.path.clone();
        let db = actor_system::retry(&backoff, || {
            let path = path.clone();
            async move { Database::create(&path) }
        })
        .await
        .map_err(|e| ActorError::recoverable(format!("cannot open {}: {e}", path.display())))?;
        tracing::debug!(target: "actor_system::blockchain", path = %self.path.display(), "database opened");
        self.db = Some(db);
        Ok(())
    }
}

/// Store a block (the chain asks it locally; other nodes' chains tell it remotely).
#[derive(Message, Serialize, Deserialize)]
#[message(
    result = "Result<(), String>",
    priority = "critical",
    remote = "alys.storage.StoreBlock.v1"
)]
pub struct StoreBlock {
    pub block: StoredBlock,
    /// When it was sent (on another node: when it arrived), for the latency figures.
    #[serde(skip, default = "Instant::now")]
    pub sent: Instant,
}

impl Handler<StoreBlock> for StorageActor {
    async fn handle(&mut self, msg: StoreBlock, ctx: &mut Context<Self>) -> Result<(), String> {
        self.latencies.record(Priority::Critical, msg.sent);
        let n = self.writes.fetch_add(1, Relaxed) + 1;
        if self.fail_every > 0 && n % self.fail_every == 0 {
            self.failures.fetch_add(1, Relaxed);
            ctx.fail(ActorError::recoverable(format!(
                "DatabaseConnection timeout writing block {}",
                msg.block.height
            )));
            return Err("storage unavailable".into());
        }
        write(self.db()?, &msg.block).map_err(|e| e.to_string())
    }
}

/// redb's errors are large: boxed, so that a result stays small.
pub type DbResult<T> = Result<T, Box<redb::Error>>;

fn boxed<E: Into<redb::Error>>(e: E) -> Box<redb::Error> {
    Box::new(e.into())
}

fn write(db: &Database, block: &StoredBlock) -> DbResult<()> {
    let mut value = [0u8; 64];
    value[..32].copy_from_slice(&block.hash);
    value[32..].copy_from_slice(&block.parent);
    let tx = db.begin_write().map_err(boxed)?;
    tx.open_table(BLOCKS)
        .map_err(boxed)?
        .insert(block.height, value.as_slice())
        .map_err(boxed)?;
    tx.commit().map_err(boxed)
}

/// The heights stored, in order (asked across nodes, in the lane of the blocks before it).
#[derive(Message, Serialize, Deserialize)]
#[message(
    result = "Result<Vec<u64>, String>",
    priority = "critical",
    remote = "alys.storage.Heights.v1"
)]
pub struct Heights;

impl Handler<Heights> for StorageActor {
    async fn handle(&mut self, _: Heights, _: &mut Context<Self>) -> Result<Vec<u64>, String> {
        Ok(read_blocks(self.db()?)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|b| b.height)
            .collect())
    }
}

/// The highest block stored (the chain resumes from it).
#[derive(Message)]
#[message(result = "Result<Option<StoredBlock>, String>", priority = "critical")]
pub struct Tip;

impl Handler<Tip> for StorageActor {
    async fn handle(
        &mut self,
        _: Tip,
        _: &mut Context<Self>,
    ) -> Result<Option<StoredBlock>, String> {
        Ok(read_blocks(self.db()?).map_err(|e| e.to_string())?.pop())
    }
}

/// Some stored blocks, by height (to send again to a node that lost them).
#[derive(Message)]
#[message(result = "Result<Vec<StoredBlock>, String>")]
pub struct GetBlocks(pub Vec<u64>);

impl Handler<GetBlocks> for StorageActor {
    async fn handle(
        &mut self,
        msg: GetBlocks,
        _: &mut Context<Self>,
    ) -> Result<Vec<StoredBlock>, String> {
        let all = read_blocks(self.db()?).map_err(|e| e.to_string())?;
        Ok(all
            .into_iter()
            .filter(|b| msg.0.contains(&b.height))
            .collect())
    }
}

/// Every block in `db`, in height order.
pub fn read_blocks(db: &Database) -> DbResult<Vec<StoredBlock>> {
    let tx = db.begin_read().map_err(boxed)?;
    let table = match tx.open_table(BLOCKS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(boxed(e)),
    };
    let mut blocks = Vec::new();
    for entry in table.iter().map_err(boxed)? {
        let (height, value) = entry.map_err(boxed)?;
        let value = value.value();
        let mut block = StoredBlock {
            height: height.value(),
            hash: [0; 32],
            parent: [0; 32],
        };
        block.hash.copy_from_slice(&value[..32]);
        block.parent.copy_from_slice(&value[32..64]);
        blocks.push(block);
    }
    Ok(blocks)
}

/// Heights stored in the database file at `path` (opened and closed here).
pub fn read_heights(path: &Path) -> DbResult<Vec<u64>> {
    let db = Database::open(path).map_err(boxed)?;
    Ok(read_blocks(&db)?.iter().map(|b| b.height).collect())
}

/// Whether each block's parent is the block below it, from genesis (all zeros) up.
pub fn chain_is_linked(blocks: &[StoredBlock]) -> bool {
    blocks.iter().enumerate().all(|(i, b)| {
        let parent = if i == 0 { [0; 32] } else { blocks[i - 1].hash };
        b.height == i as u64 + 1 && b.parent == parent
    })
}
