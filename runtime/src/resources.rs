//! Resource monitoring: what an actor's mailbox holds (queue depth per lane, memory), measured
//! at each health check, and the queue-depth warning that turns a check `Degraded`.

use crate::{HealthStatus, Priority};

/// What an actor's mailbox holds at one moment: messages waiting per lane and an estimate of
/// the memory the mailbox takes. Measured at each health check (see
/// [`Addr::health_report`](crate::Addr::health_report)) and in every
/// [`StatsSnapshot`](crate::StatsSnapshot).
///
/// ```
/// use actor_system_runtime::{MailboxResources, Priority};
///
/// let resources = MailboxResources { queue_depth: [0, 3, 120, 0], mailbox_bytes: 4096 };
/// assert_eq!(resources.queued(), 123);
/// assert_eq!(resources.deepest_lane(), Some((Priority::Normal, 120)));
/// assert_eq!(resources.lanes_past(100).collect::<Vec<_>>(), [(Priority::Normal, 120)]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MailboxResources {
    /// Messages waiting, per lane, indexed by [`Priority::lane`].
    pub queue_depth: [usize; 4],
    /// An estimate of the memory the mailbox holds, in bytes: its structure, and the queues and
    /// slots of the lanes holding messages (not what the messages point to).
    pub mailbox_bytes: usize,
}

impl MailboxResources {
    /// Messages waiting in all lanes.
    pub fn queued(&self) -> usize {
        self.queue_depth.iter().sum()
    }

    /// The deepest lane: its priority and how many messages wait in it (the first of equals, in
    /// lane order); `None` when nothing waits.
    pub fn deepest_lane(&self) -> Option<(Priority, usize)> {
        Priority::ALL
            .into_iter()
            .zip(self.queue_depth)
            .filter(|&(_, depth)| depth > 0)
            .fold(None, |deepest, (p, depth)| match deepest {
                Some((_, most)) if most >= depth => deepest,
                _ => Some((p, depth)),
            })
    }

    /// The lanes holding more than `warning` messages, in lane order, with their depth.
    pub fn lanes_past(&self, warning: usize) -> impl Iterator<Item = (Priority, usize)> + '_ {
        Priority::ALL
            .into_iter()
            .zip(self.queue_depth)
            .filter(move |&(_, depth)| depth > warning)
    }

    /// `status` with the queue-depth warning applied: a lane deeper than `warning` makes a
    /// `Healthy` check `Degraded`, and adds to a `Degraded` one's reason, naming each such lane
    /// and its depth. `Unhealthy` stays as it is (its reason says more than a queue would).
    pub(crate) fn judge(&self, status: HealthStatus, warning: Option<usize>) -> HealthStatus {
        let Some(warning) = warning else {
            return status;
        };
        let past: Vec<String> = self
            .lanes_past(warning)
            .map(|(lane, depth)| format!("{lane} lane holds {depth} messages"))
            .collect();
        if past.is_empty() {
            return status;
        }
        let why = format!("{} (queue warning above {warning})", past.join(", "));
        match status {
            HealthStatus::Healthy => HealthStatus::Degraded(why),
            HealthStatus::Degraded(reason) => HealthStatus::Degraded(format!("{reason}; {why}")),
            unhealthy @ HealthStatus::Unhealthy(_) => unhealthy,
        }
    }
}

/// What a health check found: the actor's answer (with the queue-depth warning applied, see
/// [`MailboxConfig::with_queue_warning`](crate::MailboxConfig::with_queue_warning)) and its
/// mailbox's resources at that moment. From [`Addr::health_report`](crate::Addr::health_report).
///
/// ```
/// use actor_system_runtime::{HealthReport, HealthStatus, MailboxResources};
///
/// let report = HealthReport { status: HealthStatus::Healthy, resources: MailboxResources::default() };
/// assert!(report.status.is_healthy());
/// assert_eq!(report.resources.queued(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HealthReport {
    /// The status: the actor's own [`health_check`](crate::Actor::health_check), made
    /// `Degraded` by a lane past the queue warning.
    pub status: HealthStatus,
    /// Queue depth per lane and mailbox memory when the check ran.
    pub resources: MailboxResources,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_depth(queue_depth: [usize; 4]) -> MailboxResources {
        MailboxResources {
            queue_depth,
            mailbox_bytes: 0,
        }
    }

    #[test]
    fn a_lane_past_the_warning_degrades_a_healthy_check_with_the_figure() {
        let status = with_depth([0, 0, 101, 0]).judge(HealthStatus::Healthy, Some(100));
        assert_eq!(
            status,
            HealthStatus::Degraded(
                "normal lane holds 101 messages (queue warning above 100)".into()
            )
        );
    }

    #[test]
    fn at_the_warning_or_without_one_the_status_stays() {
        let full = with_depth([0, 0, 100, 0]);
        assert_eq!(
            full.judge(HealthStatus::Healthy, Some(100)),
            HealthStatus::Healthy
        );
        assert_eq!(
            full.judge(HealthStatus::Healthy, None),
            HealthStatus::Healthy
        );
    }

    #[test]
    fn degraded_adds_the_figures_and_unhealthy_is_kept() {
        let deep = with_depth([0, 7, 0, 9]);
        assert_eq!(
            deep.judge(HealthStatus::Degraded("mailbox 95% full".into()), Some(5)),
            HealthStatus::Degraded(
                "mailbox 95% full; high lane holds 7 messages, background lane holds 9 messages \
                 (queue warning above 5)"
                    .into()
            )
        );
        let unhealthy = HealthStatus::Unhealthy("no peers".into());
        assert_eq!(deep.judge(unhealthy.clone(), Some(5)), unhealthy);
    }
}
