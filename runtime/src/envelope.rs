//! Envelopes: a message with its priority, correlation id and enqueue instant, and the
//! type-erased call of its handler.

use crate::{Actor, AskError, Context, Handler, Message, Priority};
use stackfuture::StackFuture;
use std::any::Any;
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::Poll;
use std::time::{Duration, Instant};
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

/// The part of [`MessageInfo`] that is queued with a message, packed small and word-aligned: the
/// type name comes from the letter itself, the enqueue instant takes 8 bytes instead of 16, and
/// the correlation id is kept as two words (a byte-aligned `Option<Uuid>` made every copy of an
/// envelope a mix of narrow stores and wide loads, which the CPU cannot forward: a stall per
/// message on the consumer's path).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp {
    correlation: [u64; 2],
    enqueued_at: Option<SentAt>,
    /// The priority's lane, plus [`HAS_CORRELATION`]: one whole word, so that a stamp has no
    /// padding bytes and copies stay whole-word moves.
    meta: u64,
}

/// Set in [`Stamp::meta`] when the message carries a correlation id.
const HAS_CORRELATION: u64 = 1 << 8;

/// An instant as nanoseconds after a process-wide epoch, plus one (so `Option` is free).
#[derive(Debug, Clone, Copy)]
struct SentAt(NonZeroU64);

/// An hour before the first stamp, so instants taken just before it still fit.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(|| {
        let now = Instant::now();
        now.checked_sub(Duration::from_secs(3600)).unwrap_or(now)
    })
}

impl SentAt {
    fn new(at: Instant) -> Self {
        let nanos = at.saturating_duration_since(epoch()).as_nanos();
        SentAt(NonZeroU64::MIN.saturating_add(nanos.min(u64::MAX as u128 - 1) as u64))
    }

    fn instant(self) -> Instant {
        epoch() + Duration::from_nanos(self.0.get() - 1)
    }
}

impl Stamp {
    /// A stamp without correlation id or enqueue instant.
    pub(crate) const fn plain(priority: Priority) -> Self {
        Stamp {
            correlation: [0; 2],
            enqueued_at: None,
            meta: priority.lane() as u64,
        }
    }

    #[inline]
    pub(crate) fn priority(&self) -> Priority {
        Priority::ALL[(self.meta & 0b11) as usize]
    }

    #[inline]
    pub(crate) fn correlation_id(&self) -> Option<Uuid> {
        let [high, low] = self.correlation;
        (self.meta & HAS_CORRELATION != 0).then(|| Uuid::from_u64_pair(high, low))
    }

    #[inline]
    pub(crate) fn enqueued_at(&self) -> Option<Instant> {
        self.enqueued_at.map(SentAt::instant)
    }

    #[inline]
    pub(crate) fn info(self, message_type: &'static str) -> MessageInfo {
        MessageInfo {
            priority: self.priority(),
            correlation_id: self.correlation_id(),
            enqueued_at: self.enqueued_at(),
            message_type,
        }
    }
}

impl MessageInfo {
    #[inline]
    pub(crate) fn stamp(&self) -> Stamp {
        let (high, low) = self.correlation_id.map_or((0, 0), |id| id.as_u64_pair());
        Stamp {
            correlation: [high, low],
            enqueued_at: self.enqueued_at.map(SentAt::new),
            meta: self.priority.lane() as u64
                | if self.correlation_id.is_some() {
                    HAS_CORRELATION
                } else {
                    0
                },
        }
    }
}

/// Bytes reserved in the actor task for the running handler's future. Most handlers' futures fit,
/// so handling a message allocates nothing; a larger one is boxed (see [`HandlerFuture`]).
pub(crate) const INLINE_HANDLER_BYTES: usize = 128;

/// A running handler, type-erased. It lives inline in the actor task when it fits in
/// [`INLINE_HANDLER_BYTES`] and on the heap otherwise (`stackfuture` does the type erasure).
pub(crate) type HandlerFuture<'a> = StackFuture<'a, (), INLINE_HANDLER_BYTES>;
pub(crate) type ReplySender<M> = oneshot::Sender<Result<<M as Message>::Result, AskError>>;

