//! Helpers for tests on tokio's paused clock.

use std::future::Future;
use std::time::Duration;

/// Run `test` on a fresh current-thread runtime whose clock starts paused: sleeps complete as
/// soon as every task is idle, so timing tests are exact and instant.
///
/// ```
/// use actor_system_runtime::testing::run_paused;
/// use std::time::Duration;
///
/// let waited = run_paused(async {
///     let start = tokio::time::Instant::now();
///     tokio::time::sleep(Duration::from_secs(3600)).await;
///     start.elapsed()
/// });
/// assert_eq!(waited, Duration::from_secs(3600));
/// ```
///
/// # Panics
/// If called from inside a runtime (like `Runtime::block_on`).
pub fn run_paused<F: Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("building a current-thread tokio runtime")
        .block_on(test)
}

/// Let every ready task run (actors handle what is queued) without moving the clock.
pub async fn settle() {
    for _ in 0..64 {
        tokio::task::yield_now().await;
    }
}

/// Move the paused clock forward by `by`, letting actors react before and after.
///
/// ```
/// use actor_system_runtime::testing::{advance, run_paused};
/// use std::time::Duration;
///
/// run_paused(async {
///     let start = tokio::time::Instant::now();
///     advance(Duration::from_millis(250)).await;
///     assert_eq!(start.elapsed(), Duration::from_millis(250));
/// });
/// ```
///
/// # Panics
/// If the clock is not paused.
pub async fn advance(by: Duration) {
    settle().await;
    tokio::time::advance(by).await;
    settle().await;
}
