//! Backoff schedules, intensity, severity, nested trees, dependencies and shutdown.

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
    let w = sup.child::<Worker>("w").unwrap();
    let mut failed_at = Vec::new();
    for incarnation in 1..=4 {
        assert_eq!(w.ask(Which).await, Ok(incarnation));
        failed_at.push(tokio::time::Instant::now());
        w.inject_failure(ActorError::recoverable("again"));
        settle().await;
    }
    tokio::time::sleep(ms(500)).await;
    let starts = log.starts_of("w");
    let gaps: Vec<Duration> = starts[1..]
        .iter()
        .zip(&failed_at)
        .map(|(s, f)| *s - *f)
        .collect();
    assert_eq!(gaps, [ms(100), ms(200), ms(400), ms(400)]);
}

#[tokio::test(start_paused = true)]
async fn fixed_delay_waits_and_never_gives_up_the_child() {
    let log = Log::default();
    let sup = start(
        SupervisorSpec::builder("sup")
            .child(ChildSpec::new("f", worker("f", &log)).delay(RestartDelay::FixedDelay(ms(250))))
            .child(ChildSpec::new("n", worker("n", &log)).delay(RestartDelay::Never)),
    )
    .await;
    let before = tokio::time::Instant::now();
    sup.child::<Worker>("f")
        .unwrap()
        .inject_failure(ActorError::recoverable("x"));
    sup.child::<Worker>("n")
        .unwrap()
        .inject_failure(ActorError::recoverable("x"));
    tokio::time::sleep(ms(300)).await;
    assert_eq!(log.starts_of("f")[1] - before, ms(250));
    let states: Vec<ChildState> = sup
        .children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.state)
        .collect();
    assert_eq!(states, [ChildState::Running, ChildState::Failed]);
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
    let mut events = spec.events().subscribe();
    let root = spec.start().await.unwrap();
    let b = root.child::<Worker>("b").unwrap();
    for _ in 0..3 {
        b.inject_failure(ActorError::recoverable("flaky"));
        settle().await;
    }
    // The test kit's assertion on the supervisor actor itself...
    actor_system_runtime::testing::assert_failed_with(
        root.address(),
        Severity::Recoverable,
        "restart intensity exceeded",
        Duration::from_secs(1),
    )
    .await;
    // ...and the typed error the root hands its owner.
    let err = root.wait().await.unwrap_err();
    assert!(
        matches!(&err, SupervisionError::GaveUp { supervisor, error }
        if supervisor == "root" && error.message().contains("restart intensity exceeded")),
        "{err}"
    );
    // Nothing will restart the children: their addresses answer instead of hanging.
    assert_eq!(
        b.ask(Which).await,
        Err(actor_system_runtime::AskError::Stopped)
    );
    // Children were stopped in reverse start order.
    let entries = log.entries();
    let tail = &entries[entries.len() - 2..];
    assert_eq!(tail, ["stop:b", "stop:a"]);
    let mut kinds = Vec::new();
    while let Ok(e) = events.try_recv() {
        kinds.push(match e {
            SupervisionEvent::ActorFailed { .. } => "failed",
            SupervisionEvent::ActorRestarted { .. } => "restarted",
            SupervisionEvent::Escalated { .. } => "escalated",
        });
    }
    assert_eq!(
        kinds,
        [
            "failed",
            "restarted",
            "failed",
            "restarted",
            "failed",
            "escalated"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn nested_tree_recovers_locally_then_escalates_when_a_worker_keeps_failing() {
    let log = Log::default();
    let events = SupervisionEvents::new();
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
    settle().await;
    assert_eq!(log.entries(), ["stop:w1", "start:w1"]);
    // It keeps failing: `inner` exceeds its intensity and escalates; root restarts `inner`,
    // whose workers come back on the same addresses; the root's other child is untouched.
    for _ in 0..2 {
        w1.inject_failure(ActorError::recoverable("again"));
        settle().await;
    }
    let status = root.children().await.unwrap();
    assert_eq!(status[0].restarts, 0, "sibling untouched");
    assert_eq!(status[1].restarts, 1, "inner restarted by root");
    assert_eq!(status[1].state, ChildState::Running);
    assert!(w1.ask(Which).await.unwrap() > 1);
    assert_eq!(
        w2.ask(Which).await,
        Ok(2),
        "w2 restarted with its supervisor"
    );
    assert!(log.entries().iter().all(|e| !e.ends_with("sibling")));
}

#[tokio::test(start_paused = true)]
async fn severities_decide_restart_replace_or_escalate() {
    // Critical: escalate at once.
    let log = Log::default();
    let root =
        start(SupervisorSpec::builder("root").child(ChildSpec::new("w", worker("w", &log)))).await;
    root.child::<Worker>("w")
        .unwrap()
        .inject_failure(ActorError::critical("corrupt state"));
    let err = root.wait().await.unwrap_err();
    assert!(err.to_string().contains("failed critically"), "{err}");

    // Fatal: replaced once without backoff; a second fatal failure escalates.
    let log = Log::default();
    let backoff = RestartDelay::FixedDelay(Duration::from_secs(30));
    let root = start(
        SupervisorSpec::builder("root")
            .child(ChildSpec::new("w", worker("w", &log)).delay(backoff)),
    )
    .await;
    let w = root.child::<Worker>("w").unwrap();
    let t0 = tokio::time::Instant::now();
    w.inject_failure(ActorError::fatal("bad key"));
    assert_eq!(w.ask(Which).await, Ok(2));
    assert_eq!(
        tokio::time::Instant::now() - t0,
        Duration::ZERO,
        "replaced without the backoff"
    );
    w.inject_failure(ActorError::fatal("bad key"));
    assert!(root
        .wait()
        .await
        .unwrap_err()
        .to_string()
        .contains("failed fatally twice"));

    // Panics are Critical by default; `panics_as(Recoverable)` restarts them locally.
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .panics_as(Severity::Recoverable)
            .child(ChildSpec::new("w", worker("w", &log))),
    )
    .await;
    let w = root.child::<Worker>("w").unwrap();
    let _ = w.ask(Panic).await;
    assert_eq!(w.ask(Which).await, Ok(2));
    assert_eq!(
        root.children().await.unwrap()[0]
            .last_error
            .as_ref()
            .unwrap()
            .severity(),
        Severity::Recoverable
    );
}

#[tokio::test(start_paused = true)]
async fn restart_cascade_dependents_wait_for_storage_instead_of_looping() {
    let log = Log::default();
    let storage_backoff = RestartDelay::FixedDelay(Duration::from_secs(2));
    let root = start(
        SupervisorSpec::builder("root")
            .intensity(RestartIntensity::new(10, Duration::from_secs(60)))
            .child(ChildSpec::new("storage", worker("storage", &log)).delay(storage_backoff))
            .child(ChildSpec::new("chain", worker("chain", &log)).depends_on(["storage"]))
            .child(ChildSpec::new("engine", worker("engine", &log)).depends_on(["storage"])),
    )
    .await;
    log.clear();
    let t0 = tokio::time::Instant::now();
    // Storage fails; chain and engine fail because storage is unavailable.
    root.child::<Worker>("storage")
        .unwrap()
        .inject_failure(ActorError::recoverable("DatabaseConnection timeout"));
    settle().await;
    root.child::<Worker>("chain")
        .unwrap()
        .inject_failure(ActorError::recoverable("Storage unavailable"));
    root.child::<Worker>("engine")
        .unwrap()
        .inject_failure(ActorError::recoverable("Chain state unavailable"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    settle().await;
    let restarts: Vec<u32> = root
        .children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.restarts)
        .collect();
    assert_eq!(restarts, [1, 1, 1], "each restarted once, no loop");
    for dependent in ["chain", "engine"] {
        let started = log.starts_of(dependent)[0];
        assert!(
            started >= log.starts_of("storage")[0],
            "{dependent} waited for storage"
        );
        assert!(
            started - t0 >= Duration::from_secs(2),
            "storage came back after its 2 s backoff"
        );
    }
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
    stuck.tell(Hang).unwrap();
    settle().await;
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
    assert_eq!(root.wait().await, Ok(()));
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
