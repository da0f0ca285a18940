//! Envelopes: a message with its priority, correlation id and enqueue instant, and the
//! type-erased call of its handler.

use crate::{Actor, AskError, Context, Handler, Message, Priority};
use stackfuture::StackFuture;
use std::any::Any;
use std::future::Future;
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

/// The part of [`MessageInfo`] that the runtime tracks per message, packed in one word: the lane
/// in the low two bits, the enqueue instant (nanoseconds after a process-wide epoch, plus one;
/// zero when not sampled) above them. It is not queued: the lane is where the message waits, and
/// the instant of a sampled message travels in its letter (see [`Envelope`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp(u64);

const LANE_BITS: u32 = 2;
const LANE_MASK: u64 = (1 << LANE_BITS) - 1;

/// An hour before the first stamp, so instants taken just before it still fit.
pub(crate) fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(|| {
        let now = Instant::now();
        now.checked_sub(Duration::from_secs(3600)).unwrap_or(now)
    })
}

impl Stamp {
    /// A stamp without enqueue instant.
    pub(crate) const fn plain(priority: Priority) -> Self {
        Stamp(priority.lane() as u64)
    }

    /// A stamp for `priority`, with `enqueued_at` if the message's timing is sampled.
    #[inline]
    pub(crate) fn new(priority: Priority, enqueued_at: Option<Instant>) -> Self {
        let at = enqueued_at.map_or(0, |at| {
            let nanos = at.saturating_duration_since(epoch()).as_nanos();
            // 62 bits of nanoseconds: over a century after the epoch.
            nanos.min(u128::from(u64::MAX >> LANE_BITS) - 1) as u64 + 1
        });
        Stamp(at << LANE_BITS | priority.lane() as u64)
    }

    /// This stamp's enqueue instant, with `priority`'s lane.
    #[inline]
    pub(crate) fn with_priority(self, priority: Priority) -> Self {
        Stamp(self.0 & !LANE_MASK | priority.lane() as u64)
    }

    #[inline]
    pub(crate) fn priority(self) -> Priority {
        // The mask keeps the lane in 0..=3, which every priority covers.
        Priority::from_lane((self.0 & LANE_MASK) as usize).unwrap_or(Priority::Background)
    }

    /// Whether the message's timing is sampled (it carries an enqueue instant).
    #[inline]
    pub(crate) fn is_sampled(self) -> bool {
        self.0 >> LANE_BITS != 0
    }

    #[inline]
    pub(crate) fn enqueued_at(self) -> Option<Instant> {
        match self.0 >> LANE_BITS {
            0 => None,
            at => Some(epoch() + Duration::from_nanos(at - 1)),
        }
    }

    #[inline]
    pub(crate) fn info(
        self,
        message_type: &'static str,
        correlation_id: Option<Uuid>,
    ) -> MessageInfo {
        MessageInfo {
            priority: self.priority(),
            correlation_id,
            enqueued_at: self.enqueued_at(),
            message_type,
        }
    }
}

impl MessageInfo {
    #[inline]
    pub(crate) fn stamp(&self) -> Stamp {
        Stamp::new(self.priority, self.enqueued_at)
    }
}

/// Bytes reserved in the actor task for the running handler's future. Most handlers' futures fit,
/// so handling a message allocates nothing; a larger one is boxed (see [`HandlerFuture`]).
pub(crate) const INLINE_HANDLER_BYTES: usize = 128;

/// A running handler, type-erased. It lives inline in the actor task when it fits in
/// [`INLINE_HANDLER_BYTES`] and on the heap otherwise (`stackfuture` does the type erasure).
pub(crate) type HandlerFuture<'a> = StackFuture<'a, (), INLINE_HANDLER_BYTES>;
/// Where an ask's reply goes. The `oneshot` crate's channel rather than tokio's: one allocation
/// that whichever end goes last frees, without a reference count, and a leaner send and receive
/// (see docs/performance.md).
pub(crate) type ReplySender<M> = ::oneshot::Sender<Result<<M as Message>::Result, AskError>>;

