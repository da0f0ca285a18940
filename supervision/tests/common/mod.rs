//! Shared by the supervision tests: a worker that logs its lifecycle, and bounded waits on
//! supervision events (no test sleeps or yields a fixed number of times to let a tree settle).
#![allow(dead_code)]

use actor_system_runtime::{Actor, ActorResult, Context, ExitReason, Handler, Message};
use actor_system_supervision::{
    SupervisionEvent, SupervisionEvents, SupervisorBuilder, SupervisorRef,
};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

mod bounded;
pub use bounded::*;

/// One lifecycle event: ("start"|"stop", child name, when).
pub type Entry = (&'static str, String, Instant);

/// Shared lifecycle log.
#[derive(Clone, Default)]
pub struct Log(pub Arc<Mutex<Vec<Entry>>>);

impl Log {
    pub fn push(&self, what: &'static str, who: &str) {
        self.0.lock().push((what, who.to_owned(), Instant::now()));
    }
    /// `start:name` / `stop:name` entries in order.
    pub fn entries(&self) -> Vec<String> {
        self.0
            .lock()
            .iter()
            .map(|(w, n, _)| format!("{w}:{n}"))
            .collect()
    }
    pub fn starts_of(&self, who: &str) -> Vec<Instant> {
        self.0
            .lock()
            .iter()
            .filter(|(w, n, _)| *w == "start" && n == who)
            .map(|(_, _, t)| *t)
            .collect()
    }
    pub fn clear(&self) {
        self.0.lock().clear();
    }
}

pub struct Worker {
    pub name: String,
    pub log: Log,
    pub incarnation: u32,
    /// Whether its `started` hook refuses to start.
    pub refuse: bool,
}

/// A factory for `name`, numbering incarnations from 1.
pub fn worker(name: &str, log: &Log) -> impl Fn() -> Worker + Send + Sync + 'static {
    refusing(name, log, |_| false)
}

/// A factory for `name` whose incarnation `n` refuses to start when `refuse(n)` (it logs
/// `refuse:name`).
pub fn refusing(
    name: &str,
    log: &Log,
    refuse: impl Fn(u32) -> bool + Send + Sync + 'static,
) -> impl Fn() -> Worker + Send + Sync + 'static {
    let name = name.to_owned();
    let log = log.clone();
    let counter = Arc::new(AtomicU32::new(0));
    move || {
        let incarnation = counter.fetch_add(1, Ordering::Relaxed) + 1;
        Worker {
            name: name.clone(),
            log: log.clone(),
            incarnation,
            refuse: refuse(incarnation),
        }
    }
}

impl Actor for Worker {
    async fn started(&mut self, _: &mut Context<Self>) -> ActorResult<()> {
        if self.refuse {
            self.log.push("refuse", &self.name);
            return Err(actor_system_runtime::ActorError::recoverable(
                "refused to start",
            ));
        }
        self.log.push("start", &self.name);
        Ok(())
    }
    async fn stopped(&mut self, _: &ExitReason) {
        self.log.push("stop", &self.name);
    }
}

/// Answers the incarnation number.
pub struct Which;
impl Message for Which {
    type Result = u32;
}
impl Handler<Which> for Worker {
    async fn handle(&mut self, _: Which, _: &mut Context<Self>) -> u32 {
        self.incarnation
    }
}

/// Never returns.
pub struct Hang;
impl Message for Hang {
    type Result = ();
}
impl Handler<Hang> for Worker {
    async fn handle(&mut self, _: Hang, _: &mut Context<Self>) {
        std::future::pending::<()>().await
    }
}

/// Says (once) that it is being handled, then never returns.
pub struct HangNoting(pub Option<tokio::sync::oneshot::Sender<()>>);
impl Message for HangNoting {
    type Result = ();
}
impl Handler<HangNoting> for Worker {
    async fn handle(&mut self, mut msg: HangNoting, _: &mut Context<Self>) {
        if let Some(entered) = msg.0.take() {
            let _ = entered.send(());
        }
        std::future::pending::<()>().await
    }
}

