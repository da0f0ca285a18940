//! The seed's recovery flow: every failure ends in a new instance. `Recoverable` restarts the
//! child where it is; `Critical` escalates to the supervisor above, which restarts the subtree
//! by its own strategy (the root, with none above, restarts the child); `Fatal` replaces the
//! child without backoff, and a second fatal failure within the window escalates. Only
//! intensity exceeded ends a supervisor, and only the root's ends the tree.

mod common;

use actor_system_runtime::{ActorError, Addr, Severity};
use actor_system_supervision::*;
use common::*;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

/// A root (with `root_intensity`) over a sibling and a nested supervisor `inner` of two
/// workers `w1`, `w2`; one event stream for the tree.
struct Nested {
    root: SupervisorRef,
    w1: Addr<Worker>,
    w2: Addr<Worker>,
    watch: Watch,
    log: Log,
}

async fn nested(root_intensity: RestartIntensity, inner: SupervisorBuilder) -> Nested {
    let log = Log::default();
    let events = SupervisionEvents::new();
    let watch = Watch::new(&events);
    let inner = inner
        .events(events.clone())
        .child(ChildSpec::new("w1", worker("w1", &log)))
        .child(
            ChildSpec::new("w2", worker("w2", &log))
                .delay(RestartDelay::FixedDelay(Duration::from_secs(30))),
        )
        .build()
        .unwrap();
    let (w1, w2) = (inner.address("w1").unwrap(), inner.address("w2").unwrap());
    let root = start(
        SupervisorSpec::builder("root")
            .events(events)
            .intensity(root_intensity)
            .child(ChildSpec::new("sibling", worker("sibling", &log)))
            .child(inner.into_child()),
    )
    .await;
    log.clear();
    Nested {
        root,
        w1,
        w2,
        watch,
        log,
    }
}

async fn restarts_of(root: &SupervisorRef, name: &str) -> u32 {
    let status = root.children().await.unwrap();
    status.iter().find(|c| c.name == name).unwrap().restarts
}

/// Item 2: one `Critical` failure of a root's child used to end the whole tree (the root had
/// nobody to escalate to), stopping siblings that had nothing to do with it. The root restarts
/// the child by its own strategy instead.
#[tokio::test(start_paused = true)]
async fn a_critical_failure_under_the_root_restarts_the_child_and_spares_its_siblings() {
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .child(ChildSpec::new("chain", worker("chain", &log)))
            .child(ChildSpec::new("storage", worker("storage", &log))),
    )
    .await;
    let mut watch = Watch::new(root.events());
    let chain = root.child::<Worker>("chain").unwrap();
    chain.inject_failure(ActorError::critical("block handler took 150 ms > 100 ms"));
    watch.started("chain").await;
    assert_eq!(chain.ask(Which).within().await, Ok(2));
    let storage = root.child::<Worker>("storage").unwrap();
    assert_eq!(
        storage.ask(Which).within().await,
        Ok(1),
        "the sibling is untouched"
    );
    assert_eq!(restarts_of(&root, "chain").await, 1);
    let status = root.children().await.unwrap();
    assert_eq!(
        status[0].last_error.as_ref().map(ActorError::severity),
        Some(Severity::Critical)
    );
    assert!(!watch.kinds().contains(&"escalated"));
}

/// Item 2: a `Critical` failure deeper in the tree escalates to the supervisor above, which
/// restarts the failing child's supervisor (its subtree) by its own strategy and counts it in
/// its own intensity. Only the root exceeding its intensity ends the tree.
#[tokio::test(start_paused = true)]
async fn a_critical_failure_restarts_the_subtree_counted_in_the_parents_intensity() {
    let mut t = nested(
        RestartIntensity::new(1, MINUTE),
        SupervisorSpec::builder("inner"),
    )
    .await;
    t.w1.inject_failure(ActorError::critical("corrupt state"));
    t.watch.escalated("inner").await;
    t.watch.started("inner").await;
    assert_eq!(t.w1.ask(Which).within().await, Ok(2), "a new instance");
    assert_eq!(
        t.w2.ask(Which).within().await,
        Ok(2),
        "its whole subtree restarted"
    );
    assert_eq!(
        restarts_of(&t.root, "inner").await,
        1,
        "counted by the root"
    );
    assert_eq!(restarts_of(&t.root, "sibling").await, 0);
    assert!(t.log.entries().iter().all(|e| !e.ends_with("sibling")));
    // A second one within the root's window exceeds its intensity of 1: the tree ends.
    t.w1.inject_failure(ActorError::critical("corrupt state"));
    let ended = tokio::time::timeout(WAIT, t.root.wait()).await.unwrap();
    assert!(
        matches!(&ended, Err(SupervisionError::GaveUp { supervisor, .. }) if supervisor == "root"),
        "{ended:?}"
    );
}

