//! Backoff schedules, intensity, nested trees and shutdown.

mod common;

use actor_system_runtime::{ActorError, Severity};
use actor_system_supervision::*;
use common::*;
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn exponential_backoff_follows_the_schedule() {
    let log = Log::default();
    let delay = RestartDelay::ExponentialBackoff {
        initial: ms(100),
        max: ms(400),
        multiplier: 2.0,
        jitter: 0.0,
    };
    let sup = start(
        SupervisorSpec::builder("sup")
            .intensity(RestartIntensity::new(10, Duration::from_secs(60)))
            .child(ChildSpec::new("w", worker("w", &log)).delay(delay)),
    )
    .await;
    let mut watch = Watch::new(sup.events());
    let w = sup.child::<Worker>("w").unwrap();
    let mut failed_at = Vec::new();
    for incarnation in 1..=4 {
        assert_eq!(w.ask(Which).within().await, Ok(incarnation));
        failed_at.push(tokio::time::Instant::now());
        w.inject_failure(ActorError::recoverable("again"));
        watch.started("w").await;
    }
    let starts = log.starts_of("w");
    let gaps: Vec<Duration> = starts[1..]
        .iter()
        .zip(&failed_at)
        .map(|(s, f)| *s - *f)
        .collect();
    assert_eq!(gaps, [ms(100), ms(200), ms(400), ms(400)]);
}

#[tokio::test(start_paused = true)]
async fn fixed_delay_waits_and_a_child_that_never_restarts_is_removed() {
    let log = Log::default();
    let sup = start(
        SupervisorSpec::builder("sup")
            .child(ChildSpec::new("f", worker("f", &log)).delay(RestartDelay::FixedDelay(ms(250))))
            .child(ChildSpec::new("n", worker("n", &log)).delay(RestartDelay::Never)),
    )
    .await;
    let mut watch = Watch::new(sup.events());
    let before = tokio::time::Instant::now();
    sup.child::<Worker>("f")
        .unwrap()
        .inject_failure(ActorError::recoverable("x"));
    let n = sup.child::<Worker>("n").unwrap();
    n.inject_failure(ActorError::recoverable("x"));
    assert!(watch.removed("n").await.is_failure(), "never restarted");
    watch.started("f").await;
    assert_eq!(log.starts_of("f")[1] - before, ms(250));
    let states: Vec<(String, ChildState)> = sup
        .children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.state))
        .collect();
    assert_eq!(states, [("f".to_owned(), ChildState::Running)]);
    assert!(!n.is_alive());
}

