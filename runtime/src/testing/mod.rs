//! A test kit for actor authors (feature `testing`): probes that record what they receive,
//! mock actors with canned replies, paused-clock helpers and failure assertions.
//!
//! Everything here is meant for tests: the `expect_*` and `assert_*` helpers panic with a clear
//! message when the expectation fails, which is how a test reports it.

mod clock;
mod mock;
mod probe;

pub use clock::{advance, run_paused, settle};
pub use mock::{MockActor, MockBuilder, MockCalls};
pub use probe::TestProbe;

use crate::{Actor, Addr, ExitReason, Severity};
use std::time::Duration;

/// Wait up to `timeout` for the actor behind `addr` to stop, and assert that it failed with
/// `severity` and a message containing `message_part`. Returns the error.
///
/// # Panics
/// If the actor does not stop in time, stops normally, or fails differently.
///
/// ```
/// use actor_system_runtime::{spawn, Actor, ActorError, Severity, testing::assert_failed_with};
/// use std::time::Duration;
///
/// struct Worker;
/// impl Actor for Worker {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let addr = spawn(Worker).await.unwrap();
/// addr.inject_failure(ActorError::critical("disk full"));
/// assert_failed_with(&addr, Severity::Critical, "disk", Duration::from_secs(1)).await;
/// # }
/// ```
pub async fn assert_failed_with<A: Actor>(
    addr: &Addr<A>,
    severity: Severity,
    message_part: &str,
    timeout: Duration,
) -> crate::ActorError {
    let reason = tokio::time::timeout(timeout, addr.wait_for_stop())
        .await
        .unwrap_or_else(|_| panic!("actor '{}' did not stop within {timeout:?}", addr.name()))
        .unwrap_or_else(|e| panic!("waiting for actor '{}': {e}", addr.name()));
    match reason {
        ExitReason::Failed(e) if e.severity() == severity && e.message().contains(message_part) => {
            e
        }
        other => panic!(
            "actor '{}' should have failed ({severity}, \"{message_part}\"), but: {other}",
            addr.name()
        ),
    }
}
