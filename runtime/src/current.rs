//! What the running actor task is handling right now (a tokio task-local): used to inherit
//! correlation ids and to catch an actor asking itself.

use crate::ActorId;
use std::cell::Cell;
use uuid::Uuid;

pub(crate) struct Current {
    pub(crate) actor: ActorId,
    pub(crate) correlation: Cell<Option<Uuid>>,
}

tokio::task_local! {
    pub(crate) static CURRENT: Current;
}

/// The correlation id a message sent from here inherits: the one of the message being handled,
/// created on first use so that a chain of messages shares one id.
pub(crate) fn inherited_correlation() -> Option<Uuid> {
    CURRENT
        .try_with(|c| {
            let id = c.correlation.get().unwrap_or_else(Uuid::new_v4);
            c.correlation.set(Some(id));
            id
        })
        .ok()
}

/// The correlation id of the message being handled, if any (without creating one).
pub(crate) fn correlation() -> Option<Uuid> {
    CURRENT.try_with(|c| c.correlation.get()).ok().flatten()
}

/// The actor whose task this is, if any.
pub(crate) fn actor() -> Option<ActorId> {
    CURRENT.try_with(|c| c.actor).ok()
}
