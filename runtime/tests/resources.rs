//! Resource monitoring (issue 23, item 12): each health check reports the queue depth per lane
//! and the mailbox's memory, sets them as gauges while metrics are exported, and reports
//! `Degraded`, with the lane and its depth, when a lane is past the mailbox's queue warning.
//! (A test binary of its own: the metrics recorder and the export switch are process-wide.)

mod common;

use actor_system_runtime::{
    export_metrics, spawn_with, Actor, Addr, AskError, Context, Handler, HealthReport,
    HealthStatus, MailboxConfig, Priority, SendError, SpawnOptions,
};
use common::*;
use std::pin::pin;
use tokio::sync::Notify;

fn warned_at(name: &str, mailbox: MailboxConfig, warning: usize) -> SpawnOptions {
    SpawnOptions::new()
        .name(name)
        .mailbox(mailbox.with_queue_warning(warning))
}

/// Ask `addr`'s held actor for a health report, then open its `gate`: the check, queued ahead
/// of what was told meanwhile, sees all of it waiting.
async fn report_on_release<A: Actor>(addr: &Addr<A>, gate: &Notify) -> HealthReport {
    let mut check = pin!(addr.health_report(WAIT));
    assert!(poll_once(check.as_mut()).is_pending(), "the actor is held");
    gate.notify_one();
    check.await.expect("the released actor answers")
}

#[tokio::test]
async fn a_lane_past_the_warning_is_degraded_with_the_figure_and_healthy_once_drained() {
    let addr = spawn_with(
        Recorder::default(),
        warned_at("backlogged", MailboxConfig::unbounded(), 3),
    )
    .await
    .unwrap();
    let gate = hold(&addr).await;
    for i in 0..5 {
        addr.tell(Record(i)).unwrap();
    }
    // A snapshot sees the queue as it is (no check needed).
    assert_eq!(addr.stats().deepest_lane(), Some((Priority::Normal, 5)));
    let backlog = report_on_release(&addr, &gate).await;
    assert_eq!(
        backlog.status,
        HealthStatus::Degraded("normal lane holds 5 messages (queue warning above 3)".into())
    );
    assert_eq!(backlog.resources.queue_depth, [0, 0, 5, 0]);

    let handled = bounded(addr.ask(Take), "the backlog is handled")
        .await
        .unwrap();
    assert_eq!(handled.len(), 5);
    let drained = addr.health_report(WAIT).await.unwrap();
    assert_eq!(drained.status, HealthStatus::Healthy);
    assert_eq!(drained.resources.queued(), 0);
    assert!(drained.resources.mailbox_bytes > 0, "the mailbox itself");
    assert!(
        backlog.resources.mailbox_bytes > drained.resources.mailbox_bytes,
        "queued messages take memory: {} vs {}",
        backlog.resources.mailbox_bytes,
        drained.resources.mailbox_bytes
    );
    assert_eq!(addr.health_check(WAIT).await, Ok(HealthStatus::Healthy));
}

#[tokio::test]
async fn a_full_bounded_mailbox_is_degraded_with_both_reasons() {
    let addr = spawn_with(
        Recorder::default(),
        warned_at("full", MailboxConfig::bounded(4), 2),
    )
    .await
    .unwrap();
    let gate = hold(&addr).await;
    for i in 0..4 {
        addr.tell(Record(i)).unwrap();
    }
    assert!(matches!(addr.tell(Record(4)), Err(SendError::Full(_))));
    let report = report_on_release(&addr, &gate).await;
    assert_eq!(
        report.status,
        HealthStatus::Degraded(
            "mailbox 100% full; normal lane holds 4 messages (queue warning above 2)".into()
        )
    );
    assert_eq!(report.resources.queue_depth, [0, 0, 4, 0]);
    bounded(addr.ask(Take), "the full mailbox is handled")
        .await
        .unwrap();
    assert_eq!(addr.health_check(WAIT).await, Ok(HealthStatus::Healthy));
}

/// Says it is unhealthy; can be held like the [`Recorder`].
struct NoPeers;
impl Actor for NoPeers {
    async fn health_check(&mut self, _: &mut Context<Self>) -> HealthStatus {
        HealthStatus::Unhealthy("no peers".into())
    }
}
impl Handler<Hold> for NoPeers {
    async fn handle(&mut self, msg: Hold, _: &mut Context<Self>) {
        msg.wait().await;
    }
}
impl Handler<Record> for NoPeers {
    async fn handle(&mut self, _: Record, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn an_unhealthy_answer_stays_unhealthy_past_the_warning() {
    let addr = spawn_with(
        NoPeers,
        warned_at("no-peers", MailboxConfig::unbounded(), 1),
    )
    .await
    .unwrap();
    let gate = hold(&addr).await;
    for i in 0..3 {
        addr.tell(Record(i)).unwrap();
    }
    let report = report_on_release(&addr, &gate).await;
    assert_eq!(report.status, HealthStatus::Unhealthy("no peers".into()));
    assert_eq!(report.resources.queue_depth, [0, 0, 3, 0], "still measured");
}

#[tokio::test]
async fn gauges_show_the_depth_per_lane_and_the_memory_at_each_check() {
    let gauges = recorded();
    export_metrics(true);
    let addr = spawn_with(
        Recorder::default(),
        warned_at("gauged", MailboxConfig::unbounded(), 100),
    )
    .await
    .unwrap();
    let gauge = |name, priority| gauges.gauge(name, "gauged", priority);
    let gate = hold(&addr).await;
    for i in 0..3 {
        addr.tell(Record(i)).unwrap();
    }
    addr.tell(Take).unwrap();
    let backlog = report_on_release(&addr, &gate).await;
    assert_eq!(backlog.status, HealthStatus::Healthy, "below the warning");
    let depth = |priority| gauge("actor_mailbox_queue_depth", Some(priority));
    assert_eq!(depth("critical"), Some(0.0));
    assert_eq!(depth("high"), Some(0.0));
    assert_eq!(depth("normal"), Some(3.0));
    assert_eq!(depth("background"), Some(1.0));
    assert_eq!(
        gauge("actor_mailbox_bytes", None),
        Some(backlog.resources.mailbox_bytes as f64)
    );

    bounded(addr.ask(Take), "the backlog is handled")
        .await
        .unwrap();
    let drained = addr.health_report(WAIT).await.unwrap();
    for priority in ["critical", "high", "normal", "background"] {
        assert_eq!(depth(priority), Some(0.0), "{priority} lane drained");
    }
    assert_eq!(
        gauge("actor_mailbox_bytes", None),
        Some(drained.resources.mailbox_bytes as f64)
    );
}

#[tokio::test]
async fn a_stopped_actor_has_no_queue_left_and_its_checks_say_stopped() {
    let addr = spawn_with(
        Recorder::default(),
        warned_at("stopping", MailboxConfig::unbounded(), 1),
    )
    .await
    .unwrap();
    let gate = hold(&addr).await;
    for i in 0..3 {
        addr.tell(Record(i)).unwrap();
    }
    assert_eq!(addr.stats().queue_depth, [0, 0, 3, 0]);
    addr.stop();
    gate.notify_one();
    bounded(addr.wait_for_stop(), "the actor stops")
        .await
        .unwrap();
    let stats = addr.stats();
    assert_eq!(stats.queued(), 0, "{stats:?}");
    assert_eq!(stats.deepest_lane(), None);
    assert!(stats.mailbox_bytes > 0, "the mailbox itself");
    assert_eq!(addr.health_report(WAIT).await, Err(AskError::Stopped));
}
