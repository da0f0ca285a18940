//! actor_system.

pub mod remote;
mod restart;
mod shapes;

use super::{on_tokio, Outcome};
use crate::report::Measurement;
use crate::workloads::*;
use actor_system::prelude::*;
use std::time::Instant;

pub use shapes::Ours;

/// The counter actor.
pub struct Counter {
    count: u64,
}
impl Actor for Counter {}

#[derive(Message)]
struct Inc;
impl Handler<Inc> for Counter {
    async fn handle(&mut self, _: Inc, _: &mut Context<Self>) {
        self.count += 1;
    }
}

#[derive(Message)]
#[message(result = "u64", priority = "background")]
struct Get;
impl Handler<Get> for Counter {
    async fn handle(&mut self, _: Get, _: &mut Context<Self>) -> u64 {
        self.count
    }
}

/// Add one and answer the new count (in the normal lane, with `Inc`).
#[derive(Message)]
#[message(result = "u64")]
struct Bump;
impl Handler<Bump> for Counter {
    async fn handle(&mut self, _: Bump, _: &mut Context<Self>) -> u64 {
        self.count += 1;
        self.count
    }
}

/// Count a tell handled (`memory_told`).
#[derive(Message)]
struct Touch;
impl Handler<Touch> for Counter {
    async fn handle(&mut self, _: Touch, _: &mut Context<Self>) {
        told();
    }
}

struct Slow {
    latencies: Vec<f64>,
}
impl Actor for Slow {}

#[derive(Message)]
#[message(priority = "background")]
struct Work;
impl Handler<Work> for Slow {
    async fn handle(&mut self, _: Work, _: &mut Context<Self>) {
        slow_work();
    }
}

#[derive(Message)]
#[message(priority = "critical")]
struct Urgent(Instant);
impl Handler<Urgent> for Slow {
    async fn handle(&mut self, msg: Urgent, _: &mut Context<Self>) {
        self.latencies.push(msg.0.elapsed().as_nanos() as f64);
    }
}

#[derive(Message)]
#[message(result = "Vec<f64>", priority = "background")]
struct Latencies;
impl Handler<Latencies> for Slow {
    async fn handle(&mut self, _: Latencies, _: &mut Context<Self>) -> Vec<f64> {
        std::mem::take(&mut self.latencies)
    }
}

async fn counter(config: MailboxConfig) -> Addr<Counter> {
    spawn_with(Counter { count: 0 }, SpawnOptions::new().mailbox(config))
        .await
        .expect("counter starts")
}

/// The workloads of actor_system's own (see `super::shapes` for the others).
pub fn run(workload: &str) -> Option<Measurement> {
    let outcome = match workload {
        "restart" => on_tokio(restart::run()),
        "tell" => on_tokio(async {
            let addr = counter(MailboxConfig::unbounded()).await;
            let start = Instant::now();
            for _ in 0..TELL_MESSAGES {
                addr.tell(Inc).expect("running");
            }
            assert_eq!(addr.ask(Get).await, Ok(TELL_MESSAGES));
            Outcome::Timed {
                ops: TELL_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "ask" => on_tokio(async {
            let addr = counter(MailboxConfig::unbounded()).await;
            let start = Instant::now();
            for _ in 0..ASK_ROUND_TRIPS {
                addr.ask(Get).await.expect("reply");
            }
            Outcome::Timed {
                ops: ASK_ROUND_TRIPS,
                elapsed: start.elapsed(),
            }
        }),
        "spawn" => on_tokio(async {
            let start = Instant::now();
            let mut addrs = Vec::with_capacity(SPAWN_ACTORS as usize);
            for _ in 0..SPAWN_ACTORS {
                addrs.push(counter(MailboxConfig::unbounded()).await);
            }
            for a in &addrs {
                a.ask(Get).await.expect("reply");
            }
            for a in &addrs {
                a.stop_and_wait().await.unwrap();
            }
            Outcome::Timed {
                ops: SPAWN_ACTORS,
                elapsed: start.elapsed(),
            }
        }),
        "fanin" => on_tokio(async {
            let addr = counter(MailboxConfig::unbounded()).await;
            let start = Instant::now();
            let senders: Vec<_> = (0..FANIN_SENDERS)
                .map(|_| {
                    let addr = addr.clone();
                    tokio::spawn(async move {
                        for _ in 0..FANIN_MESSAGES / FANIN_SENDERS {
                            addr.tell(Inc).expect("running");
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await.expect("sender");
            }
            assert_eq!(addr.ask(Get).await, Ok(FANIN_MESSAGES));
            Outcome::Timed {
                ops: FANIN_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "priority" => on_tokio(async {
            let addr = spawn(Slow {
                latencies: Vec::new(),
            })
            .await
            .expect("starts");
            let start = Instant::now();
            for _ in 0..PRIORITY_BACKGROUND {
                addr.tell(Work).expect("running");
            }
            for _ in 0..PRIORITY_CRITICAL {
                addr.tell(Urgent(Instant::now())).expect("running");
            }
            let ns = addr.ask(Latencies).await.expect("reply");
            Outcome::Latencies {
                ns,
                ops: PRIORITY_BACKGROUND + PRIORITY_CRITICAL,
                elapsed: start.elapsed(),
            }
        }),
        "bounded" => on_tokio(async {
            let addr = counter(MailboxConfig::bounded(BOUNDED_CAPACITY)).await;
            let start = Instant::now();
            for _ in 0..BOUNDED_MESSAGES {
                addr.tell_when_ready(Inc).await.expect("running");
            }
            assert_eq!(addr.ask(Get).await, Ok(BOUNDED_MESSAGES));
            Outcome::Timed {
                ops: BOUNDED_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        _ => return None,
    };
    Some(outcome.into())
}
