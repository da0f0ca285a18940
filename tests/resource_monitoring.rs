//! Resource monitoring in the system (issue 23, item 12): the health monitor records each
//! actor's queue depth per lane and mailbox memory with its last check, reports a lane past the
//! actor's queue warning as `Degraded` with the figure, healthy again once the queue drains,
//! and keeps doing so across a restart; a stopped actor leaves the registry.

mod common;

use actor_system::prelude::*;
use actor_system::supervision::ChildSpec;
use actor_system::system::{ActorInfo, ActorSystem};
use actor_system::{AskError, HealthStatus, MailboxConfig, SpawnOptions};
use common::system::{checked_every, restarted};
use common::{until, WAIT};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// Lets a test keep the actor inside its next health check, to queue messages meanwhile, and
/// hold the messages until it has seen what the check reported.
struct CheckGate {
    armed: AtomicBool,
    entered: AtomicBool,
    release: Notify,
    /// One permit per `Index` to handle.
    work: Semaphore,
}

impl Default for CheckGate {
    fn default() -> Self {
        CheckGate {
            armed: AtomicBool::new(false),
            entered: AtomicBool::new(false),
            release: Notify::new(),
            work: Semaphore::new(0),
        }
    }
}

struct Indexer {
    gate: Arc<CheckGate>,
}

impl Actor for Indexer {
    async fn health_check(&mut self, _: &mut Context<Self>) -> HealthStatus {
        if self.gate.armed.swap(false, Ordering::SeqCst) {
            self.gate.entered.store(true, Ordering::SeqCst);
            self.gate.release.notified().await;
        }
        HealthStatus::Healthy
    }
}

struct Index;
impl Message for Index {
    type Result = ();
}
impl Handler<Index> for Indexer {
    async fn handle(&mut self, _: Index, _: &mut Context<Self>) {
        self.gate
            .work
            .acquire()
            .await
            .expect("never closed")
            .forget();
    }
}

fn info(system: &ActorSystem) -> Option<ActorInfo> {
    system.list().into_iter().find(|a| a.name == "indexer")
}

/// Hold the indexer in its next check, queue `n` messages, release it: the check sees them;
/// then let it handle them: a later check sees none.
async fn backlog(system: &ActorSystem, addr: &Addr<Indexer>, gate: &CheckGate, n: u64) {
    gate.entered.store(false, Ordering::SeqCst);
    gate.armed.store(true, Ordering::SeqCst);
    until("the indexer is in a health check", || {
        gate.entered.load(Ordering::SeqCst)
    })
    .await;
    for _ in 0..n {
        addr.tell(Index).unwrap();
    }
    gate.release.notify_one();
    let degraded = HealthStatus::Degraded(format!(
        "normal lane holds {n} messages (queue warning above 3)"
    ));
    until("the check reports the backlog", || {
        info(system).is_some_and(|i| i.health.as_ref() == Some(&degraded))
    })
    .await;
    let resources = info(system).unwrap().resources.expect("measured");
    assert_eq!(resources.queue_depth, [0, 0, n as usize, 0]);
    assert!(resources.mailbox_bytes > 0);
    gate.work.add_permits(n as usize);
    until("a check finds the backlog handled", || {
        info(system).is_some_and(|i| {
            i.health == Some(HealthStatus::Healthy) && i.resources.is_some_and(|r| r.queued() == 0)
        })
    })
    .await;
}

#[tokio::test]
async fn the_monitor_reports_a_backlog_degraded_across_a_restart_until_the_actor_stops() {
    let system = checked_every(Duration::from_millis(5), WAIT).await;
    let gate = Arc::new(CheckGate::default());
    let factory_gate = gate.clone();
    let spec = ChildSpec::new("indexer", move || Indexer {
        gate: factory_gate.clone(),
    })
    .options(SpawnOptions::new().mailbox(MailboxConfig::unbounded().with_queue_warning(3)));
    let addr = system.register(spec, Priority::Normal).await.unwrap();
    assert_eq!(info(&system).unwrap().resources, None, "not checked yet");

    backlog(&system, &addr, &gate, 6).await;
    let health = system.health().await;
    assert!(health.is_healthy());
    assert!(health.actors[0].resources.is_some());

    // A restart keeps the mailbox, its warning and the monitoring.
    let mut events = system.supervision_events().subscribe();
    addr.inject_failure(ActorError::recoverable("induced"));
    restarted(&mut events, "indexer").await;
    assert_eq!(addr.stats().restarts, 1);
    backlog(&system, &addr, &gate, 5).await;

    // Stopped: no queue left, out of the registry, checks say so.
    assert_eq!(system.stop_actor("indexer").await, Ok(ExitReason::Normal));
    assert!(info(&system).is_none());
    assert_eq!(addr.stats().queued(), 0);
    assert_eq!(
        addr.health_report(Duration::from_secs(1)).await,
        Err(AskError::Stopped)
    );
    system.shutdown().await;
}
