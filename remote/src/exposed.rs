//! The actors a node exposes: one entry per (name, message type), each turning bytes into a
//! typed message for a local [`Recipient`].

use crate::wire;
use crate::{ExposeError, Refusal, RemoteMessage};
use actor_system_runtime::{Priority, Recipient, SendError};
use parking_lot::RwLock;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use uuid::Uuid;

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One exposed (actor, message type): decodes and delivers.
pub(crate) trait Inbound: Send + Sync {
    /// Decode `payload` and queue it without waiting.
    fn tell(&self, payload: &[u8], lane: Priority, id: Option<Uuid>) -> Result<(), Refusal>;
    /// Decode `payload` now; the future queues it, waiting for room if the mailbox applies
    /// backpressure.
    fn send(
        &self,
        payload: &[u8],
        lane: Priority,
        id: Option<Uuid>,
    ) -> Result<BoxFuture<Result<(), Refusal>>, Refusal>;
    /// Decode `payload` now; the future asks and encodes the reply.
    fn ask(
        &self,
        payload: &[u8],
        lane: Priority,
        id: Option<Uuid>,
    ) -> Result<BoxFuture<Result<Vec<u8>, Refusal>>, Refusal>;
}

/// A recipient per lane, so that a message is queued in the lane it was sent in.
struct Exposed<M: RemoteMessage> {
    lanes: [Recipient<M>; 4],
}

fn decode<M: RemoteMessage>(payload: &[u8]) -> Result<M, Refusal> {
    wire::decode::<M>(payload).map_err(Refusal::Malformed)
}

fn refusal<M>(err: SendError<M>) -> Refusal {
    match err {
        SendError::Stopped(_) => Refusal::Stopped,
        SendError::Full(_) => Refusal::Full,
    }
}

impl<M: RemoteMessage> Inbound for Exposed<M>
where
    M::Result: Serialize,
{
    fn tell(&self, payload: &[u8], lane: Priority, id: Option<Uuid>) -> Result<(), Refusal> {
        let msg = decode::<M>(payload)?;
        let recipient = &self.lanes[lane.lane()];
        match id {
            Some(id) => recipient.tell_correlated(msg, id),
            None => recipient.tell(msg),
        }
        .map_err(refusal)
    }

    fn send(
        &self,
        payload: &[u8],
        lane: Priority,
        _id: Option<Uuid>,
    ) -> Result<BoxFuture<Result<(), Refusal>>, Refusal> {
        let msg = decode::<M>(payload)?;
        let recipient = self.lanes[lane.lane()].clone();
        Ok(Box::pin(async move {
            recipient.tell_when_ready(msg).await.map_err(refusal)
        }))
    }

    fn ask(
        &self,
        payload: &[u8],
        lane: Priority,
        id: Option<Uuid>,
    ) -> Result<BoxFuture<Result<Vec<u8>, Refusal>>, Refusal> {
        let msg = decode::<M>(payload)?;
        let recipient = self.lanes[lane.lane()].clone();
        Ok(Box::pin(async move {
            let result = match id {
                Some(id) => recipient.ask_correlated(msg, id).await,
                None => recipient.ask(msg).await,
            };
            let reply = result.map_err(Refusal::from_ask)?;
            wire::encode(&reply).map_err(Refusal::Encode)
        }))
    }
}

/// The entries of one exposed name, by wire name.
type ByMessage = HashMap<&'static str, Arc<dyn Inbound>>;

/// Exposed actors by name, then by wire name.
#[derive(Default)]
pub(crate) struct Registry {
    map: RwLock<HashMap<String, ByMessage>>,
}

impl Registry {
    pub(crate) fn expose<M: RemoteMessage>(
        &self,
        name: &str,
        recipient: Recipient<M>,
    ) -> Result<(), ExposeError>
    where
        M::Result: Serialize,
    {
        let lanes = Priority::ALL.map(|p| recipient.with_priority(p));
        let mut map = self.map.write();
        let by_message = map.entry(name.to_owned()).or_default();
        if by_message.contains_key(M::WIRE_NAME) {
            return Err(ExposeError::Duplicate {
                target: name.to_owned(),
                message: M::WIRE_NAME,
            });
        }
        by_message.insert(M::WIRE_NAME, Arc::new(Exposed { lanes }));
        Ok(())
    }

    /// Stop exposing `name` for `wire_name`; whether it was exposed.
    pub(crate) fn unexpose(&self, name: &str, wire_name: &str) -> bool {
        let mut map = self.map.write();
        let Some(by_message) = map.get_mut(name) else {
            return false;
        };
        let removed = by_message.remove(wire_name).is_some();
        if by_message.is_empty() {
            map.remove(name);
        }
        removed
    }

    /// The entry for `target` and `message`, or why there is none.
    pub(crate) fn lookup(&self, target: &str, message: &str) -> Result<Arc<dyn Inbound>, Refusal> {
        let map = self.map.read();
        let by_message = map
            .get(target)
            .ok_or_else(|| Refusal::UnknownTarget(target.to_owned()))?;
        by_message
            .get(message)
            .cloned()
            .ok_or_else(|| Refusal::UnknownMessage {
                target: target.into(),
                message: message.into(),
            })
    }
}
