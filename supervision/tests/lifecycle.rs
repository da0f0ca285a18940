//! A child's life under its supervisor: removed when it ends for good (by name, too), stopped
//! at once by a shutdown while it waits to restart, counted, restarted without a timer when
//! there is no delay, reported typed when it cannot start, and logged as operators expect.

mod common;

use actor_system_runtime::{ActorError, ActorResult, Context, ExitReason, FailureKind};
use actor_system_supervision::*;
use common::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

/// Item 1: a child that ended for good is removed (spec and record), so its name is free; a
/// node that runs per-peer actors for months keeps only the live ones.
#[tokio::test(start_paused = true)]
async fn children_that_end_for_good_are_removed_and_their_names_are_free() {
    let log = Log::default();
    let root = start(SupervisorSpec::builder("root")).await;
    let mut watch = Watch::new(root.events());
    for round in 0..100 {
        let peer = root
            .add_child(
                ChildSpec::new("peer", worker("peer", &log)).restart(RestartPolicy::Temporary),
            )
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        peer.tell(Quit).unwrap();
        assert_eq!(watch.removed("peer").await, ExitReason::Normal);
        assert!(root.children().await.unwrap().is_empty(), "round {round}");
        assert!(root.child::<Worker>("peer").is_none(), "gone from the spec");
    }
}

/// Item 1: `stop_child` stops a child for good and removes it, whatever it is doing: running,
/// stuck in a handler (killed at its shutdown timeout), or waiting to be restarted (at once).
#[tokio::test(start_paused = true)]
async fn stop_child_ends_a_child_for_good_and_frees_its_name() {
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .child(ChildSpec::new("idle", worker("idle", &log)))
            .child(ChildSpec::new("stuck", worker("stuck", &log)).shutdown_timeout(SECOND))
            .child(
                ChildSpec::new("backoff", worker("backoff", &log))
                    .delay(RestartDelay::FixedDelay(Duration::from_secs(30))),
            ),
    )
    .await;
    let mut watch = Watch::new(root.events());
    assert_eq!(
        root.stop_child("idle").within().await,
        Ok(ExitReason::Normal)
    );
    assert_eq!(log.entries()[3..], ["stop:idle"]);

    let stuck = root.child::<Worker>("stuck").unwrap();
    let (entered, handling) = tokio::sync::oneshot::channel();
    stuck.tell(HangNoting(Some(entered))).unwrap();
    tokio::time::timeout(WAIT, handling).await.unwrap().unwrap();
    let t0 = tokio::time::Instant::now();
    let ended = root.stop_child("stuck").within().await.unwrap();
    assert!(
        matches!(&ended, ExitReason::Failed(e) if e.kind() == FailureKind::Timeout),
        "{ended:?}"
    );
    assert_eq!(
        tokio::time::Instant::now() - t0,
        SECOND,
        "killed at its timeout"
    );

    let backoff = root.child::<Worker>("backoff").unwrap();
    backoff.inject_failure(ActorError::recoverable("x"));
    watch.restarting("backoff").await;
    let t0 = tokio::time::Instant::now();
    assert_eq!(
        root.stop_child("backoff").within().await,
        Ok(ExitReason::Normal)
    );
    assert_eq!(tokio::time::Instant::now(), t0, "not after its backoff");
    assert!(!backoff.is_alive());

    assert!(root.children().await.unwrap().is_empty());
    assert_eq!(
        root.stop_child("idle").within().await,
        Err(SupervisionError::UnknownChild("idle".into()))
    );
    let idle = root
        .add_child(ChildSpec::new("idle", worker("idle", &log)))
        .await
        .unwrap();
    assert_eq!(
        idle.ask(Which).within().await,
        Ok(1),
        "the name is free again"
    );
}

