//! Actors shared by the runtime's integration tests.
#![allow(dead_code)]

use actor_system_runtime::{Actor, ActorResult, Context, Handler, Message, Priority};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use tokio::sync::{oneshot, Mutex, Notify};

mod recorded;
mod wait;
// Only the metrics tests install a recorder.
#[allow(unused_imports)]
pub use recorded::*;
pub use wait::*;

/// Records every `Record` it handles, in order; can be held on a gate.
#[derive(Default)]
pub struct Recorder {
    pub seen: Vec<(Priority, u64)>,
    pub log: Arc<parking_lot::Mutex<Vec<String>>>,
}

impl Actor for Recorder {}

/// A numbered message; the handler records its priority (from the envelope) and number.
pub struct Record(pub u64);
impl Message for Record {
    type Result = ();
}

impl Handler<Record> for Recorder {
    async fn handle(&mut self, msg: Record, ctx: &mut Context<Self>) {
        let priority = ctx.message_info().expect("handling a message").priority;
        self.seen.push((priority, msg.0));
    }
}

/// Returns everything recorded so far.
pub struct Take;
impl Message for Take {
    type Result = Vec<(Priority, u64)>;
    const PRIORITY: Priority = Priority::Background;
}

impl Handler<Take> for Recorder {
    async fn handle(&mut self, _: Take, _: &mut Context<Self>) -> Vec<(Priority, u64)> {
        std::mem::take(&mut self.seen)
    }
}

/// Blocks the actor until the gate opens; answers when it has started waiting.
pub struct Hold {
    pub entered: Option<oneshot::Sender<()>>,
    pub gate: Arc<Notify>,
}
impl Message for Hold {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}

impl Hold {
    /// A hold on `gate`, and what resolves once the actor is inside it.
    pub fn on(gate: &Arc<Notify>) -> (Self, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let hold = Hold {
            entered: Some(tx),
            gate: gate.clone(),
        };
        (hold, rx)
    }

    /// The body of every `Handler<Hold>`: say the actor is inside, then wait for the gate.
    pub async fn wait(mut self) {
        if let Some(tx) = self.entered.take() {
            let _ = tx.send(());
        }
        self.gate.notified().await;
    }
}

impl Handler<Hold> for Recorder {
    async fn handle(&mut self, msg: Hold, _: &mut Context<Self>) {
        msg.wait().await;
    }
}

/// Park `addr`'s actor inside a handler; returns the gate that releases it.
pub async fn hold<A: Handler<Hold>>(addr: &actor_system_runtime::Addr<A>) -> Arc<Notify> {
    let gate = Arc::new(Notify::new());
    let (msg, entered) = Hold::on(&gate);
    addr.tell(msg).unwrap();
    bounded(entered, "the actor enters its held handler")
        .await
        .unwrap();
    gate
}

/// Panics when asked.
pub struct Boom;
impl Message for Boom {
    type Result = u32;
}

impl Handler<Boom> for Recorder {
    async fn handle(&mut self, _: Boom, _: &mut Context<Self>) -> u32 {
        panic!("boom")
    }
}

/// An actor that writes its lifecycle into a shared log.
pub struct Lifecycle {
    pub log: Arc<Mutex<Vec<&'static str>>>,
    pub fail_start: bool,
}

impl Actor for Lifecycle {
    async fn started(&mut self, _: &mut Context<Self>) -> ActorResult<()> {
        self.log.lock().await.push("started");
        if self.fail_start {
            Err(actor_system_runtime::ActorError::recoverable("no database"))
        } else {
            Ok(())
        }
    }
    async fn stopping(&mut self, _: &mut Context<Self>) {
        self.log.lock().await.push("stopping");
    }
    async fn stopped(&mut self, _: &actor_system_runtime::ExitReason) {
        self.log.lock().await.push("stopped");
    }
}

pub struct Ping;
impl Message for Ping {
    type Result = &'static str;
}

impl Handler<Ping> for Lifecycle {
    async fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> &'static str {
        self.log.lock().await.push("handle");
        "pong"
    }
}

/// A waker that remembers it was woken.
#[derive(Default)]
pub struct WakeFlag(AtomicBool);

impl WakeFlag {
    pub fn woken(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Poll `future` once, with a waker that does nothing.
pub fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut std::task::Context::from_waker(Waker::noop()))
}

/// Poll `future` once, with `flag`'s waker.
pub fn poll_flagged<F: Future>(future: Pin<&mut F>, flag: &Arc<WakeFlag>) -> Poll<F::Output> {
    let waker = Waker::from(flag.clone());
    future.poll(&mut std::task::Context::from_waker(&waker))
}
