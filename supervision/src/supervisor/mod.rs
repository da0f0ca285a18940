//! The supervisor actor: runs its children, decides what follows the end of each incarnation
//! (`verdict`), restarts them by its strategy (`restart`, `release`) and stops them (`stop`).

mod record;
mod release;
mod restart;
mod stop;
mod verdict;

pub use record::{ChildState, ChildStatus};

use crate::error::SupervisionError;
use crate::events::SupervisionEvent;
use crate::policy::Window;
use crate::protocol::{ChildExited, ChildStarted, Reports, Run};
use crate::task::Child;
use crate::tree::Tree;
use actor_system_runtime::{
    Actor, ActorError, ActorId, ActorResult, Context, ExitReason, Handler, Message, Priority,
    TimerHandle,
};
use record::{Phase, Slot, Task};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio::time::Instant;

const TARGET: &str = "actor_system::supervisor";

/// What a graceful shutdown did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShutdownReport {
    /// Children that stopped within their timeout, in stop order (a child waiting to be
    /// restarted is stopped at once).
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

/// Add a child to a running supervisor (see [`SupervisorRef::add_child`](crate::SupervisorRef::add_child)).
pub(crate) struct AddChild(pub(crate) Arc<dyn Child>);

impl Message for AddChild {
    type Result = Result<(), SupervisionError>;
    const PRIORITY: Priority = Priority::High;
}

/// Stop a child for good and remove it (see
/// [`SupervisorRef::stop_child`](crate::SupervisorRef::stop_child)): answers the child, to
/// wait for its end.
pub(crate) struct StopChild(pub(crate) String);

impl Message for StopChild {
    type Result = Result<Arc<dyn Child>, SupervisionError>;
    const PRIORITY: Priority = Priority::High;
}

/// The answer to a dependency's health check.
pub(crate) struct DependencyChecked {
    id: ActorId,
    run: Run,
    healthy: bool,
    /// The check's timeout: an unhealthy dependency is asked again this much later.
    timeout: Duration,
}

impl Message for DependencyChecked {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}

/// A supervisor: an actor that runs children and restarts them by its strategy.
pub struct Supervisor {
    tree: Tree,
    /// This incarnation's children, in start order.
    slots: Vec<Slot>,
    /// Its restarts within the intensity window.
    intensity: Window,
    /// Children restarting together (one-for-all, rest-for-one): released one at a time in
    /// start order, once none of them is still stopping or starting.
    group: Vec<ActorId>,
    /// The timer that wakes it for the earliest deadline of a child (a restart delay, a
    /// dependency timeout, a health check to ask again, a child that will not stop).
    alarm: Option<(Instant, TimerHandle)>,
    /// Health checks of dependencies under way; aborted with this incarnation.
    checks: JoinSet<()>,
    /// A root has no parent to restart it: when it stops, its tree is over.
    root: bool,
    /// Where a root reports why its start failed, typed.
    start_error: Option<oneshot::Sender<SupervisionError>>,
}

impl Supervisor {
    /// A supervisor instance for `tree` (a fresh one per incarnation; children's mailboxes
    /// live in the tree and survive).
    pub(crate) fn new(tree: Tree) -> Self {
        let slots = tree
            .children
            .read()
            .iter()
            .cloned()
            .map(Slot::new)
            .collect();
        Supervisor {
            tree,
            slots,
            intensity: Window::default(),
            group: Vec::new(),
            alarm: None,
            checks: JoinSet::new(),
            root: false,
            start_error: None,
        }
    }

    /// The supervisor at the top of a tree (see [`SupervisorSpec::start`]): when it stops, shut
    /// down or given up, nothing will restart its children, so it ends them for good. Why its
    /// start failed goes to `start_error`.
    ///
    /// [`SupervisorSpec::start`]: crate::SupervisorSpec::start
    pub(crate) fn root(tree: Tree, start_error: oneshot::Sender<SupervisionError>) -> Self {
        Supervisor {
            root: true,
            start_error: Some(start_error),
            ..Supervisor::new(tree)
        }
    }

    fn name(&self) -> &str {
        self.tree.name()
    }

    fn find(&self, id: ActorId) -> Option<usize> {
        self.slots.iter().position(|s| s.child.id() == id)
    }

