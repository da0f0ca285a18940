//! [`WeakAddr`]: an address that does not keep its actor alive.

use crate::shared::Shared;
use crate::{Actor, ActorId, Addr};
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

/// An address of an actor that does not keep it alive: an actor stops when its last
/// [`Addr`] is dropped, whatever weak addresses remain. [`upgrade`](Self::upgrade) gives an
/// `Addr` back while the actor lives.
///
/// An actor that keeps its peers or subscribers keeps weak addresses (or
/// [`WeakRecipient`](crate::WeakRecipient)s) of them, so that it does not keep them running
/// after everyone else let go of them.
///
/// ```
/// use actor_system_runtime::{spawn, Actor};
///
/// struct Peer;
/// impl Actor for Peer {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let peer = spawn(Peer).await.unwrap();
/// let weak = peer.downgrade();
/// assert_eq!(weak.upgrade(), Some(peer.clone()));
/// peer.stop_and_wait().await.unwrap();
/// assert!(weak.upgrade().is_none());
/// # }
/// ```
pub struct WeakAddr<A: Actor> {
    shared: Weak<Shared<A>>,
    id: ActorId,
}

impl<A: Actor> WeakAddr<A> {
    pub(crate) fn new(shared: &Arc<Shared<A>>) -> Self {
        WeakAddr {
            shared: Arc::downgrade(shared),
            id: shared.mailbox.id,
        }
    }

    /// An address of the actor, if it still accepts messages and has an address somewhere
    /// else (an actor whose last address was dropped is stopping, and stays stopped).
    pub fn upgrade(&self) -> Option<Addr<A>> {
        let shared = self.live()?;
        let addresses = &shared.mailbox.lifecycle.addresses;
        // From a count above zero only: at zero the actor has seen its last address go.
        addresses
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n > 0).then(|| n + 1)
            })
            .ok()?;
        Some(Addr::counted(shared))
    }

    /// The actor's shared state while it accepts messages and has an address (not counted as
    /// one: for a send that ends before this returns).
    pub(crate) fn live(&self) -> Option<Arc<Shared<A>>> {
        let shared = self.shared.upgrade()?;
        let open = !shared.mailbox.is_closed()
            && shared.mailbox.lifecycle.addresses.load(Ordering::Acquire) > 0;
        open.then_some(shared)
    }

    /// The actor's id (stable across restarts).
    pub fn id(&self) -> ActorId {
        self.id
    }

    /// Whether [`upgrade`](Self::upgrade) would give an address now.
    pub fn is_alive(&self) -> bool {
        self.live().is_some()
    }
}

impl<A: Actor> Clone for WeakAddr<A> {
    fn clone(&self) -> Self {
        WeakAddr {
            shared: self.shared.clone(),
            id: self.id,
        }
    }
}

impl<A: Actor> PartialEq for WeakAddr<A> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<A: Actor> Eq for WeakAddr<A> {}

impl<A: Actor> std::hash::Hash for WeakAddr<A> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state)
    }
}

impl<A: Actor> fmt::Debug for WeakAddr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakAddr")
            .field("id", &self.id)
            .field("alive", &self.is_alive())
            .finish()
    }
}
