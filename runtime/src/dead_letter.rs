//! Dead letters: every message that was dropped or could not be delivered, carrying the
//! message itself while somebody subscribes.

use crate::{ActorId, Priority};
use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Why a message ended in dead letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DropReason {
    /// A `DropNewest` or `DropLowPriority` mailbox refused the incoming message, or a full mailbox
    /// refused a published event (see [`Topic`](crate::pubsub::Topic)).
    DroppedNewest,
    /// A `DropOldest` or `DropLowPriority` mailbox evicted it to make room.
    Evicted,
    /// The actor stopped with the message still queued.
    ActorStopped,
    /// The handler of this message panicked or failed the actor.
    HandlerFailed,
    /// A full mailbox refused it, and no sender was there to take it back (a delayed
    /// [`notify_later`](crate::Context::notify_later), say).
    Rejected,
    /// The message was for an actor on another node that could not be reached, or the
    /// connection closed before the node confirmed it.
    PeerUnreachable,
    /// The message was for an actor on another node, which refused it (unknown actor or
    /// message type, malformed, too large, not allowed, or its mailbox refused it).
    RefusedByPeer,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::DroppedNewest => "dropped_newest",
            DropReason::Evicted => "evicted",
            DropReason::ActorStopped => "actor_stopped",
            DropReason::HandlerFailed => "handler_failed",
            DropReason::Rejected => "rejected",
            DropReason::PeerUnreachable => "peer_unreachable",
            DropReason::RefusedByPeer => "refused_by_peer",
        })
    }
}

/// A record of one undeliverable message, with the message itself (see
/// [`message`](Self::message)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The intended recipient.
    pub actor_id: ActorId,
    /// Its name.
    pub actor_name: Arc<str>,
    /// Rust type name of the message.
    pub message_type: &'static str,
    /// Priority the message was sent with.
    pub priority: Priority,
    /// Correlation id, if it had one.
    pub correlation_id: Option<Uuid>,
    /// Why it was not delivered.
    pub reason: DropReason,
    /// The message itself, type-erased, to inspect or take and resend ([`take`](Self::take)).
    /// It is kept only while somebody subscribes to the sink (an unobserved drop costs nothing
    /// more), and only for what a sender could resend: `None` for a message its handler had
    /// taken already (a panic or failure while handling it, a kill), and for what the runtime
    /// made itself (a spawned future's continuation, a stream's item or hook). Like the record,
    /// it stays in the sink's buffer until every subscriber has received it (or the buffer
    /// overwrote it), unless a subscriber takes it first.
    pub message: Option<Undelivered>,
}

impl DeadLetter {
    /// Whether it carries a message of type `M`.
    pub fn is<M: 'static>(&self) -> bool {
        self.message.as_ref().is_some_and(Undelivered::is::<M>)
    }

    /// Take the message, if it is an `M` and nobody took it yet (every subscriber gets a copy of
    /// the record; the first to take the message has it).
    pub fn take<M: 'static>(&self) -> Option<M> {
        self.message.as_ref()?.take()
    }
}

/// The message of a [`DeadLetter`], shared by every subscriber's copy of the record: the first
/// to [`take`](Self::take) it has it.
#[derive(Clone)]
pub struct Undelivered(Arc<parking_lot::Mutex<Option<Box<dyn Any + Send>>>>);

impl Undelivered {
    pub(crate) fn new(message: Box<dyn Any + Send>) -> Self {
        Undelivered(Arc::new(parking_lot::Mutex::new(Some(message))))
    }

    /// Whether it is (still) an `M`.
    pub fn is<M: 'static>(&self) -> bool {
        self.0.lock().as_ref().is_some_and(|m| m.is::<M>())
    }

    /// Take it, if it is an `M` and nobody took it yet.
    pub fn take<M: 'static>(&self) -> Option<M> {
        let mut slot = self.0.lock();
        if !slot.as_ref()?.is::<M>() {
            return None;
        }
        slot.take()?.downcast::<M>().ok().map(|m| *m)
    }

    /// Look at it as an `M` without taking it: `f`'s answer, if it is one.
    pub fn with<M: 'static, R>(&self, f: impl FnOnce(&M) -> R) -> Option<R> {
        self.0.lock().as_ref()?.downcast_ref::<M>().map(f)
    }
}

impl PartialEq for Undelivered {
    /// The same message: copies of one record.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Undelivered {}

impl fmt::Debug for Undelivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let taken = self.0.lock().is_none();
        f.debug_struct("Undelivered")
            .field("taken", &taken)
            .finish()
    }
}

