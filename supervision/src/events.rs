//! Supervision events, published to subscribers and counted in metrics.

use actor_system_runtime::{ActorError, ExitReason};
use std::time::Duration;
use tokio::sync::broadcast;

/// Something a supervisor did. Tests and operators wait on these instead of guessing how long
/// a restart takes.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SupervisionEvent {
    /// A child failed.
    ActorFailed {
        /// The supervisor.
        supervisor: String,
        /// The child.
        child: String,
        /// Its error.
        error: ActorError,
        /// Restarts of this child so far.
        restarts: u32,
    },
    /// A child is being restarted.
    ActorRestarted {
        /// The supervisor.
        supervisor: String,
        /// The child.
        child: String,
        /// Restarts of this child within the intensity window, this one included.
        attempt: u32,
        /// Delay before the new incarnation starts.
        delay: Duration,
    },
    /// A restarted child runs again: its new incarnation's `started` hook succeeded.
    ActorStarted {
        /// The supervisor.
        supervisor: String,
        /// The child.
        child: String,
        /// Restarts of this child so far.
        restarts: u64,
    },
    /// A child ended for good and was removed from its supervisor: it stopped and its restart
    /// policy does not restart it, its delay is `Never`, or it was stopped by name. Its name
    /// is free again.
    ActorStopped {
        /// The supervisor.
        supervisor: String,
        /// The child.
        child: String,
        /// How its last incarnation ended.
        reason: ExitReason,
    },
    /// The supervisor gave up and escalated to its parent.
    Escalated {
        /// The supervisor.
        supervisor: String,
        /// Why.
        error: ActorError,
    },
}

impl SupervisionEvent {
    /// The supervisor that published it.
    ///
    /// ```
    /// use actor_system_supervision::SupervisionEvent;
    /// use actor_system_runtime::ExitReason;
    ///
    /// let event = SupervisionEvent::ActorStopped {
    ///     supervisor: "root".into(),
    ///     child: "peer-7".into(),
    ///     reason: ExitReason::Normal,
    /// };
    /// assert_eq!(event.supervisor(), "root");
    /// assert_eq!(event.child(), Some("peer-7"));
    /// ```
    pub fn supervisor(&self) -> &str {
        match self {
            SupervisionEvent::ActorFailed { supervisor, .. }
            | SupervisionEvent::ActorRestarted { supervisor, .. }
            | SupervisionEvent::ActorStarted { supervisor, .. }
            | SupervisionEvent::ActorStopped { supervisor, .. }
            | SupervisionEvent::Escalated { supervisor, .. } => supervisor,
        }
    }

    /// The child it is about, if any (an escalation is about the supervisor itself).
    pub fn child(&self) -> Option<&str> {
        match self {
            SupervisionEvent::ActorFailed { child, .. }
            | SupervisionEvent::ActorRestarted { child, .. }
            | SupervisionEvent::ActorStarted { child, .. }
            | SupervisionEvent::ActorStopped { child, .. } => Some(child),
            SupervisionEvent::Escalated { .. } => None,
        }
    }

    /// The metric counting events of this kind.
    fn metric(&self) -> &'static str {
        match self {
            SupervisionEvent::ActorFailed { .. } => "actor_failures_supervised_total",
            SupervisionEvent::ActorRestarted { .. } => "actor_restarts_total",
            SupervisionEvent::ActorStarted { .. } => "actor_restarts_completed_total",
            SupervisionEvent::ActorStopped { .. } => "actor_supervised_stops_total",
            SupervisionEvent::Escalated { .. } => "supervisor_escalations_total",
        }
    }
}

/// A stream of supervision events shared by a tree of supervisors.
///
/// ```
/// use actor_system_supervision::SupervisionEvents;
/// let events = SupervisionEvents::new();
/// let mut rx = events.subscribe();
/// assert!(rx.try_recv().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct SupervisionEvents {
    tx: broadcast::Sender<SupervisionEvent>,
}

impl Default for SupervisionEvents {
    fn default() -> Self {
        Self::new()
    }
}

impl SupervisionEvents {
    /// A new stream (each subscriber buffers up to 1024 events).
    pub fn new() -> Self {
        SupervisionEvents {
            tx: broadcast::channel(1024).0,
        }
    }

    /// Receive events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SupervisionEvent> {
        self.tx.subscribe()
    }

    pub(crate) fn publish(&self, event: SupervisionEvent) {
        metrics::counter!(event.metric(), "supervisor" => event.supervisor().to_owned())
            .increment(1);
        let _ = self.tx.send(event);
    }
}
