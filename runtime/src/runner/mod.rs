//! The loop that runs one incarnation of an actor on its mailbox; what it does with control
//! items (timer ticks, signals) and the futures it waits for is in [`control`].

mod control;

use control::Controlled;

use crate::current;
use crate::envelope::{Envelope, HandlerFuture, Letter, MessageInfo, Payload, Stamp};
use crate::mailbox::{LanePicker, Mailbox};
use crate::shared::Shared;
use crate::slice::Slice;
use crate::{Actor, ActorError, ActorState, Context, DropReason, ExitReason, FailureKind};
use std::any::Any;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;
use tokio::sync::oneshot;

/// Where an incarnation reports the result of its `started` hook.
pub(crate) type StartedSender = oneshot::Sender<Result<(), ActorError>>;

pin_project_lite::pin_project! {
    /// `fut`, with a panic while polling it turned into an error (see [`catch_panic`]).
    pub(super) struct CatchPanic<F> {
        #[pin]
        fut: F,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        poll_catching(self.project().fut, cx)
    }
}

/// Poll `fut` once, turning a panic into an error.
#[inline]
fn poll_catching<F: Future>(
    fut: Pin<&mut F>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Result<F::Output, Box<dyn Any + Send>>> {
    match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
        Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(panic) => Poll::Ready(Err(panic)),
    }
}

pin_project_lite::pin_project! {
    /// An incarnation that a kill request ends at its next poll ([`Addr::kill`]): each poll
    /// checks one flag before polling the incarnation and, if it ends pending, again after making
    /// sure the request can wake the task (a parked actor's waker is registered with its
    /// mailbox already; one waiting inside a handler registers it then).
    ///
    /// [`Addr::kill`]: crate::Addr::kill
    struct Killable<'a, A: Actor, F> {
        mailbox: &'a Mailbox<A>,
        #[pin]
        incarnation: current::Scoped<F>,
    }
}

/// An incarnation ended by a kill: the error, and the correlation id of the message its
/// handler was handling, if any.
struct Killed {
    error: ActorError,
    correlation: Option<uuid::Uuid>,
}

impl<A: Actor, F: Future> Future for Killable<'_, A, F> {
    type Output = Result<F::Output, Killed>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let incarnation = || this.mailbox.stats.restarts();
        let killed = |error, incarnation: Pin<&mut current::Scoped<F>>| Killed {
            error,
            correlation: incarnation.correlation(),
        };
        if let Some(error) = this.mailbox.lifecycle.take_kill(incarnation) {
            return Poll::Ready(Err(killed(error, this.incarnation)));
        }
        let mut scoped = this.incarnation;
        if let Poll::Ready(output) = scoped.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // A request that came before the waker was registered is seen here; one that comes
        // after wakes the task (the registration and the wake-up are ordered on one atomic).
        this.mailbox.keep_killable(cx.waker());
        match this.mailbox.lifecycle.take_kill(incarnation) {
            Some(error) => Poll::Ready(Err(killed(error, scoped))),
            None => Poll::Pending,
        }
    }
}

/// Poll `fut`, turning a panic into an error.
pub(super) fn catch_panic<F: Future>(fut: F) -> CatchPanic<F> {
    CatchPanic { fut }
}

/// How an incarnation begins.
pub(crate) enum Begin {
    /// Run the `started` hook first; report its result on the sender, if any.
    Start(Option<StartedSender>),
    /// The `started` hook already ran (see [`start_in_caller`]).
    Started,
}

