//! The registry of named actors.

use actor_system_runtime::{
    Actor, ActorId, ActorState, Addr, AskError, ExitReason, HealthReport, HealthStatus,
    MailboxResources, Message, Priority, Recipient, StatsSnapshot, StopError,
};
use parking_lot::RwLock;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A registry operation that cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The name is taken by a live actor.
    #[error("an actor named '{0}' is already registered: choose another name or stop the existing actor first")]
    Duplicate(String),
    /// No actor has this name.
    #[error("no actor named '{0}' is registered: check the name or register it first")]
    NotFound(String),
}

/// What the system needs from an address whatever the actor's type.
pub(crate) trait ErasedAddr: Send + Sync {
    fn id(&self) -> ActorId;
    fn actor_type(&self) -> &'static str;
    fn state(&self) -> ActorState;
    fn stats(&self) -> StatsSnapshot;
    fn stop(&self);
    fn kill(&self, error: actor_system_runtime::ActorError);
    fn health_report(&self, timeout: Duration) -> BoxFuture<'_, Result<HealthReport, AskError>>;
    fn wait_for_stop(&self) -> BoxFuture<'_, Result<ExitReason, StopError>>;
    fn as_any(&self) -> &dyn Any;
}

impl<A: Actor> ErasedAddr for Addr<A> {
    fn id(&self) -> ActorId {
        Addr::id(self)
    }
    fn actor_type(&self) -> &'static str {
        Addr::actor_type(self)
    }
    fn state(&self) -> ActorState {
        Addr::state(self)
    }
    fn stats(&self) -> StatsSnapshot {
        Addr::stats(self)
    }
    fn stop(&self) {
        Addr::stop(self)
    }
    fn kill(&self, error: actor_system_runtime::ActorError) {
        Addr::kill(self, error)
    }
    fn health_report(&self, timeout: Duration) -> BoxFuture<'_, Result<HealthReport, AskError>> {
        Box::pin(Addr::health_report(self, timeout))
    }
    fn wait_for_stop(&self) -> BoxFuture<'_, Result<ExitReason, StopError>> {
        Box::pin(Addr::wait_for_stop(self))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A registered actor, as listed by [`Registry::list`].
#[derive(Debug, Clone, PartialEq)]
pub struct ActorInfo {
    /// Registered name.
    pub name: String,
    /// Actor id (stable across restarts).
    pub id: ActorId,
    /// Rust type of the actor.
    pub actor_type: &'static str,
    /// Priority it was registered with.
    pub priority: Priority,
    /// Current lifecycle state.
    pub state: ActorState,
    /// Result of the last health check, if one ran.
    pub health: Option<HealthStatus>,
    /// Failed health checks in a row.
    pub failed_checks: u32,
    /// Queue depth per lane and mailbox memory when the last answered health check ran (the
    /// figures a queue warning judged; see `MailboxConfig::with_queue_warning`); `None`
    /// before one was answered. [`stats`](Self::stats) has the figures of now.
    pub resources: Option<MailboxResources>,
    /// Its counters.
    pub stats: StatsSnapshot,
}

pub(crate) struct Entry {
    pub(crate) addr: Arc<dyn ErasedAddr>,
    priority: Priority,
    recipients: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    pub(crate) health: Option<HealthStatus>,
    /// What the last answered health check measured.
    pub(crate) resources: Option<MailboxResources>,
    pub(crate) failed_checks: u32,
    /// The incarnation `failed_checks` counts for (its restart count): a fresh incarnation
    /// starts with a clean streak.
    pub(crate) checked_incarnation: u64,
}