/// Item 3: a shutdown does not wait out a child's restart backoff nor a dependency wait: such
/// a child has no incarnation to stop, it is stopped at once and reported as stopped.
#[tokio::test(start_paused = true)]
async fn shutdown_stops_children_waiting_to_restart_at_once() {
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .child(
                ChildSpec::new("storage", worker("storage", &log))
                    .delay(RestartDelay::FixedDelay(Duration::from_secs(30))),
            )
            .child(
                ChildSpec::new("chain", worker("chain", &log))
                    .depends_on(["storage"])
                    .dependency_timeout(Duration::from_secs(60)),
            ),
    )
    .await;
    let mut watch = Watch::new(root.events());
    let storage = root.child::<Worker>("storage").unwrap();
    storage.inject_failure(ActorError::recoverable("DatabaseConnection timeout"));
    watch.restarting("storage").await;
    let chain = root.child::<Worker>("chain").unwrap();
    chain.inject_failure(ActorError::recoverable("Storage unavailable"));
    watch.restarting("chain").await;
    let t0 = tokio::time::Instant::now();
    let report = root.shutdown().await;
    assert_eq!(
        tokio::time::Instant::now(),
        t0,
        "no backoff or timeout waited out"
    );
    assert_eq!(report.stopped, ["chain", "storage"]);
    assert!(report.aborted.is_empty());
    assert!(!storage.is_alive() && !chain.is_alive());
    assert_eq!(
        log.starts_of("storage").len(),
        1,
        "not restarted to be stopped"
    );
}

/// Item 8: the status says how many restarts fall within the intensity window (how close the
/// supervisor is to giving up) and how many there were in all.
#[tokio::test(start_paused = true)]
async fn status_reports_restarts_within_the_window_and_in_total() {
    let log = Log::default();
    let root = start(
        SupervisorSpec::builder("root")
            .intensity(RestartIntensity::new(5, Duration::from_secs(10)))
            .child(ChildSpec::new("w", worker("w", &log))),
    )
    .await;
    let mut watch = Watch::new(root.events());
    let w = root.child::<Worker>("w").unwrap();
    for _ in 0..2 {
        w.inject_failure(ActorError::recoverable("x"));
        watch.started("w").await;
    }
    tokio::time::sleep(Duration::from_secs(11)).await; // a quiet window
    w.inject_failure(ActorError::recoverable("x"));
    watch.started("w").await;
    let status = &root.children().await.unwrap()[0];
    assert_eq!((status.restarts, status.total_restarts), (1, 3));
}

/// There is one restart count: the supervisor's `total_restarts` is the count the child's
/// address reports, whoever restarted it: its supervisor after its own failure, or its
/// supervisor's supervisor, restarting the whole subtree.
#[tokio::test(start_paused = true)]
async fn the_status_and_the_address_report_one_restart_count() {
    let log = Log::default();
    let events = SupervisionEvents::new();
    let mut watch = Watch::new(&events);
    let inner = SupervisorSpec::builder("inner")
        .events(events.clone())
        .intensity(RestartIntensity::new(1, Duration::from_secs(10)))
        .child(ChildSpec::new("w1", worker("w1", &log)))
        .child(ChildSpec::new("w2", worker("w2", &log)))
        .build()
        .unwrap();
    let (w1, w2) = (
        inner.address::<Worker>("w1").unwrap(),
        inner.address::<Worker>("w2").unwrap(),
    );
    let root = start(
        SupervisorSpec::builder("root")
            .events(events)
            .child(inner.into_child()),
    )
    .await;
    let inner = root.child::<Supervisor>("inner").unwrap();
    let totals = || async {
        let status = inner.ask(GetChildren).within().await.unwrap();
        status.iter().map(|c| c.total_restarts).collect::<Vec<_>>()
    };
    w1.inject_failure(ActorError::recoverable("once"));
    eventually(&mut watch, "w1 restarted by inner", || {
        w1.stats().restarts == 1
    })
    .await;
    assert_eq!(totals().await, [1, 0]);
    // Past inner's intensity: the root restarts inner, and inner starts both workers anew.
    w1.inject_failure(ActorError::recoverable("again"));
    watch.started("inner").await;
    assert_eq!([w1.stats().restarts, w2.stats().restarts], [2, 1]);
    assert_eq!(totals().await, [2, 1]);
}

