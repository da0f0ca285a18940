//! Building supervisors: [`SupervisorBuilder`], [`SupervisorSpec`] and the root [`SupervisorRef`].

use crate::child::{Child, TypedChild};
use crate::{
    ChildSpec, ChildStatus, RestartIntensity, ShutdownReport, Strategy, SupervisionError,
    SupervisionEvents, Supervisor,
};
use actor_system_runtime::{
    spawn_with, Actor, Addr, ExitReason, Severity, SpawnError, SpawnOptions,
};
use std::collections::HashSet;
use std::sync::Arc;

/// Settings of one supervisor.
#[derive(Debug, Clone)]
pub(crate) struct SupervisorConfig {
    pub(crate) name: String,
    pub(crate) strategy: Strategy,
    pub(crate) intensity: RestartIntensity,
    pub(crate) panic_severity: Severity,
    pub(crate) events: SupervisionEvents,
}

/// Describes a supervisor and its children.
///
/// ```
/// use actor_system_runtime::Actor;
/// use actor_system_supervision::{ChildSpec, RestartIntensity, Strategy, SupervisorSpec};
/// use std::time::Duration;
///
/// struct Storage;
/// impl Actor for Storage {}
/// struct Chain;
/// impl Actor for Chain {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let spec = SupervisorSpec::builder("root")
///     .strategy(Strategy::OneForOne)
///     .intensity(RestartIntensity::new(5, Duration::from_secs(10)))
///     .child(ChildSpec::new("storage", || Storage))
///     .child(ChildSpec::new("chain", || Chain).depends_on(["storage"]))
///     .build()
///     .unwrap();
/// let chain = spec.address::<Chain>("chain").unwrap(); // valid before, during and after restarts
/// let root = spec.start().await.unwrap();
/// assert_eq!(root.children().await.unwrap().len(), 2);
/// let report = root.shutdown().await;
/// assert_eq!(report.stopped, ["chain", "storage"]);
/// assert!(!chain.is_alive());
/// # }
/// ```
#[derive(Clone)]
pub struct SupervisorSpec {
    pub(crate) config: Arc<SupervisorConfig>,
    pub(crate) children: Arc<parking_lot::RwLock<Vec<Arc<dyn Child>>>>,
}

/// Builds a [`SupervisorSpec`].
pub struct SupervisorBuilder {
    config: SupervisorConfig,
    children: Vec<Arc<dyn Child>>,
    error: Option<SupervisionError>,
}

impl SupervisorSpec {
    /// Start describing a supervisor named `name`: one-for-one, 5 restarts in 10 s, panics
    /// count as `Critical`.
    pub fn builder(name: impl Into<String>) -> SupervisorBuilder {
        SupervisorBuilder {
            config: SupervisorConfig {
                name: name.into(),
                strategy: Strategy::OneForOne,
                intensity: RestartIntensity::default(),
                panic_severity: Severity::Critical,
                events: SupervisionEvents::new(),
            },
            children: Vec::new(),
            error: None,
        }
    }

    /// The supervisor's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The stable address of child `name`, if it exists and is an `A`.
    pub fn address<A: Actor>(&self, name: &str) -> Option<Addr<A>> {
        self.children
            .read()
            .iter()
            .find(|c| c.name() == name)
            .and_then(|c| c.address().downcast_ref::<Addr<A>>().cloned())
    }

    /// The event stream of this supervisor.
    pub fn events(&self) -> &SupervisionEvents {
        &self.config.events
    }

    /// Run this supervisor as a root (no parent): starts the children in order.
    pub async fn start(self) -> Result<SupervisorRef, SupervisionError> {
        let name = self.config.name.clone();
        match spawn_with(
            Supervisor::root(self.clone()),
            SpawnOptions::new().name(name.clone()),
        )
        .await
        {
            Ok(addr) => Ok(SupervisorRef { addr, spec: self }),
            Err(SpawnError::StartFailed(e)) => Err(start_error(e)),
            Err(SpawnError::Config(e)) => Err(SupervisionError::Config(e)),
        }
    }

    /// A child spec running this supervisor under a parent supervisor (a nested tree). Its
    /// children keep their mailboxes when the parent restarts it.
    pub fn into_child(self) -> ChildSpec<Supervisor> {
        let name = self.config.name.clone();
        let nested = self.clone();
        let mut spec = ChildSpec::new(name, move || Supervisor::new(self.clone()));
        spec.finalizer = Some(Arc::new(move || nested.finish_parked()));
        spec
    }

    /// End every child that is not running (parked between incarnations), recursively: once
    /// the tree is over, addresses must see their actors stopped and queued asks must resolve.
    pub(crate) fn finish_parked(&self) {
        for child in self.children.read().iter() {
            child.finish_parked();
        }
    }
}