/// Run `actor` on `mailbox` with `ctx` until it stops or fails; a kill request ends it at its
/// next poll. The mailbox is left open: the caller decides whether to restart on it or close it.
/// The actor and context are borrowed from the caller's future, which owns them once (a future
/// that owned them and passed them on by value would hold them twice, in every actor's task).
#[allow(clippy::manual_async_fn)] // see the comment in the body
pub(crate) fn run<'a, A: Actor>(
    mailbox: &'a Mailbox<A>,
    picker: &'a mut LanePicker,
    actor: &'a mut A,
    ctx: &'a mut Context<A>,
    begin: Begin,
) -> impl Future<Output = ExitReason> + Send + 'a {
    // Async blocks rather than `async fn`s here and in `incarnation`: an `async fn` stores its
    // arguments twice (as given and as locals), in every actor's task.
    async move {
        let ended = Killable {
            mailbox,
            incarnation: current::scope(
                mailbox.id,
                incarnation(mailbox, picker, actor, &mut *ctx, begin),
            ),
        }
        .await;
        match ended {
            Ok(reason) => reason,
            Err(Killed { error, correlation }) => {
                // The incarnation's future (the running handler's with it) was dropped: the
                // message being handled is a dead letter.
                if let Some((stamp, message_type)) = ctx.handling.take() {
                    let info = stamp.info(message_type, correlation);
                    mailbox.record_dead_letter::<()>(&info, DropReason::HandlerFailed, None);
                }
                mailbox.record_failure();
                tracing::warn!(target: "actor_system::actor", actor = %mailbox.name(), error = %error, "actor killed");
                ExitReason::Failed(error)
            }
        }
    }
}

/// One incarnation: `started`, messages, `stopping`, then the final cleanup.
///
/// One future on purpose: each nested `async fn` keeps its own copies of the references it is
/// given, and its states do not share space with the caller's, so an idle actor's task would be
/// hundreds of bytes larger (see `spawn::size_tests`).
#[allow(clippy::manual_async_fn)] // see `run`
fn incarnation<'a, A: Actor>(
    mailbox: &'a Mailbox<A>,
    picker: &'a mut LanePicker,
    actor: &'a mut A,
    ctx: &'a mut Context<A>,
    begin: Begin,
) -> impl Future<Output = ExitReason> + Send + 'a {
    async move {
        // A failed start leaves its reason in `ctx.exit` (a result matched here would be kept in
        // the task for the actor's whole life).
        let started = match begin {
            Begin::Start(started) => match start(actor, ctx, started).await {
                Ok(()) => {
                    running(mailbox);
                    true
                }
                Err(error) => {
                    ctx.exit = Some(ExitReason::Failed(error));
                    false
                }
            },
            // `start_in_caller` marked it running.
            Begin::Started => true,
        };
        let reason = if started {
            let mut slice = Slice::new();
            let reason = loop {
                if let Some(reason) = ctx.exit.take() {
                    break reason;
                }
                if mailbox.take_stop() {
                    break ExitReason::Normal;
                }
                // One load when the actor never waited for a future (boxed: a rare await that
                // would otherwise widen every actor's task).
                if ctx.extras.has_waits() {
                    if let Some(reason) = Box::pin(control::run_waits(mailbox, actor, ctx)).await {
                        break reason;
                    }
                    continue;
                }
                if slice.should_yield() {
                    tokio::task::yield_now().await;
                }
                // Nothing popped is kept across an await: the envelope stays out of the task's state.
                // (Not bound to a variable first: one would stay in every actor's task.)
                let Some(Envelope { stamp, payload }) = (match ctx.extras.draining() {
                    None => mailbox.pop(picker),
                    // Draining: only what was queued when the drain began, then the end.
                    Some(left) => match mailbox.pop_draining(left) {
                        Some(envelope) => Some(envelope),
                        None => break ExitReason::Normal,
                    },
                }) else {
                    // No senders left, or the mailbox closed under us (a parent gave up waiting
                    // and abandoned its child): nothing more can come, and a closed mailbox is
                    // always ready, so waiting on it would spin.
                    if mailbox.lifecycle.addresses.load(Ordering::Acquire) == 0
                        || mailbox.is_closed()
                    {
                        break ExitReason::Normal;
                    }
                    slice.restart();
                    mailbox.ready().await;
                    continue;
                };
                let ended = match payload {
                    Payload::Letter(letter) => {
                        let (span, began) = start_letter(mailbox, ctx, stamp, &*letter);
                        // Pinned where it is built: the handler's future is not moved around.
                        let outcome = {
                            let mut handler = std::pin::pin!(letter.handle(actor, ctx));
                            poll_fn(|cx| poll_handler(&span, handler.as_mut(), cx)).await
                        };
                        let ended = finish_letter(mailbox, ctx, outcome, began);
                        // Dropped here only if there is one: the empty `Option` is not worth an
                        // out-of-line drop call per message.
                        if let Some(span) = span {
                            drop(span);
                        }
                        ended
                    }
                    Payload::Control(control) => {
                        match control::handle_control(mailbox, actor, ctx, *control) {
                            Controlled::Done(ended) => ended,
                            // Boxed: health checks and async timer callbacks are rare, and their
                            // futures would widen every actor's task (one await point for both:
                            // two would keep this enum in the task twice over).
                            awaited => {
                                Box::pin(control::await_control(mailbox, actor, ctx, awaited)).await
                            }
                        }
                    }
                };
                if let Some(reason) = ended {
                    break reason;
                }
            };
            mailbox.lifecycle.set_state(ActorState::Stopping);
            // As for a tick: the `stopping` hook's sends start a chain of their own.
            current::set_correlation(None);
            if matches!(&reason, ExitReason::Failed(e) if e.kind() == FailureKind::Panic) {
                reason
            } else {
                match catch_panic(actor.stopping(ctx)).await {
                    Ok(()) => reason,
                    Err(panic) => stopping_panicked(mailbox, reason, panic),
                }
            }
        } else {
            ctx.exit.take().unwrap_or(ExitReason::Normal)
        };
        finish(actor, ctx, reason).await
    }
}

