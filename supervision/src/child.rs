//! Child specifications: how a supervisor runs, restarts and stops one child.

use crate::policy::{RestartDelay, RestartPolicy};
use actor_system_runtime::{Actor, ActorResult, FromConfig, SpawnOptions};
use std::sync::Arc;
use std::time::Duration;

/// How a supervisor runs one child.
///
/// ```
/// use actor_system_runtime::Actor;
/// use actor_system_supervision::{ChildSpec, RestartDelay, RestartPolicy};
/// use std::time::Duration;
///
/// struct Storage { path: String }
/// impl Actor for Storage {}
///
/// let spec = ChildSpec::new("storage", || Storage { path: "/data".into() })
///     .restart(RestartPolicy::Permanent)
///     .delay(RestartDelay::FixedDelay(Duration::from_millis(100)))
///     .shutdown_timeout(Duration::from_secs(2));
/// let chain = ChildSpec::new("chain", || Storage { path: String::new() }).depends_on(["storage"]);
/// assert_eq!(spec.name(), "storage");
/// ```
pub struct ChildSpec<A: Actor> {
    pub(crate) name: String,
    pub(crate) factory: Factory<A>,
    pub(crate) settings: ChildSettings,
    pub(crate) options: SpawnOptions,
    /// Run when the child ends for good (a nested supervisor ends its own children).
    pub(crate) finalizer: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// What builds a child's instances, one per incarnation; may fail (a failed start).
pub(crate) type Factory<A> = Arc<dyn Fn() -> ActorResult<A> + Send + Sync>;

/// The type-independent part of a child spec.
#[derive(Debug, Clone)]
pub(crate) struct ChildSettings {
    pub(crate) restart: RestartPolicy,
    pub(crate) delay: RestartDelay,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) depends_on: Vec<String>,
    pub(crate) dependency_timeout: Duration,
    /// Also wait for each dependency to answer its health check healthy within this time.
    pub(crate) dependency_health: Option<Duration>,
    /// Stop it with a drain (handle what is queued first) rather than at once.
    pub(crate) drain_on_stop: bool,
}

impl<A: Actor> ChildSpec<A> {
    /// A permanent child named `name`, built by `factory` for every incarnation; restarts at
    /// once, 5 s to shut down, no dependencies.
    pub fn new(name: impl Into<String>, factory: impl Fn() -> A + Send + Sync + 'static) -> Self {
        Self::try_new(name, move || Ok(factory()))
    }

    /// [`new`](Self::new) with a constructor that may fail: an error is a failed start of that
    /// incarnation, which goes through the restart policy and the supervisor's restart
    /// intensity (the first start failing fails the child's registration).
    pub fn try_new(
        name: impl Into<String>,
        factory: impl Fn() -> ActorResult<A> + Send + Sync + 'static,
    ) -> Self {
        let name = name.into();
        ChildSpec {
            options: SpawnOptions::new().name(name.clone()),
            name,
            factory: Arc::new(factory),
            finalizer: None,
            settings: ChildSettings {
                restart: RestartPolicy::Permanent,
                delay: RestartDelay::Immediate,
                shutdown_timeout: Duration::from_secs(5),
                depends_on: Vec::new(),
                dependency_timeout: Duration::from_secs(30),
                dependency_health: None,
                drain_on_stop: false,
            },
        }
    }

    /// A child built by [`FromConfig::new`] from `config` (cloned for every incarnation), with
    /// [`try_new`](Self::try_new)'s defaults.
    ///
    /// ```
    /// use actor_system_runtime::{Actor, ActorResult, FromConfig};
    /// use actor_system_supervision::{ChildSpec, SupervisorSpec};
    ///
    /// #[derive(Clone)]
    /// struct EngineConfig { url: String }
    /// struct Engine { url: String }
    /// impl Actor for Engine {}
    /// impl FromConfig for Engine {
    ///     type Config = EngineConfig;
    ///     fn new(config: EngineConfig) -> ActorResult<Self> { Ok(Engine { url: config.url }) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let config = EngineConfig { url: "http://localhost:8551".into() };
    /// let root = SupervisorSpec::builder("root")
    ///     .child(ChildSpec::<Engine>::from_config("engine", config))
    ///     .build()
    ///     .unwrap()
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// root.shutdown().await;
    /// # }
    /// ```
    pub fn from_config(name: impl Into<String>, config: A::Config) -> Self
    where
        A: FromConfig,
    {
        Self::try_new(name, move || A::new(config.clone()))
    }

