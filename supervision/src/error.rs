//! Errors of the supervision layer.

use actor_system_runtime::ActorError;

/// A supervisor could not be built or ended in failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SupervisionError {
    /// Two children share a name.
    #[error("two children are named '{0}': give every child of a supervisor its own name")]
    DuplicateChild(String),
    /// A child depends on a sibling that does not exist.
    #[error("child '{child}' depends on '{dependency}', which is not a child of this supervisor: declare it first or fix the name")]
    UnknownDependency {
        /// The dependent child.
        child: String,
        /// The missing sibling.
        dependency: String,
    },
    /// A child lists itself among its dependencies: its restarts would wait for themselves.
    #[error("child '{0}' depends on itself: remove its own name from depends_on")]
    SelfDependency(String),
    /// Restart intensity allows no restart at all, or has no window.
    #[error("restart intensity needs at least 1 restart in a window above zero (OTP's MaxR/MaxT), e.g. 5 in 10 s")]
    InvalidIntensity,
    /// A backoff whose bounds or factors make no sense.
    #[error("invalid backoff: {0}")]
    InvalidBackoff(&'static str),
    /// A child failed to start when the supervisor started.
    #[error("child '{child}' failed to start: {error}")]
    ChildStartFailed {
        /// The child.
        child: String,
        /// Its start error.
        error: ActorError,
    },
    /// The supervisor gave up (intensity exceeded, or a critical failure with no parent to
    /// escalate to): its children were stopped.
    #[error("supervisor '{supervisor}' gave up: {error}")]
    GaveUp {
        /// The supervisor.
        supervisor: String,
        /// Why.
        error: ActorError,
    },
    /// A child's mailbox configuration is invalid.
    #[error(transparent)]
    Config(#[from] actor_system_runtime::ConfigError),
    /// No child of the supervisor has this name (it never had, or it has ended for good).
    #[error("no child named '{0}' is supervised here: check the name (a child that ended for good is removed)")]
    UnknownChild(String),
    /// The supervisor could not be reached (it has stopped).
    #[error("the supervisor has stopped: start a new tree to run children again")]
    Stopped,
    /// Waiting for a child to stop failed (the child itself asked, from one of its handlers).
    #[error(transparent)]
    Wait(#[from] actor_system_runtime::StopError),
}