/// The type-erased part of an envelope: a message and, for an ask, where to send the reply.
pub(crate) trait Letter<A: Actor>: Send {
    /// Run the handler; the future answers the ask, if any.
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a>;
    /// Rust type name of the message.
    fn message_type(&self) -> &'static str;
    /// Give up on the message: an ask resolves with `error`.
    fn reject(self: Box<Self>, error: AskError);
    /// Unwrap back to the concrete letter (used to hand a message back to its sender).
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

pin_project_lite::pin_project! {
    /// A handler's future that sends its result to the asker, if any, when done. A plain
    /// struct rather than an `async` block, which would store the message twice (once captured,
    /// once inside the handler's future) and make fewer handlers fit inline.
    struct Replying<F, M: Message> {
        #[pin]
        handler: F,
        reply: Option<ReplySender<M>>,
    }
}

impl<F: Future<Output = M::Result>, M: Message> Future for Replying<F, M> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let this = self.project();
        let result = std::task::ready!(this.handler.poll(cx));
        if let Some(reply) = this.reply.take() {
            // The asker may have given up (timeout): nothing to do then.
            let _ = reply.send(Ok(result));
        }
        Poll::Ready(())
    }
}

/// A message that wants no reply.
pub(crate) struct Tell<M>(pub(crate) M);

/// A message whose reply goes to a waiting asker.
pub(crate) struct Ask<M: Message>(pub(crate) M, pub(crate) ReplySender<M>);

impl<A: Handler<M>, M: Message> Letter<A> for Tell<M> {
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a> {
        let Tell(msg) = *self;
        StackFuture::from_or_box(Replying::<_, M> {
            handler: actor.handle(msg, ctx),
            reply: None,
        })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn reject(self: Box<Self>, _error: AskError) {}

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

impl<A: Handler<M>, M: Message> Letter<A> for Ask<M> {
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a> {
        let Ask(msg, reply) = *self;
        StackFuture::from_or_box(Replying::<_, M> {
            handler: actor.handle(msg, ctx),
            reply: Some(reply),
        })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
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
    /// Boxed: rare, and it keeps the payload one fat pointer wide.
    Control(Box<Control>),
}

/// What the runtime itself queues for an actor.
#[derive(Debug)]
pub(crate) enum Control {
    /// A timer of the actor's context fired.
    Timer(u64),
    /// A control signal (travels in the system lane).
    Signal(Signal),
}

/// A queued item.
pub(crate) struct Envelope<A: Actor> {
    pub(crate) stamp: Stamp,
    pub(crate) payload: Payload<A>,
}

impl<A: Actor> Envelope<A> {
    pub(crate) fn letter(info: &MessageInfo, letter: Box<dyn Letter<A>>) -> Self {
        Envelope {
            stamp: info.stamp(),
            payload: Payload::Letter(letter),
        }
    }

    pub(crate) fn signal(signal: Signal) -> Self {
        Envelope {
            stamp: Stamp::plain(Priority::Critical),
            payload: Payload::Control(Box::new(Control::Signal(signal))),
        }
    }

    /// The full description of the queued item.
    pub(crate) fn info(&self) -> MessageInfo {
        self.stamp.info(match &self.payload {
            Payload::Letter(letter) => letter.message_type(),
            Payload::Control(control) => match **control {
                Control::Timer(_) => "timer",
                Control::Signal(_) => "signal",
            },
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Probe;
    impl Actor for Probe {}

    /// Every queued message occupies one envelope in a queue block (31 per block, zeroed on
    /// allocation, copied in and out): keep it small.
    #[test]
    fn an_envelope_takes_48_bytes() {
        assert_eq!(std::mem::size_of::<Payload<Probe>>(), 16);
        assert_eq!(std::mem::size_of::<Envelope<Probe>>(), 48);
    }

    #[test]
    fn packed_enqueue_instants_round_trip() {
        let now = Instant::now();
        let info = MessageInfo {
            priority: Priority::High,
            correlation_id: Some(Uuid::from_u128(7)),
            enqueued_at: Some(now),
            message_type: "m",
        };
        assert_eq!(info.stamp().info("m"), info);
        let early = MessageInfo {
            enqueued_at: Some(epoch()),
            ..info
        };
        assert_eq!(early.stamp().info("m"), early);
    }
}
