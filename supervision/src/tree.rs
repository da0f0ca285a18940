//! What every incarnation of one supervisor shares: its settings and its list of children.

use crate::events::SupervisionEvents;
use crate::policy::{RestartIntensity, Strategy};
use crate::task::Child;
use actor_system_runtime::{Actor, Addr, Severity};
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

/// A supervisor's settings and children, shared by its incarnations, its spec and its refs.
/// Children's mailboxes live here, so they survive restarts of the supervisor.
#[derive(Clone)]
pub(crate) struct Tree {
    pub(crate) config: Arc<SupervisorConfig>,
    /// In start order: the declared children, then those added since, minus those that ended
    /// for good.
    pub(crate) children: Arc<parking_lot::RwLock<Vec<Arc<dyn Child>>>>,
}

impl Tree {
    pub(crate) fn name(&self) -> &str {
        &self.config.name
    }

    /// The stable address of child `name`, if it exists and is an `A`.
    pub(crate) fn address<A: Actor>(&self, name: &str) -> Option<Addr<A>> {
        self.children
            .read()
            .iter()
            .find(|c| c.name() == name)
            .and_then(|c| c.address().downcast_ref::<Addr<A>>().cloned())
    }

    /// Forget `child`: no later incarnation of the supervisor starts it.
    pub(crate) fn remove(&self, child: &Arc<dyn Child>) {
        self.children.write().retain(|c| !Arc::ptr_eq(c, child));
    }

    /// End every child that is not running (parked between incarnations), recursively: once
    /// the tree is over, addresses must see their actors stopped and queued asks must resolve.
    pub(crate) fn finish_parked(&self) {
        for child in self.children.read().iter() {
            child.finish_parked();
        }
    }
}
