//! [`Addr`]: the typed, cloneable address of an actor, and [`Outgoing`]: a send with options.

use crate::envelope::{Envelope, MessageInfo, Signal, Stamp};
use crate::mailbox::{Admit, Mailbox, Refused, Slot};
use crate::shared::{InPlace, Shared};
use crate::{
    current, Actor, ActorId, ActorState, AskError, ExitReason, Handler, Message, Priority,
    Recipient, SendError, StatsSnapshot, StopError,
};
use std::fmt;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use uuid::Uuid;

/// Options of one send: priority and correlation id overrides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Lane to use instead of the default ([`Handler::PRIORITY`]: the message type's unless the
    /// actor declares another).
    pub priority: Option<Priority>,
    /// Correlation id to use instead of the inherited one.
    pub correlation_id: Option<Uuid>,
}

impl SendOptions {
    /// The lane and correlation id of a send of `M` to an `A` (a hot path: no `MessageInfo` is
    /// built). The lane is the one asked for, else the one `A` declares for `M`.
    #[inline]
    fn route<A: Handler<M>, M: Message>(&self) -> (Priority, Option<Uuid>) {
        (
            self.priority.unwrap_or(<A as Handler<M>>::PRIORITY),
            self.correlation_id.or_else(current::inherited_correlation),
        )
    }

    #[inline]
    fn info<A: Handler<M>, M: Message>(&self) -> MessageInfo {
        let (priority, correlation_id) = self.route::<A, M>();
        MessageInfo {
            priority,
            correlation_id,
            enqueued_at: crate::stats::sample_clock(priority),
            message_type: std::any::type_name::<M>(),
        }
    }
}

/// Take room for a message (waiting for it in a full `Backpressure` mailbox if `wait`):
/// `Ok(Some(slot))`, push into it; `Ok(None)`, the overflow policy dropped the message (it is a
/// dead letter already); `Err`, the mailbox is full or closed and the sender gets it back.
async fn admit<'a, A: Actor>(
    mailbox: &'a Mailbox<A>,
    info: &MessageInfo,
    wait: bool,
) -> Result<Option<Slot<'a, A>>, Refused> {
    loop {
        match try_admit(mailbox, info) {
            Err(Refused::Full) if wait && mailbox.applies_backpressure() => {
                mailbox.wait_for_space().await;
            }
            other => return other.inspect_err(|e| count_refusal(mailbox, *e)),
        }
    }
}

/// Count a full mailbox's refusal (the sender gets its message back).
fn count_refusal<A: Actor>(mailbox: &Mailbox<A>, refused: Refused) {
    if refused == Refused::Full {
        mailbox.stats.record_rejected();
    }
}

/// [`admit`] without waiting.
#[inline]
fn try_admit<'a, A: Actor>(
    mailbox: &'a Mailbox<A>,
    info: &MessageInfo,
) -> Result<Option<Slot<'a, A>>, Refused> {
    match mailbox.reserve(info.priority) {
        Ok(Admit::Slot(slot)) => Ok(Some(slot)),
        Ok(Admit::Drop(reason)) => {
            mailbox.record_dead_letter(info, reason);
            Ok(None)
        }
        Err(refused) => Err(refused),
    }
}

/// The sender's error for a message the mailbox refused.
fn refused<M: Message>(refused: Refused, msg: M) -> SendError<M> {
    match refused {
        Refused::Full => SendError::Full(msg),
        Refused::Closed => SendError::Stopped(msg),
    }
}

/// Push a tell into `slot`; if the mailbox closed meanwhile, hand the message back.
#[inline]
fn push<A: Actor, M: Message>(slot: Slot<'_, A>, env: Envelope<A>) -> Result<(), SendError<M>> {
    slot.push(env).map_err(|env| {
        SendError::Stopped(
            env.into_message()
                .expect("a letter built from M unwraps to M"),
        )
    })
}