/// The type-erased part of an envelope: a message and, for an ask, where to send the reply.
pub(crate) trait Letter<A: Actor>: Send {
    /// Run the handler; the future answers the ask, if any.
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a>;
    /// Rust type name of the message.
    fn message_type(&self) -> &'static str;
    /// The message's correlation id, if any.
    fn correlation_id(&self) -> Option<Uuid>;
    /// Both, in one call (the runner's per-message path).
    fn describe(&self) -> (&'static str, Option<Uuid>) {
        (self.message_type(), self.correlation_id())
    }
    /// When the message was queued, if its timing is sampled (the stamp's lane is not used).
    fn sent(&self) -> Stamp;
    /// Give up on the message: an ask resolves with `error`. With `keep`, the message is handed
    /// back, boxed, for a dead letter that carries it (`None` for letters the runtime made that
    /// carry nothing a subscriber could resend).
    fn reject(self: Box<Self>, error: AskError, keep: bool) -> Option<Box<dyn Any + Send>>;
    /// Unwrap back to the boxed message (used to hand a message back to its sender).
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
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

/// What a letter carries besides its message: `()` when it has neither a correlation id nor a
/// sampled enqueue instant (most messages: a zero-sized one is then sent without allocating), or
/// [`Extras`].
pub(crate) trait LetterExtras: Send + 'static {
    fn correlation_id(&self) -> Option<Uuid>;
    fn sent(&self) -> Stamp;
}

impl LetterExtras for () {
    fn correlation_id(&self) -> Option<Uuid> {
        None
    }
    fn sent(&self) -> Stamp {
        Stamp(0)
    }
}

/// A correlation id and the enqueue instant of a sampled message (either may be absent).
pub(crate) struct Extras {
    correlation_id: Option<Uuid>,
    sent: Stamp,
}

impl LetterExtras for Extras {
    fn correlation_id(&self) -> Option<Uuid> {
        self.correlation_id
    }
    fn sent(&self) -> Stamp {
        self.sent
    }
}

/// A message that wants no reply, with its extras.
pub(crate) struct Tell<M, X>(M, X);

/// A message whose reply goes to a waiting asker, with its extras.
pub(crate) struct Ask<M: Message>(M, ReplySender<M>, Extras);

impl<A: Handler<M>, M: Message, X: LetterExtras> Letter<A> for Tell<M, X> {
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a> {
        let Tell(msg, _) = *self;
        StackFuture::from_or_box(Replying::<_, M> {
            handler: actor.handle(msg, ctx),
            reply: None,
        })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn correlation_id(&self) -> Option<Uuid> {
        self.1.correlation_id()
    }

    fn sent(&self) -> Stamp {
        self.1.sent()
    }

    fn reject(self: Box<Self>, _error: AskError, keep: bool) -> Option<Box<dyn Any + Send>> {
        keep.then(|| Box::new(self.0) as Box<dyn Any + Send>)
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new(self.0)
    }
}

impl<A: Handler<M>, M: Message> Letter<A> for Ask<M> {
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a> {
        let Ask(msg, reply, _) = *self;
        StackFuture::from_or_box(Replying::<_, M> {
            handler: actor.handle(msg, ctx),
            reply: Some(reply),
        })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn correlation_id(&self) -> Option<Uuid> {
        self.2.correlation_id
    }

    fn sent(&self) -> Stamp {
        self.2.sent
    }

    fn reject(self: Box<Self>, error: AskError, keep: bool) -> Option<Box<dyn Any + Send>> {
        let Ask(msg, reply, _) = *self;
        let _ = reply.send(Err(error));
        keep.then(|| Box::new(msg) as Box<dyn Any + Send>)
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new(self.0)
    }
}

/// Control signals that carry something, queued in the system lane ahead of all user traffic.
/// (A stop request and the last address going away are flags of the mailbox core instead: the
/// end of every actor would otherwise allocate a system lane and a boxed signal.)
#[derive(Debug)]
pub(crate) enum Signal {
    /// Fail now with this error (failure injection).
    Fail(crate::ActorError),
    /// Answer a health check (the status and the mailbox's resources).
    Health(oneshot::Sender<crate::HealthReport>),
    /// Handle the messages queued now, then stop (see
    /// [`Addr::drain_and_stop`](crate::Addr::drain_and_stop)).
    Drain,
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
    Timer(Tick),
    /// A control signal (travels in the system lane).
    Signal(Signal),
}

/// A queued tick of a timer: the timer's id (unique in the process, so a tick left over from an
/// earlier incarnation matches none of a later one's timers), the tick's stamp, and the timer's
/// "a tick is queued" flag, cleared when the tick leaves the queue, whether it fires or is
/// dropped (evicted by an overflow policy, or discarded with its stopped actor): a periodic
/// timer queues its next tick only once the last one is gone.
#[derive(Debug)]
pub(crate) struct Tick {
    pub(crate) id: u64,
    pub(crate) stamp: Stamp,
    pub(crate) queued: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Where a timer queues its ticks: the actor's mailbox (which the timer need not know).
pub(crate) trait TickSink: Send + Sync + 'static {
    /// Queue `tick`, whatever the capacity (ticks are coalesced by their timer); `false` once
    /// the actor's mailbox is closed.
    fn push_tick(&self, tick: Tick) -> bool;
}

impl Drop for Tick {
    fn drop(&mut self) {
        self.queued
            .store(false, std::sync::atomic::Ordering::Release);
    }
}

/// A message or control item with its stamp, as a sender builds it and the actor receives it.
/// Queued, it is only its payload (two words): the lane gives the priority back and a sampled
/// message's instant travels in its letter (a wider queued message costs every `tell`; see
/// docs/performance.md).
pub(crate) struct Envelope<A: Actor> {
    pub(crate) stamp: Stamp,
    pub(crate) payload: Payload<A>,
}

impl<A: Actor> Payload<A> {
    /// The enqueue instant it carries, if sampled (the stamp's lane is not used).
    #[inline]
    fn sent(&self) -> Stamp {
        match self {
            Payload::Letter(letter) => letter.sent(),
            Payload::Control(control) => match **control {
                Control::Timer(ref tick) => tick.stamp,
                Control::Signal(_) => Stamp(0),
            },
        }
    }

