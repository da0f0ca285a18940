//! Retrying fallible async operations with exponential backoff, for use inside handlers.

use crate::ConfigError;
use std::future::Future;
use std::time::Duration;

/// How to retry: attempts, and an exponential backoff between them.
///
/// The delay before retry `n` (1-based) is `initial_delay × multiplier^(n-1)`, capped at
/// `max_delay`, then spread by ±`jitter` (a fraction of the delay), never above `max_delay`.
///
/// ```
/// use actor_system_runtime::RetryConfig;
/// use std::time::Duration;
///
/// let cfg = RetryConfig::default();
/// assert!(cfg.validate().is_ok());
/// assert_eq!(cfg.base_delay(1), Duration::from_millis(100));
/// assert_eq!(cfg.base_delay(2), Duration::from_millis(200));
/// assert_eq!(cfg.base_delay(60), cfg.max_delay, "large exponents saturate at the cap");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RetryConfig {
    /// Attempts in all, including the first (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub initial_delay: Duration,
    /// Upper bound of any delay (at least `initial_delay`).
    pub max_delay: Duration,
    /// Growth factor per retry (at least 1.0).
    pub multiplier: f64,
    /// Random spread as a fraction of the delay, in [0.0, 1.0].
    pub jitter: f64,
}

impl Default for RetryConfig {
    /// 3 attempts, 100 ms doubling up to 5 s, no jitter.
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            multiplier: 2.0,
            jitter: 0.0,
        }
    }
}

/// Why [`retry`] gave up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RetryError<E> {
    /// The configuration is invalid; the operation was not run.
    #[error(transparent)]
    Config(ConfigError),
    /// Every attempt failed; the last error is kept.
    #[error("gave up after {attempts} attempts: {last}")]
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// Error of the last attempt.
        last: E,
    },
}

