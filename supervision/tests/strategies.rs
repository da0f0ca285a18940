//! Strategies restart exactly the right children, in the right order; addresses are stable.

mod common;

use actor_system_runtime::{ActorError, AskError};
use actor_system_supervision::*;
use common::*;

async fn tree(strategy: Strategy, log: &Log) -> SupervisorRef {
    let mut b = SupervisorSpec::builder("sup").strategy(strategy);
    for name in ["a", "b", "c"] {
        b = b.child(ChildSpec::new(name, worker(name, log)));
    }
    b.build().unwrap().start().await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_failed_child() {
    let log = Log::default();
    let sup = tree(Strategy::OneForOne, &log).await;
    assert_eq!(log.entries(), ["start:a", "start:b", "start:c"]);
    log.clear();
    sup.child::<Worker>("b")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    settle().await;
    assert_eq!(log.entries(), ["stop:b", "start:b"]);
    let status = sup.children().await.unwrap();
    let restarts: Vec<u32> = status.iter().map(|c| c.restarts).collect();
    assert_eq!(restarts, [0, 1, 0]);
    assert_eq!(status[1].last_error, Some(ActorError::recoverable("boom")));
    assert!(status.iter().all(|c| c.state == ChildState::Running));
}

#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order() {
    let log = Log::default();
    let sup = tree(Strategy::OneForAll, &log).await;
    log.clear();
    sup.child::<Worker>("b")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    settle().await;
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
    log.clear();
    sup.child::<Worker>("b")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    settle().await;
    assert_eq!(log.entries(), ["stop:b", "stop:c", "start:b", "start:c"]);
    let restarts: Vec<u32> = sup
        .children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.restarts)
        .collect();
    assert_eq!(restarts, [0, 1, 1]);
}

#[tokio::test(start_paused = true)]
async fn an_address_held_across_a_restart_reaches_the_new_incarnation() {
    let log = Log::default();
    let sup = tree(Strategy::OneForOne, &log).await;
    let b = sup.child::<Worker>("b").unwrap();
    assert_eq!(b.ask(Which).await, Ok(1));
    let in_flight = {
        let b = b.clone();
        tokio::spawn(async move { b.ask(Hang).await })
    };
    settle().await;
    b.kill(ActorError::recoverable("stuck"));
    assert_eq!(
        in_flight.await.unwrap(),
        Err(AskError::NoReply),
        "the ask in flight errors out"
    );
    assert_eq!(b.ask(Which).await, Ok(2), "same address, new incarnation");
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
    log.clear();
    sup.child::<Worker>("t").unwrap().tell(Quit).unwrap();
    sup.child::<Worker>("p").unwrap().tell(Quit).unwrap();
    sup.child::<Worker>("tmp")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    settle().await;
    let states: Vec<_> = sup
        .children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.state))
        .collect();
    assert_eq!(
        states,
        [
            ("t".to_owned(), ChildState::Stopped),
            ("tmp".to_owned(), ChildState::Failed),
            ("p".to_owned(), ChildState::Running),
        ]
    );
    assert!(!sup.child::<Worker>("t").unwrap().is_alive());
    // A transient child that fails is restarted.
    let log2 = Log::default();
    let sup2 = start(
        SupervisorSpec::builder("sup2")
            .child(ChildSpec::new("t", worker("t", &log2)).restart(RestartPolicy::Transient)),
    )
    .await;
    sup2.child::<Worker>("t")
        .unwrap()
        .inject_failure(ActorError::recoverable("boom"));
    settle().await;
    assert_eq!(sup2.child::<Worker>("t").unwrap().ask(Which).await, Ok(2));
}

#[tokio::test(start_paused = true)]
async fn children_can_be_added_to_a_running_supervisor() {
    let log = Log::default();
    let sup = tree(Strategy::OneForOne, &log).await;
    let d = sup
        .add_child(ChildSpec::new("d", worker("d", &log)).depends_on(["a"]))
        .await
        .unwrap();
    assert_eq!(d.ask(Which).await, Ok(1));
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
    assert_eq!(d.ask(Which).await, Ok(2));
}