/// A dead-letter sink: counts undeliverable messages and streams them to subscribers.
///
/// Each mailbox reports to one sink (the process-wide [`DeadLetters::global`] unless configured).
///
/// ```
/// use actor_system_runtime::DeadLetters;
///
/// let sink = DeadLetters::new(16);
/// let mut stream = sink.subscribe();
/// assert_eq!(sink.count(), 0);
/// assert!(stream.try_recv().is_err());
/// ```
///
/// While somebody subscribes, a dead letter carries its message: a subscriber can take it and
/// resend it, here to the actor that replaced a stopped one.
///
/// ```
/// use actor_system_runtime::{spawn_with, Actor, Context, DeadLetters, DropReason, Handler, Message, SpawnOptions};
///
/// struct Storage { written: Vec<u64> }
/// impl Actor for Storage {}
/// struct Write(u64);
/// impl Message for Write { type Result = (); }
/// impl Handler<Write> for Storage {
///     async fn handle(&mut self, msg: Write, _: &mut Context<Self>) { self.written.push(msg.0); }
/// }
/// struct Written;
/// impl Message for Written { type Result = Vec<u64>; }
/// impl Handler<Written> for Storage {
///     async fn handle(&mut self, _: Written, _: &mut Context<Self>) -> Vec<u64> { self.written.clone() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sink = DeadLetters::new(64);
/// let mut letters = sink.subscribe();
/// let options = || SpawnOptions::new().dead_letters(sink.clone());
/// let old = spawn_with(Storage { written: vec![] }, options()).await.unwrap();
/// old.tell(Write(1)).unwrap();
/// old.tell(Write(2)).unwrap();
/// old.stop(); // the queued writes become dead letters
/// old.wait_for_stop().await.unwrap();
///
/// let new = spawn_with(Storage { written: vec![] }, options()).await.unwrap();
/// while let Ok(letter) = letters.try_recv() {
///     assert_eq!(letter.reason, DropReason::ActorStopped);
///     if let Some(write) = letter.take::<Write>() {
///         new.tell(write).unwrap(); // recovered and resent
///     }
/// }
/// assert_eq!(new.ask(Written).await, Ok(vec![1, 2]));
/// # }
/// ```
#[derive(Clone)]
pub struct DeadLetters {
    inner: Arc<Inner>,
}

struct Inner {
    count: AtomicU64,
    stream: broadcast::Sender<DeadLetter>,
}

impl DeadLetters {
    /// A sink whose subscribers each buffer up to `buffer` records (older ones are skipped for a
    /// slow subscriber, which sees a `Lagged` error; the count is always exact).
    pub fn new(buffer: usize) -> Self {
        let (stream, _) = broadcast::channel(buffer.max(1));
        DeadLetters {
            inner: Arc::new(Inner {
                count: AtomicU64::new(0),
                stream,
            }),
        }
    }

    /// The process-wide sink (buffer of 1024 per subscriber).
    pub fn global() -> Self {
        static GLOBAL: OnceLock<DeadLetters> = OnceLock::new();
        GLOBAL.get_or_init(|| DeadLetters::new(1024)).clone()
    }

    /// Receive every dead letter published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<DeadLetter> {
        self.inner.stream.subscribe()
    }

    /// How many dead letters this sink has received.
    pub fn count(&self) -> u64 {
        self.inner.count.load(Ordering::Relaxed)
    }

    /// Whether somebody subscribes: only then do dead letters keep their message.
    pub(crate) fn is_observed(&self) -> bool {
        self.inner.stream.receiver_count() > 0
    }

    /// Count `letter` and stream it to subscribers. Mailboxes publish what they drop; so may
    /// whatever else drops messages on an actor's behalf (a remote node's outbound queue).
    ///
    /// ```
    /// use actor_system_runtime::{ActorId, DeadLetter, DeadLetters, DropReason, Priority};
    ///
    /// let sink = DeadLetters::new(4);
    /// let mut stream = sink.subscribe();
    /// sink.publish(DeadLetter {
    ///     actor_id: ActorId::next(),
    ///     actor_name: "peer/chain".into(),
    ///     message_type: "ProduceBlock",
    ///     priority: Priority::Critical,
    ///     correlation_id: None,
    ///     reason: DropReason::PeerUnreachable,
    ///     message: None,
    /// });
    /// assert_eq!(sink.count(), 1);
    /// assert_eq!(stream.try_recv().unwrap().reason, DropReason::PeerUnreachable);
    /// ```
    pub fn publish(&self, letter: DeadLetter) {
        self.inner.count.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            target: "actor_system::mailbox",
            actor = %letter.actor_name,
            message = letter.message_type,
            priority = %letter.priority,
            reason = %letter.reason,
            "dead letter"
        );
        metrics::counter!(
            "actor_dead_letters_total",
            "actor" => letter.actor_name.to_string(),
            "reason" => letter.reason.to_string()
        )
        .increment(1);
        // No subscriber is not an error: the record is counted either way.
        let _ = self.inner.stream.send(letter);
    }
}

impl Default for DeadLetters {
    fn default() -> Self {
        Self::global()
    }
}

impl fmt::Debug for DeadLetters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetters")
            .field("count", &self.count())
            .finish()
    }
}
