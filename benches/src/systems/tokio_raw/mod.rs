//! Raw tokio channels: the ceiling (mpsc for mailboxes, oneshot for replies, a task per
//! actor); for the remote workloads, a plain libp2p request-response ([`remote`]).

pub mod remote;
mod restart;
mod shapes;

use super::{on_tokio, Outcome};
use crate::report::Measurement;
use crate::workloads::*;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use shapes::Tokio;

/// The counter's messages.
pub enum Msg {
    Inc,
    Get(oneshot::Sender<u64>),
    /// Add one and answer the new count.
    Bump(oneshot::Sender<u64>),
    /// Count a tell handled (`memory_told`).
    Touch,
}

impl Msg {
    /// Apply the message to a counter at `count`.
    fn apply(self, count: &mut u64) {
        match self {
            Msg::Inc => *count += 1,
            Msg::Get(reply) => {
                let _ = reply.send(*count);
            }
            Msg::Bump(reply) => {
                *count += 1;
                let _ = reply.send(*count);
            }
            Msg::Touch => told(),
        }
    }
}

/// A counter actor on an unbounded channel, and its task.
fn counter_task() -> (mpsc::UnboundedSender<Msg>, JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let task = tokio::spawn(async move {
        let mut count = 0u64;
        while let Some(msg) = rx.recv().await {
            msg.apply(&mut count);
        }
    });
    (tx, task)
}

/// A counter actor on an unbounded channel.
fn counter_unbounded() -> mpsc::UnboundedSender<Msg> {
    counter_task().0
}

/// Send the request `msg` makes of a fresh reply sender, and wait for the reply.
async fn ask<M, R>(tx: &mpsc::UnboundedSender<M>, msg: impl FnOnce(oneshot::Sender<R>) -> M) -> R {
    let (reply, rx) = oneshot::channel();
    tx.send(msg(reply)).expect("running");
    rx.await.expect("reply")
}

async fn get(tx: &mpsc::UnboundedSender<Msg>) -> u64 {
    ask(tx, Msg::Get).await
}

enum SlowMsg {
    Work,
    Urgent(Instant),
    Latencies(oneshot::Sender<Vec<f64>>),
}

/// The workloads of raw tokio's own (see `super::shapes` for the others).
pub fn run(workload: &str) -> Option<Measurement> {
    let outcome = match workload {
        "restart" => on_tokio(restart::run()),
        "tell" => on_tokio(async {
            let tx = counter_unbounded();
            let start = Instant::now();
            for _ in 0..TELL_MESSAGES {
                tx.send(Msg::Inc).expect("running");
            }
            assert_eq!(get(&tx).await, TELL_MESSAGES);
            Outcome::Timed {
                ops: TELL_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "ask" => on_tokio(async {
            let tx = counter_unbounded();
            let start = Instant::now();
            for _ in 0..ASK_ROUND_TRIPS {
                get(&tx).await;
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
                let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
                let task = tokio::spawn(async move {
                    let count = 0u64;
                    while let Some(msg) = rx.recv().await {
                        if let Msg::Get(reply) = msg {
                            let _ = reply.send(count);
                        }
                    }
                });
                actors.push((tx, task));
            }
            for (tx, _) in &actors {
                get(tx).await;
            }
            for (tx, task) in actors {
                drop(tx);
                task.await.expect("task");
            }
            Outcome::Timed {
                ops: SPAWN_ACTORS,
                elapsed: start.elapsed(),
            }
        }),
        "fanin" => on_tokio(async {
            let tx = counter_unbounded();
            let start = Instant::now();
            let senders: Vec<_> = (0..FANIN_SENDERS)
                .map(|_| {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for _ in 0..FANIN_MESSAGES / FANIN_SENDERS {
                            tx.send(Msg::Inc).expect("running");
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await.expect("sender");
            }
            assert_eq!(get(&tx).await, FANIN_MESSAGES);
            Outcome::Timed {
                ops: FANIN_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        "priority" => on_tokio(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while let Some(msg) = rx.recv().await {
                    match msg {
                        SlowMsg::Work => slow_work(),
                        SlowMsg::Urgent(sent) => latencies.push(sent.elapsed().as_nanos() as f64),
                        SlowMsg::Latencies(reply) => {
                            let _ = reply.send(std::mem::take(&mut latencies));
                        }
                    }
                }
            });
            let start = Instant::now();
            for _ in 0..PRIORITY_BACKGROUND {
                tx.send(SlowMsg::Work).expect("running");
            }
            for _ in 0..PRIORITY_CRITICAL {
                tx.send(SlowMsg::Urgent(Instant::now())).expect("running");
            }
            let (reply, rx) = oneshot::channel();
            tx.send(SlowMsg::Latencies(reply)).expect("running");
            let ns = rx.await.expect("reply");
            Outcome::Latencies {
                ns,
                ops: PRIORITY_BACKGROUND + PRIORITY_CRITICAL,
                elapsed: start.elapsed(),
            }
        }),
        "bounded" => on_tokio(async {
            let (tx, mut rx) = mpsc::channel::<Msg>(BOUNDED_CAPACITY);
            tokio::spawn(async move {
                let mut count = 0u64;
                while let Some(msg) = rx.recv().await {
                    msg.apply(&mut count);
                }
            });
            let start = Instant::now();
            for _ in 0..BOUNDED_MESSAGES {
                tx.send(Msg::Inc).await.expect("running");
            }
            let (reply, rx) = oneshot::channel();
            tx.send(Msg::Get(reply)).await.expect("running");
            assert_eq!(rx.await.expect("reply"), BOUNDED_MESSAGES);
            Outcome::Timed {
                ops: BOUNDED_MESSAGES,
                elapsed: start.elapsed(),
            }
        }),
        _ => return None,
    };
    Some(outcome.into())
}
