//! Built-in health checks.

mod common;

use actor_system_runtime::{
    spawn, spawn_with, Actor, AskError, Context, HealthStatus, MailboxConfig, SpawnOptions,
};
use common::*;
use std::pin::pin;
use std::time::Duration;

const T: Duration = Duration::from_millis(200);

#[tokio::test]
async fn a_running_actor_is_healthy() {
    let addr = spawn(Recorder::default()).await.unwrap();
    assert_eq!(addr.health_check(T).await, Ok(HealthStatus::Healthy));
}

#[tokio::test]
async fn a_saturated_mailbox_is_degraded_and_the_check_jumps_the_queue() {
    let addr = spawn_with(
        Recorder::default(),
        SpawnOptions::new().mailbox(MailboxConfig::bounded(10)),
    )
    .await
    .unwrap();
    let gate = hold(&addr).await;
    for i in 0..10 {
        addr.tell(Record(i)).unwrap();
    }
    // Its first poll queues the check, ahead of the full mailbox.
    let mut check = pin!(addr.health_check(T));
    assert!(poll_once(check.as_mut()).is_pending(), "the actor is held");
    gate.notify_one();
    assert_eq!(
        check.await,
        Ok(HealthStatus::Degraded("mailbox 100% full".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn a_stuck_actor_times_out_and_a_stopped_one_says_so() {
    let addr = spawn(Recorder::default()).await.unwrap();
    let gate = hold(&addr).await;
    assert_eq!(addr.health_check(T).await, Err(AskError::Timeout(T)));
    addr.stop();
    gate.notify_one();
    bounded(addr.wait_for_stop(), "the actor stops")
        .await
        .unwrap();
    assert_eq!(addr.health_check(T).await, Err(AskError::Stopped));
}

struct Picky {
    peers: usize,
}
impl Actor for Picky {
    async fn health_check(&mut self, _: &mut Context<Self>) -> HealthStatus {
        if self.peers == 0 {
            HealthStatus::Unhealthy("no peers".into())
        } else {
            HealthStatus::Healthy
        }
    }
}

#[tokio::test]
async fn actors_can_override_the_check() {
    let addr = spawn(Picky { peers: 0 }).await.unwrap();
    let status = addr.health_check(T).await.unwrap();
    assert!(!status.is_healthy());
    assert_eq!(status.to_string(), "unhealthy: no peers");
}
