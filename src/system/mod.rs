//! The actor system: registry of named actors, event bus, health monitoring and shutdown.

mod actor_system;
mod event_bus;
mod health;
#[cfg(feature = "remote")]
mod nodes;
mod registry;
mod service;

pub use actor_system::{ActorSystem, SystemConfig, SystemError, SystemHealth, WeakActorSystem};
pub use event_bus::{EventBus, PublishReport, SubscriptionId};
pub use health::HealthConfig;
pub use registry::{ActorInfo, Registry, RegistryError};
pub use service::Service;
