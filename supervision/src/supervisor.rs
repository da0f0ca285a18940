//! The supervisor actor: decides what happens when a child's incarnation ends.

use crate::child::{Child, ChildExited, ChildStarted, Decision};
use crate::spec::SupervisorSpec;
use crate::{RestartPolicy, Strategy, SupervisionEvent};
use actor_system_runtime::{
    Actor, ActorError, ActorResult, ActorState, Context, ExitReason, FailureKind, Handler, Message,
    Priority, Severity,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const TARGET: &str = "actor_system::supervisor";
/// How often restarts waiting for dependencies are re-examined.
const DEPENDENCY_POLL: Duration = Duration::from_millis(20);
/// Grace after a kill before a stuck child's task is aborted.
const KILL_GRACE: Duration = Duration::from_millis(100);

/// A child's state, as reported by [`GetChildren`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ChildState {
    /// Its `started` hook runs.
    Starting,
    /// Running.
    Running,
    /// Waiting to be restarted (delay, dependencies, or siblings of a group restart).
    Restarting,
    /// Stopped normally and not restarted.
    Stopped,
    /// Failed and not restarted.
    Failed,
}

/// One child's status.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChildStatus {
    /// Name.
    pub name: String,
    /// State.
    pub state: ChildState,
    /// Restarts so far.
    pub restarts: u32,
    /// The last failure, if any.
    pub last_error: Option<ActorError>,
    /// Time since the current incarnation started (None when not running).
    pub uptime: Option<Duration>,
}

/// What a graceful shutdown did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShutdownReport {
    /// Children that stopped within their timeout, in stop order.
    pub stopped: Vec<String>,
    /// Children that had to be aborted.
    pub aborted: Vec<String>,
}

/// Ask a supervisor for its children's status.
pub struct GetChildren;
impl Message for GetChildren {
    type Result = Vec<ChildStatus>;
    const PRIORITY: Priority = Priority::High;
}

/// Ask a supervisor to stop its children (reverse start order) and then itself.
pub struct Shutdown;
impl Message for Shutdown {
    type Result = ShutdownReport;
    const PRIORITY: Priority = Priority::Critical;
}

#[derive(Default)]
struct Record {
    state: Option<ChildState>,
    restarts: u32,
    last_error: Option<ActorError>,
    started_at: Option<Instant>,
    task: Option<JoinHandle<()>>,
    pending: Option<(oneshot::Sender<Decision>, Duration)>,
    waiting_since: Option<Instant>,
    fatal_replaced: bool,
}

/// Children restarting together (one-for-all, rest-for-one), released one by one in start order.
struct Group {
    members: Vec<usize>,
    order: VecDeque<usize>,
    awaiting: Option<usize>,
}

/// A supervisor: an actor that runs children and restarts them by its strategy.
pub struct Supervisor {
    spec: SupervisorSpec,
    /// This incarnation's view of the children (the spec's list, plus children added since).
    children: Vec<Arc<dyn Child>>,
    records: Vec<Record>,
    intensity: crate::policy::IntensityTracker,
    group: Option<Group>,
    poll_scheduled: bool,
    /// A root has no parent to restart it: when it stops, its tree is over.
    root: bool,
}

impl Supervisor {
    /// A supervisor instance for `spec` (a fresh one per incarnation; children's mailboxes live
    /// in the spec and survive).
    pub fn new(spec: SupervisorSpec) -> Self {
        let children: Vec<Arc<dyn Child>> = spec.children.read().clone();
        let records = children.iter().map(|_| Record::default()).collect();
        Supervisor {
            children,
            spec,
            records,
            intensity: Default::default(),
            group: None,
            poll_scheduled: false,
            root: false,
        }
    }

    /// The supervisor at the top of a tree (see [`SupervisorSpec::start`]): when it stops, shut
    /// down or given up, nothing will restart its children, so it ends them for good.
    ///
    /// [`SupervisorSpec::start`]: crate::SupervisorSpec::start
    pub(crate) fn root(spec: SupervisorSpec) -> Self {
        Supervisor {
            root: true,
            ..Supervisor::new(spec)
        }
    }

    fn name(&self) -> &str {
        &self.spec.config.name
    }

    fn child(&self, i: usize) -> &Arc<dyn Child> {
        &self.children[i]
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.children.iter().position(|c| c.name() == name)
    }

    fn publish(&self, event: SupervisionEvent) {
        self.spec.config.events.publish(event);
    }

