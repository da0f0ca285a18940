//! The test kit itself: every expectation on its passing and its failing path.

use actor_system_runtime::testing::{
    advance, assert_failed_with, run_paused, MockActor, TestProbe,
};
use actor_system_runtime::{spawn, Actor, ActorError, AskError, ExitReason, Message, Severity};
use std::time::Duration;

mod common;
use common::bounded;

#[derive(Debug, PartialEq)]
struct Event(u32);
impl Message for Event {
    type Result = ();
}

const WAIT: Duration = Duration::from_millis(100);

#[tokio::test(start_paused = true)]
async fn expect_msg_returns_the_next_message() {
    let mut probe = TestProbe::<Event>::new().await;
    probe.recipient().tell(Event(1)).unwrap();
    assert_eq!(probe.expect_msg(WAIT).await, Event(1));
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "probe expected a")]
async fn expect_msg_panics_on_timeout() {
    let mut probe = TestProbe::<Event>::new().await;
    probe.expect_msg(WAIT).await;
}

#[tokio::test(start_paused = true)]
async fn expect_msg_matching_skips_others() {
    let mut probe = TestProbe::<Event>::new().await;
    let r = probe.recipient();
    for i in 0..5 {
        r.tell(Event(i)).unwrap();
    }
    assert_eq!(
        probe.expect_msg_matching(WAIT, |e| e.0 == 3).await,
        Event(3)
    );
    assert_eq!(probe.drain(), [Event(4)]);
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "probe expected a matching")]
async fn expect_msg_matching_panics_on_timeout() {
    let mut probe = TestProbe::<Event>::new().await;
    probe.recipient().tell(Event(1)).unwrap();
    probe.expect_msg_matching(WAIT, |e| e.0 == 2).await;
}

#[tokio::test(start_paused = true)]
async fn expect_no_msg_passes_when_quiet() {
    let mut probe = TestProbe::<Event>::new().await;
    probe.expect_no_msg(WAIT).await;
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "expected no")]
async fn expect_no_msg_panics_when_something_arrives() {
    let mut probe = TestProbe::<Event>::new().await;
    probe.recipient().tell(Event(9)).unwrap();
    probe.expect_no_msg(WAIT).await;
}

struct Quote;
impl Message for Quote {
    type Result = Result<u64, String>;
}
struct Crash;
impl Message for Crash {
    type Result = ();
}

#[tokio::test]
async fn mock_answers_counts_and_fails_on_demand() {
    let mut price = 10;
    let (mock, calls) = MockActor::builder()
        .reply(move |_: Quote| {
            price += 1;
            if price > 12 {
                Err("sold out".to_owned())
            } else {
                Ok(price)
            }
        })
        .fail_on::<Crash>(ActorError::fatal("injected"))
        .spawn()
        .await
        .unwrap();
    let quote = || bounded(mock.ask(Quote), "the mock's quote");
    assert_eq!(quote().await, Ok(Ok(11)));
    assert_eq!(quote().await, Ok(Ok(12)));
    assert_eq!(quote().await, Ok(Err("sold out".to_owned())));
    assert_eq!(calls.of::<Quote>(), 3);
    let crashed = bounded(mock.ask(Crash), "the failing ask's answer").await;
    assert_eq!(crashed, Err(AskError::NoReply));
    let error = assert_failed_with(&mock, Severity::Fatal, "injected", WAIT).await;
    assert_eq!(error, ActorError::fatal("injected"));
    assert_eq!(calls.of::<Crash>(), 1);
}

struct Idle;
impl Actor for Idle {}

#[tokio::test]
async fn injected_failure_stops_the_actor_with_that_error() {
    let addr = spawn(Idle).await.unwrap();
    addr.inject_failure(ActorError::recoverable("chaos"));
    assert_failed_with(&addr, Severity::Recoverable, "chaos", WAIT).await;
}

#[tokio::test]
#[should_panic(expected = "should have failed")]
async fn assert_failed_with_rejects_a_normal_stop() {
    let addr = spawn(Idle).await.unwrap();
    addr.stop();
    let reason = bounded(addr.wait_for_stop(), "the actor stops").await;
    assert_eq!(reason, Ok(ExitReason::Normal));
    assert_failed_with(&addr, Severity::Critical, "", WAIT).await;
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "did not stop within")]
async fn assert_failed_with_times_out_on_a_live_actor() {
    let addr = spawn(Idle).await.unwrap();
    assert_failed_with(&addr, Severity::Critical, "", WAIT).await;
}

#[test]
fn paused_clock_helpers_move_time_exactly() {
    run_paused(async {
        let start = tokio::time::Instant::now();
        advance(Duration::from_secs(30)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    });
}

#[test]
fn public_data_types_round_trip_through_serde() {
    use actor_system_runtime::*;
    fn round_trip<
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    >(
        v: T,
    ) {
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v, "{json}");
    }
    round_trip(Priority::Critical);
    round_trip(Severity::Fatal);
    round_trip(ActorError::critical("storage unavailable"));
    round_trip(ExitReason::Failed(ActorError::panicked("boom")));
    round_trip(ActorState::Restarting);
    round_trip(DropReason::Evicted);
    round_trip(StatsSnapshot {
        processed: 3,
        queue_depth: [1, 2, 3, 4],
        ..Default::default()
    });
    round_trip(
        MailboxConfig::bounded(8)
            .with_overflow(OverflowStrategy::DropLowPriority { threshold: 0.8 }),
    );
    round_trip(RetryConfig::default());
}
