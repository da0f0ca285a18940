//! Error types of the runtime, one enum per concern.

use std::fmt;
use std::time::Duration;

/// How bad a failure is; the supervision layer decides what to do from it.
///
/// ```
/// use actor_system_runtime::Severity;
/// assert!(Severity::Fatal > Severity::Recoverable);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Severity {
    /// Restart locally according to the supervisor's strategy.
    Recoverable,
    /// Escalate to the parent supervisor at once.
    Critical,
    /// Stop and replace without retry loops.
    Fatal,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Recoverable => "recoverable",
            Severity::Critical => "critical",
            Severity::Fatal => "fatal",
        })
    }
}

/// What kind of failure an [`ActorError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FailureKind {
    /// A handler or lifecycle hook panicked.
    Panic,
    /// The `started` hook returned an error.
    StartFailed,
    /// The actor reported a failure itself (a handler returned it, or called `Context::fail`).
    Failed,
    /// The actor did not answer in time (health checks, shutdown).
    Timeout,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailureKind::Panic => "panicked",
            FailureKind::StartFailed => "failed to start",
            FailureKind::Failed => "failed",
            FailureKind::Timeout => "timed out",
        })
    }
}

/// A failure of an actor, with the [`Severity`] that tells its supervisor what to do.
///
/// ```
/// use actor_system_runtime::{ActorError, Severity};
///
/// let err = ActorError::recoverable("database connection timed out");
/// assert_eq!(err.severity(), Severity::Recoverable);
/// assert_eq!(err.to_string(), "actor failed (recoverable): database connection timed out");
/// assert_eq!(err.with_severity(Severity::Fatal).severity(), Severity::Fatal);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("actor {kind} ({severity}): {message}")]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ActorError {
    kind: FailureKind,
    severity: Severity,
    /// Boxed `str` rather than `String`: an exit reason (which holds an error) sits in every
    /// actor's context, and one word less there is one word less per actor.
    message: Box<str>,
}

impl ActorError {
    /// A failure of the given kind and severity.
    pub fn new(kind: FailureKind, severity: Severity, message: impl Into<String>) -> Self {
        ActorError {
            kind,
            severity,
            message: message.into().into_boxed_str(),
        }
    }

    /// A failure to be handled by a local restart.
    pub fn recoverable(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Failed, Severity::Recoverable, message)
    }

    /// A failure to escalate to the parent supervisor.
    pub fn critical(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Failed, Severity::Critical, message)
    }

    /// A failure after which the actor is replaced without retrying.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Failed, Severity::Fatal, message)
    }

    /// A caught panic (severity `Critical`; supervisors may reclassify it).
    pub fn panicked(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Panic, Severity::Critical, message)
    }

    /// The same error with another severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same error with another kind.
    pub fn with_kind(mut self, kind: FailureKind) -> Self {
        self.kind = kind;
        self
    }

    /// How bad the failure is.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// The human-readable description.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        Self::panicked(text)
    }
}

/// Result alias for actor code.
pub type ActorResult<T> = Result<T, ActorError>;

/// A `tell` or `tell_when_ready` that could not be delivered. Carries the message back.
#[derive(thiserror::Error)]
pub enum SendError<M> {
    /// The actor has stopped (or is stopping) and accepts no more messages.
    #[error("the actor has stopped: the message was not delivered; look the actor up again or restart it")]
    Stopped(M),
    /// The bounded mailbox is full and its overflow strategy refuses the message.
    #[error("the actor's mailbox is full: retry later, use `tell_when_ready` to wait for space, or raise the mailbox capacity")]
    Full(M),
}

impl<M> SendError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            SendError::Stopped(m) | SendError::Full(m) => m,
        }
    }

    /// Whether the actor was stopped.
    pub fn is_stopped(&self) -> bool {
        matches!(self, SendError::Stopped(_))
    }
}

impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Stopped(_) => f.write_str("Stopped(..)"),
            SendError::Full(_) => f.write_str("Full(..)"),
        }
    }
}

/// An `ask` that produced no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    /// The actor had stopped, or stopped before handling the message.
    #[error(
        "the actor has stopped: the request was not handled; look the actor up again or restart it"
    )]
    Stopped,
    /// The bounded mailbox is full and its overflow strategy refused the request.
    #[error("the actor's mailbox is full: retry later or raise the mailbox capacity")]
    Full,
    /// The mailbox's overflow strategy dropped the request (it is in dead letters).
    #[error("the request was dropped by the mailbox's overflow strategy: send it at a higher priority or raise the capacity")]
    Dropped,
    /// No reply within the timeout.
    #[error("no reply within {0:?}: raise the timeout or check the actor's health")]
    Timeout(Duration),
    /// The handler ended without replying: it panicked, or the actor failed while handling it.
    #[error("the actor failed before replying (panic or failure in the handler): see its supervisor's report")]
    NoReply,
    /// An actor asked its own address from inside a handler, which would wait forever.
    #[error("an actor asked itself from inside a handler, which would deadlock: use `tell` or call the logic directly")]
    SelfAsk,
}

/// Waiting for an actor to stop failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StopError {
    /// An actor waited for its own stop from inside one of its handlers or hooks, which could
    /// never return (the actor stops only once that handler returns).
    #[error("an actor waited for its own stop from inside a handler, which would never return: call `ctx.stop()` and return from the handler instead")]
    SelfWait,
}

/// The actor could not be spawned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpawnError {
    /// Its `started` hook failed (returned an error or panicked).
    #[error("the actor failed to start: {0}")]
    StartFailed(ActorError),
    /// Its configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// An invalid configuration value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A bounded mailbox needs room for at least one message.
    #[error("mailbox capacity must be at least 1: use MailboxConfig::unbounded() for no limit")]
    ZeroCapacity,
    /// The drop-low-priority threshold is a fraction of the capacity.
    #[error("drop threshold {0} is out of range: use a fraction in (0.0, 1.0], e.g. 0.8")]
    ThresholdOutOfRange(f64),
    /// Anti-starvation needs a period of at least one pick.
    #[error("anti-starvation period must be at least 1 (serve a lower lane every N picks)")]
    ZeroFairnessPeriod,
    /// A queue warning of 0 would report every queued message.
    #[error(
        "queue warning must be at least 1 message: leave it unset (None) for no queue-depth check"
    )]
    ZeroQueueWarning,
    /// A lane of a bounded mailbox can never hold more than its capacity.
    #[error("queue warning {warning} is not below the mailbox capacity {capacity}, so no lane could ever pass it: use a depth below {capacity}, or none (a full mailbox is reported anyway)")]
    QueueWarningNotBelowCapacity {
        /// The configured warning depth.
        warning: usize,
        /// The mailbox's capacity.
        capacity: usize,
    },
    /// Any other invalid value, with advice.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}