/// Queue an ask into `slot` and return where its reply will arrive. An idle actor is run here
/// instead of being woken, if its drive allows (see [`Shared::ask_in_place`] and
/// [`Shared::run_or_wake`]): the asker waits for it next.
#[inline]
fn post_ask<A: Handler<M>, M: Message>(
    shared: &Shared<A>,
    slot: Slot<'_, A>,
    msg: M,
    info: &MessageInfo,
) -> Result<::oneshot::Receiver<Result<M::Result, AskError>>, AskError> {
    let (reply, response) = ::oneshot::channel();
    let envelope = Envelope::ask(info.stamp(), info.correlation_id, msg, reply);
    // Dropping a refused envelope dropped its reply sender: nothing to return but the error.
    let (slot, envelope) = match shared.ask_in_place(slot, envelope) {
        InPlace::Ran(handed) => return handed.map(|()| response).map_err(|_| AskError::Stopped),
        InPlace::NotIdle(slot, envelope) => (slot, envelope),
    };
    let wake = slot
        .push_owing_wake(envelope)
        .map_err(|_| AskError::Stopped)?;
    shared.run_or_wake(wake);
    Ok(response)
}

/// Queue `msg` in `priority`'s lane without waiting (see [`Addr::tell`]).
#[inline]
pub(crate) fn tell_to<A: Handler<M>, M: Message>(
    mailbox: &Mailbox<A>,
    msg: M,
    priority: Priority,
    correlation_id: Option<Uuid>,
) -> Result<(), SendError<M>> {
    let stamp = Stamp::new(priority, crate::stats::sample_clock(priority));
    if !mailbox.is_bounded() {
        let slot = mailbox.unbounded_slot();
        return push(slot, Envelope::tell(stamp, correlation_id, msg));
    }
    let info = stamp.info(std::any::type_name::<M>(), correlation_id);
    match try_admit(mailbox, &info) {
        Ok(Some(slot)) => push(slot, Envelope::tell(stamp, correlation_id, msg)),
        Ok(None) => Ok(()),
        Err(e) => {
            count_refusal(mailbox, e);
            Err(refused(e, msg))
        }
    }
}

/// The address of an actor of type `A`: send it any message it has a [`Handler`] for.
///
/// An address points at the actor's mailbox, which survives supervised restarts, so an address
/// stays valid for the life of the actor. When the last address is dropped the actor stops once
/// its mailbox is empty.
///
/// ```
/// use actor_system_runtime::{spawn, Actor, Context, Handler, Message, Priority};
///
/// struct Echo;
/// impl Actor for Echo {}
/// struct Say(&'static str);
/// impl Message for Say { type Result = String; }
/// impl Handler<Say> for Echo {
///     async fn handle(&mut self, msg: Say, _: &mut Context<Self>) -> String { msg.0.to_uppercase() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let addr = spawn(Echo).await.unwrap();
/// addr.tell(Say("fire and forget")).unwrap();
/// assert_eq!(addr.with_priority(Priority::Critical).ask(Say("hi")).await.unwrap(), "HI");
/// # }
/// ```
pub struct Addr<A: Actor> {
    pub(crate) shared: Arc<Shared<A>>,
}

impl<A: Actor> Addr<A> {
    pub(crate) fn new(shared: Arc<Shared<A>>) -> Self {
        shared
            .mailbox
            .lifecycle
            .addresses
            .fetch_add(1, Ordering::Relaxed);
        Addr { shared }
    }

    /// The actor's mailbox.
    #[inline]
    pub(crate) fn mailbox(&self) -> &Mailbox<A> {
        &self.shared.mailbox
    }

    /// The actor's id (stable across restarts).
    pub fn id(&self) -> ActorId {
        self.mailbox().id
    }

    /// The actor's name.
    pub fn name(&self) -> &str {
        self.mailbox().name()
    }