    /// The envelope of a payload taken from `priority`'s lane.
    #[inline]
    pub(crate) fn received(self, priority: Priority) -> Envelope<A> {
        Envelope {
            stamp: self.sent().with_priority(priority),
            payload: self,
        }
    }
}

impl<A: Actor> Envelope<A> {
    /// A message that wants no reply.
    #[inline]
    pub(crate) fn tell<M: Message>(stamp: Stamp, correlation_id: Option<Uuid>, msg: M) -> Self
    where
        A: Handler<M>,
    {
        let letter: Box<dyn Letter<A>> = if correlation_id.is_none() && !stamp.is_sampled() {
            Box::new(Tell(msg, ()))
        } else {
            Box::new(Tell(
                msg,
                Extras {
                    correlation_id,
                    sent: stamp,
                },
            ))
        };
        Envelope {
            stamp,
            payload: Payload::Letter(letter),
        }
    }

    /// A message whose handler's result goes to `reply`.
    pub(crate) fn ask<M: Message>(
        stamp: Stamp,
        correlation_id: Option<Uuid>,
        msg: M,
        reply: ReplySender<M>,
    ) -> Self
    where
        A: Handler<M>,
    {
        Envelope {
            stamp,
            payload: Payload::Letter(Box::new(Ask(
                msg,
                reply,
                Extras {
                    correlation_id,
                    sent: stamp,
                },
            ))),
        }
    }

    /// A letter the runtime made itself (see the `call` module).
    pub(crate) fn made<L: Letter<A> + 'static>(stamp: Stamp, letter: L) -> Self {
        Envelope {
            stamp,
            payload: Payload::Letter(Box::new(letter)),
        }
    }

    pub(crate) fn signal(signal: Signal) -> Self {
        Envelope {
            stamp: Stamp::plain(Priority::Critical),
            payload: Payload::Control(Box::new(Control::Signal(signal))),
        }
    }

    /// A timer tick.
    pub(crate) fn timer(tick: Tick) -> Self {
        Envelope {
            stamp: tick.stamp,
            payload: Payload::Control(Box::new(Control::Timer(tick))),
        }
    }

