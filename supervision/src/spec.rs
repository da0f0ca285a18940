//! Building supervisors: [`SupervisorBuilder`] and [`SupervisorSpec`].

use crate::child::ChildSpec;
use crate::error::SupervisionError;
use crate::events::SupervisionEvents;
use crate::handle::SupervisorRef;
use crate::policy::{RestartIntensity, Strategy};
use crate::supervisor::Supervisor;
use crate::task::{Child, TypedChild};
use crate::tree::{SupervisorConfig, Tree};
use actor_system_runtime::{spawn_with, Actor, Addr, Severity, SpawnError, SpawnOptions};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::oneshot;

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
    tree: Tree,
}

/// Builds a [`SupervisorSpec`].
pub struct SupervisorBuilder {
    config: SupervisorConfig,
    children: Vec<Arc<dyn Child>>,
    error: Option<SupervisionError>,
}

impl SupervisorSpec {
    /// Start describing a supervisor named `name`: one-for-one, 5 restarts in 10 s, panics
    /// count as `Recoverable` (a crash is what restarts are for).
    pub fn builder(name: impl Into<String>) -> SupervisorBuilder {
        SupervisorBuilder {
            config: SupervisorConfig {
                name: name.into(),
                strategy: Strategy::OneForOne,
                intensity: RestartIntensity::default(),
                panic_severity: Severity::Recoverable,
                events: SupervisionEvents::new(),
            },
            children: Vec::new(),
            error: None,
        }
    }

    /// The supervisor's name.
    pub fn name(&self) -> &str {
        self.tree.name()
    }

    /// The stable address of child `name`, if it exists and is an `A`.
    pub fn address<A: Actor>(&self, name: &str) -> Option<Addr<A>> {
        self.tree.address(name)
    }

    /// The event stream of this supervisor.
    pub fn events(&self) -> &SupervisionEvents {
        &self.tree.config.events
    }

    /// Run this supervisor as a root (no parent): starts the children in order. A child that
    /// fails to start is [`SupervisionError::ChildStartFailed`], with the child's own error.
    ///
    /// ```
    /// use actor_system_runtime::{Actor, ActorError, ActorResult, Context};
    /// use actor_system_supervision::{ChildSpec, SupervisionError, SupervisorSpec};
    ///
    /// struct Storage;
    /// impl Actor for Storage {
    ///     async fn started(&mut self, _: &mut Context<Self>) -> ActorResult<()> {
    ///         Err(ActorError::recoverable("no disk"))
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let spec = SupervisorSpec::builder("root")
    ///     .child(ChildSpec::new("storage", || Storage))
    ///     .build()
    ///     .unwrap();
    /// match spec.start().await {
    ///     Err(SupervisionError::ChildStartFailed { child, error }) => {
    ///         assert_eq!(child, "storage");
    ///         assert_eq!(error.message(), "no disk");
    ///     }
    ///     _ => unreachable!(),
    /// }
    /// # }
    /// ```
    pub async fn start(self) -> Result<SupervisorRef, SupervisionError> {
        let (report, mut failure) = oneshot::channel();
        let root = Supervisor::root(self.tree.clone(), report);
        match spawn_with(root, SpawnOptions::new().name(self.name())).await {
            Ok(addr) => Ok(SupervisorRef::new(addr, self.tree)),
            // The supervisor sent why before failing its start (and is dropped by now).
            Err(SpawnError::StartFailed(error)) => {
                Err(failure
                    .try_recv()
                    .unwrap_or_else(|_| SupervisionError::GaveUp {
                        supervisor: self.name().to_owned(),
                        error,
                    }))
            }
            Err(SpawnError::Config(e)) => Err(SupervisionError::Config(e)),
        }
    }

    /// A child spec running this supervisor under a parent supervisor (a nested tree). Its
    /// children keep their mailboxes when the parent restarts it.
    pub fn into_child(self) -> ChildSpec<Supervisor> {
        let tree = self.tree;
        let nested = tree.clone();
        let mut spec = ChildSpec::new(tree.name().to_owned(), move || {
            Supervisor::new(tree.clone())
        });
        spec.finalizer = Some(Arc::new(move || nested.finish_parked()));
        spec
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

    /// The severity a caught panic counts as (default `Recoverable`: restart the child here,
    /// as OTP's "let it crash"; `Critical` escalates to the supervisor above).
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
            tree: Tree {
                config: Arc::new(self.config),
                children: Arc::new(parking_lot::RwLock::new(self.children)),
            },
        })
    }
}