    /// Rust type name of the actor.
    pub fn actor_type(&self) -> &'static str {
        std::any::type_name::<A>()
    }

    /// Where the actor is in its life.
    pub fn state(&self) -> ActorState {
        self.mailbox().lifecycle.state()
    }

    /// Whether the actor still accepts messages.
    pub fn is_alive(&self) -> bool {
        !self.mailbox().is_closed()
    }

    /// A copy of the actor's counters and queue depths.
    pub fn stats(&self) -> StatsSnapshot {
        self.mailbox().stats_snapshot()
    }

    /// Fraction of a bounded mailbox in use (0.0 for unbounded ones).
    pub fn mailbox_saturation(&self) -> f64 {
        self.mailbox().saturation()
    }

    /// Send with a priority other than the default ([`Handler::PRIORITY`]).
    pub fn with_priority(&self, priority: Priority) -> Outgoing<'_, A> {
        self.outgoing().with_priority(priority)
    }

    /// Send with an explicit correlation id.
    pub fn with_correlation_id(&self, id: Uuid) -> Outgoing<'_, A> {
        self.outgoing().with_correlation_id(id)
    }

    fn outgoing(&self) -> Outgoing<'_, A> {
        Outgoing {
            addr: self,
            options: SendOptions::default(),
        }
    }

    /// Queue `msg` without waiting. Errors carry the message back when the actor has stopped or a
    /// bounded mailbox refuses it. Under a drop strategy a dropped message goes to dead letters.
    pub fn tell<M: Message>(&self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handler<M>,
    {
        self.outgoing().tell(msg)
    }

    /// Like [`tell`](Self::tell), but waits for space in a full `Backpressure` mailbox.
    pub fn send<M: Message>(
        &self,
        msg: M,
    ) -> impl Future<Output = Result<(), SendError<M>>> + Send + '_
    where
        A: Handler<M>,
    {
        self.outgoing().send(msg)
    }

    /// Send `msg` and wait for the handler's result. Never hangs on a dead actor: a stop, panic or
    /// drop resolves it with an [`AskError`].
    ///
    /// # Who runs the handler
    /// An ask that finds the actor idle (nothing queued, nobody running it) runs the handler
    /// right here, in the asking task, with the actor's runtime entered: no hand-off to the
    /// actor's task and back. Otherwise the request waits in its lane and the actor's own task
    /// handles it. So, by default, a handler must not rely on the task it runs in:
    /// - task-locals (`tokio::task_local!`) of the asker may be visible to it, and its own are
    ///   not kept between messages;
    /// - `tokio::task::block_in_place` needs its asker on a multi-thread worker;
    /// - a CPU-heavy handler runs on the asker's worker.
    ///
    /// An actor spawned with [`SpawnOptions::own_task_only`](crate::SpawnOptions::own_task_only)
    /// always runs on its own task. Either way an ask spends one unit of the asking task's
    /// cooperative budget, as a receive on a tokio channel does, and yields to the scheduler
    /// first when the budget is used up: a task that asks in a loop gives its worker back as
    /// often as one that receives from a channel in a loop.
    pub fn ask<M: Message>(
        &self,
        msg: M,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + '_
    where
        A: Handler<M>,
    {
        // Not an `async fn`: the send's own future is returned as is, not wrapped in another.
        self.outgoing().ask(msg)
    }

    /// [`ask`](Self::ask) with a deadline. A zero timeout fails at once without sending.
    pub async fn ask_timeout<M: Message>(
        &self,
        msg: M,
        timeout: Duration,
    ) -> Result<M::Result, AskError>
    where
        A: Handler<M>,
    {
        self.outgoing().ask_timeout(msg, timeout).await
    }

    /// A type-erased address for one message type.
    pub fn recipient<M: Message>(&self) -> Recipient<M>
    where
        A: Handler<M>,
    {
        Recipient::new(self.clone())
    }

    /// Ask the actor to stop after the message it is handling; queued messages are dead-lettered.
    /// The request travels ahead of all user messages and ignores capacity.
    pub fn stop(&self) {
        self.mailbox().request_stop();
    }

    /// [`stop`](Self::stop) the actor and [wait](Self::wait_for_stop) until it has stopped;
    /// returns why it stopped. An idle actor stops in the calling task (its `stopping` and
    /// `stopped` hooks run there, with the actor's runtime entered; if one of them waits for
    /// something, the actor's own task finishes the stop). When it returns, the actor's state is
    /// dropped (see [`wait_for_stop`](Self::wait_for_stop)).
    ///
    ///
    /// # Errors
    /// [`StopError::SelfWait`] when called by the actor itself, from one of its handlers or
    /// hooks (the stop is requested all the same): it could never return.
    ///
    /// ```
    /// use actor_system_runtime::{spawn, Actor, ExitReason};
    ///
    /// struct Storage;
    /// impl Actor for Storage {}
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let storage = spawn(Storage).await.unwrap();
    /// assert_eq!(storage.stop_and_wait().await, Ok(ExitReason::Normal));
    /// assert!(!storage.is_alive());
    /// # }
    /// ```
    pub async fn stop_and_wait(&self) -> Result<ExitReason, StopError> {
        if current::actor() == Some(self.mailbox().id) {
            self.mailbox().request_stop();
            return Err(StopError::SelfWait);
        }
        // The stop may run here: spend budget as an ask does.
        tokio::task::coop::consume_budget().await;
        self.shared.request_stop_and_run();
        Ok(self.shared.stopped().await)
    }

    /// Make the actor fail with `error` after the message it is handling, as if a handler had
    /// called [`Context::fail`](crate::Context::fail): for chaos testing and supervision tests.
    /// Travels ahead of user messages and ignores capacity.
    pub fn inject_failure(&self, error: crate::ActorError) {
        self.mailbox().push_signal(Signal::Fail(error));
    }

    /// Ask the actor for its health ([`Actor::health_check`]), ahead of its queued messages.
    /// A stopped actor answers `Err(Stopped)`; one stuck in a handler runs into `timeout`.
    pub async fn health_check(&self, timeout: Duration) -> Result<crate::HealthStatus, AskError> {
        let (reply, status) = oneshot::channel();
        self.mailbox().push_signal(Signal::Health(reply));
        crate::recipient::with_timeout(timeout, async {
            status.await.map_err(|_| AskError::Stopped)
        })
        .await
    }

    /// Abort the running incarnation at its next `.await`, failing it with `error`: for actors
    /// stuck in a handler (a health monitor or supervisor uses it). The hooks `stopping` and
    /// `stopped` do not run; the ask being handled resolves with `NoReply`; queued messages stay
    /// queued for a restart (or are dead-lettered when the actor ends).
    /// A handler that blocks its thread without awaiting cannot be killed.
    pub fn kill(&self, error: crate::ActorError) {
        self.mailbox().kill(error);
    }

    /// Wait until the actor has stopped for good; returns why. An actor that was asked to stop
    /// and has not got to it yet stops in the waiting task, as with
    /// [`stop_and_wait`](Self::stop_and_wait).
    ///
    /// When this returns, the actor's `stopped` hook has run and the actor, its context and its
    /// task's future have been dropped: whatever they held (a file, a port, a database) is
    /// released and can be opened again.
    ///
    /// # Errors
    /// [`StopError::SelfWait`] when called by the actor itself, from one of its handlers or
    /// hooks: it could never return.
    pub async fn wait_for_stop(&self) -> Result<ExitReason, StopError> {
        if current::actor() == Some(self.mailbox().id) {
            return Err(StopError::SelfWait);
        }
        // The stop may run here: spend budget as an ask does.
        tokio::task::coop::consume_budget().await;
        self.shared.help_stop();
        Ok(self.shared.stopped().await)
    }
}

impl<A: Actor> Clone for Addr<A> {
    fn clone(&self) -> Self {
        Addr::new(self.shared.clone())
    }
}

impl<A: Actor> Drop for Addr<A> {
    fn drop(&mut self) {
        if (self.mailbox().lifecycle.addresses).fetch_sub(1, Ordering::AcqRel) == 1 {
            self.mailbox().senders_gone();
        }
    }
}

impl<A: Actor> PartialEq for Addr<A> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<A: Actor> Eq for Addr<A> {}

impl<A: Actor> std::hash::Hash for Addr<A> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state)
    }
}

