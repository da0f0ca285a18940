//! The loop that runs one incarnation of an actor on its mailbox.

use crate::current;
use crate::envelope::{Control, Payload, Signal};
use crate::mailbox::{LanePicker, Mailbox};
use crate::{Actor, ActorError, ActorState, Context, DropReason, ExitReason, FailureKind};
use std::any::Any;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;
use tokio::sync::oneshot;

/// Messages handled per wake-up before yielding to the scheduler: the mailbox is invisible to
/// tokio's cooperative budget, so a busy actor yields by itself.
const BATCH: u32 = 128;

/// Poll `fut`, turning a panic into an error.
async fn catch_panic<F: Future>(fut: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut fut = pin!(fut);
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        },
    )
    .await
}

/// Run `actor` on `mailbox` until it stops or fails; report the `started` result on `started`.
/// The mailbox is left open: the caller decides whether to restart on it or close it.
pub(crate) async fn run<A: Actor>(
    mailbox: &Arc<Mailbox<A>>,
    picker: &mut LanePicker,
    mut actor: A,
    started: Option<oneshot::Sender<Result<(), ActorError>>>,
) -> ExitReason {
    let incarnation = current::scope(mailbox.id, run_scoped(mailbox, picker, &mut actor, started));
    tokio::select! {
        biased;
        reason = incarnation => reason,
        error = mailbox.lifecycle.killed() => {
            // The incarnation (its handler future, context, timers) is dropped here.
            mailbox.stats.record_failure();
            tracing::warn!(target: "actor_system::actor", actor = %mailbox.name, error = %error, "actor killed");
            ExitReason::Failed(error)
        }
    }
}

async fn run_scoped<A: Actor>(
    mailbox: &Arc<Mailbox<A>>,
    picker: &mut LanePicker,
    actor: &mut A,
    started: Option<oneshot::Sender<Result<(), ActorError>>>,
) -> ExitReason {
    let mut ctx = Context::new(mailbox.clone());
    mailbox.lifecycle.set_state(ActorState::Starting);
    let start = match catch_panic(actor.started(&mut ctx)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.with_kind(FailureKind::StartFailed)),
        Err(panic) => Err(ActorError::from_panic(&*panic).with_kind(FailureKind::StartFailed)),
    };
    if let Some(tx) = started {
        let _ = tx.send(start.clone());
    }
    let reason = match start {
        Ok(()) => {
            mailbox.lifecycle.set_state(ActorState::Running);
            tracing::debug!(target: "actor_system::actor", actor = %mailbox.name, id = %mailbox.id, "started");
            let reason = handle_messages(mailbox, picker, actor, &mut ctx).await;
            mailbox.lifecycle.set_state(ActorState::Stopping);
            if !matches!(&reason, ExitReason::Failed(e) if e.kind() == FailureKind::Panic) {
                if let Err(panic) = catch_panic(actor.stopping(&mut ctx)).await {
                    tracing::warn!(target: "actor_system::actor", actor = %mailbox.name, "stopping hook panicked");
                    mailbox.stats.record_failure();
                    if !reason.is_failure() {
                        return finish(
                            actor,
                            &mut ctx,
                            ExitReason::Failed(ActorError::from_panic(&*panic)),
                        )
                        .await;
                    }
                }
            }
            reason
        }
        Err(e) => {
            mailbox.stats.record_failure();
            ExitReason::Failed(e)
        }
    };
    finish(actor, &mut ctx, reason).await
}

/// Cancel timers, stop children, run `stopped`.
async fn finish<A: Actor>(actor: &mut A, ctx: &mut Context<A>, reason: ExitReason) -> ExitReason {
    ctx.timers.cancel_all();
    for child in std::mem::take(&mut ctx.children) {
        child.shutdown().await;
    }
    if catch_panic(actor.stopped(&reason)).await.is_err() {
        tracing::warn!(target: "actor_system::actor", actor = %ctx.mailbox.name, "stopped hook panicked");
    }
    match &reason {
        ExitReason::Failed(e) => {
            tracing::warn!(target: "actor_system::actor", actor = %ctx.mailbox.name, error = %e, "actor failed")
        }
        _ => tracing::debug!(target: "actor_system::actor", actor = %ctx.mailbox.name, "stopped"),
    }
    reason
}