/// Stops normally.
pub struct Quit;
impl Message for Quit {
    type Result = ();
}
impl Handler<Quit> for Worker {
    async fn handle(&mut self, _: Quit, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Panics.
pub struct Panic;
impl Message for Panic {
    type Result = ();
}
impl Handler<Panic> for Worker {
    async fn handle(&mut self, _: Panic, _: &mut Context<Self>) {
        panic!("worker panicked")
    }
}

/// Supervision events of a tree, from the moment of subscribing, with bounded waits. Each
/// event answers one wait; waits may come in any order (a tree's events interleave as its
/// children's tasks run).
pub struct Watch {
    rx: broadcast::Receiver<SupervisionEvent>,
    /// Everything received so far, in order.
    pub seen: Vec<SupervisionEvent>,
    /// Which of `seen` answered a wait already.
    claimed: Vec<bool>,
}

impl Watch {
    pub fn new(events: &SupervisionEvents) -> Self {
        Watch {
            rx: events.subscribe(),
            seen: Vec::new(),
            claimed: Vec::new(),
        }
    }

    /// The first event (received already or next, waiting bounded by [`WAIT`]) that no earlier
    /// wait took and that satisfies `pred`.
    pub async fn until(
        &mut self,
        what: &str,
        pred: impl Fn(&SupervisionEvent) -> bool,
    ) -> SupervisionEvent {
        let earlier = (0..self.seen.len()).find(|&i| !self.claimed[i] && pred(&self.seen[i]));
        if let Some(i) = earlier {
            self.claimed[i] = true;
            return self.seen[i].clone();
        }
        let found = tokio::time::timeout(WAIT, async {
            loop {
                match self.rx.recv().await {
                    Ok(event) => {
                        let matches = pred(&event);
                        self.seen.push(event.clone());
                        self.claimed.push(matches);
                        if matches {
                            return event;
                        }
                    }
                    Err(RecvError::Lagged(n)) => panic!("missed {n} events waiting for {what}"),
                    Err(RecvError::Closed) => panic!("the tree is gone: no {what}"),
                }
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {what} within {WAIT:?}; seen: {:#?}", self.seen))
    }

    /// Wait until a restarted incarnation of `child` runs.
    pub async fn started(&mut self, child: &str) {
        self.until(
            &format!("restart of '{child}'"),
            |e| matches!(e, SupervisionEvent::ActorStarted { child: c, .. } if c == child),
        )
        .await;
    }

    /// Wait until `n` restarted incarnations of `child` run.
    pub async fn started_times(&mut self, child: &str, n: usize) {
        for _ in 0..n {
            self.started(child).await;
        }
    }

    /// Wait until `child` failed.
    pub async fn failed(&mut self, child: &str) {
        self.until(
            &format!("failure of '{child}'"),
            |e| matches!(e, SupervisionEvent::ActorFailed { child: c, .. } if c == child),
        )
        .await;
    }

    /// Wait until a restart of `child` is decided (it may still wait for its delay).
    pub async fn restarting(&mut self, child: &str) {
        self.until(
            &format!("restart decision for '{child}'"),
            |e| matches!(e, SupervisionEvent::ActorRestarted { child: c, .. } if c == child),
        )
        .await;
    }

    /// Wait until `child` ended for good and was removed; how its last incarnation ended.
    pub async fn removed(&mut self, child: &str) -> ExitReason {
        let event = self
            .until(
                &format!("removal of '{child}'"),
                |e| matches!(e, SupervisionEvent::ActorStopped { child: c, .. } if c == child),
            )
            .await;
        match event {
            SupervisionEvent::ActorStopped { reason, .. } => reason,
            _ => unreachable!(),
        }
    }

    /// Wait until `supervisor` escalated.
    pub async fn escalated(&mut self, supervisor: &str) -> SupervisionEvent {
        self.until(
            &format!("escalation by '{supervisor}'"),
            |e| matches!(e, SupervisionEvent::Escalated { supervisor: s, .. } if s == supervisor),
        )
        .await
    }

    /// The kinds of the events seen so far, by name.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.seen.iter().map(kind).collect()
    }
}

/// The kind of an event, by name.
pub fn kind(event: &SupervisionEvent) -> &'static str {
    match event {
        SupervisionEvent::ActorFailed { .. } => "failed",
        SupervisionEvent::ActorRestarted { .. } => "restarted",
        SupervisionEvent::ActorStarted { .. } => "started",
        SupervisionEvent::ActorStopped { .. } => "stopped",
        SupervisionEvent::Escalated { .. } => "escalated",
        _ => "other",
    }
}

/// Wait (bounded) until `cond` holds, checking whenever the tree reports an event.
pub async fn eventually(watch: &mut Watch, what: &str, mut cond: impl FnMut() -> bool) {
    while !cond() {
        watch.until(what, |_| true).await;
    }
}

/// Build and start a supervisor whose spec the test knows to be valid.
pub async fn start(builder: SupervisorBuilder) -> SupervisorRef {
    builder
        .build()
        .expect("a valid spec")
        .start()
        .await
        .expect("the supervisor starts")
}
