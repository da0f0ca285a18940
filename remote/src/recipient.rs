//! [`RemoteRecipient`]: a recipient for one message type of an actor on another node.

use crate::outbound::{Item, OutLetter, Refused, Route};
use crate::shared::{Link, Shared};
use crate::{wire, RemoteError, RemoteMessage};
use actor_system_runtime::{current_correlation_id, AskError, Priority};
use libp2p::PeerId;
use serde::de::DeserializeOwned;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use uuid::Uuid;

/// Sends `M` to the actor a peer exposes under a name, as [`Recipient`] does locally: `tell`,
/// `tell_when_ready`, `ask`, `ask_timeout`, with a priority of its own or the message type's.
///
/// Made with [`RemoteNode::recipient`](crate::RemoteNode::recipient). Messages are encoded in the
/// caller and wait in the node's queue for that peer, `Critical` first; the peer queues each in
/// the lane it was sent in. Tells of one lane arrive in order, and an ask arrives after the tells
/// of its lane sent before it. Inside an actor's handler, messages carry the handler's
/// correlation id across the wire.
///
/// [`Recipient`]: actor_system_runtime::Recipient
pub struct RemoteRecipient<M: RemoteMessage> {
    shared: Arc<Shared>,
    link: Arc<Link>,
    route: Arc<Route>,
    priority: Option<Priority>,
    _message: PhantomData<fn(M) -> M>,
}

impl<M: RemoteMessage> RemoteRecipient<M> {
    pub(crate) fn new(shared: Arc<Shared>, peer: PeerId, target: &str) -> Self {
        let link = shared.link(peer);
        let route = Arc::new(Route {
            peer,
            target: target.to_owned(),
            wire_name: M::WIRE_NAME,
            message_type: std::any::type_name::<M>(),
            actor_id: actor_system_runtime::ActorId::next(),
            display: format!("{peer}/{target}").into(),
        });
        RemoteRecipient {
            shared,
            link,
            route,
            priority: None,
            _message: PhantomData,
        }
    }

    /// The peer.
    pub fn peer(&self) -> PeerId {
        self.route.peer
    }

    /// The name the actor is exposed under there.
    pub fn target(&self) -> &str {
        &self.route.target
    }

    /// The same recipient, sending at `priority` instead of the message type's default.
    pub fn with_priority(&self, priority: Priority) -> Self {
        RemoteRecipient {
            priority: Some(priority),
            ..self.clone()
        }
    }

    /// The priority it sends at.
    pub fn priority(&self) -> Priority {
        self.priority.unwrap_or(M::PRIORITY)
    }

    fn letter(&self, msg: &M, correlation: Option<Uuid>) -> Result<OutLetter, RemoteError> {
        if self.shared.is_stopped() {
            return Err(RemoteError::NodeStopped);
        }
        let payload = wire::encode_into(Vec::with_capacity(64), msg).map_err(RemoteError::Codec)?;
        let max = self.shared.settings.max_message_size;
        if payload.len() > max {
            return Err(RemoteError::TooLarge {
                size: payload.len(),
                max,
            });
        }
        Ok(OutLetter {
            route: self.route.clone(),
            priority: self.priority(),
            correlation,
            payload,
        })
    }

    /// Queue `msg` for the peer without waiting. Fails with `Full` when the outbound queue is
    /// full under `Backpressure` or `Reject`; under a drop policy what is dropped goes to dead
    /// letters. What happens later (peer unreachable, refused) goes to dead letters too.
    pub fn tell(&self, msg: M) -> Result<(), RemoteError> {
        self.tell_with(msg, current_correlation_id())
    }

    /// [`tell`](Self::tell) with an explicit correlation id.
    pub fn tell_correlated(&self, msg: M, id: Uuid) -> Result<(), RemoteError> {
        self.tell_with(msg, Some(id))
    }

