//! Deciding what follows the end of a child's incarnation: a pure function of what the
//! supervisor knows ([`Facts`]), so that every case can be checked without actors. The
//! supervisor then applies the [`Verdict`].
//!
//! The seed's recovery flow, where every branch ends in a new instance:
//! - `Recoverable`: restart the child under this supervisor's strategy;
//! - `Critical`: escalate to the supervisor above, which restarts this supervisor (its subtree)
//!   under its own strategy; the root has none above, so it restarts the child itself;
//! - `Fatal`: replace the child at once, without backoff; a second fatal failure within the
//!   intensity window is no longer a replacement but a loop, and escalates like `Critical`.
//!
//! Every restart counts in the supervisor's intensity; exceeding it is the only way a
//! supervisor gives up, and only the root giving up ends the tree. A child that will not be
//! restarted (its policy, or a `Never` delay) ends for good without using intensity.

use super::record::AfterStop;
use crate::policy::RestartPolicy;
use actor_system_runtime::{ActorError, Severity};
use std::time::Duration;

/// What the supervisor knows when a child's incarnation has ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'a> {
    /// The failure (panics already reclassified); `None` for a normal stop.
    pub(crate) error: Option<&'a ActorError>,
    pub(crate) policy: RestartPolicy,
    /// Set when the supervisor had asked the child to stop.
    pub(crate) expected: Option<AfterStop>,
    /// Whether this supervisor is the root of its tree (nobody above to escalate to).
    pub(crate) root: bool,
    /// Whether the child already failed fatally within the intensity window.
    pub(crate) fatal_recently: bool,
    /// The child's delay before its next restart (`None`: never).
    pub(crate) delay: Option<Duration>,
    /// Whether one more restart fits within the supervisor's intensity.
    pub(crate) intensity_left: bool,
}

/// What the supervisor does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The child ended for good: remove it.
    Finish,
    /// It was stopped for a sibling's group restart: it waits for its turn (counted already).
    Rejoin,
    /// Restart it, and the siblings its strategy names, after `delay` (none for a fatal
    /// failure's replacement).
    Restart { delay: Duration },
    /// Give up this incarnation of the supervisor: stop every child and fail, for the parent
    /// to restart it (a root ends its tree).
    Escalate(Escalation),
}

/// Why a supervisor escalates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escalation {
    /// A child failed critically.
    Critical,
    /// A child failed fatally again within the intensity window.
    FatalAgain,
    /// One more restart would exceed the intensity.
    IntensityExceeded,
}

/// Decide what follows an incarnation's end.
pub(crate) fn verdict(facts: &Facts<'_>) -> Verdict {
    match facts.expected {
        Some(AfterStop::Remove) => return Verdict::Finish,
        // A temporary child is never restarted, not even with its group (OTP's bystander).
        Some(AfterStop::Restart) if facts.policy == RestartPolicy::Temporary => {
            return Verdict::Finish
        }
        Some(AfterStop::Restart) => return Verdict::Rejoin,
        None => {}
    }
    let restarts = match (facts.policy, facts.error) {
        (RestartPolicy::Temporary, _) | (RestartPolicy::Transient, None) => false,
        (RestartPolicy::Permanent, _) | (RestartPolicy::Transient, Some(_)) => true,
    };
    if !restarts {
        return Verdict::Finish;
    }
    let severity = facts.error.map(ActorError::severity);
    match severity {
        Some(Severity::Critical) if !facts.root => return Verdict::Escalate(Escalation::Critical),
        Some(Severity::Fatal) if facts.fatal_recently && !facts.root => {
            return Verdict::Escalate(Escalation::FatalAgain)
        }
        _ => {}
    }
    let replace = severity == Some(Severity::Fatal) && !facts.fatal_recently;
    let delay = if replace {
        Some(Duration::ZERO)
    } else {
        facts.delay
    };
    let Some(delay) = delay else {
        return Verdict::Finish; // `Never`: it stays down, and no restart is counted
    };
    if !facts.intensity_left {
        return Verdict::Escalate(Escalation::IntensityExceeded);
    }
    Verdict::Restart { delay }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn facts(error: Option<&ActorError>) -> Facts<'_> {
        Facts {
            error,
            policy: RestartPolicy::Permanent,
            expected: None,
            root: false,
            fatal_recently: false,
            delay: Some(SECOND),
            intensity_left: true,
        }
    }

    fn restart(delay: Duration) -> Verdict {
        Verdict::Restart { delay }
    }

    #[test]
    fn recoverable_restarts_after_the_delay() {
        let e = ActorError::recoverable("x");
        assert_eq!(verdict(&facts(Some(&e))), restart(SECOND));
        assert_eq!(verdict(&facts(None)), restart(SECOND), "permanent: always");
    }

    #[test]
    fn policies_decide_whether_to_restart_at_all() {
        let e = ActorError::recoverable("x");
        for (policy, error, expected) in [
            (RestartPolicy::Temporary, Some(&e), Verdict::Finish),
            (RestartPolicy::Temporary, None, Verdict::Finish),
            (RestartPolicy::Transient, None, Verdict::Finish),
            (RestartPolicy::Transient, Some(&e), restart(SECOND)),
        ] {
            let f = Facts {
                policy,
                ..facts(error)
            };
            assert_eq!(verdict(&f), expected, "{policy:?} {error:?}");
        }
    }

    #[test]
    fn critical_escalates_except_at_the_root() {
        let e = ActorError::critical("x");
        assert_eq!(
            verdict(&facts(Some(&e))),
            Verdict::Escalate(Escalation::Critical)
        );
        let root = Facts {
            root: true,
            ..facts(Some(&e))
        };
        assert_eq!(verdict(&root), restart(SECOND), "the root restarts it");
        let exhausted = Facts {
            intensity_left: false,
            ..root
        };
        assert_eq!(
            verdict(&exhausted),
            Verdict::Escalate(Escalation::IntensityExceeded)
        );
    }

    #[test]
    fn fatal_replaces_at_once_and_escalates_when_it_recurs_within_the_window() {
        let e = ActorError::fatal("x");
        assert_eq!(verdict(&facts(Some(&e))), restart(Duration::ZERO));
        let again = Facts {
            fatal_recently: true,
            ..facts(Some(&e))
        };
        assert_eq!(verdict(&again), Verdict::Escalate(Escalation::FatalAgain));
        let at_root = Facts {
            root: true,
            ..again
        };
        assert_eq!(verdict(&at_root), restart(SECOND));
    }

    #[test]
    fn never_ends_the_child_without_using_intensity() {
        let e = ActorError::recoverable("x");
        let f = Facts {
            delay: None,
            intensity_left: false,
            ..facts(Some(&e))
        };
        assert_eq!(verdict(&f), Verdict::Finish);
    }

    #[test]
    fn an_expected_stop_rejoins_its_group_or_ends_the_child() {
        let group = |policy| Facts {
            policy,
            expected: Some(AfterStop::Restart),
            intensity_left: false,
            ..facts(None)
        };
        assert_eq!(verdict(&group(RestartPolicy::Permanent)), Verdict::Rejoin);
        assert_eq!(verdict(&group(RestartPolicy::Transient)), Verdict::Rejoin);
        assert_eq!(verdict(&group(RestartPolicy::Temporary)), Verdict::Finish);
        let removed = Facts {
            expected: Some(AfterStop::Remove),
            ..facts(None)
        };
        assert_eq!(verdict(&removed), Verdict::Finish);
    }
}
