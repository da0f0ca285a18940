//! A stop that returns has released the actor: its state, its context and its task's future are
//! dropped, so whatever they held (a file, a port, a database) can be taken again at once.
//!
//! Each test repeats its scenario a few hundred rounds on two workers: the actor's own task and
//! the waiter run on different threads, so a waiter that returned before the actor's future was
//! dropped shows up in some rounds.

use actor_system_runtime::{spawn, Actor, Context, ExitReason, Handler, Message};
use std::sync::{Arc, Weak};
use std::time::Duration;

const ROUNDS: usize = 300;
const WAIT: Duration = Duration::from_secs(5);

/// Holds a resource; records that its `stopped` hook ran.
struct Holder {
    resource: Arc<()>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

impl Actor for Holder {
    async fn stopped(&mut self, _: &ExitReason) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

struct Touch;
impl Message for Touch {
    type Result = ();
}
impl Handler<Touch> for Holder {
    async fn handle(&mut self, _: Touch, _: &mut Context<Self>) {
        let _ = &self.resource;
    }
}

/// Spawn a holder that has handled one `tell` (so its own task runs it); returns its address,
/// a weak handle to its resource and its `stopped` flag.
async fn holder() -> (
    actor_system_runtime::Addr<Holder>,
    Weak<()>,
    Arc<std::sync::atomic::AtomicBool>,
) {
    let resource = Arc::new(());
    let weak = Arc::downgrade(&resource);
    let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let addr = spawn(Holder {
        resource,
        stopped: stopped.clone(),
    })
    .await
    .unwrap();
    addr.tell(Touch).unwrap();
    (addr, weak, stopped)
}

fn assert_released(round: usize, weak: &Weak<()>, stopped: &std::sync::atomic::AtomicBool) {
    assert!(
        stopped.load(std::sync::atomic::Ordering::SeqCst),
        "round {round}: `stopped` ran before the wait returned"
    );
    assert_eq!(
        weak.strong_count(),
        0,
        "round {round}: the actor's state was still alive when the wait returned"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_wait_returns_once_the_actor_is_dropped() {
    for round in 0..ROUNDS {
        let (addr, weak, stopped) = holder().await;
        let reason = tokio::time::timeout(WAIT, addr.stop_and_wait())
            .await
            .expect("the actor stopped");
        assert_eq!(reason, Ok(ExitReason::Normal));
        assert_released(round, &weak, &stopped);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_stop_returns_once_the_actor_is_dropped() {
    for round in 0..ROUNDS {
        let (addr, weak, stopped) = holder().await;
        let stopper = addr.clone();
        tokio::spawn(async move { stopper.stop() });
        let reason = tokio::time::timeout(WAIT, addr.wait_for_stop())
            .await
            .expect("the actor stopped");
        assert_eq!(reason, Ok(ExitReason::Normal));
        assert_released(round, &weak, &stopped);
    }
}

/// A waiter that comes after the actor has ended returns at once, and the same holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_waiter_sees_the_actor_released() {
    let (addr, weak, stopped) = holder().await;
    let reason = tokio::time::timeout(WAIT, addr.stop_and_wait())
        .await
        .expect("the actor stopped");
    assert_eq!(reason, Ok(ExitReason::Normal));
    for round in 0..3 {
        let reason = tokio::time::timeout(WAIT, addr.wait_for_stop())
            .await
            .expect("returns at once");
        assert_eq!(reason, Ok(ExitReason::Normal));
        assert_released(round, &weak, &stopped);
    }
}
