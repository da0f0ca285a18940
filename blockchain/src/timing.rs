//! Timing enforcement: operations measured against an actor's constraints.

use actor_system_runtime::{Actor, ActorError, Context};
use std::fmt;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// An operation that took longer than its limit.
///
/// ```
/// use actor_system_blockchain::TimingViolation;
/// use std::time::Duration;
///
/// let v = TimingViolation::new("ChainActor block production", Duration::from_millis(2150), Duration::from_secs(2));
/// assert_eq!(v.to_string(), "ChainActor block production took too long: 2.15s > 2.0s");
/// assert_eq!(v.excess(), Duration::from_millis(150));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimingViolation {
    /// What was timed.
    pub operation: String,
    /// How long it took.
    pub actual: Duration,
    /// How long it could take.
    pub limit: Duration,
}

impl fmt::Display for TimingViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} took too long: {} > {}",
            self.operation,
            secs(self.actual),
            secs(self.limit)
        )
    }
}

/// Seconds to the millisecond, with at least one decimal, as the seed's log lines show them:
/// `2.15s`, `2.0s`, `0.1s`.
pub(crate) fn secs(d: Duration) -> String {
    let s = format!("{:.3}", d.as_secs_f64());
    let s = s.trim_end_matches('0');
    let zero = if s.ends_with('.') { "0" } else { "" };
    format!("{s}{zero}s")
}

impl TimingViolation {
    /// A violation of `limit` by an operation that took `actual`.
    pub fn new(operation: impl Into<String>, actual: Duration, limit: Duration) -> Self {
        TimingViolation {
            operation: operation.into(),
            actual,
            limit,
        }
    }

    /// By how much the limit was exceeded.
    pub fn excess(&self) -> Duration {
        self.actual.saturating_sub(self.limit)
    }

    /// `Some(violation)` when `actual` exceeds `limit`.
    pub fn check(operation: &str, actual: Duration, limit: Duration) -> Option<Self> {
        (actual > limit).then(|| TimingViolation::new(operation, actual, limit))
    }
}

/// What to do about a violation (besides counting it and logging a warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ViolationPolicy {
    /// Only count and log it.
    #[default]
    Log,
    /// Also fail the actor with a `Recoverable` error (its supervisor restarts it).
    ReportRecoverable,
    /// Also fail the actor with a `Critical` error (its supervisor escalates).
    ReportCritical,
}

/// Count, record and log `violation`; apply `policy` to the actor through `ctx`.
pub fn report_violation<A: Actor>(
    ctx: &mut Context<A>,
    violation: &TimingViolation,
    policy: ViolationPolicy,
) {
    let actor = ctx.name().to_owned();
    metrics::counter!("blockchain_timing_violations_total", "actor" => actor.clone(), "operation" => violation.operation.clone())
        .increment(1);
    metrics::histogram!("blockchain_timing_violation_excess_seconds", "actor" => actor.clone())
        .record(violation.excess().as_secs_f64());
    tracing::warn!(
        target: "actor_system::blockchain",
        actor = %actor,
        operation = %violation.operation,
        actual_ms = violation.actual.as_millis() as u64,
        limit_ms = violation.limit.as_millis() as u64,
        "{violation}"
    );
    match policy {
        ViolationPolicy::Log => {}
        ViolationPolicy::ReportRecoverable => {
            ctx.fail(ActorError::recoverable(violation.to_string()))
        }
        ViolationPolicy::ReportCritical => ctx.fail(ActorError::critical(violation.to_string())),
    }
}

/// Run `operation` and measure it (tokio time, so paused-clock tests are exact): returns its
/// output and the violation of `limit`, if any.
pub async fn time_operation<F: Future>(
    name: &str,
    limit: Duration,
    operation: F,
) -> (F::Output, Option<TimingViolation>) {
    let start = Instant::now();
    let output = operation.await;
    let actual = start.elapsed();
    metrics::histogram!("blockchain_operation_seconds", "operation" => name.to_owned())
        .record(actual.as_secs_f64());
    (output, TimingViolation::check(name, actual, limit))
}
