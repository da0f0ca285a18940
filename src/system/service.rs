//! Services (actix's `SystemService`): one registered instance of a type, started by the system
//! on first use; and actors registered from a configuration.

use super::{ActorSystem, SystemError};
use actor_system_runtime::{Actor, Addr, FromConfig, Priority};
use actor_system_supervision::ChildSpec;
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;

/// An actor the system runs one instance of, started the first time someone asks for it with
/// [`ActorSystem::service`] (actix's `SystemService`: `impl Service for T {}` with
/// `T: Default`). It is registered like any actor (supervised, health-checked, restarted on
/// failure, at the same address), under [`service_name`](Self::service_name).
///
/// ```
/// use actor_system::prelude::*;
/// use actor_system::system::{ActorSystem, Service, SystemConfig};
///
/// #[derive(Default)]
/// struct PeerStore { peers: Vec<u64> }
/// impl Actor for PeerStore {}
/// impl Service for PeerStore {}
///
/// struct AddPeer(u64);
/// impl Message for AddPeer { type Result = usize; }
/// impl Handler<AddPeer> for PeerStore {
///     async fn handle(&mut self, msg: AddPeer, _: &mut Context<Self>) -> usize {
///         self.peers.push(msg.0);
///         self.peers.len()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
/// let store = system.service::<PeerStore>().await.unwrap(); // started here
/// assert_eq!(store.ask(AddPeer(7)).await, Ok(1));
/// let again = system.service::<PeerStore>().await.unwrap(); // the same one
/// assert_eq!(again.ask(AddPeer(8)).await, Ok(2));
/// system.shutdown().await;
/// # }
/// ```
pub trait Service: Actor + Default {
    /// The lane of the broadcasts it subscribes to (see [`ActorSystem::subscribe`]).
    const PRIORITY: Priority = Priority::Normal;

    /// The name it is registered under (default: the type's full name).
    fn service_name() -> String {
        std::any::type_name::<Self>().to_owned()
    }

    /// Adjust the child spec it is registered with (restart policy, mailbox, drain on stop...);
    /// the default keeps [`ChildSpec::new`]'s, with `Self::default` as the factory.
    fn service_spec(spec: ChildSpec<Self>) -> ChildSpec<Self> {
        spec
    }
}

/// One start lock per service type: concurrent first calls start one instance.
#[derive(Default)]
pub(crate) struct Services(parking_lot::Mutex<HashMap<TypeId, Arc<tokio::sync::Mutex<()>>>>);

impl Services {
    fn start_lock<T: 'static>(&self) -> Arc<tokio::sync::Mutex<()>> {
        self.0.lock().entry(TypeId::of::<T>()).or_default().clone()
    }
}

/// Services and actors built from a configuration.
impl ActorSystem {
    /// The address of the system's instance of the service `T`, started (registered under
    /// [`Service::service_name`]) if it is not running: on first use, or after it was stopped
    /// for good. Concurrent first calls start one instance and all get its address.
    ///
    /// # Errors
    /// [`SystemError::Registry`] if another actor holds the service's name;
    /// [`SystemError::Supervision`] if the service fails to start.
    pub async fn service<T: Service>(&self) -> Result<Addr<T>, SystemError> {
        let name = T::service_name();
        if let Some(addr) = self.lookup::<T>(&name) {
            return Ok(addr);
        }
        let lock = self.inner.services.start_lock::<T>();
        let _starting = lock.lock().await;
        if let Some(addr) = self.lookup::<T>(&name) {
            return Ok(addr); // started by the call we waited for
        }
        let spec = T::service_spec(ChildSpec::new(name, T::default));
        self.register(spec, T::PRIORITY).await
    }

    /// Register an actor built by [`FromConfig::new`] from `config` (cloned for every
    /// incarnation) under `name`: a constructor that fails is a failed start, which restarts
    /// it under its restart policy and counts in the restart intensity (the first start
    /// failing fails the registration). `priority` as for
    /// [`register_actor`](Self::register_actor).
    ///
    /// ```
    /// use actor_system::prelude::*;
    /// use actor_system::system::{ActorSystem, SystemConfig};
    ///
    /// #[derive(Clone)]
    /// struct StorageConfig { path: String }
    /// struct StorageActor { path: String }
    /// impl Actor for StorageActor {}
    /// impl FromConfig for StorageActor {
    ///     type Config = StorageConfig;
    ///     fn new(config: StorageConfig) -> ActorResult<Self> {
    ///         Ok(StorageActor { path: config.path })
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    /// let config = StorageConfig { path: "/var/lib/alys".into() };
    /// let storage = system
    ///     .register_from_config::<StorageActor>("storage", config, Priority::High)
    ///     .await
    ///     .unwrap();
    /// assert!(storage.is_alive());
    /// system.shutdown().await;
    /// # }
    /// ```
    pub async fn register_from_config<A: FromConfig>(
        &self,
        name: &str,
        config: A::Config,
        priority: Priority,
    ) -> Result<Addr<A>, SystemError> {
        self.register(ChildSpec::from_config(name, config), priority)
            .await
    }
}
