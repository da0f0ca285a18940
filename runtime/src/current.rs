//! What the actor running on this thread is handling right now: used to inherit correlation ids
//! and to catch an actor asking itself.
//!
//! Two const-initialised thread-locals, set while an actor's task is being polled (see
//! [`scope`]) and restored afterwards, so reading them from any send costs a couple of loads.

use crate::ActorId;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use uuid::Uuid;

thread_local! {
    static ACTOR: Cell<Option<ActorId>> = const { Cell::new(None) };
    static CORRELATION: Cell<Option<Uuid>> = const { Cell::new(None) };
}

pin_project_lite::pin_project! {
    /// `body` polled as actor `actor` (see [`scope`]). A plain struct rather than an `async fn`,
    /// so the body is stored once, not once as an argument and once pinned.
    pub(crate) struct Scoped<F> {
        actor: ActorId,
        correlation: Option<Uuid>,
        #[pin]
        body: F,
    }
}

/// Poll `body` as actor `actor`: while it runs, this thread's current actor is `actor` and the
/// correlation id is the one of the message being handled (kept across polls).
pub(crate) fn scope<F: Future>(actor: ActorId, body: F) -> Scoped<F> {
    Scoped {
        actor,
        correlation: None,
        body,
    }
}

impl<F> Scoped<F> {
    /// The correlation id of the message the body was handling when its last poll ended.
    pub(crate) fn correlation(&self) -> Option<Uuid> {
        self.correlation
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _frame = Frame::enter(*this.actor, this.correlation);
        this.body.poll(cx)
    }
}

/// The thread's previous state, restored on drop (also when a poll unwinds).
struct Frame<'a> {
    actor: Option<ActorId>,
    correlation: Option<Uuid>,
    kept: &'a mut Option<Uuid>,
}

impl<'a> Frame<'a> {
    fn enter(actor: ActorId, kept: &'a mut Option<Uuid>) -> Self {
        // Most actors never use correlation ids: leave that cell alone when both are empty.
        let correlation = if kept.is_none() && CORRELATION.get().is_none() {
            None
        } else {
            CORRELATION.replace(*kept)
        };
        Frame {
            actor: ACTOR.replace(Some(actor)),
            correlation,
            kept,
        }
    }
}

impl Drop for Frame<'_> {
    fn drop(&mut self) {
        *self.kept = if self.correlation.is_none() && CORRELATION.get().is_none() {
            None
        } else {
            CORRELATION.replace(self.correlation)
        };
        ACTOR.set(self.actor);
    }
}

/// Called by the runner as each message starts.
#[inline]
pub(crate) fn set_correlation(id: Option<Uuid>) {
    // Most messages carry none: skip the store when there is nothing to change.
    if id.is_some() || CORRELATION.get().is_some() {
        CORRELATION.set(id);
    }
}

/// The correlation id a message sent from here inherits: the one of the message being handled,
/// created on first use so that a chain of messages shares one id. `None` outside actors.
#[inline]
pub(crate) fn inherited_correlation() -> Option<Uuid> {
    ACTOR.get()?;
    let id = CORRELATION.get().unwrap_or_else(fresh_correlation);
    CORRELATION.set(Some(id));
    Some(id)
}

/// The correlation id a message sent from here would carry: inside an actor's handler, the one
/// of the message being handled (created on first use, so a chain of messages shares one id);
/// `None` outside actors. For senders that are not addresses (a remote node's proxy), so that a
/// request keeps its id across nodes.
///
/// ```
/// assert_eq!(actor_system_runtime::current_correlation_id(), None, "not inside an actor");
/// ```
pub fn current_correlation_id() -> Option<Uuid> {
    inherited_correlation()
}

/// How many correlation ids a thread takes from the shared counter at a time.
const ID_BLOCK: u64 = 1024;

/// A new correlation id, unique in this process and, with high probability, across processes:
/// a UUID of version 8 (custom) made of 60 bits drawn once per process from the OS random
/// source and a 64-bit counter. A thread takes counter values in blocks from one atomic, so an id
/// costs a thread-local read and an add, not a call to the random source.
fn fresh_correlation() -> Uuid {
    static PROCESS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static BLOCKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    thread_local! {
        /// The next counter value of this thread's block, and the block's end.
        static NEXT: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }
    let (mut next, mut end) = NEXT.get();
    if next == end {
        next = BLOCKS.fetch_add(ID_BLOCK, std::sync::atomic::Ordering::Relaxed);
        end = next + ID_BLOCK;
    }
    NEXT.set((next + 1, end));
    let process = *PROCESS.get_or_init(|| Uuid::new_v4().as_u64_pair().0);
    let bytes = ((u128::from(process) << 64) | u128::from(next)).to_be_bytes();
    // The version takes 4 of the random bits, the variant 2 of the counter's (never reached).
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The correlation id of the message being handled, if any (without creating one).
pub(crate) fn correlation() -> Option<Uuid> {
    ACTOR.get()?;
    CORRELATION.get()
}

/// The actor whose task this is, if any.
pub(crate) fn actor() -> Option<ActorId> {
    ACTOR.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids are unique across threads and blocks, and carry the custom version and RFC variant.
    #[test]
    fn fresh_correlation_ids_are_unique_and_well_formed() {
        let per_thread = 3 * ID_BLOCK as usize;
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || (0..per_thread).map(|_| fresh_correlation()).collect())
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        for thread in threads {
            let ids: Vec<Uuid> = thread.join().unwrap();
            for id in ids {
                assert_eq!(id.get_version(), Some(uuid::Version::Custom));
                assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
                assert!(seen.insert(id), "{id} minted twice");
            }
        }
        assert_eq!(seen.len(), 4 * per_thread);
    }

    #[test]
    fn the_frame_is_restored_after_each_poll_and_correlation_kept_between_polls() {
        let id = ActorId::next();
        let mut body = Box::pin(scope(id, async {
            assert_eq!(actor(), Some(id));
            let first = inherited_correlation().expect("inside an actor");
            tokio::task::yield_now().await;
            assert_eq!(correlation(), Some(first), "kept across a suspension");
        }));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(body.as_mut().poll(&mut cx).is_pending());
        assert_eq!(actor(), None, "restored after the poll");
        assert_eq!(inherited_correlation(), None);
        assert!(body.as_mut().poll(&mut cx).is_ready());
    }
}