/// Run the `started` hook in the caller's task, before the actor's task exists: `spawn` then
/// returns without a hand-off to the new task and back. On success, the context to run the
/// actor with (see [`Begin::Started`]); on failure, the incarnation is over (its `stopped` hook
/// ran) and this is why.
pub(crate) async fn start_in_caller<A: Actor>(
    shared: &Arc<Shared<A>>,
    actor: &mut A,
) -> Result<Context<A>, ActorError> {
    let mailbox = &shared.mailbox;
    let mut ctx = Context::new(shared.clone());
    match current::scope(mailbox.id, start(actor, &mut ctx, None)).await {
        Ok(()) => {
            // Running from the spawner's point of view as soon as `spawn` returns (its task may
            // start later: see the `drive` module).
            running(mailbox);
            Ok(ctx)
        }
        Err(error) => {
            let reason = ExitReason::Failed(error.clone());
            current::scope(mailbox.id, finish(actor, &mut ctx, reason)).await;
            Err(error)
        }
    }
}

/// The `started` hook succeeded: the actor is running.
fn running<A: Actor>(mailbox: &Mailbox<A>) {
    mailbox.lifecycle.set_state(ActorState::Running);
    tracing::debug!(target: "actor_system::actor", actor = %mailbox.name(), id = %mailbox.id, "started");
}

/// Run the `started` hook and report its result to the spawner, if it waits.
async fn start<A: Actor>(
    actor: &mut A,
    ctx: &mut Context<A>,
    started: Option<StartedSender>,
) -> Result<(), ActorError> {
    ctx.mailbox().lifecycle.set_state(ActorState::Starting);
    let start = match catch_panic(actor.started(ctx)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.with_kind(FailureKind::StartFailed)),
        Err(panic) => Err(ActorError::from_panic(&*panic).with_kind(FailureKind::StartFailed)),
    };
    if let Some(tx) = started {
        let _ = tx.send(start.clone());
    }
    if start.is_err() {
        ctx.mailbox().record_failure();
    }
    start
}

/// The `stopping` hook panicked: the actor fails, unless it was failing already.
#[cold]
fn stopping_panicked<A: Actor>(
    mailbox: &Mailbox<A>,
    reason: ExitReason,
    panic: Box<dyn Any + Send>,
) -> ExitReason {
    tracing::warn!(target: "actor_system::actor", actor = %mailbox.name(), "stopping hook panicked");
    mailbox.record_failure();
    if reason.is_failure() {
        reason
    } else {
        ExitReason::Failed(ActorError::from_panic(&*panic))
    }
}

