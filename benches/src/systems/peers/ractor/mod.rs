//! ractor 0.16, actors as tokio tasks on a multi-thread runtime. No priorities.

mod shapes;

use crate::report::Measurement;
use crate::systems::{on_tokio, Outcome};
use crate::workloads::*;
use ractor::{call, Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::time::Instant;

pub use shapes::Ractor;

/// The counter actor.
pub struct Counter;

/// The counter's messages.
pub enum CounterMsg {
    Inc,
    Get(RpcReplyPort<u64>),
    /// Add one and answer the new count.
    Bump(RpcReplyPort<u64>),
    /// Count a tell handled (`memory_told`).
    Touch,
}

impl Actor for Counter {
    type Msg = CounterMsg;
    type State = u64;
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<Self::Msg>, _: ()) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }
    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        msg: CounterMsg,
        count: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            CounterMsg::Inc => *count += 1,
            CounterMsg::Get(reply) => {
                let _ = reply.send(*count);
            }
            CounterMsg::Bump(reply) => {
                *count += 1;
                let _ = reply.send(*count);
            }
            CounterMsg::Touch => told(),
        }
        Ok(())
    }
}

struct Slow;
enum SlowMsg {
    Work,
    Urgent(Instant),
    Latencies(RpcReplyPort<Vec<f64>>),
}

impl Actor for Slow {
    type Msg = SlowMsg;
    type State = Vec<f64>;
    type Arguments = ();
    async fn pre_start(
        &self,
        _: ActorRef<Self::Msg>,
        _: (),
    ) -> Result<Vec<f64>, ActorProcessingErr> {
        Ok(Vec::new())
    }
    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        msg: SlowMsg,
        latencies: &mut Vec<f64>,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SlowMsg::Work => slow_work(),
            SlowMsg::Urgent(sent) => latencies.push(sent.elapsed().as_nanos() as f64),
            SlowMsg::Latencies(reply) => {
                let _ = reply.send(std::mem::take(latencies));
            }
        }
        Ok(())
    }
}

/// A counter, and its task.
async fn counter() -> (ActorRef<CounterMsg>, tokio::task::JoinHandle<()>) {
    Actor::spawn(None, Counter, ()).await.expect("spawn")
}

/// Ask the counter its count.
async fn get(addr: &ActorRef<CounterMsg>) -> u64 {
    call!(addr, CounterMsg::Get).expect("reply")
}

/// The workloads of ractor's own (see `crate::systems::shapes` for the others).
pub fn run(workload: &str) -> Option<Measurement> {
    let outcome = match workload {
        "tell" => on_tokio(async {
            let (addr, _h) = counter().await;
            let start = Instant::now();
            for _ in 0..TELL_MESSAGES {
                addr.cast(CounterMsg::Inc).expect("running");
            }
            assert_eq!(get(&addr).await, TELL_MESSAGES);
            Outcome::Timed {
                ops: TELL_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "ask" => on_tokio(async {
            let (addr, _h) = counter().await;
            let start = Instant::now();
            for _ in 0..ASK_ROUND_TRIPS {
                get(&addr).await;
            }
            Outcome::Timed {
                ops: ASK_ROUND_TRIPS,
                elapsed: start.elapsed(),
            }
        }),
        "spawn" => on_tokio(async {
            let start = Instant::now();
            let mut actors = Vec::with_capacity(SPAWN_ACTORS as usize);
            for _ in 0..SPAWN_ACTORS {
                actors.push(counter().await);
            }
            for (a, _) in &actors {
                get(a).await;
            }
            for (a, _) in &actors {
                a.stop(None);
            }
            for (_, h) in actors {
                h.await.expect("stopped");
            }
            Outcome::Timed {
                ops: SPAWN_ACTORS,
                elapsed: start.elapsed(),
            }
        }),
        "fanin" => on_tokio(async {
            let (addr, _h) = counter().await;
            let start = Instant::now();
            let senders: Vec<_> = (0..FANIN_SENDERS)
                .map(|_| {
                    let addr = addr.clone();
                    tokio::spawn(async move {
                        for _ in 0..FANIN_MESSAGES / FANIN_SENDERS {
                            addr.cast(CounterMsg::Inc).expect("running");
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await.expect("sender");
            }
            assert_eq!(get(&addr).await, FANIN_MESSAGES);
            Outcome::Timed {
                ops: FANIN_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "priority" => on_tokio(async {
            let (addr, _h) = Actor::spawn(None, Slow, ()).await.expect("spawn");
            let start = Instant::now();
            for _ in 0..PRIORITY_BACKGROUND {
                addr.cast(SlowMsg::Work).expect("running");
            }
            for _ in 0..PRIORITY_CRITICAL {
                addr.cast(SlowMsg::Urgent(Instant::now())).expect("running");
            }
            let ns = call!(addr, SlowMsg::Latencies).expect("reply");
            Outcome::Latencies {
                ns,
                ops: PRIORITY_BACKGROUND + PRIORITY_CRITICAL,
                elapsed: start.elapsed(),
            }
        }),
        // ractor's mailboxes are unbounded: there is no bounded/backpressure mode to compare.
        _ => return None,
    };
    Some(outcome.into())
}
