//! Mailbox configuration: capacity, overflow strategy and lane fairness.

use crate::ConfigError;

/// What a bounded mailbox does with a message that does not fit.
///
/// Whatever the strategy, `Critical` messages are never dropped silently: when one cannot be
/// queued the sender gets it back as an error. Control signals (stop) bypass capacity.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum OverflowStrategy {
    /// `tell_when_ready` and `ask` wait for space; `tell` returns [`SendError::Full`](crate::SendError::Full).
    #[default]
    Backpressure,
    /// Refuse the message with [`SendError::Full`](crate::SendError::Full), message included.
    Reject,
    /// Evict the oldest message of the lowest non-empty lane not above the incoming message's
    /// priority (never a `Critical` one) to make room.
    DropOldest,
    /// Drop the incoming message (it goes to dead letters).
    DropNewest,
    /// Above `threshold` × capacity accept only `Critical` and `High` messages (others go to dead
    /// letters); at capacity those evict lower-priority messages as with `DropOldest`.
    DropLowPriority {
        /// Fraction of the capacity, in (0.0, 1.0].
        threshold: f64,
    },
}

/// How the consumer picks between lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Fairness {
    /// Always the highest non-empty lane (the default).
    #[default]
    Strict,
    /// Every `every`-th pick serves the next lower lane in rotation (High, Normal, Background)
    /// if it has work, so lower lanes progress under sustained high-priority load.
    AntiStarvation {
        /// Period, in picks (at least 1).
        every: u32,
    },
}

/// Capacity, overflow strategy and fairness of an actor's mailbox.
///
/// ```
/// use actor_system_runtime::{MailboxConfig, OverflowStrategy, ConfigError};
///
/// let cfg = MailboxConfig::bounded(8192)
///     .with_overflow(OverflowStrategy::DropLowPriority { threshold: 0.8 });
/// assert!(cfg.validate().is_ok());
/// assert_eq!(MailboxConfig::bounded(0).validate(), Err(ConfigError::ZeroCapacity));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MailboxConfig {
    /// Most messages queued at once; `None` for unbounded.
    pub capacity: Option<usize>,
    /// What to do when a bounded mailbox is full.
    pub overflow: OverflowStrategy,
    /// How lanes are served.
    pub fairness: Fairness,
    /// Queue depth past which a health check reports `Degraded`, naming the lane and its depth
    /// (`None`, the default: no depth check). See [`with_queue_warning`](Self::with_queue_warning).
    #[cfg_attr(feature = "serde", serde(default))]
    pub queue_warning: Option<usize>,
}

impl MailboxConfig {
    /// No capacity limit (the default).
    pub fn unbounded() -> Self {
        Self::default()
    }

    /// At most `capacity` queued messages, with backpressure.
    pub fn bounded(capacity: usize) -> Self {
        MailboxConfig {
            capacity: Some(capacity),
            ..Self::default()
        }
    }

    /// Set the overflow strategy.
    pub fn with_overflow(mut self, overflow: OverflowStrategy) -> Self {
        self.overflow = overflow;
        self
    }

    /// Set the fairness between lanes.
    pub fn with_fairness(mut self, fairness: Fairness) -> Self {
        self.fairness = fairness;
        self
    }

    /// Report `Degraded` from a health check that finds a lane holding more than `depth`
    /// messages, with the lane and its depth in the reason, whatever the actor's own
    /// [`health_check`](crate::Actor::health_check) said (an `Unhealthy` answer stays
    /// `Unhealthy`). Checked only when a health check runs: sends cost nothing more. For a
    /// bounded mailbox, `depth` must be below the capacity (a fuller mailbox is already
    /// reported from [`SATURATION_WARNING`](crate::SATURATION_WARNING) on).
    ///
    /// ```
    /// use actor_system_runtime::{ConfigError, MailboxConfig};
    ///
    /// let cfg = MailboxConfig::unbounded().with_queue_warning(10_000);
    /// assert_eq!(cfg.queue_warning, Some(10_000));
    /// assert!(cfg.validate().is_ok());
    /// assert_eq!(
    ///     MailboxConfig::unbounded().with_queue_warning(0).validate(),
    ///     Err(ConfigError::ZeroQueueWarning)
    /// );
    /// assert_eq!(
    ///     MailboxConfig::bounded(100).with_queue_warning(100).validate(),
    ///     Err(ConfigError::QueueWarningNotBelowCapacity { warning: 100, capacity: 100 })
    /// );
    /// ```
    pub fn with_queue_warning(mut self, depth: usize) -> Self {
        self.queue_warning = Some(depth);
        self
    }

    /// Check the values; spawning does this too.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.capacity == Some(0) {
            return Err(ConfigError::ZeroCapacity);
        }
        if let Some(warning) = self.queue_warning {
            if warning == 0 {
                return Err(ConfigError::ZeroQueueWarning);
            }
            if let Some(capacity) = self.capacity.filter(|&capacity| warning >= capacity) {
                return Err(ConfigError::QueueWarningNotBelowCapacity { warning, capacity });
            }
        }
        if let OverflowStrategy::DropLowPriority { threshold } = self.overflow {
            if !(threshold > 0.0 && threshold <= 1.0) {
                return Err(ConfigError::ThresholdOutOfRange(threshold));
            }
        }
        if self.fairness == (Fairness::AntiStarvation { every: 0 }) {
            return Err(ConfigError::ZeroFairnessPeriod);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_values_are_typed_errors_with_advice() {
        let bad_threshold = MailboxConfig::bounded(4)
            .with_overflow(OverflowStrategy::DropLowPriority { threshold: 1.5 });
        assert_eq!(
            bad_threshold.validate(),
            Err(ConfigError::ThresholdOutOfRange(1.5))
        );
        let nan = MailboxConfig::bounded(4).with_overflow(OverflowStrategy::DropLowPriority {
            threshold: f64::NAN,
        });
        assert!(nan.validate().is_err());
        let fairness =
            MailboxConfig::unbounded().with_fairness(Fairness::AntiStarvation { every: 0 });
        assert_eq!(fairness.validate(), Err(ConfigError::ZeroFairnessPeriod));
        assert!(ConfigError::ZeroCapacity
            .to_string()
            .contains("unbounded()"));
        assert!(MailboxConfig::unbounded().validate().is_ok());
    }
}