fn start_error(e: actor_system_runtime::ActorError) -> SupervisionError {
    // The supervisor's start hook reports "child '<name>' failed to start: <error>".
    match e
        .message()
        .strip_prefix("child '")
        .and_then(|r| r.split_once("' failed to start: "))
    {
        Some((child, error)) => SupervisionError::ChildStartFailed {
            child: child.to_owned(),
            error: actor_system_runtime::ActorError::new(e.kind(), e.severity(), error),
        },
        None => SupervisionError::GaveUp {
            supervisor: String::new(),
            error: e,
        },
    }
}

impl SupervisorBuilder {
    /// Which children restart when one fails.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.config.strategy = strategy;
        self
    }

    /// Restarts allowed per window before giving up.
    pub fn intensity(mut self, intensity: RestartIntensity) -> Self {
        self.config.intensity = intensity;
        self
    }

    /// The severity a caught panic counts as (default `Critical`: escalate).
    pub fn panics_as(mut self, severity: Severity) -> Self {
        self.config.panic_severity = severity;
        self
    }

    /// Publish this supervisor's events on `events` (share one stream across a tree).
    pub fn events(mut self, events: SupervisionEvents) -> Self {
        self.config.events = events;
        self
    }

    /// Add a child; children start in the order they are added.
    pub fn child<A: Actor>(mut self, spec: ChildSpec<A>) -> Self {
        if self.error.is_some() {
            return self;
        }
        if self.children.iter().any(|c| c.name() == spec.name) {
            self.error = Some(SupervisionError::DuplicateChild(spec.name));
            return self;
        }
        if let Err(e) = spec.settings.delay.validate() {
            self.error = Some(e);
            return self;
        }
        match TypedChild::new(spec) {
            Ok(child) => self.children.push(Arc::new(child)),
            Err(e) => self.error = Some(SupervisionError::Config(e)),
        }
        self
    }

    /// Validate and finish.
    pub fn build(self) -> Result<SupervisorSpec, SupervisionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.config.intensity.validate()?;
        let names: HashSet<&str> = self.children.iter().map(|c| c.name()).collect();
        for child in &self.children {
            if child
                .settings()
                .depends_on
                .iter()
                .any(|d| d == child.name())
            {
                return Err(SupervisionError::SelfDependency(child.name().to_owned()));
            }
            if let Some(dep) = child
                .settings()
                .depends_on
                .iter()
                .find(|d| !names.contains(d.as_str()))
            {
                return Err(SupervisionError::UnknownDependency {
                    child: child.name().to_owned(),
                    dependency: dep.clone(),
                });
            }
        }
        Ok(SupervisorSpec {
            config: Arc::new(self.config),
            children: Arc::new(parking_lot::RwLock::new(self.children)),
        })
    }
}

/// A running root supervisor.
#[derive(Clone)]
pub struct SupervisorRef {
    addr: Addr<Supervisor>,
    spec: SupervisorSpec,
}

impl SupervisorRef {
    /// The supervisor actor's address.
    pub fn address(&self) -> &Addr<Supervisor> {
        &self.addr
    }

    /// The stable address of child `name`, if it exists and is an `A`.
    pub fn child<A: Actor>(&self, name: &str) -> Option<Addr<A>> {
        self.spec.address(name)
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
            .ask(crate::supervisor::AddChild(Arc::new(child)))
            .await
            .map_err(|_| SupervisionError::Stopped)??;
        Ok(addr)
    }

    /// State, restarts, last error and uptime of every child.
    pub async fn children(&self) -> Result<Vec<ChildStatus>, SupervisionError> {
        self.addr
            .ask(crate::GetChildren)
            .await
            .map_err(|_| SupervisionError::Stopped)
    }

    /// The event stream of this supervisor.
    pub fn events(&self) -> &SupervisionEvents {
        self.spec.events()
    }

    /// Stop the children in reverse start order (each within its shutdown timeout, then
    /// aborted), then the supervisor. Says which children had to be aborted.
    ///
    /// When this returns, every actor of the tree has stopped and has been dropped, and the
    /// supervisor's own task is over; the factories live on only in this ref (and its clones).
    pub async fn shutdown(&self) -> ShutdownReport {
        let report = self.addr.ask(crate::Shutdown).await.unwrap_or_default();
        // Only the supervisor itself could fail to wait here, and it never holds its own ref.
        let _ = self.addr.wait_for_stop().await;
        report
    }

    /// Wait until the supervisor ends: `Ok` after a shutdown, the typed error when it gave up.
    pub async fn wait(&self) -> Result<(), SupervisionError> {
        match self.addr.wait_for_stop().await {
            Ok(ExitReason::Failed(error)) => Err(SupervisionError::GaveUp {
                supervisor: self.spec.name().to_owned(),
                error,
            }),
            // (A wait that fails is the supervisor's own, which never holds its ref.)
            Ok(ExitReason::Normal | ExitReason::Aborted) | Err(_) => Ok(()),
        }
    }
}
