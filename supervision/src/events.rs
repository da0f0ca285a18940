//! Supervision events, published to subscribers and counted in metrics.

use actor_system_runtime::ActorError;
use std::time::Duration;
use tokio::sync::broadcast;

/// Something a supervisor did.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
        /// Restart number of this child (1 for the first restart).
        attempt: u32,
        /// Delay before the new incarnation starts.
        delay: Duration,
    },
    /// The supervisor gave up and escalated to its parent.
    Escalated {
        /// The supervisor.
        supervisor: String,
        /// Why.
        error: ActorError,
    },
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
        let (name, supervisor) = match &event {
            SupervisionEvent::ActorFailed { supervisor, .. } => {
                ("actor_failures_supervised_total", supervisor)
            }
            SupervisionEvent::ActorRestarted { supervisor, .. } => {
                ("actor_restarts_total", supervisor)
            }
            SupervisionEvent::Escalated { supervisor, .. } => {
                ("supervisor_escalations_total", supervisor)
            }
        };
        metrics::counter!(name, "supervisor" => supervisor.clone()).increment(1);
        let _ = self.tx.send(event);
    }
}
