//! The actor system: registry of named actors, event bus, health monitoring and shutdown.

mod event_bus;
mod registry;

pub use event_bus::{EventBus, PublishReport, SubscriptionId};
pub use registry::{ActorInfo, Registry, RegistryError};