async fn handle_messages<A: Actor>(
    mailbox: &Arc<Mailbox<A>>,
    picker: &mut LanePicker,
    actor: &mut A,
    ctx: &mut Context<A>,
) -> ExitReason {
    let mut batch = 0u32;
    loop {
        if let Some(reason) = ctx.exit.take() {
            return reason;
        }
        let Some(env) = mailbox.pop(picker) else {
            if mailbox.senders.load(Ordering::Acquire) == 0 {
                return ExitReason::Normal;
            }
            batch = 0;
            poll_fn(|cx| mailbox.poll_ready(picker, cx)).await;
            continue;
        };
        batch += 1;
        if batch >= BATCH {
            batch = 0;
            tokio::task::yield_now().await;
        }
        let stamp = env.stamp;
        match env.payload {
            Payload::Control(control) => {
                if let Some(reason) = handle_control(mailbox, actor, ctx, *control).await {
                    return reason;
                }
            }
            Payload::Letter(letter) => {
                let info = stamp.info(letter.message_type());
                current::set_correlation(info.correlation_id);
                ctx.info = Some(info);
                let span = tracing::debug_span!(
                    target: "actor_system::actor",
                    "handle",
                    actor = %mailbox.name,
                    message = info.message_type,
                    correlation_id = ?info.correlation_id,
                );
                let begin = info.enqueued_at.map(|_| Instant::now());
                // Polled in place (no per-message allocation), inside the span, panics caught.
                let outcome = {
                    let mut handler = pin!(letter.handle(actor, ctx));
                    poll_fn(|cx| {
                        let _entered = span.enter();
                        match catch_unwind(AssertUnwindSafe(|| handler.as_mut().poll(cx))) {
                            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
                            Ok(Poll::Pending) => Poll::Pending,
                            Err(panic) => Poll::Ready(Err(panic)),
                        }
                    })
                    .await
                };
                ctx.info = None;
                match outcome {
                    Ok(()) => {
                        // Timed only for sampled messages (those with an enqueue instant).
                        let timing = info.enqueued_at.zip(begin).map(|(sent, begin)| {
                            (begin.saturating_duration_since(sent), begin.elapsed())
                        });
                        mailbox.stats.record_handled(info.priority, timing);
                    }
                    Err(panic) => {
                        mailbox.record_dead_letter(&info, DropReason::HandlerFailed);
                        // A handler that called `ctx.fail(e)` before unwinding fails with `e`.
                        let error = match ctx.exit.take() {
                            Some(ExitReason::Failed(e)) => e,
                            _ => {
                                mailbox.stats.record_failure();
                                ActorError::from_panic(&*panic)
                            }
                        };
                        tracing::error!(target: "actor_system::actor", actor = %mailbox.name, message = info.message_type, error = %error, "handler panicked");
                        return ExitReason::Failed(error);
                    }
                }
            }
        }
    }
}

/// Act on a timer tick or a control signal; `Some` ends the incarnation.
async fn handle_control<A: Actor>(
    mailbox: &Mailbox<A>,
    actor: &mut A,
    ctx: &mut Context<A>,
    control: Control,
) -> Option<ExitReason> {
    match control {
        Control::Signal(Signal::Stop) => Some(ExitReason::Normal),
        Control::Signal(Signal::SendersGone) => None,
        Control::Signal(Signal::Health(reply)) => {
            match catch_panic(actor.health_check(ctx)).await {
                Ok(status) => {
                    let _ = reply.send(status);
                    None
                }
                Err(panic) => {
                    mailbox.stats.record_failure();
                    Some(ExitReason::Failed(ActorError::from_panic(&*panic)))
                }
            }
        }
        Control::Signal(Signal::Fail(error)) => {
            mailbox.stats.record_failure();
            Some(ExitReason::Failed(error))
        }
        Control::Timer(id) => {
            match catch_unwind(AssertUnwindSafe(|| crate::timer::fire(actor, ctx, id))) {
                Ok(()) => None,
                Err(panic) => {
                    mailbox.stats.record_failure();
                    Some(ExitReason::Failed(ActorError::from_panic(&*panic)))
                }
            }
        }
    }
}
