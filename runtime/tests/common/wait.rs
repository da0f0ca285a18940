//! Bounded waits: a test that waits for a message, an actor or a state that never comes fails
//! with what it waited for, instead of hanging. Shared with the facade's tests (by `#[path]`).
//!
//! What is bounded: every wait on another task or actor (an ask, a send that may wait for space,
//! a stop, a join, a channel, a state polled until it holds). What is not: an await that bounds
//! itself (`ask_timeout`, `health_check`, the probe's `expect_*`), and spawning an actor whose
//! `started` hook waits for nothing (it runs to its end in the spawning task).
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

/// How long a test waits for one thing before it fails: far above what a passing wait takes,
/// even on a loaded machine.
pub const WAIT: Duration = Duration::from_secs(10);

/// `future`'s output, if it comes within [`WAIT`]; otherwise the test fails, saying `what` it
/// waited for.
pub async fn bounded<F: Future>(future: F, what: &str) -> F::Output {
    within(WAIT, future, what).await
}

/// [`bounded`] with a bound of its own, for a wait on much work (a stress run).
pub async fn within<F: Future>(limit: Duration, future: F, what: &str) -> F::Output {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("waited {limit:?} for: {what}"))
}

/// Wait until `done()` holds, looking every millisecond, for at most [`WAIT`].
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let polled = async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    bounded(polled, what).await
}