    fn tell_with(&self, msg: M, id: Option<Uuid>) -> Result<(), RemoteError> {
        let item = Item::Tell(self.letter(&msg, id)?);
        self.shared
            .enqueue(&self.link, item)
            .map_err(|r| Shared::refused_error(&r))
    }

    /// Queue `item`, waiting for room while the outbound queue is full under `Backpressure`.
    async fn enqueue_waiting(&self, item: Item) -> Result<(), RemoteError> {
        let mut item = match self.shared.enqueue(&self.link, item) {
            Err(Refused::Full(back)) if self.link.queue.applies_backpressure() => back,
            result => return result.map_err(|r| Shared::refused_error(&r)),
        };
        loop {
            // Registered before trying again, so that room made in between is not missed.
            let space = self.link.queue.space.notified();
            tokio::pin!(space);
            space.as_mut().enable();
            match self.shared.enqueue(&self.link, item) {
                Err(Refused::Full(back)) => {
                    item = back;
                    space.await;
                }
                result => return result.map_err(|r| Shared::refused_error(&r)),
            }
        }
    }

    /// Like [`tell`](Self::tell), but waits for room in a full `Backpressure` queue. It waits
    /// for *room*, not for the remote handler: to wait for the handler's result, use
    /// [`ask`](Self::ask).
    pub async fn tell_when_ready(&self, msg: M) -> Result<(), RemoteError> {
        let item = Item::Tell(self.letter(&msg, current_correlation_id())?);
        self.enqueue_waiting(item).await
    }

    /// actix's spelling of [`ask`](Self::ask), as on a local address (see
    /// `actor_system_runtime::Addr::send`): it waits for the remote handler's result.
    #[deprecated(
        note = "`send` is actix's name for a request that waits for the handler's reply: write `ask` (the same call). To wait only for room in a full queue, write `tell_when_ready`; to queue without waiting, `tell`."
    )]
    pub async fn send(&self, msg: M) -> Result<M::Result, RemoteError>
    where
        M::Result: DeserializeOwned,
    {
        self.ask(msg).await
    }

    /// Send `msg` and wait for the remote handler's result. Always resolves: with the reply, or
    /// with the error (the peer unreachable, the connection closed, the transport's request
    /// timeout, a refusal). Waits for room in a full `Backpressure` queue, as a local ask does.
    pub async fn ask(&self, msg: M) -> Result<M::Result, RemoteError>
    where
        M::Result: DeserializeOwned,
    {
        let (reply, response) = oneshot::channel();
        let item = Item::Ask(self.letter(&msg, current_correlation_id())?, reply);
        self.enqueue_waiting(item).await?;
        // A dropped reply sender means the node's task is gone.
        let bytes = response.await.map_err(|_| RemoteError::NodeStopped)??;
        wire::decode::<M::Result>(&bytes).map_err(RemoteError::Codec)
    }

    /// [`ask`](Self::ask) with a deadline. A zero timeout fails at once without sending.
    pub async fn ask_timeout(&self, msg: M, timeout: Duration) -> Result<M::Result, RemoteError>
    where
        M::Result: DeserializeOwned,
    {
        if timeout.is_zero() {
            return Err(AskError::Timeout(timeout).into());
        }
        tokio::time::timeout(timeout, self.ask(msg))
            .await
            .unwrap_or(Err(AskError::Timeout(timeout).into()))
    }
}

impl<M: RemoteMessage> Clone for RemoteRecipient<M> {
    fn clone(&self) -> Self {
        RemoteRecipient {
            shared: self.shared.clone(),
            link: self.link.clone(),
            route: self.route.clone(),
            priority: self.priority,
            _message: PhantomData,
        }
    }
}

impl<M: RemoteMessage> fmt::Debug for RemoteRecipient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteRecipient")
            .field("peer", &self.route.peer)
            .field("target", &self.route.target)
            .field("message", &M::WIRE_NAME)
            .field("priority", &self.priority())
            .finish()
    }
}