impl<A: Actor> fmt::Debug for Addr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Addr")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("state", &self.state())
            .finish()
    }
}

/// A send to an [`Addr`] with options; see [`Addr::with_priority`].
///
/// ```
/// # use actor_system_runtime::{spawn, Actor, Context, Handler, Message, Priority};
/// # struct Chain; impl Actor for Chain {}
/// # struct Produce; impl Message for Produce { type Result = (); }
/// # impl Handler<Produce> for Chain { async fn handle(&mut self, _: Produce, _: &mut Context<Self>) {} }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let chain = spawn(Chain).await.unwrap();
/// let id = uuid::Uuid::new_v4();
/// chain.with_priority(Priority::Critical).with_correlation_id(id).tell(Produce).unwrap();
/// # }
/// ```
pub struct Outgoing<'a, A: Actor> {
    addr: &'a Addr<A>,
    options: SendOptions,
}

impl<A: Actor> Outgoing<'_, A> {
    /// Use `priority`'s lane.
    pub fn with_priority(mut self, priority: Priority) -> Self {
        self.options.priority = Some(priority);
        self
    }

    /// Use `id` as correlation id.
    pub fn with_correlation_id(mut self, id: Uuid) -> Self {
        self.options.correlation_id = Some(id);
        self
    }

    /// See [`Addr::tell`].
    pub fn tell<M: Message>(self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handler<M>,
    {
        let (priority, correlation_id) = self.options.route::<A, M>();
        tell_to(self.addr.mailbox(), msg, priority, correlation_id)
    }

    /// See [`Addr::send`].
    pub async fn send<M: Message>(self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handler<M>,
    {
        let info = self.options.info::<A, M>();
        let mailbox = self.addr.mailbox();
        match admit(mailbox, &info, true).await {
            Ok(Some(slot)) => push(slot, Envelope::tell(info.stamp(), info.correlation_id, msg)),
            Ok(None) => Ok(()),
            Err(e) => Err(refused(e, msg)),
        }
    }

    /// See [`Addr::ask`].
    pub async fn ask<M: Message>(self, msg: M) -> Result<M::Result, AskError>
    where
        A: Handler<M>,
    {
        let shared = &self.addr.shared;
        let mailbox = &shared.mailbox;
        if current::actor() == Some(mailbox.id) {
            return Err(AskError::SelfAsk);
        }
        // An ask spends a unit of the asking task's cooperative budget, as a receive on a tokio
        // channel does, and yields first when the budget is used up: an ask answered in place
        // never waits, and a task asking in a loop would otherwise never give its worker back.
        tokio::task::coop::consume_budget().await;
        let info = self.options.info::<A, M>();
        let response = if !mailbox.is_bounded() {
            // Unbounded: no room to wait for before the reply.
            post_ask(shared, mailbox.unbounded_slot(), msg, &info)?
        } else {
            match admit(mailbox, &info, true).await {
                Ok(Some(slot)) => post_ask(shared, slot, msg, &info)?,
                Ok(None) => return Err(AskError::Dropped),
                Err(Refused::Full) => return Err(AskError::Full),
                Err(Refused::Closed) => return Err(AskError::Stopped),
            }
        };
        response.await.unwrap_or(Err(AskError::NoReply))
    }

    /// See [`Addr::ask_timeout`].
    pub async fn ask_timeout<M: Message>(
        self,
        msg: M,
        timeout: Duration,
    ) -> Result<M::Result, AskError>
    where
        A: Handler<M>,
    {
        crate::recipient::with_timeout(timeout, self.ask(msg)).await
    }
}
