//! [`ActorSystem`]: the root supervisor, the registry, health monitoring, the event bus.

use super::event_bus::in_registered_lane;
use super::health::{monitor, HealthConfig};
use super::{ActorInfo, EventBus, PublishReport, Registry, RegistryError, SubscriptionId};
use actor_system_runtime::{
    Actor, Addr, ConfigError, DeadLetters, ExitReason, Message, Priority, Recipient, Severity,
};
use actor_system_supervision::{
    ChildSpec, ChildStatus, RestartIntensity, ShutdownReport, Strategy, SupervisionError,
    SupervisionEvents, SupervisorRef, SupervisorSpec,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// How long a shutdown waits for the health monitors to see their actors stopped (they see it
/// at their next poll) before aborting them.
const MONITORS_END: Duration = Duration::from_secs(1);

/// Settings of an [`ActorSystem`].
#[derive(Debug, Clone)]
pub struct SystemConfig {
    /// Name of the system (and of its root supervisor).
    pub name: String,
    /// Strategy of the root supervisor (default one-for-one).
    pub strategy: Strategy,
    /// Restart intensity of the root supervisor; exceeding it shuts the system down.
    pub intensity: RestartIntensity,
    /// Severity of a caught panic in a registered actor (default `Recoverable`: restart it).
    pub panics_as: Severity,
    /// Health monitoring.
    pub health: HealthConfig,
    /// Where undeliverable messages of registered actors go.
    pub dead_letters: DeadLetters,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            name: "actor-system".to_owned(),
            strategy: Strategy::OneForOne,
            intensity: RestartIntensity::default(),
            panics_as: Severity::Recoverable,
            health: HealthConfig::default(),
            dead_letters: DeadLetters::new(1024),
        }
    }
}

