//! Block deadlines: a slot clock from genesis time and the block interval.

use crate::timing::secs;
use std::fmt;
use std::time::Duration;
use tokio::time::Instant;

/// Block `h`'s slot runs from `genesis + (h-1) × interval` to its deadline
/// `genesis + h × interval`.
///
/// ```
/// use actor_system_blockchain::SlotClock;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let genesis = tokio::time::Instant::now();
/// let clock = SlotClock::new(genesis, Duration::from_secs(2));
/// assert_eq!(clock.deadline(3), genesis + Duration::from_secs(6));
/// let late = clock.check("ChainActor", 1, genesis + Duration::from_millis(2150)).unwrap_err();
/// assert_eq!(late.to_string(), "ChainActor missed block deadline: 2.15s > 2.0s");
/// assert_eq!(late.lateness, Duration::from_millis(150));
/// assert!(clock.check("ChainActor", 2, genesis + Duration::from_millis(3900)).is_ok());
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotClock {
    genesis: Instant,
    interval: Duration,
}

/// A block produced after its deadline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MissedDeadline {
    /// The actor that produced it.
    pub actor: String,
    /// The block's height.
    pub height: u64,
    /// Time from its slot's start to its production.
    pub took: Duration,
    /// The block interval.
    pub interval: Duration,
    /// How late it was.
    pub lateness: Duration,
}

impl fmt::Display for MissedDeadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} missed block deadline: {} > {}",
            self.actor,
            secs(self.took),
            secs(self.interval)
        )
    }
}

impl SlotClock {
    /// A clock whose block 1 is due `interval` after `genesis`.
    pub fn new(genesis: Instant, interval: Duration) -> Self {
        SlotClock { genesis, interval }
    }

    /// The block interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// When block `height`'s slot starts.
    pub fn slot_start(&self, height: u64) -> Instant {
        self.genesis
            + self
                .interval
                .saturating_mul(height.saturating_sub(1).min(u32::MAX as u64) as u32)
    }

    /// When block `height` is due.
    pub fn deadline(&self, height: u64) -> Instant {
        self.slot_start(height) + self.interval
    }

    /// The height whose slot contains `at` (1 at genesis).
    pub fn height_at(&self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.genesis);
        (since.as_nanos() / self.interval.as_nanos().max(1)) as u64 + 1
    }

    /// Check a block that `actor` produced at `produced_at` against its deadline; returns the time
    /// left. A miss is counted and logged as an error naming the actor (target
    /// `actor_system::blockchain`): `ChainActor missed block deadline: 2.15s > 2.0s`.
    pub fn check(
        &self,
        actor: &str,
        height: u64,
        produced_at: Instant,
    ) -> Result<Duration, MissedDeadline> {
        let took = produced_at.saturating_duration_since(self.slot_start(height));
        let deadline = self.deadline(height);
        if produced_at <= deadline {
            return Ok(deadline - produced_at);
        }
        let missed = MissedDeadline {
            actor: actor.to_owned(),
            height,
            took,
            interval: self.interval,
            lateness: produced_at - deadline,
        };
        metrics::counter!("blockchain_missed_block_deadlines_total", "actor" => actor.to_owned())
            .increment(1);
        metrics::histogram!("blockchain_block_lateness_seconds")
            .record(missed.lateness.as_secs_f64());
        tracing::error!(target: "actor_system::blockchain", actor, height, lateness_ms = missed.lateness.as_millis() as u64, "{missed}");
        Err(missed)
    }
}