    /// Give up: stop the children (in `stopping`) and fail, for the parent to act on.
    fn escalate(&mut self, ctx: &mut Context<Self>, error: ActorError) {
        tracing::error!(target: TARGET, supervisor = %self.name(), error = %error, "Supervisor '{}' escalates: {}", self.name(), error);
        self.publish(SupervisionEvent::Escalated {
            supervisor: self.name().to_owned(),
            error: error.clone(),
        });
        ctx.fail(ActorError::new(
            FailureKind::Failed,
            Severity::Recoverable,
            format!("supervisor '{}' gave up: {}", self.name(), error.message()),
        ));
    }

    fn on_exit(
        &mut self,
        ctx: &mut Context<Self>,
        i: usize,
        reason: ExitReason,
        decide: oneshot::Sender<Decision>,
    ) {
        let name = self.child(i).name().to_owned();
        let settings = self.child(i).settings().clone();
        let ran_for = self.records[i].started_at.take().map(|t| t.elapsed());
        if ctx.is_stopping() {
            return; // dropping `decide` parks the child's mailbox
        }
        if let Some(group) = &self.group {
            if group.members.contains(&i) {
                self.records[i].state = Some(ChildState::Restarting);
                self.records[i].pending = Some((decide, Duration::ZERO));
                if let ExitReason::Failed(e) = reason {
                    self.records[i].last_error = Some(e);
                }
                if group.awaiting == Some(i) {
                    // It failed while starting as part of the group: go on with the next one.
                    self.group.as_mut().expect("checked").awaiting = None;
                }
                self.pump(ctx);
                return;
            }
        }
        let error = match reason {
            ExitReason::Failed(e) if e.kind() == FailureKind::Panic => {
                Some(e.with_severity(self.spec.config.panic_severity))
            }
            ExitReason::Failed(e) => Some(e),
            ExitReason::Normal | ExitReason::Aborted => None,
        };
        let record = &mut self.records[i];
        if let Some(e) = &error {
            record.last_error = Some(e.clone());
            tracing::error!(target: TARGET, child = %name, error = %e, "Actor '{name}' failed: {}", e.message());
            self.publish(SupervisionEvent::ActorFailed {
                supervisor: self.name().to_owned(),
                child: name.clone(),
                error: e.clone(),
                restarts: self.records[i].restarts,
            });
        }
        let restart = !matches!(
            (settings.restart, &error),
            (RestartPolicy::Temporary, _) | (RestartPolicy::Transient, None)
        );
        if !restart {
            self.records[i].state = Some(if error.is_some() {
                ChildState::Failed
            } else {
                ChildState::Stopped
            });
            let _ = decide.send(Decision::Finish);
            return;
        }
        let mut immediate = false;
        if let Some(e) = &error {
            match e.severity() {
                Severity::Critical => {
                    self.records[i].state = Some(ChildState::Failed);
                    self.escalate(
                        ctx,
                        ActorError::critical(format!(
                            "child '{name}' failed critically: {}",
                            e.message()
                        )),
                    );
                    return;
                }
                Severity::Fatal if self.records[i].fatal_replaced => {
                    self.records[i].state = Some(ChildState::Failed);
                    self.escalate(
                        ctx,
                        ActorError::critical(format!(
                            "child '{name}' failed fatally twice: {}",
                            e.message()
                        )),
                    );
                    return;
                }
                Severity::Fatal => {
                    self.records[i].fatal_replaced = true;
                    immediate = true;
                }
                Severity::Recoverable => {}
            }
        }
        if !self.intensity.allow(&self.spec.config.intensity) {
            let limit = self.spec.config.intensity;
            self.records[i].state = Some(ChildState::Failed);
            self.escalate(
                ctx,
                ActorError::critical(format!(
                    "restart intensity exceeded: more than {} restarts in {:?} (last: '{name}')",
                    limit.max_restarts, limit.window
                )),
            );
            return;
        }
        // A child that ran for a whole intensity window starts its backoff afresh.
        let record = &mut self.records[i];
        if ran_for.is_some_and(|d| d >= self.spec.config.intensity.window) {
            record.restarts = 0;
        }
        let Some(delay) = (if immediate {
            Some(Duration::ZERO)
        } else {
            settings.delay.delay(record.restarts + 1)
        }) else {
            record.state = Some(ChildState::Failed);
            let _ = decide.send(Decision::Finish);
            return;
        };
        let members: Vec<usize> = match self.spec.config.strategy {
            Strategy::OneForOne => vec![i],
            Strategy::OneForAll => (0..self.records.len()).collect(),
            Strategy::RestForOne => (i..self.records.len()).collect(),
        };
        let members: Vec<usize> = members
            .into_iter()
            .filter(|&m| {
                m == i
                    || self.records[m]
                        .task
                        .as_ref()
                        .is_some_and(|t| !t.is_finished())
            })
            .collect();
        self.note_restart(i, delay);
        self.records[i].pending = Some((decide, delay));
        self.records[i].waiting_since = Some(Instant::now());
        if members.len() > 1 {
            // Stop the others in reverse start order; they come back through `on_exit`.
            for &m in members.iter().rev().filter(|&&m| m != i) {
                self.note_restart(m, Duration::ZERO);
                self.child(m).stop();
            }
            self.group = Some(Group {
                order: members.iter().copied().collect(),
                members,
                awaiting: None,
            });
        }
        self.pump(ctx);
    }

