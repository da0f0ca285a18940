//! A ChainActor/EngineActor pair producing blocks every interval under supervision; the engine
//! fails at an injected block and is restarted on the same address, and production goes on.
//!
//! Run: `cargo run -p actor_system_blockchain --example chain_engine -- --block-interval-ms 200 --blocks 10 --fail-at 4`

use actor_system_blockchain::*;
use actor_system_runtime::{
    Actor, ActorError, ActorResult, Addr, Context, Handler, Message, Priority,
};
use actor_system_supervision::{ChildSpec, RestartDelay, SupervisorSpec};
use std::time::Duration;

/// Executes a block's transactions.
struct EngineActor {
    /// The first incarnation fails at this height; its replacements don't.
    fail_at: Option<u64>,
}
impl Actor for EngineActor {}

struct ExecuteBlock {
    height: u64,
}
impl Message for ExecuteBlock {
    type Result = Result<[u8; 32], String>;
    const PRIORITY: Priority = Priority::Critical;
}

impl Handler<ExecuteBlock> for EngineActor {
    async fn handle(
        &mut self,
        msg: ExecuteBlock,
        ctx: &mut Context<Self>,
    ) -> Result<[u8; 32], String> {
        if Some(msg.height) == self.fail_at {
            // Injected failure: the supervisor restarts the engine; this block is retried.
            ctx.fail(ActorError::recoverable(format!(
                "engine crashed executing block {}",
                msg.height
            )));
            return Err("engine crashed".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await; // simulated execution
        Ok([msg.height as u8; 32])
    }
}

/// Produces a block every interval and has the engine execute it.
struct ChainActor {
    engine: Addr<EngineActor>,
    clock: SlotClock,
    height: u64,
    blocks: u64,
    retries: u64,
}

impl Actor for ChainActor {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        // One block per slot: the first right away, then one every interval.
        let _ = ctx.notify(ProduceBlock);
        let interval = self.clock.interval();
        ctx.run_interval_at(interval, Priority::Critical, |_, ctx| {
            let _ = ctx.notify(ProduceBlock);
        });
        Ok(())
    }
}

impl BlockchainAwareActor for ChainActor {
    const BLOCKCHAIN_PRIORITY: BlockchainActorPriority = BlockchainActorPriority::Consensus;
}
impl_blockchain_handler!(ChainActor);

struct ProduceBlock;
impl Message for ProduceBlock {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}

impl Handler<ProduceBlock> for ChainActor {
    async fn handle(&mut self, _: ProduceBlock, ctx: &mut Context<Self>) {
        let height = self.height + 1;
        let slot = self.clock.height_at(tokio::time::Instant::now());
        match self
            .engine
            .ask_timeout(ExecuteBlock { height }, Duration::from_secs(1))
            .await
        {
            Ok(Ok(hash)) => {
                self.height = height;
                // The block must be done within the slot it was started in.
                let timing = match self
                    .clock
                    .check(ctx.name(), slot, tokio::time::Instant::now())
                {
                    Ok(left) => format!("{left:?} before the slot deadline"),
                    Err(missed) => missed.to_string(),
                };
                println!(
                    "block {height} produced in slot {slot} (hash {:02x}..), {timing}",
                    hash[0]
                );
            }
            other => {
                self.retries += 1;
                println!("block {height} not executed ({other:?}); retrying next slot");
            }
        }
        if self.height >= self.blocks {
            println!(
                "produced {} blocks, {} retried after the engine failure",
                self.height, self.retries
            );
            ctx.stop();
        }
    }
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let interval = Duration::from_millis(arg("--block-interval-ms", 2000));
    let blocks = arg("--blocks", 10);
    let fail_at = arg("--fail-at", 4);
    let first = std::sync::atomic::AtomicBool::new(true);
    let factory = move || EngineActor {
        fail_at: first
            .swap(false, std::sync::atomic::Ordering::Relaxed)
            .then_some(fail_at),
    };
    let tree = SupervisorSpec::builder("node")
        .child(ChildSpec::new("engine", factory).delay(RestartDelay::Immediate))
        .build()?;
    let engine = tree
        .address::<EngineActor>("engine")
        .expect("declared above");
    let root = tree.start().await?;
    let clock = SlotClock::new(tokio::time::Instant::now(), interval);
    let chain = actor_system_runtime::spawn(ChainActor {
        engine,
        clock,
        height: 0,
        blocks,
        retries: 0,
    })
    .await?;
    chain.wait_for_stop().await.unwrap();
    let engine = &root.children().await?[0];
    println!(
        "engine restarts: {}, last error: {:?}",
        engine.restarts,
        engine.last_error.as_ref().map(|e| e.message().to_owned())
    );
    root.shutdown().await;
    Ok(())
}