/// Cancel timers, stop children, run `stopped`.
async fn finish<A: Actor>(actor: &mut A, ctx: &mut Context<A>, reason: ExitReason) -> ExitReason {
    ctx.extras.cancel_all();
    for child in ctx.children.take().map(|c| *c).unwrap_or_default() {
        // Boxed: most actors have no children, and an inline timeout would widen every task.
        Box::pin(child.shutdown()).await;
    }
    if catch_panic(actor.stopped(&reason)).await.is_err() {
        tracing::warn!(target: "actor_system::actor", actor = %ctx.mailbox().name(), "stopped hook panicked");
    }
    match &reason {
        ExitReason::Failed(e) => {
            tracing::warn!(target: "actor_system::actor", actor = %ctx.mailbox().name(), error = %e, "actor failed")
        }
        _ => {
            tracing::debug!(target: "actor_system::actor", actor = %ctx.mailbox().name(), "stopped")
        }
    }
    reason
}

/// The span a handler runs in, if enabled. Boxed: a `Span` inline would widen every actor's
/// task, and with the actor target's debug level off (the usual case) there is none.
type HandlerSpan = Option<Box<tracing::Span>>;

/// Poll a running handler inside its span, turning a panic into an error.
#[inline]
fn poll_handler(
    span: &HandlerSpan,
    handler: Pin<&mut HandlerFuture<'_>>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Result<(), Box<dyn Any + Send>>> {
    let _entered = span.as_deref().map(tracing::Span::enter);
    poll_catching(handler, cx)
}

/// Publish the message's stamp and correlation id and open its span; note when handling began,
/// if the message's timing is sampled, as a stamp: one word in the actor's task where an
/// `Option<Instant>` takes two.
#[inline]
fn start_letter<A: Actor>(
    mailbox: &Mailbox<A>,
    ctx: &mut Context<A>,
    stamp: Stamp,
    letter: &dyn Letter<A>,
) -> (HandlerSpan, Stamp) {
    let (message_type, correlation_id) = letter.describe();
    current::set_correlation(correlation_id);
    ctx.handling = Some((stamp, message_type));
    // One load of the global level filter when debug is off everywhere (the usual case).
    let span = if tracing::level_enabled!(tracing::Level::DEBUG) {
        handler_span(mailbox, message_type, correlation_id)
    } else {
        None
    };
    let began = Stamp::new(stamp.priority(), stamp.is_sampled().then(Instant::now));
    (span, began)
}

#[cold]
#[inline(never)]
fn handler_span<A: Actor>(
    mailbox: &Mailbox<A>,
    message_type: &'static str,
    correlation_id: Option<uuid::Uuid>,
) -> HandlerSpan {
    let span = tracing::debug_span!(
        target: "actor_system::actor",
        "handle",
        actor = %mailbox.name(),
        message = message_type,
        correlation_id = ?correlation_id,
    );
    (!span.is_disabled()).then(|| Box::new(span))
}

/// Count the handled message (timed if sampled), or fail the actor if its handler panicked.
#[inline]
fn finish_letter<A: Actor>(
    mailbox: &Mailbox<A>,
    ctx: &mut Context<A>,
    outcome: Result<(), Box<dyn Any + Send>>,
    began: Stamp,
) -> Option<ExitReason> {
    let (stamp, message_type) = ctx.handling.take()?;
    if let Err(panic) = outcome {
        return Some(handler_panicked(
            mailbox,
            ctx,
            stamp.info(message_type, current::correlation()),
            panic,
        ));
    }
    // Timed only for sampled messages (those with an enqueue instant).
    let timing = began.enqueued_at().and_then(|begin| {
        let sent = stamp.enqueued_at()?;
        Some((begin.saturating_duration_since(sent), begin.elapsed()))
    });
    mailbox.record_handled(stamp.priority(), timing);
    None
}

/// A handler panicked: dead-letter its message and fail the actor.
#[cold]
fn handler_panicked<A: Actor>(
    mailbox: &Mailbox<A>,
    ctx: &mut Context<A>,
    info: MessageInfo,
    panic: Box<dyn Any + Send>,
) -> ExitReason {
    mailbox.record_dead_letter::<()>(&info, DropReason::HandlerFailed, None);
    // A handler that called `ctx.fail(e)` before unwinding fails with `e`.
    let error = match ctx.exit.take() {
        Some(ExitReason::Failed(e)) => e,
        _ => {
            mailbox.record_failure();
            ActorError::from_panic(&*panic)
        }
    };
    tracing::error!(target: "actor_system::actor", actor = %mailbox.name(), message = info.message_type, error = %error, "handler panicked");
    ExitReason::Failed(error)
}
