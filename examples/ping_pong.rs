//! Two actors exchanging messages at different priorities, with a bounded mailbox.
//!
//! Run with `cargo run --release --example ping_pong`.

use actor_system::prelude::*;
use std::time::Instant;

struct Counter {
    total: u64,
}
impl Actor for Counter {}

struct Add(u64);
impl Message for Add {
    type Result = ();
}

struct Total;
impl Message for Total {
    type Result = u64;
    const PRIORITY: Priority = Priority::Background;
}

impl Handler<Add> for Counter {
    async fn handle(&mut self, msg: Add, _: &mut Context<Self>) {
        self.total += msg.0;
    }
}

impl Handler<Total> for Counter {
    async fn handle(&mut self, _: Total, _: &mut Context<Self>) -> u64 {
        self.total
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let counter = spawn_with(
        Counter { total: 0 },
        SpawnOptions::new()
            .name("counter")
            .mailbox(MailboxConfig::bounded(1024)),
    )
    .await?;
    let n = 1_000_000u64;
    let start = Instant::now();
    for i in 0..n {
        counter.tell_when_ready(Add(i)).await?;
    }
    let total = counter.ask(Total).await?;
    let elapsed = start.elapsed();
    println!(
        "sent {n} messages through a bounded mailbox in {elapsed:?} ({:.1} ns/msg); total = {total}",
        elapsed.as_nanos() as f64 / n as f64
    );
    println!("stats: {:?}", counter.stats());
    Ok(())
}
