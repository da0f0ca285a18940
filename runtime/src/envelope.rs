//! Envelopes: a message with its priority, correlation id and enqueue instant, and the
//! type-erased call of its handler.

use crate::{Actor, AskError, Context, Handler, Message, Priority};
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;
use tokio::sync::oneshot;
use uuid::Uuid;

/// What the runtime knows about a message besides its content; see
/// [`Context::message_info`](crate::Context::message_info).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageInfo {
    /// The lane it travelled in.
    pub priority: Priority,
    /// Correlation id shared by a chain of messages, if any.
    pub correlation_id: Option<Uuid>,
    /// When it entered the mailbox. Timing is sampled to keep the send path cheap: set for every
    /// `Critical` message and one in [`TIMING_SAMPLE_EVERY`](crate::TIMING_SAMPLE_EVERY) others
    /// sent from a thread; `None` otherwise.
    pub enqueued_at: Option<Instant>,
    /// Rust type name of the message.
    pub message_type: &'static str,
}

pub(crate) type HandlerFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
pub(crate) type ReplySender<M> = oneshot::Sender<Result<<M as Message>::Result, AskError>>;

/// The type-erased part of an envelope: a message and, for an ask, where to send the reply.
pub(crate) trait Letter<A: Actor>: Send {
    /// Run the handler; the future answers the ask, if any.
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a>;
    /// Give up on the message: an ask resolves with `error`.
    fn reject(self: Box<Self>, error: AskError);
    /// Unwrap back to the concrete letter (used to hand a message back to its sender).
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

/// A message that wants no reply.
pub(crate) struct Tell<M>(pub(crate) M);

/// A message whose reply goes to a waiting asker.
pub(crate) struct Ask<M: Message>(pub(crate) M, pub(crate) ReplySender<M>);

impl<A: Handler<M>, M: Message> Letter<A> for Tell<M> {
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a> {
        Box::pin(async move {
            actor.handle(self.0, ctx).await;
        })
    }

    fn reject(self: Box<Self>, _error: AskError) {}

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

impl<A: Handler<M>, M: Message> Letter<A> for Ask<M> {
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a> {
        let Ask(msg, reply) = *self;
        Box::pin(async move {
            let result = actor.handle(msg, ctx).await;
            // The asker may have given up (timeout): nothing to do then.
            let _ = reply.send(Ok(result));
        })
    }

    fn reject(self: Box<Self>, error: AskError) {
        let _ = self.1.send(Err(error));
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        Box::new(self.0)
    }
}

/// Control signals, carried in the system lane ahead of all user traffic.
#[derive(Debug)]
pub(crate) enum Signal {
    /// Stop after the current message.
    Stop,
    /// The last address was dropped: stop once the mailbox is empty.
    SendersGone,
    /// Fail now with this error (failure injection).
    Fail(crate::ActorError),
    /// Answer a health check.
    Health(oneshot::Sender<crate::HealthStatus>),
}

pub(crate) enum Payload<A: Actor> {
    Letter(Box<dyn Letter<A>>),
    Timer(u64),
    Signal(Signal),
}

/// A queued item.
pub(crate) struct Envelope<A: Actor> {
    pub(crate) info: MessageInfo,
    pub(crate) payload: Payload<A>,
}

impl<A: Actor> Envelope<A> {
    pub(crate) fn letter(info: MessageInfo, letter: Box<dyn Letter<A>>) -> Self {
        Envelope {
            info,
            payload: Payload::Letter(letter),
        }
    }

    pub(crate) fn signal(signal: Signal) -> Self {
        Envelope {
            info: MessageInfo {
                priority: Priority::Critical,
                correlation_id: None,
                enqueued_at: None,
                message_type: "signal",
            },
            payload: Payload::Signal(signal),
        }
    }

    /// The message of a `Tell` or `Ask` letter, for handing back to a sender after a failed push.
    pub(crate) fn into_message<M: Message>(self) -> Option<M> {
        match self.payload {
            Payload::Letter(letter) => {
                let any = letter.into_any();
                match any.downcast::<Tell<M>>() {
                    Ok(tell) => Some(tell.0),
                    Err(any) => any.downcast::<M>().ok().map(|m| *m),
                }
            }
            _ => None,
        }
    }
}
