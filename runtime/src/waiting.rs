//! The sends that may wait, as futures that own what they need: an ask (for its reply) and
//! [`tell_when_ready`](crate::Addr::tell_when_ready) (for room in a full mailbox).
//!
//! Each future holds a reference-counted handle of its target, not a borrow of the address it
//! was made from: `tokio::spawn(addr.ask(msg))` compiles, and so does `join_all` over asks to
//! many actors. One implementation serves a typed address (statically: [`Target`] for
//! [`Shared`](crate::shared::Shared)) and a [`Recipient`](crate::Recipient) (through its vtable, with nothing boxed
//! unless a full mailbox makes it wait: only [`Target::wait_for_space`] is boxed there).

use crate::envelope::MessageInfo;
use crate::{current, ActorId, AskError, Handler, Message, Priority, SendError};
use std::future::Future;
use std::time::Duration;
use uuid::Uuid;

/// Options of one send: priority and correlation id overrides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Lane to use instead of the default ([`Handler::PRIORITY`]: the message type's unless the
    /// actor declares another).
    pub priority: Option<Priority>,
    /// Correlation id to use instead of the inherited one.
    pub correlation_id: Option<Uuid>,
}

impl SendOptions {
    /// The lane and correlation id of a send of `M` to an `A` (a hot path: no `MessageInfo` is
    /// built). The lane is the one asked for, else the one `A` declares for `M`.
    #[inline]
    pub(crate) fn route<A: Handler<M>, M: Message>(&self) -> (Priority, Option<Uuid>) {
        (
            self.priority.unwrap_or(<A as Handler<M>>::PRIORITY),
            self.correlation_id.or_else(current::inherited_correlation),
        )
    }

    #[inline]
    pub(crate) fn info<A: Handler<M>, M: Message>(&self) -> MessageInfo {
        let (priority, correlation_id) = self.route::<A, M>();
        MessageInfo {
            priority,
            correlation_id,
            enqueued_at: crate::stats::sample_clock(priority),
            message_type: std::any::type_name::<M>(),
        }
    }

    /// The options of a send made now and carried out later, maybe in another task: the
    /// correlation id is the one inherited here (a handler's chain goes on in an ask it
    /// spawns).
    pub(crate) fn inherited(mut self) -> Self {
        if self.correlation_id.is_none() {
            self.correlation_id = current::inherited_correlation();
        }
        self
    }
}

/// Where an ask's reply arrives.
pub(crate) type Response<M> = ::oneshot::Receiver<Result<<M as Message>::Result, AskError>>;

/// Why a send did not go through without waiting.
pub(crate) enum Refusal<M> {
    /// The bounded mailbox is full: the message comes back, to be sent again once there is room
    /// (if the mailbox's policy waits) or refused.
    Full(M),
    /// The actor has stopped: the message comes back.
    Stopped(M),
    /// The actor has stopped, and the message went with the ask's envelope.
    Closed,
    /// The mailbox's policy dropped it (it is a dead letter).
    Dropped,
}

/// What the sends that may wait need from their target.
pub(crate) trait Target<M: Message>: Send + Sync {
    /// The actor behind it.
    fn actor_id(&self) -> ActorId;
    /// The lane, correlation id and (sampled) enqueue instant of a send with `options`.
    fn info(&self, options: &SendOptions) -> MessageInfo;
    /// Queue `msg` as a tell if there is room.
    fn try_tell(&self, msg: M, info: &MessageInfo) -> Result<(), Refusal<M>>;
    /// Queue `msg` as an ask if there is room (or hand it to the idle actor).
    fn try_ask(&self, msg: M, info: &MessageInfo) -> Result<Response<M>, Refusal<M>>;
    /// Whether a full mailbox makes a sender wait (the `Backpressure` policy).
    fn waits_for_space(&self) -> bool;
    /// Wait until a slot may be free (or the mailbox closed).
    fn wait_for_space(&self) -> impl Future<Output = ()> + Send + '_;
    /// Count a message refused because the mailbox was full.
    fn record_rejected(&self);
}

/// Send `msg` to `target` and wait for the handler's result (see [`Addr::ask`](crate::Addr::ask)).
pub(crate) async fn ask<T, M>(
    target: impl std::ops::Deref<Target = T> + Send,
    options: SendOptions,
    msg: M,
) -> Result<M::Result, AskError>
where
    T: Target<M> + ?Sized,
    M: Message,
{
    if current::actor() == Some(target.actor_id()) {
        return Err(AskError::SelfAsk);
    }
    // An ask spends a unit of the asking task's cooperative budget, as a receive on a tokio
    // channel does, and yields first when the budget is used up: an ask answered in place
    // never waits, and a task asking in a loop would otherwise never give its worker back.
    tokio::task::coop::consume_budget().await;
    let info = target.info(&options);
    let mut msg = msg;
    let response = loop {
        match target.try_ask(msg, &info) {
            Ok(response) => break response,
            Err(Refusal::Full(m)) if target.waits_for_space() => {
                msg = m;
                target.wait_for_space().await;
            }
            Err(Refusal::Full(_)) => {
                target.record_rejected();
                return Err(AskError::Full);
            }
            Err(Refusal::Stopped(_) | Refusal::Closed) => return Err(AskError::Stopped),
            Err(Refusal::Dropped) => return Err(AskError::Dropped),
        }
    };
    response.await.unwrap_or(Err(AskError::NoReply))
}

/// Queue `msg` at `target`, waiting for room in a full `Backpressure` mailbox (see
/// [`Addr::tell_when_ready`](crate::Addr::tell_when_ready)).
pub(crate) async fn tell_when_ready<T, M>(
    target: impl std::ops::Deref<Target = T> + Send,
    options: SendOptions,
    msg: M,
) -> Result<(), SendError<M>>
where
    T: Target<M> + ?Sized,
    M: Message,
{
    let info = target.info(&options);
    let mut msg = msg;
    loop {
        match target.try_tell(msg, &info) {
            Ok(()) | Err(Refusal::Dropped) => return Ok(()),
            Err(Refusal::Full(m)) if target.waits_for_space() => {
                msg = m;
                target.wait_for_space().await;
            }
            Err(Refusal::Full(m)) => {
                target.record_rejected();
                return Err(SendError::Full(m));
            }
            Err(Refusal::Stopped(m)) => return Err(SendError::Stopped(m)),
            Err(Refusal::Closed) => unreachable!("a tell hands its message back"),
        }
    }
}

/// Bound an ask by `timeout`. A zero timeout can never be met: it fails at once, without
/// sending (otherwise whether it succeeds would depend on the timer's resolution).
pub(crate) async fn with_timeout<T>(
    timeout: Duration,
    ask: impl Future<Output = Result<T, AskError>>,
) -> Result<T, AskError> {
    if timeout.is_zero() {
        return Err(AskError::Timeout(timeout));
    }
    tokio::time::timeout(timeout, ask)
        .await
        .unwrap_or(Err(AskError::Timeout(timeout)))
}