/// Named actors: typed lookup, listing, and automatic removal of stopped actors.
///
/// ```
/// use actor_system::prelude::*;
/// use actor_system::system::{Registry, RegistryError};
///
/// struct Storage;
/// impl Actor for Storage {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let registry = Registry::new();
/// let storage = spawn(Storage).await.unwrap();
/// registry.insert("storage", storage.clone(), Priority::High).unwrap();
/// assert_eq!(registry.lookup::<Storage>("storage"), Some(storage.clone()));
/// assert!(matches!(
///     registry.insert("storage", storage, Priority::High),
///     Err(RegistryError::Duplicate(_))
/// ));
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    pub(crate) entries: Arc<RwLock<HashMap<String, Entry>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `addr` under `name`. The entry is removed when the actor stops for good (a
    /// supervised restart keeps it, with the same address).
    ///
    /// # Panics
    /// Outside a tokio runtime (the removal watcher is a task).
    pub fn insert<A: Actor>(
        &self,
        name: &str,
        addr: Addr<A>,
        priority: Priority,
    ) -> Result<(), RegistryError> {
        let erased = self.insert_entry(name, addr, priority)?;
        let registry = Arc::downgrade(&self.entries);
        let name = name.to_owned();
        tokio::spawn(async move {
            // This task is no actor: its wait cannot fail.
            let _ = erased.wait_for_stop().await;
            if let Some(entries) = registry.upgrade() {
                Registry { entries }.remove_stopped(&name, erased.id());
            }
        });
        Ok(())
    }

    /// Register `addr` under `name` and return the entry's address; the caller removes it with
    /// [`remove_stopped`](Self::remove_stopped) once the actor has stopped.
    pub(crate) fn insert_entry<A: Actor>(
        &self,
        name: &str,
        addr: Addr<A>,
        priority: Priority,
    ) -> Result<Arc<dyn ErasedAddr>, RegistryError> {
        let erased: Arc<dyn ErasedAddr> = Arc::new(addr);
        let mut entries = self.entries.write();
        // A stopped actor whose watcher has not removed it yet does not hold its name.
        if entries
            .get(name)
            .is_some_and(|e| e.addr.state() != ActorState::Stopped)
        {
            return Err(RegistryError::Duplicate(name.to_owned()));
        }
        entries.insert(
            name.to_owned(),
            Entry {
                addr: erased.clone(),
                priority,
                recipients: HashMap::new(),
                health: None,
                resources: None,
                failed_checks: 0,
                checked_incarnation: 0,
            },
        );
        Ok(erased)
    }

    /// Remove the entry `name` if it is still the actor `id`'s (a later registration under the
    /// same name stays).
    pub(crate) fn remove_stopped(&self, name: &str, id: ActorId) {
        let mut entries = self.entries.write();
        if entries.get(name).is_some_and(|e| e.addr.id() == id) {
            entries.remove(name);
        }
    }

    /// Make `recipient` findable with [`lookup_recipient`](Self::lookup_recipient) under the
    /// registered `name`.
    pub fn expose<M: Message>(
        &self,
        name: &str,
        recipient: Recipient<M>,
    ) -> Result<(), RegistryError> {
        let mut entries = self.entries.write();
        let entry = entries
            .get_mut(name)
            .ok_or_else(|| RegistryError::NotFound(name.to_owned()))?;
        entry
            .recipients
            .insert(TypeId::of::<M>(), Box::new(recipient));
        Ok(())
    }

    /// The address of the actor named `name`, if it is registered, not stopped, and of type `A`.
    pub fn lookup<A: Actor>(&self, name: &str) -> Option<Addr<A>> {
        self.entries
            .read()
            .get(name)
            .filter(|e| e.addr.state() != ActorState::Stopped)
            .and_then(|e| e.addr.as_any().downcast_ref::<Addr<A>>().cloned())
    }

    /// The recipient for `M` exposed under `name`, if any.
    pub fn lookup_recipient<M: Message>(&self, name: &str) -> Option<Recipient<M>> {
        self.entries
            .read()
            .get(name)
            .and_then(|e| e.recipients.get(&TypeId::of::<M>()))
            .and_then(|r| r.downcast_ref::<Recipient<M>>().cloned())
    }

    /// Whether a live actor is registered under `name` (an actor that has stopped for good
    /// no longer holds its name, even before its entry is removed).
    pub fn contains(&self, name: &str) -> bool {
        self.live(name).is_some()
    }

    /// The address of the live actor registered under `name`.
    pub(crate) fn live(&self, name: &str) -> Option<Arc<dyn ErasedAddr>> {
        self.entries
            .read()
            .get(name)
            .filter(|e| e.addr.state() != ActorState::Stopped)
            .map(|e| e.addr.clone())
    }

    /// Every registered live actor, sorted by name.
    pub fn list(&self) -> Vec<ActorInfo> {
        let mut list: Vec<_> = self
            .entries
            .read()
            .iter()
            .filter(|(_, e)| e.addr.state() != ActorState::Stopped)
            .map(|(name, e)| ActorInfo {
                name: name.clone(),
                id: e.addr.id(),
                actor_type: e.addr.actor_type(),
                priority: e.priority,
                state: e.addr.state(),
                health: e.health.clone(),
                resources: e.resources,
                failed_checks: e.failed_checks,
                stats: e.addr.stats(),
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }

    /// Ask the actor named `name` to stop (it leaves the registry once stopped). An actor
    /// registered through an `ActorSystem` is supervised, and its restart policy may restart
    /// it: end it for good with `ActorSystem::stop_actor`.
    pub fn stop(&self, name: &str) -> Result<(), RegistryError> {
        let entries = self.entries.read();
        let entry = entries
            .get(name)
            .ok_or_else(|| RegistryError::NotFound(name.to_owned()))?;
        entry.addr.stop();
        Ok(())
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("actors", &self.entries.read().len())
            .finish()
    }
}
