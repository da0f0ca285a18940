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
    let id = CORRELATION.get().unwrap_or_else(Uuid::new_v4);
    CORRELATION.set(Some(id));
    Some(id)
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
