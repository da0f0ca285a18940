//! Acting on the end of a child's incarnation: the facts for the [verdict](super::verdict),
//! then what it says (restart the child and its group, let it rejoin its group, remove it, or
//! escalate).

use super::record::{AfterStop, Phase, Stop};
use super::verdict::{verdict, Escalation, Facts, Verdict};
use super::{Supervisor, TARGET};
use crate::events::SupervisionEvent;
use crate::policy::Strategy;
use crate::protocol::{ChildExited, Decision};
use actor_system_runtime::{ActorError, Context, ExitReason, FailureKind, Severity};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;

impl Supervisor {
    /// A child's incarnation ended: decide what follows and do it.
    pub(super) fn on_exit(&mut self, ctx: &mut Context<Self>, exit: ChildExited) {
        let ChildExited {
            id,
            run,
            reason,
            decide,
        } = exit;
        let Some(i) = self.find(id) else {
            // Removed meanwhile (its stop by name ran out of time): end it.
            let _ = decide.send(Decision::Finish);
            return;
        };
        if !self.slots[i].runs(run) || ctx.is_stopping() {
            // A report from a task of an earlier incarnation of this supervisor, or this one
            // is stopping: dropping `decide` tells the task to park the mailbox.
            return;
        }
        let now = Instant::now();
        let config = self.tree.config.clone();
        let window = config.intensity.window;
        let error = match &reason {
            ExitReason::Failed(e) if e.kind() == FailureKind::Panic => {
                Some(e.clone().with_severity(config.panic_severity))
            }
            ExitReason::Failed(e) => Some(e.clone()),
            ExitReason::Normal | ExitReason::Aborted => None,
        };
        let slot = &mut self.slots[i];
        let expected = slot.expected();
        if let Phase::Running { since } = slot.phase {
            if now - since >= window {
                slot.restarts.streak = 0; // it ran for a whole window: its backoff starts afresh
            }
        }
        if let Some(e) = &error {
            slot.last_error = Some(e.clone());
            if expected.is_none() {
                let name = slot.child.name().to_owned();
                tracing::error!(target: TARGET, child = %name, error = %e, "Actor '{name}' failed: {}", e.message());
                let restarts = u32::try_from(slot.child.restarts()).unwrap_or(u32::MAX);
                self.publish(SupervisionEvent::ActorFailed {
                    supervisor: self.name().to_owned(),
                    child: name,
                    error: e.clone(),
                    restarts,
                });
            }
        }
        let slot = &self.slots[i];
        let facts = Facts {
            error: error.as_ref(),
            policy: slot.child.settings().restart,
            expected,
            root: self.root,
            fatal_recently: slot.last_fatal.is_some_and(|t| now - t < window),
            delay: slot.child.settings().delay.delay(slot.restarts.streak + 1),
            intensity_left: config.intensity.allows(self.intensity.count(now, window)),
        };
        let verdict = verdict(&facts);
        if error.as_ref().map(ActorError::severity) == Some(Severity::Fatal) {
            self.slots[i].last_fatal = Some(now);
        }
        match verdict {
            Verdict::Finish => {
                self.remove(i, reason, Some(decide));
                self.release_ready(ctx);
            }
            Verdict::Rejoin => {
                self.wait(i, decide, now);
                self.release_ready(ctx);
            }
            Verdict::Restart { delay } => {
                self.intensity.record(now);
                self.note_restart(i, delay, now);
                self.restart_siblings(i, now);
                self.wait(i, decide, now + delay);
                self.release_ready(ctx);
            }
            Verdict::Escalate(why) => {
                let message = escalation_message(why, self, i, error.as_ref());
                // `decide` is dropped: the task parks the mailbox for our next incarnation.
                self.escalate(ctx, ActorError::critical(message));
            }
        }
    }

    /// Give up this incarnation: stop the children (in `stopping`) and fail, for the parent
    /// to restart this supervisor per its own strategy; a root ends its tree.
    fn escalate(&mut self, ctx: &mut Context<Self>, error: ActorError) {
        tracing::error!(target: TARGET, supervisor = %self.name(), error = %error, "Supervisor '{}' escalates: {}", self.name(), error.message());
        self.publish(SupervisionEvent::Escalated {
            supervisor: self.name().to_owned(),
            error: error.clone(),
        });
        // Recoverable for the parent: a supervisor that receives an escalation restarts this
        // one by its own strategy, counted in its own intensity.
        ctx.fail(ActorError::new(
            FailureKind::Failed,
            Severity::Recoverable,
            format!("supervisor '{}' gave up: {}", self.name(), error.message()),
        ));
    }