    fn note_restart(&mut self, i: usize, delay: Duration) {
        let name = self.child(i).name().to_owned();
        let record = &mut self.records[i];
        record.restarts += 1;
        record.state = Some(ChildState::Restarting);
        tracing::warn!(target: TARGET, child = %name, attempt = record.restarts, ?delay, "Restarting '{name}' (attempt {})", record.restarts);
        self.publish(SupervisionEvent::ActorRestarted {
            supervisor: self.name().to_owned(),
            child: name,
            attempt: self.records[i].restarts,
            delay,
        });
    }

    /// Whether child `i`'s dependencies are running (or it waited long enough).
    fn may_restart(&self, i: usize) -> bool {
        let settings = self.child(i).settings();
        let deps_running = settings.depends_on.iter().all(|dep| {
            self.index_of(dep)
                .is_some_and(|d| self.child(d).state() == ActorState::Running)
        });
        deps_running
            || self.records[i]
                .waiting_since
                .is_some_and(|t| t.elapsed() >= settings.dependency_timeout)
    }

    /// Release the restarts that may go ahead.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if let Some(group) = &mut self.group {
            // Release members one at a time, once every member not yet released is down.
            let all_down = group
                .order
                .iter()
                .all(|&m| self.records[m].pending.is_some());
            if all_down && group.awaiting.is_none() {
                match group.order.pop_front() {
                    Some(next) => {
                        group.awaiting = Some(next);
                        if let Some((decide, delay)) = self.records[next].pending.take() {
                            let _ = decide.send(Decision::Restart(delay));
                        }
                    }
                    None => self.group = None,
                }
            }
        }
        let mut waiting = false;
        for i in 0..self.records.len() {
            let in_group = self.group.as_ref().is_some_and(|g| g.members.contains(&i));
            if in_group || self.records[i].pending.is_none() {
                continue;
            }
            if self.may_restart(i) {
                let (decide, delay) = self.records[i].pending.take().expect("checked");
                self.records[i].waiting_since = None;
                let _ = decide.send(Decision::Restart(delay));
            } else {
                waiting = true;
            }
        }
        if waiting && !self.poll_scheduled {
            self.poll_scheduled = true;
            ctx.run_later(DEPENDENCY_POLL, |sup, ctx| {
                sup.poll_scheduled = false;
                sup.pump(ctx);
            });
        }
    }

    /// Start child `i`'s task and wait for its first incarnation's `started`.
    async fn start_child(&mut self, ctx: &mut Context<Self>, i: usize) -> Result<(), ActorError> {
        self.records[i].state = Some(ChildState::Starting);
        let (task, first) = self.children[i].start(ctx.address());
        self.records[i].task = Some(task);
        let result = first.await.unwrap_or_else(|_| {
            Err(ActorError::panicked(
                "the child's task ended before it started",
            ))
        });
        match &result {
            Ok(()) => {
                self.records[i].state = Some(ChildState::Running);
                self.records[i].started_at = Some(Instant::now());
            }
            Err(error) => {
                self.records[i].state = Some(ChildState::Failed);
                self.records[i].last_error = Some(error.clone());
            }
        }
        result
    }

    async fn shutdown_children(&mut self) -> crate::ShutdownReport {
        let mut report = crate::ShutdownReport::default();
        for i in (0..self.records.len()).rev() {
            let child = self.children[i].clone();
            child.set_parking(true);
            self.records[i].pending = None;
            let Some(mut task) = self.records[i].task.take() else {
                continue;
            };
            if task.is_finished() {
                continue;
            }
            child.stop();
            let timeout = child.settings().shutdown_timeout;
            if tokio::time::timeout(timeout, &mut task).await.is_ok() {
                report.stopped.push(child.name().to_owned());
            } else {
                tracing::warn!(target: TARGET, child = %child.name(), ?timeout, "'{}' did not stop within {timeout:?}: aborting it", child.name());
                child.kill(ActorError::new(
                    FailureKind::Timeout,
                    Severity::Recoverable,
                    format!("did not stop within {timeout:?}"),
                ));
                if tokio::time::timeout(KILL_GRACE, &mut task).await.is_err() {
                    task.abort();
                }
                report.aborted.push(child.name().to_owned());
            }
            self.records[i].state = Some(ChildState::Stopped);
            child.set_parking(false);
        }
        report
    }
}

