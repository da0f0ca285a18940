//! The workloads that are the same shape on every system, written once over [`System`]: each
//! system provides the few actors they need (a counter, a sink, a ring, a chain) in its own
//! idiomatic way, and the code here drives and times them alike and checks what they did.

use super::{memory_in_this_process, on_tokio, Idle, Measure, Outcome};
use crate::report::Measurement;
use crate::workloads::*;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How a ring's node tells the driver that the token has made its last hop.
pub type Done = mpsc::UnboundedSender<()>;

/// What a system under test provides for the shared shapes. Every future it returns is `Send`,
/// so that one driver serves the multi-thread systems and actix alike.
pub trait System: 'static {
    /// The address of a counter actor (handles `Inc` and `Touch` by tell, `Bump` by ask).
    type Counter: Clone + Send + Sync + 'static;
    /// The address of a sink that adds up the last byte of each payload `P` it is told.
    type Sink<P: Payload>: Send + Sync + 'static;
    /// The address of a node of a ring.
    type Node: Clone + Send + Sync + 'static;
    /// The address of an actor of a chain.
    type Chain: Clone + Send + Sync + 'static;
    /// An actor of `spawn_stop_all`, with whatever it takes to stop it and await its end.
    type Stoppable: Send + 'static;

    /// Run `driver` on the system's runtime (by default [`on_tokio`]).
    fn block_on<F>(driver: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        on_tokio(driver)
    }

    /// Spawn `task` beside the driver (by default with `tokio::spawn`).
    fn spawn<F>(task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(task)
    }

    /// A new counter at 0.
    fn counter() -> impl Future<Output = Self::Counter> + Send;
    /// Tell the counter to add one.
    fn inc(counter: &Self::Counter);
    /// Tell the counter to call [`told`] when it handles the message.
    fn touch(counter: &Self::Counter);
    /// Ask the counter to add one; answers the new count.
    fn bump(counter: &Self::Counter) -> impl Future<Output = u64> + Send + '_;

    /// A new sink at 0.
    fn sink<P: Payload>() -> impl Future<Output = Self::Sink<P>> + Send;
    /// Tell the sink `payload`.
    fn tell_payload<P: Payload>(sink: &Self::Sink<P>, payload: P);
    /// Ask the sink for the sum of the last bytes it was told.
    fn received<P: Payload>(sink: &Self::Sink<P>) -> impl Future<Output = u64> + Send + '_;

    /// A node of a ring, before `next` (`None` until [`link`](Self::link)ed). Told a token with
    /// `n` hops left, a node tells `next` the token with `n - 1` left, from its handler, or
    /// sends on `done` when `n` is 0.
    fn node(next: Option<Self::Node>, done: Done) -> impl Future<Output = Self::Node> + Send;
    /// Make `next` the node after `node` (before any token is passed).
    fn link(node: &Self::Node, next: Self::Node) -> impl Future<Output = ()> + Send + '_;
    /// Tell `node` a token with `hops` hops left.
    fn pass(node: &Self::Node, hops: u64);

    /// An actor of a chain, before `next`. Asked `x`, it asks `next` from its handler and
    /// answers that answer plus one; the last of the chain answers `x + 1`.
    fn hop(next: Option<Self::Chain>) -> impl Future<Output = Self::Chain> + Send;
    /// Ask `chain` `x`.
    fn ask_chain(chain: &Self::Chain, x: u64) -> impl Future<Output = u64> + Send + '_;

    /// Spawn an actor for `spawn_stop_all`.
    fn stoppable() -> impl Future<Output = Self::Stoppable> + Send;
    /// Ask it to stop, without waiting for it to end.
    fn stop(actor: &mut Self::Stoppable) -> impl Future<Output = ()> + Send + '_;
    /// Wait until it has ended; panics if it did not end normally.
    fn wait(actor: Self::Stoppable) -> impl Future<Output = ()> + Send;
}

/// Run the shared shape `workload` on `S`; `None` if it is not one of them.
pub fn run<S: System>(workload: &str) -> Option<Measurement> {
    let outcome = match workload {
        "memory" => return Some(memory_in_this_process(Idle::Fresh, memory::<S>)),
        "memory_used" => return Some(memory_in_this_process(Idle::Asked, memory::<S>)),
        "memory_told" => return Some(memory_in_this_process(Idle::Told, memory::<S>)),
        "ask_concurrent" => S::block_on(ask_concurrent::<S>()),
        "ask_busy" => S::block_on(ask_busy::<S>()),
        "tell_64b" => S::block_on(tell_payload::<S, [u8; 64]>()),
        "tell_vec256" => S::block_on(tell_payload::<S, Vec<u8>>()),
        "pingpong" => S::block_on(ring::<S>(2, PINGPONG_MESSAGES)),
        "ring" => S::block_on(ring::<S>(RING_ACTORS, RING_HOPS)),
        "chain" => S::block_on(chain::<S>()),
        "spawn_stop_all" => S::block_on(spawn_stop_all::<S>()),
        _ => return None,
    };
    Some(outcome.into())
}

/// [`CONCURRENT_ASKERS`] tasks, each asking its own counter until [`CONCURRENT_FOR`] has
/// passed; each checks that its counter counted every ask it answered.
async fn ask_concurrent<S: System>() -> Outcome {
    let mut counters = Vec::with_capacity(CONCURRENT_ASKERS);
    for _ in 0..CONCURRENT_ASKERS {
        counters.push(S::counter().await);
    }
    let start = Instant::now();
    let deadline = start + CONCURRENT_FOR;
    let askers: Vec<_> = counters
        .into_iter()
        .map(|counter| {
            S::spawn(async move {
                let mut until = Until::new(deadline);
                let mut last = 0;
                while until.next_stride() {
                    for _ in 0..Until::STRIDE {
                        last = S::bump(&counter).await;
                    }
                }
                assert_eq!(last, until.rounds(), "every ask was counted once");
                until.rounds()
            })
        })
        .collect();
    let mut per_task = Vec::with_capacity(askers.len());
    for asker in askers {
        per_task.push(asker.await.expect("asker"));
    }
    Outcome::Fair {
        per_task,
        elapsed: start.elapsed(),
    }
}

