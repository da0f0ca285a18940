//! Dead letters: every message that was dropped or could not be delivered.

use crate::{ActorId, Priority};
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

/// A record of one undeliverable message.
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
