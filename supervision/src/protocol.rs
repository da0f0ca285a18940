//! What a child's task and its supervisor tell each other.
//!
//! A child's task runs incarnations of its actor on one mailbox. When one ends, the task
//! reports [`ChildExited`] and waits for the [`Decision`], which the supervisor sends at once:
//! end for good, restart now, or restart when released (a backoff, dependencies, or siblings
//! of a group restart). The release is a second channel whose sender the supervisor keeps
//! while the child waits: the supervisor owns every wait, so a shutdown ends it at once. Each
//! run of a task has its own number, so reports from the task of an earlier incarnation of the
//! supervisor (left in its mailbox) are told apart from the current one's.

use actor_system_runtime::{ActorId, ExitReason, Message, Priority, Recipient};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::oneshot;

/// What the supervisor decides when an incarnation has ended.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Run a new incarnation: at once (`None`), or when the supervisor says [`Go`].
    Restart(Option<oneshot::Receiver<Go>>),
    /// End the actor for good.
    Finish,
}

/// The release of a child that waits to be restarted. A dropped sender means the supervisor
/// is stopping: the task keeps the mailbox for the supervisor's next incarnation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Go {
    /// Start the new incarnation now.
    Run,
    /// Do not: the child was stopped by name while it waited; end it for good.
    Finish,
}

/// An incarnation of the child `id` ended; the supervisor answers on `decide`.
pub(crate) struct ChildExited {
    pub(crate) id: ActorId,
    pub(crate) run: Run,
    pub(crate) reason: ExitReason,
    pub(crate) decide: oneshot::Sender<Decision>,
}

impl Message for ChildExited {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}

/// A restarted incarnation of the child `id` has started (a first start is reported to the
/// caller of `Child::start` instead).
pub(crate) struct ChildStarted {
    pub(crate) id: ActorId,
    pub(crate) run: Run,
}

impl Message for ChildStarted {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}

/// Where a child's task reports (its supervisor, whatever the supervisor's type).
#[derive(Clone)]
pub(crate) struct Reports {
    pub(crate) exited: Recipient<ChildExited>,
    pub(crate) started: Recipient<ChildStarted>,
}

/// The number of one run of a child's task, unique in the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run(u64);

impl Run {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Run(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}
