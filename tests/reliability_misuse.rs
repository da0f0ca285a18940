//! Misuse of the public API gets typed errors whose messages say what to do, never a panic.

use actor_system::prelude::*;
use actor_system::{ConfigError, SpawnError};
use std::time::Duration;

mod common;
use common::bounded;

struct Idle;
impl Actor for Idle {}
struct Ping;
impl Message for Ping {
    type Result = ();
}
impl Handler<Ping> for Idle {
    async fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn sending_to_a_stopped_actor_returns_the_message() {
    let addr = spawn(Idle).await.unwrap();
    addr.stop();
    bounded(addr.wait_for_stop(), "the actor stops")
        .await
        .unwrap();
    let err = addr.tell(Ping).unwrap_err();
    assert!(err.is_stopped());
    assert!(err.to_string().contains("look the actor up again"));
    let sent = bounded(addr.tell_when_ready(Ping), "a send to a stopped actor").await;
    assert!(sent.unwrap_err().is_stopped());
    let answer = bounded(addr.ask(Ping), "an ask to a stopped actor").await;
    assert_eq!(answer, Err(AskError::Stopped));
    assert!(addr.recipient::<Ping>().tell(Ping).is_err());
    // Stopping twice is harmless.
    addr.stop();
}

#[tokio::test]
async fn ask_with_a_zero_timeout_is_a_timeout_error() {
    let addr = spawn(Idle).await.unwrap();
    let err = addr.ask_timeout(Ping, Duration::ZERO).await.unwrap_err();
    assert_eq!(err, AskError::Timeout(Duration::ZERO));
    assert!(err.to_string().contains("raise the timeout"));
}

#[tokio::test]
async fn invalid_configs_are_typed_errors_with_advice() {
    let cases = [
        (MailboxConfig::bounded(0), "unbounded()"),
        (
            MailboxConfig::bounded(8)
                .with_overflow(OverflowStrategy::DropLowPriority { threshold: 1.5 }),
            "fraction in (0.0, 1.0]",
        ),
        (
            MailboxConfig::bounded(8)
                .with_overflow(OverflowStrategy::DropLowPriority { threshold: 0.0 }),
            "fraction",
        ),
        (
            MailboxConfig::unbounded().with_fairness(Fairness::AntiStarvation { every: 0 }),
            "at least 1",
        ),
    ];
    for (config, advice) in cases {
        let err = spawn_with(Idle, SpawnOptions::new().mailbox(config))
            .await
            .unwrap_err();
        assert!(matches!(err, SpawnError::Config(_)), "{config:?}");
        assert!(
            err.to_string().contains(advice),
            "{err} should mention {advice}"
        );
    }
    let retry = RetryConfig {
        max_delay: Duration::ZERO,
        ..RetryConfig::default()
    };
    assert!(matches!(retry.validate(), Err(ConfigError::Invalid(_))));
}