impl Actor for Supervisor {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        for i in 0..self.records.len() {
            if self.children[i].state() == ActorState::Stopped {
                continue; // ended for good in an earlier incarnation of this supervisor
            }
            if let Err(error) = self.start_child(ctx, i).await {
                self.shutdown_children().await;
                return Err(ActorError::new(
                    error.kind(),
                    error.severity(),
                    format!(
                        "child '{}' failed to start: {}",
                        self.children[i].name(),
                        error.message()
                    ),
                ));
            }
        }
        tracing::info!(target: TARGET, supervisor = %self.name(), children = self.records.len(), "supervisor started");
        Ok(())
    }

    async fn stopping(&mut self, _ctx: &mut Context<Self>) {
        self.shutdown_children().await;
    }

    async fn stopped(&mut self, reason: &ExitReason) {
        if self.root {
            // Parked children keep their mailboxes for a restart that will not come: end them
            // (recursively), so their addresses see them stopped and queued asks resolve.
            self.spec.finish_parked();
        }
        tracing::info!(target: TARGET, supervisor = %self.name(), %reason, "supervisor stopped");
    }
}

impl Handler<ChildExited> for Supervisor {
    async fn handle(&mut self, msg: ChildExited, ctx: &mut Context<Self>) {
        match self.index_of(&msg.name) {
            Some(i) => self.on_exit(ctx, i, msg.reason, msg.decide),
            None => {
                let _ = msg.decide.send(Decision::Finish);
            }
        }
    }
}

impl Handler<ChildStarted> for Supervisor {
    async fn handle(&mut self, msg: ChildStarted, ctx: &mut Context<Self>) {
        let Some(i) = self.index_of(&msg.name) else {
            return;
        };
        self.records[i].state = Some(ChildState::Running);
        self.records[i].started_at = Some(Instant::now());
        if let Some(group) = &mut self.group {
            if group.awaiting == Some(i) {
                group.awaiting = None;
            }
        }
        self.pump(ctx);
    }
}

impl Handler<GetChildren> for Supervisor {
    async fn handle(&mut self, _: GetChildren, _: &mut Context<Self>) -> Vec<ChildStatus> {
        self.children
            .iter()
            .zip(&self.records)
            .map(|(child, record)| ChildStatus {
                name: child.name().to_owned(),
                state: record.state.unwrap_or(ChildState::Stopped),
                restarts: record.restarts,
                last_error: record.last_error.clone(),
                uptime: record.started_at.map(|t| t.elapsed()),
            })
            .collect()
    }
}

impl Handler<Shutdown> for Supervisor {
    async fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) -> ShutdownReport {
        let report = self.shutdown_children().await;
        self.spec.finish_parked();
        tracing::info!(target: TARGET, supervisor = %self.name(), stopped = ?report.stopped, aborted = ?report.aborted, "supervisor shut down");
        ctx.stop();
        report
    }
}

/// Add a child to a running supervisor (see [`SupervisorRef::add_child`](crate::SupervisorRef::add_child)).
pub(crate) struct AddChild(pub(crate) Arc<dyn Child>);

impl Message for AddChild {
    type Result = Result<(), crate::SupervisionError>;
    const PRIORITY: Priority = Priority::High;
}

impl Handler<AddChild> for Supervisor {
    async fn handle(
        &mut self,
        msg: AddChild,
        ctx: &mut Context<Self>,
    ) -> Result<(), crate::SupervisionError> {
        let child = msg.0;
        if self.index_of(child.name()).is_some() {
            return Err(crate::SupervisionError::DuplicateChild(
                child.name().to_owned(),
            ));
        }
        if let Some(dep) = child
            .settings()
            .depends_on
            .iter()
            .find(|d| self.index_of(d).is_none())
        {
            return Err(crate::SupervisionError::UnknownDependency {
                child: child.name().to_owned(),
                dependency: dep.clone(),
            });
        }
        self.children.push(child.clone());
        self.records.push(Record::default());
        let i = self.children.len() - 1;
        match self.start_child(ctx, i).await {
            Ok(()) => {
                // Future incarnations of this supervisor start it too.
                self.spec.children.write().push(child);
                Ok(())
            }
            Err(error) => {
                self.children.pop();
                self.records.pop();
                child.finish_parked();
                Err(crate::SupervisionError::ChildStartFailed {
                    child: child.name().to_owned(),
                    error,
                })
            }
        }
    }
}