#[tokio::test(start_paused = true)]
async fn root_exceeding_intensity_gives_up_with_a_typed_error() {
    let log = Log::default();
    let spec = SupervisorSpec::builder("root")
        .intensity(RestartIntensity::new(2, Duration::from_secs(5)))
        .child(ChildSpec::new("a", worker("a", &log)))
        .child(ChildSpec::new("b", worker("b", &log)))
        .build()
        .unwrap();
    let mut watch = Watch::new(spec.events());
    let root = spec.start().await.unwrap();
    let b = root.child::<Worker>("b").unwrap();
    for _ in 0..2 {
        b.inject_failure(ActorError::recoverable("flaky"));
        watch.started("b").await;
    }
    b.inject_failure(ActorError::recoverable("flaky"));
    watch.escalated("root").await;
    // The test kit's assertion on the supervisor actor itself...
    actor_system_runtime::testing::assert_failed_with(
        root.address(),
        Severity::Recoverable,
        "restart intensity exceeded",
        Duration::from_secs(1),
    )
    .await;
    // ...and the typed error the root hands its owner.
    let err = root.wait().within().await.unwrap_err();
    assert!(
        matches!(&err, SupervisionError::GaveUp { supervisor, error }
        if supervisor == "root" && error.message().contains("restart intensity exceeded")),
        "{err}"
    );
    // Nothing will restart the children: their addresses answer instead of hanging.
    assert_eq!(
        b.ask(Which).within().await,
        Err(actor_system_runtime::AskError::Stopped)
    );
    // Children were stopped in reverse start order.
    let entries = log.entries();
    let tail = &entries[entries.len() - 2..];
    assert_eq!(tail, ["stop:b", "stop:a"]);
    assert_eq!(
        watch.kinds(),
        [
            "failed",
            "restarted",
            "started",
            "failed",
            "restarted",
            "started",
            "failed",
            "escalated"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn nested_tree_recovers_locally_then_escalates_when_a_worker_keeps_failing() {
    let log = Log::default();
    let events = SupervisionEvents::new();
    let mut watch = Watch::new(&events);
    let inner = SupervisorSpec::builder("inner")
        .events(events.clone())
        .intensity(RestartIntensity::new(2, Duration::from_secs(5)))
        .child(ChildSpec::new("w1", worker("w1", &log)))
        .child(ChildSpec::new("w2", worker("w2", &log)))
        .build()
        .unwrap();
    let w1 = inner.address::<Worker>("w1").unwrap();
    let w2 = inner.address::<Worker>("w2").unwrap();
    let root = start(
        SupervisorSpec::builder("root")
            .events(events.clone())
            .child(ChildSpec::new("sibling", worker("sibling", &log)))
            .child(inner.into_child()),
    )
    .await;
    // One failure: handled inside `inner`, nothing else restarts.
    log.clear();
    w1.inject_failure(ActorError::recoverable("once"));
    watch.started("w1").await;
    assert_eq!(log.entries(), ["stop:w1", "start:w1"]);
    // It keeps failing: `inner` exceeds its intensity and escalates; root restarts `inner`,
    // whose workers come back on the same addresses; the root's other child is untouched.
    w1.inject_failure(ActorError::recoverable("again"));
    watch.started("w1").await;
    w1.inject_failure(ActorError::recoverable("again"));
    watch.escalated("inner").await;
    watch.started("inner").await;
    let status = root.children().await.unwrap();
    assert_eq!(status[0].restarts, 0, "sibling untouched");
    assert_eq!(status[1].restarts, 1, "inner restarted by root");
    assert_eq!(status[1].state, ChildState::Running);
    assert!(w1.ask(Which).within().await.unwrap() > 1);
    assert_eq!(
        w2.ask(Which).within().await,
        Ok(2),
        "w2 restarted with its supervisor"
    );
    assert!(log.entries().iter().all(|e| !e.ends_with("sibling")));
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_in_reverse_order_and_reports_aborted_children() {
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .child(ChildSpec::new("a", worker("a", &log)))
            .child(
                ChildSpec::new("stuck", worker("stuck", &log))
                    .shutdown_timeout(Duration::from_secs(1)),
            )
            .child(ChildSpec::new("c", worker("c", &log))),
    )
    .await;
    let stuck = root.child::<Worker>("stuck").unwrap();
    let (entered, handling) = tokio::sync::oneshot::channel();
    stuck.tell(HangNoting(Some(entered))).unwrap();
    tokio::time::timeout(WAIT, handling).await.unwrap().unwrap();
    let t0 = tokio::time::Instant::now();
    let report = root.shutdown().await;
    assert_eq!(report.stopped, ["c", "a"]);
    assert_eq!(report.aborted, ["stuck"]);
    assert!(tokio::time::Instant::now() - t0 >= Duration::from_secs(1));
    assert!(
        tokio::time::Instant::now() - t0 < Duration::from_secs(2),
        "bounded by the timeout"
    );
    assert!(!stuck.is_alive());
    assert_eq!(root.wait().within().await, Ok(()));
}

#[test]
fn invalid_specs_are_typed_errors() {
    struct Idle;
    impl actor_system_runtime::Actor for Idle {}
    let dup = SupervisorSpec::builder("s")
        .child(ChildSpec::new("x", || Idle))
        .child(ChildSpec::new("x", || Idle))
        .build();
    assert_eq!(
        dup.err(),
        Some(SupervisionError::DuplicateChild("x".into()))
    );
    let unknown = SupervisorSpec::builder("s")
        .child(ChildSpec::new("chain", || Idle).depends_on(["storage"]))
        .build();
    assert!(matches!(
        unknown,
        Err(SupervisionError::UnknownDependency { .. })
    ));
    let own = SupervisorSpec::builder("s")
        .child(ChildSpec::new("chain", || Idle).depends_on(["chain"]))
        .build();
    assert_eq!(
        own.err(),
        Some(SupervisionError::SelfDependency("chain".into()))
    );
    let zero = SupervisorSpec::builder("s")
        .intensity(RestartIntensity::new(0, Duration::from_secs(1)))
        .build();
    assert!(zero
        .err()
        .unwrap()
        .to_string()
        .contains("at least 1 restart"));
    let backoff = RestartDelay::ExponentialBackoff {
        initial: ms(500),
        max: ms(100),
        multiplier: 2.0,
        jitter: 0.0,
    };
    let bad = SupervisorSpec::builder("s")
        .child(ChildSpec::new("x", || Idle).delay(backoff))
        .build();
    assert!(bad.err().unwrap().to_string().contains("raise max"));
}
