//! Health checks: every actor answers one, ahead of its queued messages.

use std::fmt;

/// An actor's answer to a health check.
///
/// ```
/// use actor_system_runtime::HealthStatus;
/// assert!(HealthStatus::Healthy.is_healthy());
/// assert!(!HealthStatus::Unhealthy("no peers".into()).is_healthy());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum HealthStatus {
    /// Working normally.
    Healthy,
    /// Working, but something needs attention (e.g. a mailbox filling up).
    Degraded(String),
    /// Not able to do its job.
    Unhealthy(String),
}

impl HealthStatus {
    /// Whether this is `Healthy` or `Degraded` (the actor still does its job).
    pub fn is_healthy(&self) -> bool {
        !matches!(self, HealthStatus::Unhealthy(_))
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthStatus::Healthy => f.write_str("healthy"),
            HealthStatus::Degraded(why) => write!(f, "degraded: {why}"),
            HealthStatus::Unhealthy(why) => write!(f, "unhealthy: {why}"),
        }
    }
}

/// Mailbox fill level from which the default health check reports `Degraded`.
pub const SATURATION_WARNING: f64 = 0.9;

/// The default check: alive (it answered) and the mailbox not saturated.
pub(crate) fn default_status(saturation: f64) -> HealthStatus {
    if saturation >= SATURATION_WARNING {
        HealthStatus::Degraded(format!(
            "mailbox {:.0}% full",
            (saturation * 100.0).min(100.0)
        ))
    } else {
        HealthStatus::Healthy
    }
}
