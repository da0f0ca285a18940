//! Strategies restart exactly the right children, in the right order; addresses are stable.

mod common;

use actor_system_runtime::{ActorError, AskError};
use actor_system_supervision::*;
use common::*;
use std::time::Duration;

async fn tree(strategy: Strategy, log: &Log) -> SupervisorRef {
    let mut b = SupervisorSpec::builder("sup").strategy(strategy);
    for name in ["a", "b", "c"] {
        b = b.child(ChildSpec::new(name, worker(name, log)));
    }
    b.build().unwrap().start().await.unwrap()
}

fn restarts(status: &[ChildStatus]) -> Vec<u32> {
    status.iter().map(|c| c.restarts).collect()
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_failed_child() {
    let log = Log::default();
    let sup = tree(Strategy::OneForOne, &log).await;
    let mut watch = Watch::new(sup.events());
    assert_eq!(log.entries(), ["start:a", "start:b", "start:c"]);
    log.clear();
    sup.child::<Worker>("b")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    watch.started("b").await;
    assert_eq!(log.entries(), ["stop:b", "start:b"]);
    let status = sup.children().await.unwrap();
    assert_eq!(restarts(&status), [0, 1, 0]);
    assert_eq!(status[1].last_error, Some(ActorError::recoverable("boom")));
    assert!(status.iter().all(|c| c.state == ChildState::Running));
}

#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order() {
    let log = Log::default();
    let sup = tree(Strategy::OneForAll, &log).await;
    let mut watch = Watch::new(sup.events());
    log.clear();
    sup.child::<Worker>("b")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    watch.started("c").await; // the last of the group
    let entries = log.entries();
    let (stops, starts): (Vec<_>, Vec<_>) = entries.iter().partition(|e| e.starts_with("stop"));
    assert_eq!(stops.len(), 3);
    assert_eq!(
        &stops[1..],
        ["stop:c", "stop:a"],
        "siblings stop in reverse start order"
    );
    assert_eq!(
        starts,
        ["start:a", "start:b", "start:c"],
        "all restart in start order"
    );
    assert!(
        entries.iter().position(|e| e == "start:a") > entries.iter().position(|e| e == "stop:a")
    );
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_failed_child_and_those_after_it() {
    let log = Log::default();
    let sup = tree(Strategy::RestForOne, &log).await;
    let mut watch = Watch::new(sup.events());
    log.clear();
    sup.child::<Worker>("b")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    watch.started("c").await;
    assert_eq!(log.entries(), ["stop:b", "stop:c", "start:b", "start:c"]);
    assert_eq!(restarts(&sup.children().await.unwrap()), [0, 1, 1]);
}

/// Item 5: a second failure while a group restart is under way joins it. Siblings that are
/// down already are not stopped again nor counted twice. With rest-for-one, `a` (outside the
/// group) fails while `b` and `c` wait for `b`'s delay; with one-for-all, `a` is restarted
/// first and fails again while the others wait: only `a` restarts twice.
#[tokio::test(start_paused = true)]
async fn a_failure_during_a_group_restart_joins_it_without_stopping_anyone_twice() {
    for (strategy, expected) in [(Strategy::RestForOne, 1), (Strategy::OneForAll, 2)] {
        let log = Log::default();
        let sup = start(
            SupervisorSpec::builder("sup")
                .strategy(strategy)
                .child(ChildSpec::new("a", worker("a", &log)))
                .child(
                    ChildSpec::new("b", worker("b", &log))
                        .delay(RestartDelay::FixedDelay(Duration::from_secs(1))),
                )
                .child(ChildSpec::new("c", worker("c", &log))),
        )
        .await;
        let mut watch = Watch::new(sup.events());
        log.clear();
        // b fails: its group goes down, and b waits out its 1 s delay...
        sup.child::<Worker>("b")
            .unwrap()
            .inject_failure(ActorError::recoverable("first"));
        watch.restarting("c").await;
        if strategy == Strategy::OneForAll {
            watch.started("a").await; // first of the group, no delay of its own
        }
        // ...during which a fails.
        sup.child::<Worker>("a")
            .unwrap()
            .inject_failure(ActorError::recoverable("second"));
        watch.started("c").await;
        let starts = |who| log.starts_of(who).len();
        assert_eq!(
            (starts("a"), starts("b"), starts("c")),
            (expected, 1, 1),
            "{strategy:?}: b and c started once: {:?}",
            log.entries()
        );
        assert_eq!(
            restarts(&sup.children().await.unwrap()),
            [expected as u32, 1, 1],
            "{strategy:?}: b's and c's restart counted once"
        );
        for (name, incarnation) in [("a", expected as u32 + 1), ("b", 2), ("c", 2)] {
            let addr = sup.child::<Worker>(name).unwrap();
            assert_eq!(
                addr.ask(Which).within().await,
                Ok(incarnation),
                "{strategy:?} {name}"
            );
        }
        let entries = log.entries();
        let stops = entries.iter().filter(|e| e.starts_with("stop")).count();
        assert_eq!(
            stops,
            2 + expected,
            "{strategy:?}: nobody stopped twice: {entries:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn an_address_held_across_a_restart_reaches_the_new_incarnation() {
    let log = Log::default();
    let sup = tree(Strategy::OneForOne, &log).await;
    let b = sup.child::<Worker>("b").unwrap();
    assert_eq!(b.ask(Which).within().await, Ok(1));
    let (tx, entered) = tokio::sync::oneshot::channel();
    let in_flight = {
        let b = b.clone();
        tokio::spawn(async move { b.ask(HangNoting(Some(tx))).await })
    };
    tokio::time::timeout(WAIT, entered)
        .await
        .expect("the handler runs")
        .unwrap();
    b.kill(ActorError::recoverable("stuck"));
    assert_eq!(
        in_flight.await.unwrap(),
        Err(AskError::NoReply),
        "the ask in flight errors out"
    );
    assert_eq!(
        b.ask(Which).within().await,
        Ok(2),
        "same address, new incarnation"
    );
}

#[tokio::test(start_paused = true)]
async fn transient_and_temporary_children_are_not_restarted_after_a_normal_stop() {
    let log = Log::default();
    let sup = start(
        SupervisorSpec::builder("sup")
            .child(ChildSpec::new("t", worker("t", &log)).restart(RestartPolicy::Transient))
            .child(ChildSpec::new("tmp", worker("tmp", &log)).restart(RestartPolicy::Temporary))
            .child(ChildSpec::new("p", worker("p", &log))),
    )
    .await;
    let mut watch = Watch::new(sup.events());
    log.clear();
    let t = sup.child::<Worker>("t").unwrap();
    t.tell(Quit).unwrap();
    sup.child::<Worker>("p").unwrap().tell(Quit).unwrap();
    sup.child::<Worker>("tmp")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    assert_eq!(
        watch.removed("t").await,
        actor_system_runtime::ExitReason::Normal
    );
    assert!(watch.removed("tmp").await.is_failure());
    watch.started("p").await;
    let states: Vec<_> = sup
        .children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.state))
        .collect();
    assert_eq!(
        states,
        [("p".to_owned(), ChildState::Running)],
        "children that ended for good are removed"
    );
    assert!(!t.is_alive());
    // A transient child that fails is restarted.
    let log2 = Log::default();
    let sup2 = start(
        SupervisorSpec::builder("sup2")
            .child(ChildSpec::new("t", worker("t", &log2)).restart(RestartPolicy::Transient)),
    )
    .await;
    let mut watch2 = Watch::new(sup2.events());
    sup2.child::<Worker>("t")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    watch2.started("t").await;
    assert_eq!(
        sup2.child::<Worker>("t").unwrap().ask(Which).within().await,
        Ok(2)
    );
}

#[tokio::test(start_paused = true)]
async fn children_can_be_added_to_a_running_supervisor() {
    let log = Log::default();
    let sup = tree(Strategy::OneForOne, &log).await;
    let d = sup
        .add_child(ChildSpec::new("d", worker("d", &log)).depends_on(["a"]))
        .await
        .unwrap();
    assert_eq!(d.ask(Which).within().await, Ok(1));
    assert_eq!(sup.children().await.unwrap().len(), 4);
    let dup = sup.add_child(ChildSpec::new("d", worker("d", &log))).await;
    assert_eq!(
        dup.unwrap_err(),
        SupervisionError::DuplicateChild("d".into())
    );
    let unknown = sup
        .add_child(ChildSpec::new("e", worker("e", &log)).depends_on(["zz"]))
        .await;
    assert!(matches!(
        unknown,
        Err(SupervisionError::UnknownDependency { .. })
    ));
    // An added child is supervised like the others.
    d.inject_failure(ActorError::recoverable("boom"));
    assert_eq!(d.ask(Which).within().await, Ok(2));
}
