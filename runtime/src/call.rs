//! Calls: letters the runtime makes itself, to run something on the actor between its messages
//! with `&mut self`: the continuation of a future the actor spawned
//! ([`Context::spawn_then`](crate::Context::spawn_then)), an item or a hook of a stream it
//! consumes ([`Context::add_stream`](crate::Context::add_stream)).
//!
//! A call waits its turn in a lane like any message. Its sender is background work of the actor
//! (a spawned task, a stream's feeder) that can wait, so [`post`] waits for room in a full mailbox
//! whatever the overflow policy; a policy that drops messages drops calls too (they are dead
//! letters, under the name of what they carry).

use crate::address::try_post;
use crate::envelope::{HandlerFuture, Letter, MessageInfo, Stamp};
use crate::shared::Shared;
use crate::timer::ActorFuture;
use crate::waiting::Refusal;
use crate::{Actor, AskError, Context, Message, Priority};
use stackfuture::StackFuture;
use std::any::Any;
use std::marker::PhantomData;
use uuid::Uuid;

/// A call: `run` on the actor, by the incarnation `incarnation` only if set (a continuation of
/// an incarnation's future is void once it ended).
pub(crate) struct Call<A, F> {
    run: F,
    incarnation: Option<u64>,
    name: &'static str,
    correlation_id: Option<Uuid>,
    actor: PhantomData<fn(&mut A)>,
}

impl<A, F> Call<A, F>
where
    A: Actor,
    F: for<'a> FnOnce(&'a mut A, &'a mut Context<A>) -> ActorFuture<'a> + Send + 'static,
{
    /// A call named `name` (in logs and dead letters: the type of what it carries).
    pub(crate) fn new(name: &'static str, run: F) -> Self {
        Call {
            run,
            incarnation: None,
            name,
            correlation_id: None,
            actor: PhantomData,
        }
    }

    /// Only for the incarnation numbered `incarnation` (its restarts so far).
    pub(crate) fn of_incarnation(mut self, incarnation: u64) -> Self {
        self.incarnation = Some(incarnation);
        self
    }

    /// Continue the chain of correlation id `id`.
    pub(crate) fn correlated(mut self, id: Option<Uuid>) -> Self {
        self.correlation_id = id;
        self
    }

    /// Where it goes: `priority`'s lane (see [`post`]).
    pub(crate) fn info(&self, priority: Priority) -> MessageInfo {
        info(priority, self.name, self.correlation_id)
    }
}

impl<A, F> Message for Call<A, F>
where
    A: Actor,
    F: Send + 'static,
{
    type Result = ();
}

impl<A, F> Letter<A> for Call<A, F>
where
    A: Actor,
    F: for<'a> FnOnce(&'a mut A, &'a mut Context<A>) -> ActorFuture<'a> + Send + 'static,
{
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a> {
        let stale = self
            .incarnation
            .is_some_and(|i| i != ctx.mailbox().stats.restarts());
        if stale {
            return StackFuture::from(std::future::ready(()));
        }
        StackFuture::from_or_box((self.run)(actor, ctx))
    }

    fn message_type(&self) -> &'static str {
        self.name
    }

    fn correlation_id(&self) -> Option<Uuid> {
        self.correlation_id
    }

    fn sent(&self) -> Stamp {
        Stamp::plain(Priority::Critical)
    }

    fn reject(self: Box<Self>, _error: AskError, _keep: bool) -> Option<Box<dyn Any + Send>> {
        None
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// What became of a posted call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Posted {
    /// Queued (or run already, in the poster's task).
    Queued,
    /// Dropped by the mailbox's overflow policy: a dead letter.
    Dropped,
    /// The actor has stopped for good.
    Closed,
}

/// What a letter the runtime makes is, for dead letters and the handler's `message_info`.
pub(crate) fn info(
    priority: Priority,
    name: &'static str,
    correlation_id: Option<Uuid>,
) -> MessageInfo {
    MessageInfo {
        priority,
        correlation_id,
        enqueued_at: crate::stats::sample_clock(priority),
        message_type: name,
    }
}

/// Queue `letter` (a call, a stream's item) as `info` says, waiting for room in a full mailbox
/// whatever its policy. `here`: the poster waits for the letter next (a stream's feeder), so an
/// idle actor handles it in the poster's task, as for an ask.
pub(crate) async fn post<A, L>(
    shared: &Shared<A>,
    letter: L,
    info: MessageInfo,
    here: bool,
) -> Posted
where
    A: Actor,
    L: Letter<A> + Message,
{
    let mut letter = letter;
    loop {
        match try_post(shared, letter, &info, here) {
            Ok(()) => return Posted::Queued,
            Err(Refusal::Full(back)) => {
                letter = back;
                shared.mailbox.wait_for_space().await;
            }
            Err(Refusal::Dropped) => return Posted::Dropped,
            Err(Refusal::Stopped(_) | Refusal::Closed) => return Posted::Closed,
        }
    }
}