/// [`BUSY_ASKS`] timed asks to a counter that another task tells `Inc` all along, yielding
/// after each tell. The asks start once the teller runs; checks that the actor was told
/// something while it was asked, and that every tell and ask was counted.
async fn ask_busy<S: System>() -> Outcome {
    let counter = S::counter().await;
    let stop = Arc::new(AtomicBool::new(false));
    let told = Arc::new(AtomicU64::new(0));
    let teller = S::spawn({
        let (counter, stop, told) = (counter.clone(), stop.clone(), told.clone());
        async move {
            while !stop.load(Relaxed) {
                S::inc(&counter);
                told.fetch_add(1, Relaxed);
                tokio::task::yield_now().await;
            }
        }
    });
    while told.load(Relaxed) == 0 {
        tokio::task::yield_now().await;
    }
    let mut ns = Vec::with_capacity(BUSY_ASKS as usize);
    let told_before = told.load(Relaxed);
    let start = Instant::now();
    for _ in 0..BUSY_ASKS {
        let sent = Instant::now();
        S::bump(&counter).await;
        ns.push(sent.elapsed().as_nanos() as f64);
    }
    let elapsed = start.elapsed();
    let told_during = told.load(Relaxed) - told_before;
    stop.store(true, Relaxed);
    teller.await.expect("teller");
    assert!(
        told_during > 0,
        "the actor was told nothing while it was asked"
    );
    let told = told.load(Relaxed);
    assert_eq!(S::bump(&counter).await, told + BUSY_ASKS + 1);
    Outcome::Latencies {
        ns,
        ops: BUSY_ASKS,
        elapsed,
    }
}

/// [`PAYLOAD_MESSAGES`] tells of a fresh `P` each, then one ask for what arrived.
async fn tell_payload<S: System, P: Payload>() -> Outcome {
    let sink = S::sink::<P>().await;
    let start = Instant::now();
    for _ in 0..PAYLOAD_MESSAGES {
        S::tell_payload(&sink, P::make());
    }
    assert_eq!(S::received(&sink).await, PAYLOAD_MESSAGES);
    Outcome::Timed {
        ops: PAYLOAD_MESSAGES,
        elapsed: start.elapsed(),
    }
}

/// Spawn `len` actors in a line, each made by `spawn` with the one made before it (`None` for
/// the first made); answers the last made, which heads the line, and the first made.
async fn line<N: Clone, F: Future<Output = N>>(
    len: u64,
    mut spawn: impl FnMut(Option<N>) -> F,
) -> (N, N) {
    let tail = spawn(None).await;
    let mut head = tail.clone();
    for _ in 1..len {
        head = spawn(Some(head)).await;
    }
    (head, tail)
}

/// A token passed `hops` times around a ring of `size` actors (`pingpong` is a ring of two).
/// The token counts down, so its arrival at 0 shows that every hop was made.
async fn ring<S: System>(size: u64, hops: u64) -> Outcome {
    let (done, mut arrived) = mpsc::unbounded_channel();
    let (node, tail) = line(size, |next| S::node(next, done.clone())).await;
    S::link(&tail, node.clone()).await;
    let start = Instant::now();
    S::pass(&node, hops);
    arrived.recv().await.expect("the token arrives");
    let elapsed = start.elapsed();
    assert!(arrived.try_recv().is_err(), "one token, arriving once");
    Outcome::Timed { ops: hops, elapsed }
}

/// [`CHAIN_ASKS`] asks through a chain of [`CHAIN_ACTORS`], each answer checked.
async fn chain<S: System>() -> Outcome {
    let (chain, _) = line(CHAIN_ACTORS, S::hop).await;
    let start = Instant::now();
    for x in 0..CHAIN_ASKS {
        assert_eq!(S::ask_chain(&chain, x).await, x + CHAIN_ACTORS);
    }
    Outcome::Timed {
        ops: CHAIN_ASKS,
        elapsed: start.elapsed(),
    }
}

/// Spawn [`SPAWN_ACTORS`], stop them all, then await them all.
async fn spawn_stop_all<S: System>() -> Outcome {
    let start = Instant::now();
    let mut actors = Vec::with_capacity(SPAWN_ACTORS as usize);
    for _ in 0..SPAWN_ACTORS {
        actors.push(S::stoppable().await);
    }
    for actor in &mut actors {
        S::stop(actor).await;
    }
    for actor in actors {
        S::wait(actor).await;
    }
    Outcome::Timed {
        ops: SPAWN_ACTORS,
        elapsed: start.elapsed(),
    }
}

/// Bytes of resident memory per idle counter, `n` of them, after `idle`.
fn memory<S: System>(n: u64, idle: Idle, measure: Measure) -> f64 {
    S::block_on(async move {
        let mut counters = Vec::with_capacity(n as usize);
        for _ in 0..n {
            counters.push(S::counter().await);
        }
        match idle {
            Idle::Fresh => {}
            Idle::Asked => {
                for c in &counters {
                    assert_eq!(S::bump(c).await, 1);
                }
            }
            Idle::Told => {
                for c in &counters {
                    S::touch(c);
                }
                all_told(n).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let bytes = measure();
        drop(counters);
        bytes
    })
}
