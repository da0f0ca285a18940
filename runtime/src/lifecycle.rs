//! Actor identity, lifecycle state and exit reasons.

use crate::ActorError;
use once_cell::race::OnceBox;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::OnceLock;

/// Unique id of an actor (of its mailbox: stable across supervised restarts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ActorId(std::num::NonZeroU64);

impl ActorId {
    /// A new id, never handed out before in this process. Mailboxes take theirs from here; so
    /// can whatever stands for an actor without a local mailbox (a remote actor's proxy), to be
    /// named in dead letters.
    ///
    /// ```
    /// use actor_system_runtime::ActorId;
    /// assert_ne!(ActorId::next(), ActorId::next());
    /// ```
    #[allow(clippy::should_implement_trait)] // not an iterator: there is no end
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // Ids start at 1; non-zero, so an `Option<ActorId>` is one word.
        ActorId(std::num::NonZeroU64::MIN.saturating_add(NEXT.fetch_add(1, Ordering::Relaxed)))
    }

    /// The numeric value.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where an actor is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ActorState {
    /// Its `started` hook is running.
    Starting,
    /// Handling messages.
    Running,
    /// Its `stopping` hook is running or it is draining.
    Stopping,
    /// Between incarnations: failed, waiting for its supervisor to restart it.
    Restarting,
    /// Finished; see its [`ExitReason`].
    Stopped,
}

impl ActorState {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => ActorState::Starting,
            1 => ActorState::Running,
            2 => ActorState::Stopping,
            3 => ActorState::Restarting,
            _ => ActorState::Stopped,
        }
    }
}

/// Why an actor (or one incarnation of it) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ExitReason {
    /// Stopped on request, or because its last address was dropped.
    Normal,
    /// Failed: a panic, a failed start, or `Context::fail`.
    Failed(ActorError),
    /// Cut short by a shutdown that ran out of time.
    Aborted,
}

impl ExitReason {
    /// Whether this is a failure.
    pub fn is_failure(&self) -> bool {
        matches!(self, ExitReason::Failed(_))
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("stopped normally"),
            ExitReason::Failed(e) => write!(f, "{e}"),
            ExitReason::Aborted => f.write_str("aborted after its shutdown timeout"),
        }
    }
}

/// Shared lifecycle of an actor's mailbox: state, final exit reason, termination signal.
pub(crate) struct Lifecycle {
    /// Live `Addr`s; when it reaches zero the actor stops once idle. (32 bits: it shares a word
    /// with the two flags.)
    pub(crate) addresses: AtomicU32,
    state: AtomicU8,
    /// Whether a kill request is pending: one load per poll of the actor task.
    kill_pending: AtomicBool,
    /// Created the first time it is needed: an idle actor carries one pointer for it.
    ending: OnceBox<Ending>,
}

/// The parts of a lifecycle used only around an actor's end.
#[derive(Default)]
struct Ending {
    exit: OnceLock<ExitReason>,
    terminated: tokio::sync::Notify,
    /// A kill request, with the incarnation it is for (see [`Lifecycle::request_kill`]).
    kill: parking_lot::Mutex<Option<(u64, ActorError)>>,
}

impl Lifecycle {
    pub(crate) fn new() -> Self {
        Lifecycle {
            addresses: AtomicU32::new(0),
            state: AtomicU8::new(0),
            kill_pending: AtomicBool::new(false),
            ending: OnceBox::new(),
        }
    }

    fn ending(&self) -> &Ending {
        self.ending.get_or_init(Box::default)
    }

    pub(crate) fn state(&self) -> ActorState {
        ActorState::from_u8(self.state.load(Ordering::Acquire))
    }

    pub(crate) fn set_state(&self, state: ActorState) {
        self.state.store(state as u8, Ordering::Release);
    }

    /// Record the final exit and wake everyone waiting for it.
    pub(crate) fn terminate(&self, reason: ExitReason) {
        self.set_state(ActorState::Stopped);
        let ending = self.ending();
        let _ = ending.exit.set(reason);
        ending.terminated.notify_waiters();
    }

    /// Ask incarnation `incarnation` (counted by restarts: 0 is the first) to be dropped at its
    /// next await point, failing with `error`. A later incarnation ignores it: a kill that races
    /// the end of the incarnation it was meant for does not kill the restarted one. The caller
    /// wakes the actor task (see [`Mailbox::kill`](crate::mailbox::Mailbox::kill)).
    pub(crate) fn request_kill(&self, incarnation: u64, error: ActorError) {
        *self.ending().kill.lock() = Some((incarnation, error));
        self.kill_pending.store(true, Ordering::Release);
    }

    /// The pending kill request for incarnation `incarnation`, if any (one for an earlier
    /// incarnation is discarded).
    /// `incarnation` is worked out only when a kill is pending.
    #[inline(always)]
    pub(crate) fn take_kill(&self, incarnation: impl FnOnce() -> u64) -> Option<ActorError> {
        if !self.kill_pending.load(Ordering::Acquire) {
            return None;
        }
        self.take_pending_kill(incarnation())
    }

    #[cold]
    #[inline(never)]
    fn take_pending_kill(&self, incarnation: u64) -> Option<ActorError> {
        self.kill_pending.store(false, Ordering::Release);
        let (target, error) = self.ending().kill.lock().take()?;
        (target == incarnation).then_some(error)
    }

    pub(crate) async fn wait(&self) -> ExitReason {
        let ending = self.ending();
        loop {
            let notified = ending.terminated.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(reason) = ending.exit.get() {
                return reason.clone();
            }
            notified.await;
        }
    }
}
