//! What the actor's loop does besides handling letters: control items (timer ticks, signals),
//! health checks, the async timer callbacks and the futures an actor waits for
//! ([`Context::wait`](crate::Context::wait)).

use super::catch_panic;
use crate::envelope::{Control, Signal};
use crate::mailbox::Mailbox;
use crate::{current, timer, Actor, ActorError, Context, ExitReason, HealthReport};
use std::panic::{catch_unwind, AssertUnwindSafe};
use tokio::sync::oneshot;

/// What [`handle_control`] did with a control message.
pub(super) enum Controlled<A: Actor> {
    /// Handled; `Some` ends the incarnation.
    Done(Option<ExitReason>),
    /// A health check, for the runner to await.
    CheckHealth(oneshot::Sender<HealthReport>),
    /// An async timer callback, for the runner to await (see [`await_control`]). Boxed: the
    /// runner's match keeps room for this enum in every actor's task.
    Timer(Box<timer::Pending<A>>),
}

/// Act on a timer tick or a control signal (health checks are handed back: they await).
pub(super) fn handle_control<A: Actor>(
    mailbox: &Mailbox<A>,
    actor: &mut A,
    ctx: &mut Context<A>,
    control: Control,
) -> Controlled<A> {
    // A tick or a health check starts a causal chain of its own: what it sends does not carry
    // the id of the last message handled.
    current::set_correlation(None);
    Controlled::Done(match control {
        Control::Signal(Signal::Health(reply)) => return Controlled::CheckHealth(reply),
        Control::Signal(Signal::Drain) => {
            ctx.drain_and_stop();
            None
        }
        Control::Signal(Signal::Fail(error)) => {
            mailbox.record_failure();
            Some(ExitReason::Failed(error))
        }
        Control::Timer(tick) => {
            let id = tick.id;
            // The timer may queue its next tick from here on.
            drop(tick);
            match catch_unwind(AssertUnwindSafe(|| timer::fire(actor, ctx, id))) {
                Ok(Some(pending)) => return Controlled::Timer(Box::new(pending)),
                Ok(None) => None,
                Err(panic) => Some(panicked(mailbox, &*panic)),
            }
        }
    })
}

/// Run the actor's health check and send its answer with the mailbox's resources (the queue
/// warning applied); a panic ends the incarnation.
async fn health_check<A: Actor>(
    mailbox: &Mailbox<A>,
    actor: &mut A,
    ctx: &mut Context<A>,
    reply: oneshot::Sender<HealthReport>,
) -> Option<ExitReason> {
    match catch_panic(actor.health_check(ctx)).await {
        Ok(status) => {
            let _ = reply.send(mailbox.health_report(status));
            None
        }
        Err(panic) => Some(panicked(mailbox, &*panic)),
    }
}

/// A callback or hook panicked: the incarnation fails.
fn panicked<A: Actor>(mailbox: &Mailbox<A>, panic: &(dyn std::any::Any + Send)) -> ExitReason {
    mailbox.record_failure();
    ExitReason::Failed(ActorError::from_panic(panic))
}

/// Await what [`handle_control`] handed back: a health check or an async timer callback.
pub(super) async fn await_control<A: Actor>(
    mailbox: &Mailbox<A>,
    actor: &mut A,
    ctx: &mut Context<A>,
    controlled: Controlled<A>,
) -> Option<ExitReason> {
    match controlled {
        Controlled::Done(ended) => ended,
        Controlled::CheckHealth(reply) => health_check(mailbox, actor, ctx, reply).await,
        Controlled::Timer(pending) => {
            let ran = catch_panic(timer::run_pending(actor, ctx, *pending)).await;
            ran.err().map(|panic| panicked(mailbox, &*panic))
        }
    }
}

/// Await the futures the actor waits for ([`Context::wait`](crate::Context::wait)), one after
/// another, each followed by what runs on the actor after it; nothing else is handled meanwhile.
/// A panic, or a stop or failure asked for by what ran, ends the waiting (the caller's loop
/// sees the latter first).
pub(super) async fn run_waits<A: Actor>(
    mailbox: &Mailbox<A>,
    actor: &mut A,
    ctx: &mut Context<A>,
) -> Option<ExitReason> {
    // As for a tick: what the waits send starts a chain of its own.
    current::set_correlation(None);
    while let Some(wait) = ctx.extras.get().and_then(|t| t.waits.pop_front()) {
        let then = match catch_panic(wait).await {
            Ok(then) => then,
            Err(panic) => return Some(panicked(mailbox, &*panic)),
        };
        if let Some(then) = then {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| then(actor, ctx))) {
                return Some(panicked(mailbox, &*panic));
            }
        }
        if ctx.exit.is_some() {
            break;
        }
    }
    None
}