/// Item 2: a panic is `Recoverable` by default in every supervisor, not only the system's:
/// the nested supervisor restarts the worker itself.
#[tokio::test(start_paused = true)]
async fn a_panic_restarts_the_child_locally_by_default() {
    let mut t = nested(
        RestartIntensity::default(),
        SupervisorSpec::builder("inner"),
    )
    .await;
    assert!(t.w1.ask(Panic).within().await.is_err());
    t.watch.started("w1").await;
    assert_eq!(t.w1.ask(Which).within().await, Ok(2));
    assert_eq!(
        t.w2.ask(Which).within().await,
        Ok(1),
        "its sibling is untouched"
    );
    assert_eq!(restarts_of(&t.root, "inner").await, 0, "no escalation");
    assert!(!t.watch.kinds().contains(&"escalated"));

    // Configured as `Critical`, a panic escalates.
    let mut t = nested(
        RestartIntensity::default(),
        SupervisorSpec::builder("inner").panics_as(Severity::Critical),
    )
    .await;
    assert!(t.w1.ask(Panic).within().await.is_err());
    t.watch.escalated("inner").await;
    t.watch.started("inner").await;
    assert_eq!(restarts_of(&t.root, "inner").await, 1);
}

/// Item 6: a child whose delay is `Never` is not restarted, so it uses no restart intensity.
#[tokio::test(start_paused = true)]
async fn a_child_that_is_never_restarted_uses_no_intensity() {
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .intensity(RestartIntensity::new(1, MINUTE))
            .child(ChildSpec::new("once", worker("once", &log)).delay(RestartDelay::Never))
            .child(ChildSpec::new("flaky", worker("flaky", &log))),
    )
    .await;
    let mut watch = Watch::new(root.events());
    root.child::<Worker>("once")
        .unwrap()
        .inject_failure(ActorError::recoverable("done for"));
    watch.removed("once").await;
    let flaky = root.child::<Worker>("flaky").unwrap();
    flaky.inject_failure(ActorError::recoverable("hiccup"));
    watch.started("flaky").await;
    assert_eq!(
        flaky.ask(Which).within().await,
        Ok(2),
        "the one restart allowed"
    );
    assert!(!watch.kinds().contains(&"escalated"));
    // The intensity still counts real restarts.
    flaky.inject_failure(ActorError::recoverable("hiccup"));
    watch.escalated("root").await;
}

/// Item 7: `Fatal` replaces a child once, at once; a second fatal failure escalates only if
/// it comes within the intensity window (months later, it is replaced again).
#[tokio::test(start_paused = true)]
async fn a_second_fatal_failure_escalates_only_within_the_window() {
    let window = Duration::from_secs(10);
    let mut t = nested(
        RestartIntensity::default(),
        SupervisorSpec::builder("inner").intensity(RestartIntensity::new(5, window)),
    )
    .await;
    let t0 = tokio::time::Instant::now();
    t.w2.inject_failure(ActorError::fatal("bad key"));
    t.watch.started("w2").await;
    assert_eq!(
        tokio::time::Instant::now() - t0,
        Duration::ZERO,
        "replaced without its 30 s backoff"
    );
    tokio::time::sleep(window).await;
    t.w2.inject_failure(ActorError::fatal("bad key"));
    t.watch.started("w2").await;
    assert_eq!(t.w2.ask(Which).within().await, Ok(3), "replaced again");
    assert_eq!(restarts_of(&t.root, "inner").await, 0, "no escalation");
    // Within the window, it is a loop: escalate.
    t.w2.inject_failure(ActorError::fatal("bad key"));
    let escalation = t.watch.escalated("inner").await;
    assert!(
        matches!(&escalation, SupervisionEvent::Escalated { error, .. }
            if error.message().contains("failed fatally twice")),
        "{escalation:?}"
    );
    t.watch.started("inner").await;
    assert_eq!(restarts_of(&t.root, "inner").await, 1);
}
