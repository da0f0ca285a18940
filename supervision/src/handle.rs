//! [`SupervisorRef`]: a running root supervisor.

use crate::child::ChildSpec;
use crate::error::SupervisionError;
use crate::events::SupervisionEvents;
use crate::supervisor::{
    AddChild, ChildStatus, GetChildren, Shutdown, ShutdownReport, StopChild, Supervisor,
};
use crate::task::TypedChild;
use crate::tree::Tree;
use actor_system_runtime::{Actor, Addr, ExitReason};
use std::sync::Arc;

/// A running root supervisor.
#[derive(Clone)]
pub struct SupervisorRef {
    addr: Addr<Supervisor>,
    tree: Tree,
}

impl SupervisorRef {
    pub(crate) fn new(addr: Addr<Supervisor>, tree: Tree) -> Self {
        SupervisorRef { addr, tree }
    }

    /// The supervisor actor's address.
    pub fn address(&self) -> &Addr<Supervisor> {
        &self.addr
    }

    /// The stable address of child `name`, if it exists and is an `A`.
    pub fn child<A: Actor>(&self, name: &str) -> Option<Addr<A>> {
        self.tree.address(name)
    }

    /// Add `spec` as the last child of the running supervisor and wait for it to start; returns
    /// its stable address.
    pub async fn add_child<A: Actor>(
        &self,
        spec: ChildSpec<A>,
    ) -> Result<Addr<A>, SupervisionError> {
        spec.settings.delay.validate()?;
        let child = TypedChild::new(spec)?;
        let addr = child.addr().clone();
        self.addr
            .ask(AddChild(Arc::new(child)))
            .await
            .map_err(|_| SupervisionError::Stopped)??;
        Ok(addr)
    }

    /// Stop the child `name` for good (within its shutdown timeout, then killed, then
    /// aborted) and remove it; returns how it ended. A child waiting to be restarted is
    /// stopped at once. Afterwards its name is free for [`add_child`](Self::add_child).
    ///
    /// ```
    /// use actor_system_runtime::{Actor, ExitReason};
    /// use actor_system_supervision::{ChildSpec, SupervisionError, SupervisorSpec};
    ///
    /// struct Peer;
    /// impl Actor for Peer {}
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let root = SupervisorSpec::builder("root").build().unwrap().start().await.unwrap();
    /// root.add_child(ChildSpec::new("peer-1", || Peer)).await.unwrap();
    /// assert_eq!(root.stop_child("peer-1").await, Ok(ExitReason::Normal));
    /// assert!(root.children().await.unwrap().is_empty());
    /// root.add_child(ChildSpec::new("peer-1", || Peer)).await.unwrap();
    /// assert_eq!(
    ///     root.stop_child("peer-2").await,
    ///     Err(SupervisionError::UnknownChild("peer-2".into()))
    /// );
    /// # }
    /// ```
    pub async fn stop_child(&self, name: &str) -> Result<ExitReason, SupervisionError> {
        let child = self
            .addr
            .ask(StopChild(name.to_owned()))
            .await
            .map_err(|_| SupervisionError::Stopped)??;
        Ok(child.wait_for_stop().await?)
    }

    /// State, restarts, last error and uptime of every child.
    pub async fn children(&self) -> Result<Vec<ChildStatus>, SupervisionError> {
        self.addr
            .ask(GetChildren)
            .await
            .map_err(|_| SupervisionError::Stopped)
    }

    /// The event stream of this supervisor.
    pub fn events(&self) -> &SupervisionEvents {
        &self.tree.config.events
    }

    /// Stop the children in reverse start order (each within its shutdown timeout, then
    /// aborted), then the supervisor. Says which children had to be aborted.
    ///
    /// When this returns, every actor of the tree has stopped and has been dropped, and the
    /// supervisor's own task is over; the factories live on only in this ref (and its clones).
    pub async fn shutdown(&self) -> ShutdownReport {
        let report = self.addr.ask(Shutdown).await.unwrap_or_default();
        // Only the supervisor itself could fail to wait here, and it never holds its own ref.
        let _ = self.addr.wait_for_stop().await;
        report
    }

    /// Wait until the supervisor ends: `Ok` after a shutdown, the typed error when it gave up.
    pub async fn wait(&self) -> Result<(), SupervisionError> {
        match self.addr.wait_for_stop().await {
            Ok(ExitReason::Failed(error)) => Err(SupervisionError::GaveUp {
                supervisor: self.tree.name().to_owned(),
                error,
            }),
            // (A wait that fails is the supervisor's own, which never holds its ref.)
            Ok(ExitReason::Normal | ExitReason::Aborted) | Err(_) => Ok(()),
        }
    }
}
