//! actix 0.13, on its own `System` (as its docs recommend). actix has no priorities; its
//! backpressure-aware send is `send().await` (a request), used for `bounded`.

mod restart;
mod shapes;

use crate::report::Measurement;
use crate::systems::Outcome;
use crate::workloads::*;
use actix::prelude::*;
use std::time::Instant;

pub use shapes::Actix;

/// The counter actor.
pub struct Counter {
    count: u64,
    capacity: Option<usize>,
}
impl Actor for Counter {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Some(c) = self.capacity {
            ctx.set_mailbox_capacity(c);
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Inc;
impl Handler<Inc> for Counter {
    type Result = ();
    fn handle(&mut self, _: Inc, _: &mut Context<Self>) {
        self.count += 1;
    }
}

#[derive(Message)]
#[rtype(result = "u64")]
struct Get;
impl Handler<Get> for Counter {
    type Result = u64;
    fn handle(&mut self, _: Get, _: &mut Context<Self>) -> u64 {
        self.count
    }
}

/// Add one and answer the new count.
#[derive(Message)]
#[rtype(result = "u64")]
struct Bump;
impl Handler<Bump> for Counter {
    type Result = u64;
    fn handle(&mut self, _: Bump, _: &mut Context<Self>) -> u64 {
        self.count += 1;
        self.count
    }
}

/// Count a tell handled (`memory_told`).
#[derive(Message)]
#[rtype(result = "()")]
struct Touch;
impl Handler<Touch> for Counter {
    type Result = ();
    fn handle(&mut self, _: Touch, _: &mut Context<Self>) {
        told();
    }
}

/// Stop the actor (actix stops an actor from inside, with `Context::stop`).
#[derive(Message)]
#[rtype(result = "()")]
struct Stop;
impl Handler<Stop> for Counter {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

struct Slow {
    latencies: Vec<f64>,
}
impl Actor for Slow {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct Work;
impl Handler<Work> for Slow {
    type Result = ();
    fn handle(&mut self, _: Work, _: &mut Context<Self>) {
        slow_work();
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Urgent(Instant);
impl Handler<Urgent> for Slow {
    type Result = ();
    fn handle(&mut self, msg: Urgent, _: &mut Context<Self>) {
        self.latencies.push(msg.0.elapsed().as_nanos() as f64);
    }
}

#[derive(Message)]
#[rtype(result = "Vec<f64>")]
struct Latencies;
impl Handler<Latencies> for Slow {
    type Result = Vec<f64>;
    fn handle(&mut self, _: Latencies, _: &mut Context<Self>) -> Vec<f64> {
        std::mem::take(&mut self.latencies)
    }
}

/// A counter on an unbounded mailbox.
fn counter() -> Addr<Counter> {
    Counter {
        count: 0,
        capacity: None,
    }
    .start()
}

/// Run `f` on a fresh actix `System`.
fn on_actix<F: std::future::Future>(f: F) -> F::Output {
    System::new().block_on(f)
}

/// The workloads of actix's own (see `crate::systems::shapes` for the others).
pub fn run(workload: &str) -> Option<Measurement> {
    let outcome = match workload {
        "restart" => on_actix(restart::run()),
        "tell" => on_actix(async {
            let addr = counter();
            let start = Instant::now();
            for _ in 0..TELL_MESSAGES {
                addr.do_send(Inc);
            }
            assert_eq!(addr.send(Get).await.expect("reply"), TELL_MESSAGES);
            Outcome::Timed {
                ops: TELL_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "ask" => on_actix(async {
            let addr = counter();
            let start = Instant::now();
            for _ in 0..ASK_ROUND_TRIPS {
                addr.send(Get).await.expect("reply");
            }
            Outcome::Timed {
                ops: ASK_ROUND_TRIPS,
                elapsed: start.elapsed(),
            }
        }),
        "spawn" => on_actix(async {
            let start = Instant::now();
            let addrs: Vec<_> = (0..SPAWN_ACTORS).map(|_| counter()).collect();
            for a in &addrs {
                a.send(Get).await.expect("reply");
            }
            for a in &addrs {
                a.send(Stop).await.expect("stop");
            }
            Outcome::Timed {
                ops: SPAWN_ACTORS,
                elapsed: start.elapsed(),
            }
        }),
        "fanin" => on_actix(async {
            let addr = counter();
            let start = Instant::now();
            let senders: Vec<_> = (0..FANIN_SENDERS)
                .map(|_| {
                    let addr = addr.clone();
                    actix::spawn(async move {
                        for _ in 0..FANIN_MESSAGES / FANIN_SENDERS {
                            addr.do_send(Inc);
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await.expect("sender");
            }
            assert_eq!(addr.send(Get).await.expect("reply"), FANIN_MESSAGES);
            Outcome::Timed {
                ops: FANIN_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "priority" => on_actix(async {
            let addr = Slow {
                latencies: Vec::new(),
            }
            .start();
            let start = Instant::now();
            for _ in 0..PRIORITY_BACKGROUND {
                addr.do_send(Work);
            }
            for _ in 0..PRIORITY_CRITICAL {
                addr.do_send(Urgent(Instant::now()));
            }
            let ns = addr.send(Latencies).await.expect("reply");
            Outcome::Latencies {
                ns,
                ops: PRIORITY_BACKGROUND + PRIORITY_CRITICAL,
                elapsed: start.elapsed(),
            }
        }),
        "bounded" => on_actix(async {
            let addr = Counter {
                count: 0,
                capacity: Some(BOUNDED_CAPACITY),
            }
            .start();
            let start = Instant::now();
            for _ in 0..BOUNDED_MESSAGES {
                addr.send(Inc).await.expect("running");
            }
            assert_eq!(addr.send(Get).await.expect("reply"), BOUNDED_MESSAGES);
            Outcome::Timed {
                ops: BOUNDED_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        _ => return None,
    };
    Some(outcome.into())
}