impl RetryConfig {
    /// Check the values.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |what: &str| Err(ConfigError::Invalid(what.to_owned()));
        if self.max_attempts == 0 {
            return invalid("retry max_attempts must be at least 1 (1 means no retry)");
        }
        if self.max_delay < self.initial_delay {
            return invalid("retry max_delay is smaller than initial_delay: raise max_delay");
        }
        if !(self.multiplier.is_finite() && self.multiplier >= 1.0) {
            return invalid("retry multiplier must be a finite number >= 1.0");
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return invalid("retry jitter must be a fraction in [0.0, 1.0]");
        }
        Ok(())
    }

    /// The delay before retry `n` (1-based) without jitter; saturates at `max_delay`.
    pub fn base_delay(&self, n: u32) -> Duration {
        let exponent = n.saturating_sub(1).min(i32::MAX as u32) as i32;
        let secs = self.initial_delay.as_secs_f64() * self.multiplier.powi(exponent);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The delay before retry `n` with jitter applied (within ±`jitter` of the base delay,
    /// never above `max_delay`).
    pub fn delay(&self, n: u32) -> Duration {
        let base = self.base_delay(n);
        if self.jitter == 0.0 {
            return base;
        }
        let unit = random_unit() * 2.0 - 1.0; // in [-1, 1)
        let secs = base.as_secs_f64() * (1.0 + self.jitter * unit);
        Duration::try_from_secs_f64(secs.max(0.0))
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// A uniform value in [0, 1) from the process's UUID generator (no extra RNG dependency).
pub(crate) fn random_unit() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u64_pair().0 >> 11;
    bits as f64 / (1u64 << 53) as f64
}

/// Run `op` until it succeeds or `config.max_attempts` attempts have failed, sleeping (tokio
/// time) between attempts.
///
/// ```
/// use actor_system_runtime::{retry, RetryConfig, RetryError};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let cfg = RetryConfig { initial_delay: Duration::from_millis(1), ..RetryConfig::default() };
/// let mut calls = 0;
/// let result = retry(&cfg, || {
///     calls += 1;
///     let ok = calls == 2;
///     async move { if ok { Ok("connected") } else { Err("refused") } }
/// })
/// .await;
/// assert_eq!(result, Ok("connected"));
///
/// let gave_up: Result<(), _> = retry(&cfg, || async { Err("down") }).await;
/// assert_eq!(gave_up, Err(RetryError::Exhausted { attempts: 3, last: "down" }));
/// # }
/// ```
pub async fn retry<T, E, F, Fut>(config: &RetryConfig, mut op: F) -> Result<T, RetryError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    config.validate().map_err(RetryError::Config)?;
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(last) if attempt >= config.max_attempts => {
                return Err(RetryError::Exhausted {
                    attempts: attempt,
                    last,
                })
            }
            Err(_) => {
                tokio::time::sleep(config.delay(attempt)).await;
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn cfg() -> RetryConfig {
        RetryConfig {
            max_attempts: 4,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(250),
            multiplier: 2.0,
            jitter: 0.0,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn delays_follow_the_schedule_and_cap() {
        let start = tokio::time::Instant::now();
        let times = std::cell::RefCell::new(Vec::new());
        let r: Result<(), _> = retry(&cfg(), || {
            times.borrow_mut().push(start.elapsed());
            async { Err(()) }
        })
        .await;
        assert_eq!(
            r,
            Err(RetryError::Exhausted {
                attempts: 4,
                last: ()
            })
        );
        let ms: Vec<u128> = times.into_inner().iter().map(|d| d.as_millis()).collect();
        assert_eq!(
            ms,
            [0, 100, 300, 550],
            "delays 100, 200, then capped at 250"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn one_attempt_means_no_retry() {
        let calls = Cell::new(0);
        let config = RetryConfig {
            max_attempts: 1,
            ..cfg()
        };
        let r: Result<(), _> = retry(&config, || {
            calls.set(calls.get() + 1);
            async { Err("x") }
        })
        .await;
        assert_eq!(
            r,
            Err(RetryError::Exhausted {
                attempts: 1,
                last: "x"
            })
        );
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn huge_exponents_and_multipliers_saturate_instead_of_overflowing() {
        let config = RetryConfig {
            multiplier: 1e300,
            max_delay: Duration::from_secs(30),
            ..cfg()
        };
        assert_eq!(config.base_delay(u32::MAX), Duration::from_secs(30));
        assert_eq!(config.base_delay(1), Duration::from_millis(100));
        assert_eq!(config.delay(5), Duration::from_secs(30));
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let config = RetryConfig {
            jitter: 0.5,
            max_delay: Duration::from_secs(10),
            ..cfg()
        };
        for n in 1..=3 {
            let base = config.base_delay(n).as_secs_f64();
            for _ in 0..200 {
                let d = config.delay(n).as_secs_f64();
                assert!(
                    d >= base * 0.5 - 1e-9 && d <= base * 1.5 + 1e-9,
                    "{d} vs {base}"
                );
            }
        }
    }

    #[tokio::test]
    async fn invalid_configs_are_errors_and_run_nothing() {
        let bad = [
            RetryConfig {
                max_attempts: 0,
                ..cfg()
            },
            RetryConfig {
                max_delay: Duration::from_millis(1),
                ..cfg()
            },
            RetryConfig {
                multiplier: 0.5,
                ..cfg()
            },
            RetryConfig {
                multiplier: f64::NAN,
                ..cfg()
            },
            RetryConfig {
                jitter: 1.5,
                ..cfg()
            },
        ];
        for config in bad {
            let r: Result<(), RetryError<()>> =
                retry(&config, || async { panic!("must not run") }).await;
            let Err(RetryError::Config(e)) = r else {
                panic!("expected config error")
            };
            assert!(!e.to_string().is_empty());
        }
        let msg = RetryConfig {
            max_delay: Duration::ZERO,
            ..cfg()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(msg.contains("raise max_delay"), "{msg}");
    }
}
