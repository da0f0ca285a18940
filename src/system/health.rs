//! Health monitoring: periodic checks of every registered actor.

use super::registry::{ErasedAddr, Registry};
use actor_system_runtime::{
    ActorError, ActorState, FailureKind, HealthStatus, MailboxResources, Severity,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How the system checks its actors' health.
///
/// ```
/// use actor_system::system::HealthConfig;
/// use std::time::Duration;
///
/// let cfg = HealthConfig::default().with_interval_for("ChainActor", Duration::from_secs(5));
/// assert_eq!(cfg.interval_for("ChainActor"), Duration::from_secs(5));
/// assert_eq!(cfg.interval_for("StorageActor"), Duration::from_secs(30));
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfig {
    /// Time between checks of one actor (default 30 s).
    pub interval: Duration,
    /// Intervals for particular actor types (by short type name, e.g. `"ChainActor"`).
    pub per_type: HashMap<String, Duration>,
    /// How long an actor has to answer (default 5 s).
    pub timeout: Duration,
    /// Failed checks in a row after which the actor is reported to its supervisor as failed
    /// (killed with a `Recoverable` failure); default 3.
    pub failures_before_restart: u32,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            interval: Duration::from_secs(30),
            per_type: HashMap::new(),
            timeout: Duration::from_secs(5),
            failures_before_restart: 3,
        }
    }
}

impl HealthConfig {
    /// Check `actor_type`s every `interval`.
    pub fn with_interval_for(mut self, actor_type: &str, interval: Duration) -> Self {
        self.per_type.insert(actor_type.to_owned(), interval);
        self
    }

    /// The interval that applies to `actor_type` (a full or short type name).
    pub fn interval_for(&self, actor_type: &str) -> Duration {
        let short = actor_type.rsplit("::").next().unwrap_or(actor_type);
        self.per_type
            .get(actor_type)
            .or_else(|| self.per_type.get(short))
            .copied()
            .unwrap_or(self.interval)
    }

    /// Check the values.
    pub fn validate(&self) -> Result<(), actor_system_runtime::ConfigError> {
        let invalid = |s: &str| Err(actor_system_runtime::ConfigError::Invalid(s.to_owned()));
        if self.interval.is_zero() || self.per_type.values().any(Duration::is_zero) {
            return invalid("health check interval must be above zero (default 30 s)");
        }
        if self.timeout.is_zero() {
            return invalid("health check timeout must be above zero (default 5 s)");
        }
        if self.failures_before_restart == 0 {
            return invalid("failures_before_restart must be at least 1 (default 3)");
        }
        Ok(())
    }
}

/// Check `addr` every interval until it stops for good; record results in `registry`, and
/// remove the actor's entry from it once it has stopped.
///
/// Only a running incarnation is checked. Between incarnations (a restart backoff, a wait for
/// dependencies) nobody would answer: the check would time out, and the kill it leads to would
/// end the fresh incarnation as soon as it started. An answer counts only if the incarnation
/// asked is still the one running.
pub(crate) async fn monitor(
    registry: Registry,
    name: String,
    addr: Arc<dyn ErasedAddr>,
    config: Arc<HealthConfig>,
) {
    let interval = config.interval_for(addr.actor_type());
    let check_loop = async {
        loop {
            tokio::time::sleep(interval).await;
            let Some(incarnation) = running(addr.as_ref()) else {
                continue;
            };
            let (status, resources) = match addr.health_report(config.timeout).await {
                Ok(report) => (report.status, Some(report.resources)),
                Err(e) => (HealthStatus::Unhealthy(e.to_string()), None),
            };
            if running(addr.as_ref()) != Some(incarnation) {
                continue; // it ended meanwhile: the check says nothing of what comes next
            }
            let failed = record(
                &registry,
                (&name, addr.as_ref(), incarnation),
                (status.clone(), resources),
                config.failures_before_restart,
            );
            if let Some(failed) = failed {
                tracing::warn!(
                    target: "actor_system::supervisor",
                    actor = %name,
                    failed,
                    status = %status,
                    "health check failed {failed} times in a row: reporting the actor as failed"
                );
                addr.kill(ActorError::new(
                    FailureKind::Timeout,
                    Severity::Recoverable,
                    format!("health check failed {failed} times in a row: {status}"),
                ));
            }
        }
    };
    tokio::select! {
        _ = addr.wait_for_stop() => {}
        () = check_loop => {}
    }
    registry.remove_stopped(&name, addr.id());
}

/// The running incarnation of `addr` (its restart count), if one runs.
fn running(addr: &dyn ErasedAddr) -> Option<u64> {
    (addr.state() == ActorState::Running).then(|| addr.stats().restarts)
}

/// Store a check result of `incarnation` (its status, and the resources it measured if it was
/// answered: an unanswered check keeps the last figures). When the failures in a row reach `threshold`, the
/// streak starts over and their number is returned: the caller reports the actor as failed. A
/// new incarnation's streak starts from zero.
fn record(
    registry: &Registry,
    (name, addr, incarnation): (&str, &dyn ErasedAddr, u64),
    (status, resources): (HealthStatus, Option<MailboxResources>),
    threshold: u32,
) -> Option<u32> {
    let healthy = status.is_healthy();
    metrics::counter!("actor_health_checks_total", "actor" => name.to_owned(), "healthy" => healthy.to_string())
        .increment(1);
    let mut entries = registry.entries.write();
    let entry = entries.get_mut(name).filter(|e| e.addr.id() == addr.id())?;
    if entry.checked_incarnation != incarnation {
        entry.checked_incarnation = incarnation;
        entry.failed_checks = 0;
    }
    entry.failed_checks = if healthy { 0 } else { entry.failed_checks + 1 };
    entry.health = Some(status);
    if resources.is_some() {
        entry.resources = resources;
    }
    let failed = entry.failed_checks;
    if failed >= threshold {
        entry.failed_checks = 0;
        Some(failed)
    } else {
        None
    }
}
