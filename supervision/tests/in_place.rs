//! A supervised child runs in its own task across restarts, and, like an actor started with
//! `spawn`, answers an ask that finds it idle in the asking task.

mod common;

use actor_system_runtime::ActorError;
use actor_system_supervision::*;
use common::*;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;

/// Poll `future` once, with a waker that does nothing.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}

#[tokio::test(start_paused = true)]
async fn a_supervised_child_answers_in_the_asking_task_before_and_after_a_restart() {
    let log = Log::default();
    let sup = SupervisorSpec::builder("sup")
        .child(ChildSpec::new("a", worker("a", &log)))
        .build()
        .unwrap()
        .start()
        .await
        .unwrap();
    let mut watch = Watch::new(sup.events());
    let a = sup.child::<Worker>("a").unwrap();
    let ask = pin!(a.ask(Which));
    assert_eq!(poll_once(ask), Poll::Ready(Ok(1)), "answered in this task");

    a.inject_failure(ActorError::recoverable("boom"));
    watch.started("a").await;
    assert_eq!(log.entries(), ["start:a", "stop:a", "start:a"]);
    let ask = pin!(a.ask(Which));
    assert_eq!(
        poll_once(ask),
        Poll::Ready(Ok(2)),
        "the new incarnation, in this task"
    );

    let report = sup.shutdown().await;
    assert!(report.aborted.is_empty());
    assert!(!a.is_alive());
}