/// Why a system operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SystemError {
    /// Registry problem (duplicate or unknown name).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Supervision problem (the actor failed to start, the root gave up, ...).
    #[error(transparent)]
    Supervision(#[from] SupervisionError),
    /// Invalid configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The whole system's health, from [`ActorSystem::health`]: each actor's last check, with the
/// queue depth per lane and mailbox memory it measured ([`ActorInfo::resources`]).
///
/// ```
/// use actor_system::prelude::*;
/// use actor_system::system::{ActorSystem, HealthConfig, SystemConfig};
/// use std::time::Duration;
///
/// struct Storage;
/// impl Actor for Storage {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let health = HealthConfig { interval: Duration::from_millis(10), ..HealthConfig::default() };
/// let system = ActorSystem::new(SystemConfig { health, ..SystemConfig::default() }).await.unwrap();
/// // A check that finds a lane deeper than 1000 messages reports `Degraded`, with the figure.
/// let mailbox = MailboxConfig::unbounded().with_queue_warning(1000);
/// let spec = ChildSpec::new("storage", || Storage).options(SpawnOptions::new().mailbox(mailbox));
/// system.register(spec, Priority::High).await.unwrap();
///
/// // Wait (at most 5 s) for the first check.
/// let resources = tokio::time::timeout(Duration::from_secs(5), async {
///     loop {
///         if let Some(resources) = system.health().await.actors[0].resources {
///             return resources;
///         }
///         tokio::time::sleep(Duration::from_millis(5)).await;
///     }
/// })
/// .await
/// .expect("checked within 5 s");
/// assert_eq!(resources.queued(), 0);
/// assert!(resources.mailbox_bytes > 0);
/// assert!(system.health().await.is_healthy());
/// # system.shutdown().await;
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SystemHealth {
    /// Every registered actor with its last health check and the resources it measured.
    pub actors: Vec<ActorInfo>,
    /// The root supervisor's view of its children.
    pub supervision: Vec<ChildStatus>,
}

impl SystemHealth {
    /// Whether no registered actor is known to be unhealthy.
    pub fn is_healthy(&self) -> bool {
        self.actors
            .iter()
            .all(|a| a.health.as_ref().is_none_or(|h| h.is_healthy()))
    }
}

/// The entry point of an application: registers actors under a root supervisor, finds them by
/// name, monitors their health, carries events between them and shuts them down in order.
///
/// ```
/// use actor_system::prelude::*;
/// use actor_system::system::{ActorSystem, SystemConfig};
///
/// struct Storage { blocks: u64 }
/// impl Actor for Storage {}
///
/// #[derive(Clone)]
/// struct BlockProduced { height: u64 }
/// impl Message for BlockProduced { type Result = (); }
/// impl Handler<BlockProduced> for Storage {
///     async fn handle(&mut self, _: BlockProduced, _: &mut Context<Self>) { self.blocks += 1; }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
/// let storage = system.register_actor("storage", || Storage { blocks: 0 }, Priority::High).await.unwrap();
/// system.subscribe(storage.recipient::<BlockProduced>());
/// system.broadcast(BlockProduced { height: 1 });
/// assert_eq!(system.lookup::<Storage>("storage"), Some(storage));
/// let report = system.shutdown().await;
/// assert_eq!(report.stopped, ["storage"]);
/// # }
/// ```
#[derive(Clone)]
pub struct ActorSystem {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    config: SystemConfig,
    health: Arc<HealthConfig>,
    root: SupervisorRef,
    registry: Registry,
    bus: EventBus,
    chain_events: actor_system_blockchain::EventHub,
    /// One task per registered actor: checks its health and removes it from the registry once
    /// it has stopped. Awaited by [`ActorSystem::shutdown`]; aborted if the system is dropped.
    monitors: parking_lot::Mutex<JoinSet<()>>,
    /// Start locks of the services (see [`ActorSystem::service`]).
    pub(super) services: super::service::Services,
    /// Remote nodes started by [`ActorSystem::start_node`].
    #[cfg(feature = "remote")]
    pub(super) nodes: super::nodes::Nodes,
}

impl ActorSystem {
    /// Start a system: validates `config` and starts the root supervisor.
    pub async fn new(config: SystemConfig) -> Result<Self, SystemError> {
        config.health.validate()?;
        let root = SupervisorSpec::builder(config.name.clone())
            .strategy(config.strategy)
            .intensity(config.intensity)
            .panics_as(config.panics_as)
            .build()?
            .start()
            .await?;
        tracing::info!(target: "actor_system::supervisor", system = %config.name, "actor system started");
        Ok(ActorSystem {
            inner: Arc::new(Inner {
                health: Arc::new(config.health.clone()),
                config,
                root,
                registry: Registry::new(),
                bus: EventBus::new(),
                chain_events: actor_system_blockchain::EventHub::new(),
                monitors: parking_lot::Mutex::new(JoinSet::new()),
                services: Default::default(),
                #[cfg(feature = "remote")]
                nodes: Default::default(),
            }),
        })
    }

    /// Register an actor built by `factory` (called again for every restart) under `name`;
    /// returns its address once it has started. The address stays valid across restarts.
    /// `priority` is the lane of the broadcasts it subscribes to (see [`subscribe`](Self::subscribe)).
    pub async fn register_actor<A: Actor>(
        &self,
        name: &str,
        factory: impl Fn() -> A + Send + Sync + 'static,
        priority: Priority,
    ) -> Result<Addr<A>, SystemError> {
        self.register(ChildSpec::new(name, factory), priority).await
    }

    /// Register an actor from a full child spec (restart policy, delays, dependencies, mailbox);
    /// `priority` as for [`register_actor`](Self::register_actor).
    pub async fn register<A: Actor>(
        &self,
        spec: ChildSpec<A>,
        priority: Priority,
    ) -> Result<Addr<A>, SystemError> {
        let name = spec.name().to_owned();
        if self.inner.registry.contains(&name) {
            return Err(RegistryError::Duplicate(name).into());
        }
        let spec = spec.default_dead_letters(self.inner.config.dead_letters.clone());
        let addr = self.inner.root.add_child(spec).await.map_err(|e| match e {
            SupervisionError::DuplicateChild(n) => {
                SystemError::Registry(RegistryError::Duplicate(n))
            }
            other => other.into(),
        })?;
        let erased = self
            .inner
            .registry
            .insert_entry(&name, addr.clone(), priority)?;
        {
            let mut monitors = self.inner.monitors.lock();
            // Forget the monitors of actors that have ended (a node registers per-peer actors
            // for months).
            while monitors.try_join_next().is_some() {}
            monitors.spawn(monitor(
                self.inner.registry.clone(),
                name.clone(),
                erased,
                self.inner.health.clone(),
            ));
        }
        tracing::info!(target: "actor_system::supervisor", actor = %name, %priority, "registration complete");
        Ok(addr)
    }

    /// Stop the registered actor `name` for good and unregister it; returns how it ended. It
    /// stops within its shutdown timeout (then it is killed, then aborted); one waiting to be
    /// restarted stops at once. Its name can be registered again as soon as this returns.
    /// A name that is not registered is [`RegistryError::NotFound`].
    ///
    /// ```
    /// use actor_system::prelude::*;
    /// use actor_system::system::{ActorSystem, RegistryError, SystemConfig, SystemError};
    ///
    /// struct Peer;
    /// impl Actor for Peer {}
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    /// system.register_actor("peer-7", || Peer, Priority::Normal).await.unwrap();
    /// assert_eq!(system.stop_actor("peer-7").await, Ok(ExitReason::Normal));
    /// assert!(system.lookup::<Peer>("peer-7").is_none());
    /// system.register_actor("peer-7", || Peer, Priority::Normal).await.unwrap();
    /// assert_eq!(
    ///     system.stop_actor("peer-8").await,
    ///     Err(SystemError::Registry(RegistryError::NotFound("peer-8".into())))
    /// );
    /// # }
    /// ```
    pub async fn stop_actor(&self, name: &str) -> Result<ExitReason, SystemError> {
        let registry = &self.inner.registry;
        let addr = registry
            .live(name)
            .ok_or_else(|| RegistryError::NotFound(name.to_owned()))?;
        let reason = match self.inner.root.stop_child(name).await {
            Ok(reason) => reason,
            // Put in the registry directly, not registered here: not supervised.
            Err(SupervisionError::UnknownChild(_)) => {
                addr.stop();
                addr.wait_for_stop().await.map_err(SupervisionError::from)?
            }
            Err(e) => return Err(e.into()),
        };
        registry.remove_stopped(name, addr.id());
        tracing::info!(target: "actor_system::supervisor", actor = %name, %reason, "actor stopped and unregistered");
        Ok(reason)
    }

    /// The address of the registered actor `name`, if it is an `A`.
    pub fn lookup<A: Actor>(&self, name: &str) -> Option<Addr<A>> {
        self.inner.registry.lookup(name)
    }

    /// Make `recipient` findable under the registered `name`.
    pub fn expose<M: Message>(
        &self,
        name: &str,
        recipient: Recipient<M>,
    ) -> Result<(), SystemError> {
        Ok(self.inner.registry.expose(name, recipient)?)
    }

    /// The recipient for `M` exposed under `name`.
    pub fn lookup_recipient<M: Message>(&self, name: &str) -> Option<Recipient<M>> {
        self.inner.registry.lookup_recipient(name)
    }

    /// Every registered actor: type, priority, state, health, counters.
    pub fn list(&self) -> Vec<ActorInfo> {
        self.inner.registry.list()
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The whole tree's health: last checks of every actor and the supervisor's view.
    pub async fn health(&self) -> SystemHealth {
        SystemHealth {
            actors: self.inner.registry.list(),
            supervision: self.inner.root.children().await.unwrap_or_default(),
        }
    }

    /// Deliver every `E` broadcast from now on to `recipient`: in its own lane if it has one
    /// (chosen with `with_priority`, or declared by its actor for `E`), else in the lane its
    /// actor was registered with, else in `E`'s.
    pub fn subscribe<E: Message + Clone>(&self, recipient: Recipient<E>) -> SubscriptionId {
        let recipient = in_registered_lane(&self.inner.registry, recipient);
        self.inner.bus.subscribe(recipient)
    }

    /// Deliver the `E`s that pass `filter` to `recipient` (in the lane [`subscribe`](Self::subscribe)
    /// says).
    pub fn subscribe_filtered<E: Message + Clone>(
        &self,
        recipient: Recipient<E>,
        filter: impl Fn(&E) -> bool + Send + Sync + 'static,
    ) -> SubscriptionId {
        let recipient = in_registered_lane(&self.inner.registry, recipient);
        self.inner.bus.subscribe_filtered(recipient, filter)
    }

    /// Queue `event` for every subscriber of its type.
    pub fn broadcast<E: Message + Clone>(&self, event: E) -> PublishReport {
        self.inner.bus.publish(event)
    }

    /// The event bus.
    pub fn event_bus(&self) -> &EventBus {
        &self.inner.bus
    }

    /// The system's chain-event hub: `BlockchainEvent`s filtered by type, delivered in the lane
    /// of each subscriber's declared blockchain priority, in height order within each kind.
    pub fn chain_events(&self) -> &actor_system_blockchain::EventHub {
        &self.inner.chain_events
    }

    /// Supervision events (failures, restarts, escalations) of the root supervisor.
    pub fn supervision_events(&self) -> &SupervisionEvents {
        self.inner.root.events()
    }

    /// Where undeliverable messages of registered actors go.
    pub fn dead_letters(&self) -> &DeadLetters {
        &self.inner.config.dead_letters
    }

    /// Stop every actor in reverse registration order, each within its shutdown timeout (then
    /// aborted); the report names the aborted ones. Remote nodes started with `start_node`
    /// (the `remote` feature) stop before the actors.
    ///
    /// When this returns, every registered actor has stopped and has been dropped, and the
    /// system's own tasks (the root supervisor, the health monitors) are over: what the actors
    /// held is released, and what their factories hold is released with the last handle of the
    /// system.
    pub async fn shutdown(&self) -> ShutdownReport {
        // Nodes first: no message from another node reaches an actor that is stopping.
        #[cfg(feature = "remote")]
        self.inner.nodes.shutdown().await;
        let report = self.inner.root.shutdown().await;
        // Every actor has stopped: each monitor sees it at its next poll and ends.
        let mut monitors = std::mem::take(&mut *self.inner.monitors.lock());
        if tokio::time::timeout(MONITORS_END, async {
            while monitors.join_next().await.is_some() {}
        })
        .await
        .is_err()
        {
            monitors.shutdown().await;
        }
        tracing::info!(target: "actor_system::supervisor", system = %self.inner.config.name, aborted = ?report.aborted, "actor system shut down");
        report
    }

    /// Shut down when the process receives Ctrl-C.
    pub fn shutdown_on_ctrl_c(&self) {
        let system = self.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                system.shutdown().await;
            }
        });
    }

    /// A handle that does not keep the system alive. Give this, not a clone, to anything the
    /// system itself owns, above all to the factory of a registered actor: the system holds its
    /// root supervisor, which holds every child's factory, so a factory holding the system would
    /// keep it alive forever (a reference cycle).
    ///
    /// ```
    /// use actor_system::prelude::*;
    /// use actor_system::system::{ActorSystem, SystemConfig, WeakActorSystem};
    ///
    /// struct Chain { system: WeakActorSystem }
    /// impl Actor for Chain {}
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    /// let weak = system.downgrade();
    /// system.register_actor("chain", move || Chain { system: weak.clone() }, Priority::Critical)
    ///     .await
    ///     .unwrap();
    /// let weak = system.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// system.shutdown().await;
    /// drop(system);
    /// assert!(weak.upgrade().is_none(), "nothing the system owns keeps it alive");
    /// # }
    /// ```
    pub fn downgrade(&self) -> WeakActorSystem {
        WeakActorSystem {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// Wait until the system ends: `Ok` after a shutdown, the typed error when the root
    /// supervisor gave up (restart intensity exceeded).
    pub async fn wait(&self) -> Result<(), SystemError> {
        Ok(self.inner.root.wait().await?)
    }
}

/// A non-owning handle to an [`ActorSystem`] (see [`ActorSystem::downgrade`]).
#[derive(Clone)]
pub struct WeakActorSystem {
    inner: std::sync::Weak<Inner>,
}

impl WeakActorSystem {
    /// The system, if any strong handle to it is left.
    pub fn upgrade(&self) -> Option<ActorSystem> {
        self.inner.upgrade().map(|inner| ActorSystem { inner })
    }
}

impl std::fmt::Debug for WeakActorSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakActorSystem")
            .field("alive", &(self.inner.strong_count() > 0))
            .finish()
    }
}
