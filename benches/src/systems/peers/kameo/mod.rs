//! kameo 0.22, actors as tokio tasks on a multi-thread runtime. No priorities.

#[cfg(feature = "compare-remote")]
pub mod remote;
mod shapes;

use crate::report::Measurement;
use crate::systems::{on_tokio, Outcome};
use crate::workloads::*;
use kameo::actor::{ActorRef, Spawn};
use kameo::mailbox;
use kameo::message::{Context, Message};
use kameo::Actor;
use std::time::Instant;

pub use shapes::Kameo;

/// The counter actor.
#[derive(Actor)]
pub struct Counter {
    count: u64,
}

struct Inc;
impl Message<Inc> for Counter {
    type Reply = ();
    async fn handle(&mut self, _: Inc, _: &mut Context<Self, Self::Reply>) {
        self.count += 1;
    }
}

struct Get;
impl Message<Get> for Counter {
    type Reply = u64;
    async fn handle(&mut self, _: Get, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.count
    }
}

/// Add one and answer the new count.
struct Bump;
impl Message<Bump> for Counter {
    type Reply = u64;
    async fn handle(&mut self, _: Bump, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.count += 1;
        self.count
    }
}

/// Count a tell handled (`memory_told`).
struct Touch;
impl Message<Touch> for Counter {
    type Reply = ();
    async fn handle(&mut self, _: Touch, _: &mut Context<Self, Self::Reply>) {
        told();
    }
}

#[derive(Actor)]
struct Slow {
    latencies: Vec<f64>,
}

struct Work;
impl Message<Work> for Slow {
    type Reply = ();
    async fn handle(&mut self, _: Work, _: &mut Context<Self, Self::Reply>) {
        slow_work();
    }
}

struct Urgent(Instant);
impl Message<Urgent> for Slow {
    type Reply = ();
    async fn handle(&mut self, msg: Urgent, _: &mut Context<Self, Self::Reply>) {
        self.latencies.push(msg.0.elapsed().as_nanos() as f64);
    }
}

struct Latencies;
impl Message<Latencies> for Slow {
    type Reply = Vec<f64>;
    async fn handle(&mut self, _: Latencies, _: &mut Context<Self, Self::Reply>) -> Vec<f64> {
        std::mem::take(&mut self.latencies)
    }
}

/// A counter on an unbounded mailbox.
fn counter() -> ActorRef<Counter> {
    Counter::spawn_with_mailbox(Counter { count: 0 }, mailbox::unbounded())
}

/// The workloads of kameo's own (see `crate::systems::shapes` for the others).
pub fn run(workload: &str) -> Option<Measurement> {
    let outcome = match workload {
        "tell" => on_tokio(async {
            let addr = counter();
            let start = Instant::now();
            for _ in 0..TELL_MESSAGES {
                addr.tell(Inc).try_send().expect("running");
            }
            assert_eq!(addr.ask(Get).await.expect("reply"), TELL_MESSAGES);
            Outcome::Timed {
                ops: TELL_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "ask" => on_tokio(async {
            let addr = counter();
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
            let addrs: Vec<_> = (0..SPAWN_ACTORS).map(|_| counter()).collect();
            for a in &addrs {
                a.ask(Get).await.expect("reply");
            }
            for a in &addrs {
                a.stop_gracefully().await.expect("stop");
            }
            for a in &addrs {
                a.wait_for_shutdown().await;
            }
            Outcome::Timed {
                ops: SPAWN_ACTORS,
                elapsed: start.elapsed(),
            }
        }),
        "fanin" => on_tokio(async {
            let addr = counter();
            let start = Instant::now();
            let senders: Vec<_> = (0..FANIN_SENDERS)
                .map(|_| {
                    let addr = addr.clone();
                    tokio::spawn(async move {
                        for _ in 0..FANIN_MESSAGES / FANIN_SENDERS {
                            addr.tell(Inc).try_send().expect("running");
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await.expect("sender");
            }
            assert_eq!(addr.ask(Get).await.expect("reply"), FANIN_MESSAGES);
            Outcome::Timed {
                ops: FANIN_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "priority" => on_tokio(async {
            let addr = Slow::spawn_with_mailbox(
                Slow {
                    latencies: Vec::new(),
                },
                mailbox::unbounded(),
            );
            let start = Instant::now();
            for _ in 0..PRIORITY_BACKGROUND {
                addr.tell(Work).try_send().expect("running");
            }
            for _ in 0..PRIORITY_CRITICAL {
                addr.tell(Urgent(Instant::now()))
                    .try_send()
                    .expect("running");
            }
            let ns = addr.ask(Latencies).await.expect("reply");
            Outcome::Latencies {
                ns,
                ops: PRIORITY_BACKGROUND + PRIORITY_CRITICAL,
                elapsed: start.elapsed(),
            }
        }),
        "bounded" => on_tokio(async {
            let addr = Counter::spawn_with_mailbox(
                Counter { count: 0 },
                mailbox::bounded(BOUNDED_CAPACITY),
            );
            let start = Instant::now();
            for _ in 0..BOUNDED_MESSAGES {
                addr.tell(Inc).await.expect("running");
            }
            assert_eq!(addr.ask(Get).await.expect("reply"), BOUNDED_MESSAGES);
            Outcome::Timed {
                ops: BOUNDED_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        _ => return None,
    };
    Some(outcome.into())
}