    /// The full description of the queued item.
    pub(crate) fn info(&self) -> MessageInfo {
        match &self.payload {
            Payload::Letter(letter) => {
                let (message_type, correlation_id) = letter.describe();
                self.stamp.info(message_type, correlation_id)
            }
            Payload::Control(control) => self.stamp.info(
                match **control {
                    Control::Timer(..) => "timer",
                    Control::Signal(_) => "signal",
                },
                None,
            ),
        }
    }

    /// The message of a letter, for handing back to a sender after a failed push.
    pub(crate) fn into_message<M: Message>(self) -> Option<M> {
        match self.payload {
            Payload::Letter(letter) => letter.into_any().downcast::<M>().ok().map(|m| *m),
            Payload::Control(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Probe;
    impl Actor for Probe {}

    /// Every queued message occupies one payload in a queue block (31 per block, zeroed on
    /// allocation, copied in and out): keep it small.
    #[test]
    fn a_queued_message_takes_two_words() {
        let size = std::mem::size_of::<Payload<Probe>>();
        assert!(
            size <= 2 * std::mem::size_of::<usize>(),
            "a queued message is {size} bytes"
        );
    }

    /// What the queue drops (the stamp) comes back on receipt: the lane from where it waited,
    /// the instant from the letter.
    #[test]
    fn a_received_payload_gets_its_stamp_back() {
        let sampled = Stamp::new(Priority::High, Some(Instant::now()));
        for stamp in [sampled, Stamp::plain(Priority::High)] {
            for correlation_id in [None, Some(Uuid::from_u128(3))] {
                let env = Envelope::<Probe>::tell(stamp, correlation_id, Ping);
                assert_eq!(env.payload.received(Priority::High).stamp, stamp);
                let (reply, _response) = ::oneshot::channel();
                let env = Envelope::<Probe>::ask(stamp, correlation_id, Ping, reply);
                assert_eq!(env.payload.received(Priority::High).stamp, stamp);
            }
            let queued = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
            let tick = Tick {
                id: 7,
                stamp,
                queued: queued.clone(),
            };
            let env = Envelope::<Probe>::timer(tick);
            assert_eq!(env.payload.received(Priority::High).stamp, stamp);
            assert!(
                !queued.load(std::sync::atomic::Ordering::Acquire),
                "a dropped tick is no longer queued"
            );
        }
        let env = Envelope::<Probe>::signal(Signal::Fail(crate::ActorError::recoverable("x")));
        assert_eq!(
            env.payload.received(Priority::Critical).stamp,
            Stamp::plain(Priority::Critical)
        );
    }

    #[test]
    fn packed_stamps_round_trip() {
        let now = Instant::now();
        for priority in Priority::ALL {
            let info = MessageInfo {
                priority,
                correlation_id: Some(Uuid::from_u128(7)),
                enqueued_at: Some(now),
                message_type: "m",
            };
            assert_eq!(info.stamp().info("m", info.correlation_id), info);
            let early = MessageInfo {
                enqueued_at: Some(epoch()),
                ..info
            };
            assert_eq!(early.stamp().info("m", info.correlation_id), early);
            let unsampled = MessageInfo {
                enqueued_at: None,
                ..info
            };
            assert_eq!(unsampled.stamp().info("m", info.correlation_id), unsampled);
        }
    }

    struct Ping;
    impl Message for Ping {
        type Result = ();
    }
    impl Handler<Ping> for Probe {
        async fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
    }

    #[test]
    fn letters_carry_their_correlation_id_and_hand_the_message_back() {
        let info = |correlation_id| MessageInfo {
            priority: Priority::Normal,
            correlation_id,
            enqueued_at: None,
            message_type: "Ping",
        };
        let id = Uuid::from_u128(42);
        for correlation_id in [None, Some(id)] {
            let info = info(correlation_id);
            let env = Envelope::<Probe>::tell(info.stamp(), correlation_id, Ping);
            assert_eq!(env.info().correlation_id, correlation_id);
            assert!(env.into_message::<Ping>().is_some());
            let (reply, _response) = ::oneshot::channel();
            let env = Envelope::<Probe>::ask(info.stamp(), correlation_id, Ping, reply);
            assert_eq!(env.info().correlation_id, correlation_id);
            assert!(env.into_message::<Ping>().is_some());
        }
    }
}