struct Refuses;
impl actor_system_runtime::Actor for Refuses {
    async fn started(&mut self, _: &mut Context<Self>) -> ActorResult<()> {
        Err(ActorError::recoverable("no disk"))
    }
}

/// Item 9: a child that fails to start is reported with its name and its own error, carried
/// typed rather than parsed back out of a message (which a name could confuse).
#[tokio::test(start_paused = true)]
async fn a_child_that_cannot_start_is_reported_with_its_own_error() {
    let name = "db' failed to start: x";
    let err = SupervisorSpec::builder("root")
        .child(ChildSpec::new("ok", worker("ok", &Log::default())))
        .child(ChildSpec::new(name, || Refuses))
        .build()
        .unwrap()
        .start()
        .await
        .err()
        .unwrap();
    let own = ActorError::recoverable("no disk").with_kind(FailureKind::StartFailed);
    assert_eq!(
        err,
        SupervisionError::ChildStartFailed {
            child: name.into(),
            error: own
        }
    );
}

/// Item 11: a restart without delay does not touch the timer (a zero-length sleep waits for
/// the next tick: ~1 ms a restart). On the paused clock, time does not move at all.
#[tokio::test(start_paused = true)]
async fn an_immediate_restart_does_not_wait_for_the_timer() {
    let root = start(
        SupervisorSpec::builder("root")
            .intensity(RestartIntensity::new(1000, SECOND))
            .child(ChildSpec::new("w", worker("w", &Log::default()))),
    )
    .await;
    let w = root.child::<Worker>("w").unwrap();
    let t0 = tokio::time::Instant::now();
    for incarnation in 1..=100 {
        assert_eq!(w.ask(Which).within().await, Ok(incarnation));
        assert!(w.ask(Panic).within().await.is_err());
    }
    assert_eq!(w.ask(Which).within().await, Ok(101));
    assert_eq!(tokio::time::Instant::now(), t0);
}

/// Item 11, on the real clock: an immediate restart takes microseconds. Waiting for the next
/// timer tick made each take ~1.2 ms; the bound here is generous for a loaded debug build.
#[tokio::test]
async fn immediate_restarts_take_microseconds_not_timer_ticks() {
    let root = start(
        SupervisorSpec::builder("root")
            .intensity(RestartIntensity::new(u32::MAX, SECOND))
            .child(ChildSpec::new("w", worker("w", &Log::default()))),
    )
    .await;
    let w = root.child::<Worker>("w").unwrap();
    let rounds = 200;
    let t0 = std::time::Instant::now();
    for _ in 0..rounds {
        w.inject_failure(ActorError::recoverable("restart me"));
        tokio::time::timeout(WAIT, w.ask(Which))
            .await
            .expect("restarted")
            .unwrap();
    }
    let each = t0.elapsed() / rounds;
    assert!(each < Duration::from_micros(500), "{each:?} a restart");
    root.shutdown().await;
}

/// Writes what the log subscriber formats into a shared buffer.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The seed's scenario 1 log lines, which operators grep for.
#[tokio::test(start_paused = true)]
async fn failures_and_restarts_are_logged_as_the_seed_shows_them() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let log = Log::default();
    let root = start(SupervisorSpec::builder("root").child(ChildSpec::new(
        "storage-actor",
        worker("storage-actor", &log),
    )))
    .await;
    let mut watch = Watch::new(root.events());
    root.child::<Worker>("storage-actor")
        .unwrap()
        .inject_failure(ActorError::recoverable("DatabaseConnection timeout"));
    watch.started("storage-actor").await;
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "ERROR actor_system::supervisor: Actor 'storage-actor' failed: DatabaseConnection timeout",
        " WARN actor_system::supervisor: Restarting 'storage-actor' (attempt 1/5)",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}
