//! Stopping children: all of them at a shutdown (reverse start order, bounded), one by name
//! for good, and those that do not stop when asked.

use super::record::{AfterStop, ChildState, Phase, Stop};
use super::{ShutdownReport, Supervisor, TARGET};
use crate::error::SupervisionError;
use crate::protocol::Go;
use crate::task::Child;
use actor_system_runtime::{ActorError, Context, ExitReason, FailureKind, Severity};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Grace after a kill before a stuck child's task is aborted.
const KILL_GRACE: Duration = Duration::from_millis(100);

/// The failure a child that did not stop in time is killed with.
fn overdue(timeout: Duration) -> ActorError {
    ActorError::new(
        FailureKind::Timeout,
        Severity::Recoverable,
        format!("did not stop within {timeout:?}"),
    )
}

impl Supervisor {
    /// Stop every child in reverse start order, each within its shutdown timeout (then killed,
    /// then aborted), keeping their mailboxes (parked) for a next incarnation. A child waiting
    /// to be restarted has no incarnation to stop: its task ends at once, and it counts as
    /// stopped.
    pub(super) async fn shutdown_children(&mut self) -> ShutdownReport {
        if let Some((_, alarm)) = self.alarm.take() {
            alarm.cancel();
        }
        self.checks.abort_all();
        self.group.clear();
        let mut report = ShutdownReport::default();
        for i in (0..self.slots.len()).rev() {
            let slot = &mut self.slots[i];
            let child = slot.child.clone();
            child.set_parking(true);
            let removing = slot.expected() == Some(AfterStop::Remove);
            let incarnation = !matches!(slot.phase, Phase::Waiting(_));
            // Dropping a waiting child's release parks its task (so does the parking flag).
            slot.phase = Phase::Over(ChildState::Stopped);
            if let Some(task) = slot.task.take().filter(|t| !t.handle.is_finished()) {
                if incarnation {
                    child.stop();
                }
                let name = child.name().to_owned();
                if stop_task(child.as_ref(), task.handle).await {
                    report.stopped.push(name);
                } else {
                    report.aborted.push(name);
                }
            }
            if removing {
                child.finish_parked(); // it was on its way out: no later incarnation has it
            }
            child.set_parking(false);
        }
        report
    }

    /// Stop the child `name` for good and remove it; the child, to wait for its end.
    pub(super) fn stop_child(
        &mut self,
        ctx: &mut Context<Self>,
        name: &str,
    ) -> Result<Arc<dyn Child>, SupervisionError> {
        let i = self
            .find_name(name)
            .ok_or_else(|| SupervisionError::UnknownChild(name.to_owned()))?;
        let slot = &mut self.slots[i];
        let child = slot.child.clone();
        self.tree.remove(&child); // no later incarnation of this supervisor starts it
        let id = child.id();
        self.group.retain(|m| *m != id);
        tracing::info!(target: TARGET, child = %name, "stopping '{name}' for good");
        match &mut slot.phase {
            Phase::Stopping(stop) => stop.after = AfterStop::Remove,
            Phase::Starting | Phase::Running { .. } => {
                let timeout = child.settings().shutdown_timeout;
                slot.phase = Phase::Stopping(Stop::new(AfterStop::Remove, timeout));
                child.stop();
            }
            Phase::Waiting(_) => {
                // No incarnation to stop: its task ends the actor when told.
                if let Phase::Waiting(waiting) =
                    std::mem::replace(&mut slot.phase, Phase::Over(ChildState::Stopped))
                {
                    let _ = waiting.go.send(Go::Finish);
                }
                self.remove(i, ExitReason::Normal, None);
            }
            Phase::Idle | Phase::Over(_) => {
                child.finish_parked();
                self.remove(i, ExitReason::Normal, None);
            }
        }
        self.release_ready(ctx);
        Ok(child)
    }

    /// Act on the stops that are overdue: kill the child; a grace later, if it was being
    /// removed, abort its task and remove it (a child of a group restart is only killed: its
    /// mailbox must survive).
    pub(super) fn enforce_stops(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.slots.len() {
            let slot = &mut self.slots[i];
            let Phase::Stopping(stop) = &mut slot.phase else {
                i += 1;
                continue;
            };
            if stop.deadline.is_none_or(|t| t > now) {
                i += 1;
                continue;
            }
            if !stop.killed {
                let timeout = slot.child.settings().shutdown_timeout;
                tracing::warn!(target: TARGET, child = %slot.child.name(), ?timeout, "'{}' did not stop within {timeout:?}: killing it", slot.child.name());
                slot.child.kill(overdue(timeout));
                stop.killed = true;
                stop.deadline = (stop.after == AfterStop::Remove).then(|| now + KILL_GRACE);
                i += 1;
                continue;
            }
            // A removal whose kill did not end it either (a handler blocking its thread).
            if let Some(task) = slot.task.take() {
                task.handle.abort();
            }
            let child = slot.child.clone();
            child.finish_parked();
            self.remove(i, ExitReason::Aborted, None);
        }
    }
}

/// Wait for a child's task to end after a stop request: within its shutdown timeout, or it is
/// killed, and after a grace aborted. Whether it stopped in time.
async fn stop_task(child: &dyn Child, mut task: JoinHandle<()>) -> bool {
    let timeout = child.settings().shutdown_timeout;
    if tokio::time::timeout(timeout, &mut task).await.is_ok() {
        return true;
    }
    tracing::warn!(target: TARGET, child = %child.name(), ?timeout, "'{}' did not stop within {timeout:?}: aborting it", child.name());
    child.kill(overdue(timeout));
    if tokio::time::timeout(KILL_GRACE, &mut task).await.is_err() {
        task.abort();
        // The abort takes effect when its current poll ends: wait for that, bounded.
        let _ = tokio::time::timeout(KILL_GRACE, task).await;
    }
    false
}