    /// Count a restart of child `i`, log it and publish it.
    fn note_restart(&mut self, i: usize, delay: Duration, now: Instant) {
        let intensity = self.tree.config.intensity;
        let restarts = &mut self.slots[i].restarts;
        restarts.streak += 1;
        restarts.recent.record(now);
        let attempt = restarts.recent.count(now, intensity.window) as u32;
        let name = self.slots[i].child.name().to_owned();
        tracing::warn!(target: TARGET, child = %name, attempt, ?delay, "Restarting '{name}' (attempt {attempt}/{})", intensity.max_restarts);
        self.publish(SupervisionEvent::ActorRestarted {
            supervisor: self.name().to_owned(),
            child: name,
            attempt,
            delay,
        });
    }

    /// Child `i` restarts: stop the siblings its strategy restarts with it (in reverse start
    /// order) and gather them, with `i`, in the group restart. A sibling that is down already
    /// (waiting, or being stopped for a restart in progress) joins as it is: it is neither
    /// stopped nor counted again.
    fn restart_siblings(&mut self, i: usize, now: Instant) {
        let siblings: Vec<usize> = match self.tree.config.strategy {
            Strategy::OneForOne => return,
            Strategy::OneForAll => (0..self.slots.len()).filter(|&m| m != i).collect(),
            Strategy::RestForOne => (i + 1..self.slots.len()).collect(),
        };
        let mut joined = Vec::new();
        for &m in siblings.iter().rev() {
            let slot = &mut self.slots[m];
            match &slot.phase {
                Phase::Starting | Phase::Running { .. } => {
                    let timeout = slot.child.settings().shutdown_timeout;
                    slot.phase = Phase::Stopping(Stop::new(AfterStop::Restart, timeout));
                    slot.child.stop();
                    self.note_restart(m, Duration::ZERO, now);
                }
                Phase::Waiting(_)
                | Phase::Stopping(Stop {
                    after: AfterStop::Restart,
                    ..
                }) => {}
                Phase::Stopping(_) | Phase::Idle | Phase::Over(_) => continue,
            }
            joined.push(self.slots[m].child.id());
        }
        if !joined.is_empty() {
            joined.push(self.slots[i].child.id());
            for id in joined {
                if !self.group.contains(&id) {
                    self.group.push(id);
                }
            }
        }
    }

    /// Child `i` ended for good: remove it (from this incarnation and from the tree) and tell
    /// its task. The caller then releases what is ready: whatever waited on it may go on.
    pub(super) fn remove(
        &mut self,
        i: usize,
        reason: ExitReason,
        decide: Option<oneshot::Sender<Decision>>,
    ) {
        let slot = self.slots.remove(i);
        let id = slot.child.id();
        self.tree.remove(&slot.child);
        self.group.retain(|m| *m != id);
        let name = slot.child.name().to_owned();
        tracing::info!(target: TARGET, child = %name, %reason, "'{name}' ended for good ({reason}): removed from '{}'", self.name());
        self.publish(SupervisionEvent::ActorStopped {
            supervisor: self.name().to_owned(),
            child: name,
            reason,
        });
        if let Some(decide) = decide {
            let _ = decide.send(Decision::Finish);
        }
    }
}

/// Why the supervisor gives up, in words for its parent and for operators.
fn escalation_message(
    why: Escalation,
    sup: &Supervisor,
    i: usize,
    error: Option<&ActorError>,
) -> String {
    let name = sup.slots[i].child.name();
    let what = error.map_or("stopped", ActorError::message);
    let intensity = sup.tree.config.intensity;
    match why {
        Escalation::Critical => format!("child '{name}' failed critically: {what}"),
        Escalation::FatalAgain => format!(
            "child '{name}' failed fatally twice within {:?}: {what}",
            intensity.window
        ),
        Escalation::IntensityExceeded => format!(
            "restart intensity exceeded: more than {} restarts in {:?} (last: '{name}')",
            intensity.max_restarts, intensity.window
        ),
    }
}
