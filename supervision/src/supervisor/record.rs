//! What a supervisor knows about each child: where it is in its life ([`Phase`]), its restart
//! counts, its last error and its task.

use crate::policy::Window;
use crate::protocol::{Go, Run};
use crate::task::Child;
use actor_system_runtime::ActorError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// A child's state, as reported by [`GetChildren`](crate::GetChildren).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ChildState {
    /// Its `started` hook runs.
    Starting,
    /// Running.
    Running,
    /// Waiting to be restarted (delay, dependencies, or siblings of a group restart).
    Restarting,
    /// Being stopped for good (by name); it is removed once stopped.
    Stopping,
    /// Stopped by a shutdown.
    Stopped,
    /// Failed to start.
    Failed,
}

/// One child's status.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChildStatus {
    /// Name.
    pub name: String,
    /// State.
    pub state: ChildState,
    /// Restarts within the supervisor's intensity window (how close it is to giving up).
    pub restarts: u32,
    /// Restarts since the child was added, whatever caused them (its own failures, a sibling's
    /// group restart, a restart of the supervisor): the count its address reports in
    /// [`StatsSnapshot::restarts`](actor_system_runtime::StatsSnapshot::restarts).
    pub total_restarts: u64,
    /// The last failure, if any.
    pub last_error: Option<ActorError>,
    /// Time since the current incarnation started (None when not running).
    pub uptime: Option<Duration>,
}

/// Where a child is in its life, as its supervisor sees it. Each phase holds what only it
/// needs; the supervisor learns of every change from the child's task (`ChildStarted`,
/// `ChildExited`) or makes it itself, so it never polls.
///
/// ```text
///  Idle ─start─► Starting ─started─► Running ─exits─► (verdict) ─finish─► removed
///                   ▲                   │                 │ restart
///                   └──── released ──── │ ─── Waiting ◄───┘
///                                       │        ▲
///                                       └─stop─► Stopping ─exits─► Waiting (group) / removed
/// ```
pub(crate) enum Phase {
    /// Not started by this incarnation of the supervisor yet.
    Idle,
    /// Its `started` hook runs: a first start, or a restart released from `Waiting`.
    Starting,
    /// An incarnation runs, since `since`.
    Running { since: Instant },
    /// The supervisor asked it to stop: its exit is expected, not a failure of its own.
    Stopping(Stop),
    /// Down between incarnations; its task waits for the release.
    Waiting(Waiting),
    /// Its task is over: stopped by a shutdown, or its first start failed.
    Over(ChildState),
}

/// Why the supervisor stops a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterStop {
    /// A sibling's failure restarts it with its group (one-for-all, rest-for-one).
    Restart,
    /// It was stopped by name: it is removed for good.
    Remove,
}

/// A stop the supervisor asked for.
pub(crate) struct Stop {
    pub(crate) after: AfterStop,
    /// When to act if it has not stopped: kill it (at its shutdown timeout), then, for a
    /// removal, abort its task (a grace later). `None`: nothing more to do but wait.
    pub(crate) deadline: Option<Instant>,
    /// Whether it was killed already.
    pub(crate) killed: bool,
}

impl Stop {
    pub(crate) fn new(after: AfterStop, timeout: Duration) -> Self {
        Stop {
            after,
            deadline: Some(Instant::now() + timeout),
            killed: false,
        }
    }
}

/// A child waiting to be restarted.
pub(crate) struct Waiting {
    /// Releases the child's task. Dropped, it tells the task to park the mailbox.
    pub(crate) go: oneshot::Sender<Go>,
    /// Not before this (its restart delay).
    pub(crate) ready_at: Instant,
    /// When the wait began: its dependency timeout counts from here.
    pub(crate) since: Instant,
}

/// A child's health as a dependency of siblings that restart only once it is healthy.
/// Reset with each of its incarnations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Health {
    /// Not asked since it last started.
    Unknown,
    /// A check is under way.
    Checking,
    /// It answered healthy at this time.
    Healthy(Instant),
    /// It answered unhealthy, or late: ask again at this time.
    Unhealthy(Instant),
}

/// What a supervisor keeps of one child's restarts to decide the next one; how many there
/// were in all is counted once, by the child's mailbox ([`Child::restarts`]).
#[derive(Debug, Default)]
pub(crate) struct Restarts {
    /// Those within the supervisor's intensity window.
    pub(crate) recent: Window,
    /// Restarts since the child last ran for a whole intensity window: its backoff attempt.
    pub(crate) streak: u32,
}

/// A child's task and its run number.
pub(crate) struct Task {
    pub(crate) handle: JoinHandle<()>,
    pub(crate) run: Run,
}

/// Everything a supervisor keeps about one child.
pub(crate) struct Slot {
    pub(crate) child: Arc<dyn Child>,
    pub(crate) phase: Phase,
    pub(crate) restarts: Restarts,
    pub(crate) last_error: Option<ActorError>,
    /// When it last failed fatally (a second fatal failure within the window escalates).
    pub(crate) last_fatal: Option<Instant>,
    pub(crate) task: Option<Task>,
    pub(crate) health: Health,
}

impl Slot {
    pub(crate) fn new(child: Arc<dyn Child>) -> Self {
        Slot {
            child,
            phase: Phase::Idle,
            restarts: Restarts::default(),
            last_error: None,
            last_fatal: None,
            task: None,
            health: Health::Unknown,
        }
    }

    /// Why the supervisor stopped it, if it did.
    pub(crate) fn expected(&self) -> Option<AfterStop> {
        match &self.phase {
            Phase::Stopping(stop) => Some(stop.after),
            _ => None,
        }
    }

    /// Whether the task's current run is `run`.
    pub(crate) fn runs(&self, run: Run) -> bool {
        self.task.as_ref().is_some_and(|t| t.run == run)
    }

    pub(crate) fn state(&self) -> ChildState {
        match &self.phase {
            Phase::Idle => ChildState::Stopped,
            Phase::Starting => ChildState::Starting,
            Phase::Running { .. } => ChildState::Running,
            Phase::Stopping(Stop {
                after: AfterStop::Restart,
                ..
            })
            | Phase::Waiting(_) => ChildState::Restarting,
            Phase::Stopping(Stop {
                after: AfterStop::Remove,
                ..
            }) => ChildState::Stopping,
            Phase::Over(state) => *state,
        }
    }

    /// The status reported to [`GetChildren`](crate::GetChildren); `window` is the
    /// supervisor's intensity window.
    pub(crate) fn status(&mut self, window: Duration) -> ChildStatus {
        let now = Instant::now();
        ChildStatus {
            name: self.child.name().to_owned(),
            state: self.state(),
            restarts: self.restarts.recent.count(now, window) as u32,
            total_restarts: self.child.restarts(),
            last_error: self.last_error.clone(),
            uptime: match self.phase {
                Phase::Running { since } => Some(now - since),
                _ => None,
            },
        }
    }
}