    /// The child's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When to restart it.
    pub fn restart(mut self, policy: RestartPolicy) -> Self {
        self.settings.restart = policy;
        self
    }

    /// How long to wait before a restart.
    pub fn delay(mut self, delay: RestartDelay) -> Self {
        self.settings.delay = delay;
        self
    }

    /// How long a graceful stop may take before the child is aborted.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = timeout;
        self
    }

    /// When its supervisor stops it (a shutdown, a stop by name, a sibling's restart), let it
    /// handle the messages queued at that moment first
    /// ([`Addr::drain_and_stop`](actor_system_runtime::Addr::drain_and_stop)) instead of
    /// stopping after the message it is handling
    /// ([`Addr::stop`](actor_system_runtime::Addr::stop)). The
    /// [shutdown timeout](Self::shutdown_timeout) bounds the drain. For an actor whose queued
    /// messages must not be lost at shutdown: a storage actor's writes.
    ///
    /// ```
    /// use actor_system_runtime::Actor;
    /// use actor_system_supervision::ChildSpec;
    /// use std::time::Duration;
    ///
    /// struct Storage;
    /// impl Actor for Storage {}
    ///
    /// let storage = ChildSpec::new("storage", || Storage)
    ///     .drain_on_stop()
    ///     .shutdown_timeout(Duration::from_secs(10));
    /// assert_eq!(storage.name(), "storage");
    /// ```
    pub fn drain_on_stop(mut self) -> Self {
        self.settings.drain_on_stop = true;
        self
    }

    /// Siblings that must be running before this child is restarted. The restart waits for
    /// their state to change (no polling); a dependency that has ended for good is not waited
    /// for.
    pub fn depends_on<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.settings.depends_on = names.into_iter().map(Into::into).collect();
        self
    }

    /// How long a restart waits for dependencies before going ahead anyway (default 30 s).
    pub fn dependency_timeout(mut self, timeout: Duration) -> Self {
        self.settings.dependency_timeout = timeout;
        self
    }

    /// Before a restart, also ask each dependency's health check
    /// ([`Actor::health_check`]): the restart waits until every dependency runs *and* answers
    /// healthy (`Healthy` or `Degraded`) within `timeout`, as the seed's `is_actor_healthy`. A
    /// dependency is asked once it runs; an unhealthy or late answer is asked again `timeout`
    /// later. The [dependency timeout](Self::dependency_timeout) still bounds the whole wait.
    ///
    /// ```
    /// use actor_system_runtime::Actor;
    /// use actor_system_supervision::ChildSpec;
    /// use std::time::Duration;
    ///
    /// struct Chain;
    /// impl Actor for Chain {}
    ///
    /// let chain = ChildSpec::new("chain", || Chain)
    ///     .depends_on(["storage"])
    ///     .dependency_health_check(Duration::from_millis(500));
    /// assert_eq!(chain.name(), "chain");
    /// ```
    pub fn dependency_health_check(mut self, timeout: Duration) -> Self {
        self.settings.dependency_health = Some(timeout);
        self
    }

    /// Report undeliverable messages to `sink` unless the options already name a sink.
    pub fn default_dead_letters(mut self, sink: actor_system_runtime::DeadLetters) -> Self {
        self.options = self.options.default_dead_letters(sink);
        self
    }

    /// Mailbox and dead-letter options of the child.
    pub fn options(mut self, options: SpawnOptions) -> Self {
        self.options = options.name(self.name.clone());
        self
    }
}
