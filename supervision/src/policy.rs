//! Restart policies, delays, intensity and strategies.

use crate::SupervisionError;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// When a child is restarted (OTP's restart types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RestartPolicy {
    /// Always restarted, even after a normal stop.
    #[default]
    Permanent,
    /// Restarted only after a failure.
    Transient,
    /// Never restarted.
    Temporary,
}

/// Which children restart when one fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Strategy {
    /// Only the failed child.
    #[default]
    OneForOne,
    /// All children: the others are stopped (reverse start order), then all restart in start order.
    OneForAll,
    /// The failed child and those started after it.
    RestForOne,
}

/// How long to wait before restarting a child.
///
/// ```
/// use actor_system_supervision::RestartDelay;
/// use std::time::Duration;
///
/// let backoff = RestartDelay::ExponentialBackoff {
///     initial: Duration::from_millis(100),
///     max: Duration::from_secs(1),
///     multiplier: 2.0,
///     jitter: 0.0,
/// };
/// assert_eq!(backoff.delay(1), Some(Duration::from_millis(100)));
/// assert_eq!(backoff.delay(3), Some(Duration::from_millis(400)));
/// assert_eq!(backoff.delay(10), Some(Duration::from_secs(1)));
/// assert_eq!(RestartDelay::Never.delay(1), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RestartDelay {
    /// Restart at once.
    #[default]
    Immediate,
    /// Wait the same time before every restart.
    FixedDelay(Duration),
    /// `initial × multiplier^(attempt-1)`, capped at `max`, spread by ±`jitter` (a fraction).
    ExponentialBackoff {
        /// First delay.
        initial: Duration,
        /// Largest delay.
        max: Duration,
        /// Growth per attempt (at least 1.0).
        multiplier: f64,
        /// Random spread, a fraction in [0.0, 1.0].
        jitter: f64,
    },
    /// Never restart: the child stays failed.
    Never,
}

impl RestartDelay {
    /// The delay before restart number `attempt` (1-based); `None` for `Never`.
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        match *self {
            RestartDelay::Immediate => Some(Duration::ZERO),
            RestartDelay::FixedDelay(d) => Some(d),
            RestartDelay::Never => None,
            RestartDelay::ExponentialBackoff {
                initial,
                max,
                multiplier,
                jitter,
            } => {
                let retry = actor_system_runtime::RetryConfig {
                    max_attempts: u32::MAX,
                    initial_delay: initial,
                    max_delay: max,
                    multiplier,
                    jitter,
                };
                Some(retry.delay(attempt))
            }
        }
    }

    pub(crate) fn validate(&self) -> Result<(), SupervisionError> {
        if let RestartDelay::ExponentialBackoff {
            initial,
            max,
            multiplier,
            jitter,
        } = *self
        {
            if max < initial {
                return Err(SupervisionError::InvalidBackoff(
                    "max is smaller than initial: raise max",
                ));
            }
            if !(multiplier.is_finite() && multiplier >= 1.0) {
                return Err(SupervisionError::InvalidBackoff(
                    "multiplier must be a finite number >= 1.0",
                ));
            }
            if !(0.0..=1.0).contains(&jitter) {
                return Err(SupervisionError::InvalidBackoff(
                    "jitter must be a fraction in [0.0, 1.0]",
                ));
            }
        }
        Ok(())
    }
}

/// At most `max_restarts` restarts within `window` (OTP's MaxR/MaxT); more and the supervisor
/// gives up and escalates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RestartIntensity {
    /// Restarts allowed in the window.
    pub max_restarts: u32,
    /// Sliding window.
    pub window: Duration,
}

impl Default for RestartIntensity {
    /// 5 restarts in 10 seconds.
    fn default() -> Self {
        RestartIntensity {
            max_restarts: 5,
            window: Duration::from_secs(10),
        }
    }
}

impl RestartIntensity {
    /// `max_restarts` within `window`.
    pub fn new(max_restarts: u32, window: Duration) -> Self {
        RestartIntensity {
            max_restarts,
            window,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), SupervisionError> {
        if self.max_restarts == 0 || self.window.is_zero() {
            return Err(SupervisionError::InvalidIntensity);
        }
        Ok(())
    }
}

impl RestartIntensity {
    /// Whether one more restart fits, with `recent` restarts in the window already.
    pub(crate) fn allows(&self, recent: usize) -> bool {
        recent < self.max_restarts as usize
    }
}

/// Instants of events within a sliding window: a supervisor's restarts (its intensity), one
/// child's restarts, its fatal failures. Holds only what is still in the window once counted.
#[derive(Debug, Default)]
pub(crate) struct Window {
    times: VecDeque<Instant>,
}

impl Window {
    /// Forget the events that left the `window` ending at `now`; how many are left.
    pub(crate) fn count(&mut self, now: Instant, window: Duration) -> usize {
        while self
            .times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.times.pop_front();
        }
        self.times.len()
    }

    /// Note an event at `now`.
    pub(crate) fn record(&mut self, now: Instant) {
        self.times.push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn intensity_is_a_sliding_window() {
        let limit = RestartIntensity::new(2, Duration::from_secs(10));
        let mut w = Window::default();
        let restart = |w: &mut Window| {
            let now = Instant::now();
            let allowed = limit.allows(w.count(now, limit.window));
            w.record(now);
            allowed
        };
        assert!(restart(&mut w));
        assert!(restart(&mut w));
        assert!(!restart(&mut w), "third restart within 10 s exceeds 2");
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(restart(&mut w), "old restarts left the window");
        assert_eq!(w.count(Instant::now(), limit.window), 1);
    }

    #[test]
    fn invalid_values_are_rejected() {
        assert_eq!(
            RestartIntensity::new(0, Duration::from_secs(1)).validate(),
            Err(SupervisionError::InvalidIntensity)
        );
        assert!(RestartIntensity::new(1, Duration::ZERO).validate().is_err());
        let backoff = |initial, max, multiplier, jitter| RestartDelay::ExponentialBackoff {
            initial: Duration::from_millis(initial),
            max: Duration::from_millis(max),
            multiplier,
            jitter,
        };
        assert!(backoff(100, 50, 2.0, 0.0).validate().is_err());
        assert!(backoff(100, 500, 0.5, 0.0).validate().is_err());
        assert!(backoff(100, 500, 2.0, 2.0).validate().is_err());
        assert!(backoff(100, 500, 2.0, 0.1).validate().is_ok());
    }

    #[test]
    fn jitter_is_bounded() {
        let d = RestartDelay::ExponentialBackoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(10),
            multiplier: 2.0,
            jitter: 0.2,
        };
        for _ in 0..100 {
            let ms = d.delay(2).unwrap().as_secs_f64() * 1000.0;
            assert!((160.0 - 1e-6..=240.0 + 1e-6).contains(&ms), "{ms}");
        }
    }
}
