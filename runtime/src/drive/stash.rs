//! Wake-ups an actor's poll gives to idle actors, delivered right after that poll, in the same
//! task, by polling the woken actor in place: a message from one actor's handler to another
//! then needs no hand-off to the other's task (and, on a multi-thread runtime, often to the
//! other worker), as a task woken by the running task would get tokio's LIFO slot.
//!
//! While a drive's future is polled, the first wake-up that finds another in-place drive idle
//! is *stashed* instead of scheduling that drive's pump (see [`offer`]); the poller takes the
//! stash when its poll ends ([`Collecting::close`]) and delivers it ([`deliver`](super::Drive)):
//! it runs the woken actor in place if the task has cooperative budget left (one unit per run,
//! as an ask spends), or schedules its pump otherwise. A stashed wake-up is never lost: whatever
//! ends a poll, the stash is delivered or, failing that, scheduled when the collector is
//! dropped.

use super::Drive;
use std::cell::Cell;
use std::sync::Arc;

thread_local! {
    /// Whether a poll on this thread collects wake-ups.
    static OPEN: Cell<bool> = const { Cell::new(false) };
    /// The wake-up it collected.
    static STASHED: Cell<Option<Arc<Drive>>> = const { Cell::new(None) };
}

/// Stash the wake-up of `drive` (idle, just notified, runnable in place) if a poll on this
/// thread collects one and has none yet. `false`: the caller schedules it as usual.
#[inline]
pub(super) fn offer(drive: &Arc<Drive>) -> bool {
    if !OPEN.get() {
        return false;
    }
    let stashed = STASHED.take();
    let taken = stashed.is_none();
    STASHED.set(Some(stashed.unwrap_or_else(|| drive.clone())));
    taken
}

/// Collects the wake-ups of one poll; nested polls each collect their own.
pub(super) struct Collecting {
    outer_open: bool,
    outer: Option<Arc<Drive>>,
    closed: bool,
}

impl Collecting {
    /// Start collecting for the poll about to run.
    #[inline]
    pub(super) fn open() -> Self {
        Collecting {
            outer_open: OPEN.replace(true),
            outer: STASHED.take(),
            closed: false,
        }
    }

    /// The poll is over: stop collecting and take what it stashed, which the caller delivers.
    #[inline]
    pub(super) fn close(mut self) -> Option<Arc<Drive>> {
        self.closed = true;
        self.restore()
    }

    fn restore(&mut self) -> Option<Arc<Drive>> {
        OPEN.set(self.outer_open);
        STASHED.replace(self.outer.take())
    }
}

impl Drop for Collecting {
    /// Not closed (the poll unwound): what it stashed is scheduled.
    fn drop(&mut self) {
        if !self.closed {
            if let Some(drive) = self.restore() {
                drive.schedule();
            }
        }
    }
}

/// Whether the current task may run one more stashed wake-up in place: it has cooperative
/// budget left, which this spends. Outside a runtime (no budget), `runs_left` bounds a chain.
pub(super) fn spend_budget(runs_left: &mut u32) -> bool {
    if *runs_left == 0 {
        return false;
    }
    *runs_left -= 1;
    // Used up, it registers this no-op waker: the caller schedules the actor instead.
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match tokio::task::coop::poll_proceed(&mut cx) {
        std::task::Poll::Ready(spent) => {
            spent.made_progress();
            true
        }
        std::task::Poll::Pending => false,
    }
}
