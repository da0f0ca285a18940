//! A worker that logs its lifecycle, shared by the supervision tests.
#![allow(dead_code)]

use actor_system_runtime::{Actor, ActorResult, Context, ExitReason, Handler, Message};
use actor_system_supervision::{SupervisorBuilder, SupervisorRef};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio::time::Instant;

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
}

/// A factory for `name`, numbering incarnations from 1.
pub fn worker(name: &str, log: &Log) -> impl Fn() -> Worker + Send + Sync + 'static {
    let name = name.to_owned();
    let log = log.clone();
    let counter = Arc::new(AtomicU32::new(0));
    move || Worker {
        name: name.clone(),
        log: log.clone(),
        incarnation: counter.fetch_add(1, Ordering::Relaxed) + 1,
    }
}

impl Actor for Worker {
    async fn started(&mut self, _: &mut Context<Self>) -> ActorResult<()> {
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

/// Let the tree settle (paused clock: lets timers and tasks run).
pub async fn settle() {
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
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
