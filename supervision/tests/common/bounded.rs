//! Bounded waits, shared by the supervision tests and (by path) the facade's system tests.

use std::future::Future;
use std::time::Duration;

/// How long a test waits for something that must happen. On a paused clock this is virtual
/// time: a wait that can never end fails as soon as nothing else is left to run.
pub const WAIT: Duration = Duration::from_secs(120);

/// Bounds a wait by [`WAIT`], so that a test fails instead of hanging.
pub trait Within: Future + Sized {
    async fn within(self) -> Self::Output {
        tokio::time::timeout(WAIT, self)
            .await
            .unwrap_or_else(|_| panic!("nothing within {WAIT:?}"))
    }
}

impl<F: Future> Within for F {}