    fn find_name(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.child.name() == name)
    }

    fn publish(&self, event: SupervisionEvent) {
        self.tree.config.events.publish(event);
    }

    /// Start child `i`'s task and wait for its first incarnation's `started`.
    async fn start_child(&mut self, ctx: &mut Context<Self>, i: usize) -> Result<(), ActorError> {
        let me = ctx.address();
        let reports = Reports {
            exited: me.recipient(),
            started: me.recipient(),
        };
        let slot = &mut self.slots[i];
        slot.phase = Phase::Starting;
        let started = slot.child.start(reports);
        slot.task = Some(Task {
            handle: started.task,
            run: started.run,
        });
        let result = started.first.await.unwrap_or_else(|_| {
            Err(ActorError::panicked(
                "the child's task ended before it started",
            ))
        });
        match &result {
            Ok(()) => {
                slot.phase = Phase::Running {
                    since: Instant::now(),
                }
            }
            Err(error) => {
                slot.phase = Phase::Over(ChildState::Failed);
                slot.last_error = Some(error.clone());
            }
        }
        result
    }
}

impl Actor for Supervisor {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        for i in 0..self.slots.len() {
            if let Err(error) = self.start_child(ctx, i).await {
                self.shutdown_children().await;
                let child = self.slots[i].child.name().to_owned();
                let message = format!("child '{child}' failed to start: {}", error.message());
                if let Some(report) = self.start_error.take() {
                    let _ = report.send(SupervisionError::ChildStartFailed {
                        child,
                        error: error.clone(),
                    });
                }
                return Err(ActorError::new(error.kind(), error.severity(), message));
            }
        }
        tracing::info!(target: TARGET, supervisor = %self.name(), children = self.slots.len(), "supervisor started");
        Ok(())
    }

    async fn stopping(&mut self, _ctx: &mut Context<Self>) {
        self.shutdown_children().await;
    }

    async fn stopped(&mut self, reason: &ExitReason) {
        if self.root {
            // Parked children keep their mailboxes for a restart that will not come: end them
            // (recursively), so their addresses see them stopped and queued asks resolve.
            self.tree.finish_parked();
        }
        tracing::info!(target: TARGET, supervisor = %self.name(), %reason, "supervisor stopped");
    }
}

impl Handler<ChildExited> for Supervisor {
    async fn handle(&mut self, msg: ChildExited, ctx: &mut Context<Self>) {
        self.on_exit(ctx, msg);
    }
}

impl Handler<ChildStarted> for Supervisor {
    async fn handle(&mut self, msg: ChildStarted, ctx: &mut Context<Self>) {
        self.on_started(ctx, msg.id, msg.run);
    }
}

impl Handler<DependencyChecked> for Supervisor {
    async fn handle(&mut self, msg: DependencyChecked, ctx: &mut Context<Self>) {
        self.on_checked(ctx, msg);
    }
}

impl Handler<GetChildren> for Supervisor {
    async fn handle(&mut self, _: GetChildren, _: &mut Context<Self>) -> Vec<ChildStatus> {
        let window = self.tree.config.intensity.window;
        self.slots.iter_mut().map(|s| s.status(window)).collect()
    }
}

impl Handler<Shutdown> for Supervisor {
    async fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) -> ShutdownReport {
        let report = self.shutdown_children().await;
        self.tree.finish_parked();
        tracing::info!(target: TARGET, supervisor = %self.name(), stopped = ?report.stopped, aborted = ?report.aborted, "supervisor shut down");
        ctx.stop();
        report
    }
}

impl Handler<StopChild> for Supervisor {
    async fn handle(
        &mut self,
        msg: StopChild,
        ctx: &mut Context<Self>,
    ) -> Result<Arc<dyn Child>, SupervisionError> {
        self.stop_child(ctx, &msg.0)
    }
}

impl Handler<AddChild> for Supervisor {
    async fn handle(
        &mut self,
        msg: AddChild,
        ctx: &mut Context<Self>,
    ) -> Result<(), SupervisionError> {
        let child = msg.0;
        if self.find_name(child.name()).is_some() {
            return Err(SupervisionError::DuplicateChild(child.name().to_owned()));
        }
        if let Some(dep) = child
            .settings()
            .depends_on
            .iter()
            .find(|d| self.find_name(d).is_none())
        {
            return Err(SupervisionError::UnknownDependency {
                child: child.name().to_owned(),
                dependency: dep.clone(),
            });
        }
        self.slots.push(Slot::new(child.clone()));
        let i = self.slots.len() - 1;
        match self.start_child(ctx, i).await {
            Ok(()) => {
                // Future incarnations of this supervisor start it too.
                self.tree.children.write().push(child);
                Ok(())
            }
            Err(error) => {
                self.slots.pop();
                child.finish_parked();
                Err(SupervisionError::ChildStartFailed {
                    child: child.name().to_owned(),
                    error,
                })
            }
        }
    }
}
