//! [`Addr`]: the typed, cloneable address of an actor, and [`Outgoing`]: a send with options.

use crate::envelope::{Envelope, Letter, MessageInfo, Signal, Stamp};
use crate::mailbox::{Admit, Mailbox, Refused, Slot};
use crate::shared::{InPlace, Shared};
use crate::waiting::{Refusal, Response, SendOptions, Target};
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

/// Take room for `msg` (a slot of the mailbox) and report what to do with it.
/// `Ok(Some((slot, msg)))`: push it into the slot; `Ok(None)`: the overflow policy dropped it
/// (already dead-lettered, carrying `msg` while dead letters are observed).
#[inline]
pub(crate) fn try_admit<'a, A: Actor, M: Message>(
    mailbox: &'a Mailbox<A>,
    msg: M,
    info: &MessageInfo,
) -> Result<Option<(Slot<'a, A>, M)>, SendError<M>> {
    try_admit_carrying(mailbox, msg, info, true)
}

/// [`try_admit`]; `carry`: whether the dead letter of a dropped message carries it (not for a
/// letter the runtime made, which a subscriber could not resend).
#[inline]
pub(crate) fn try_admit_carrying<'a, A: Actor, M: Message>(
    mailbox: &'a Mailbox<A>,
    msg: M,
    info: &MessageInfo,
    carry: bool,
) -> Result<Option<(Slot<'a, A>, M)>, SendError<M>> {
    match mailbox.reserve(info.priority) {
        Ok(Admit::Slot(slot)) => Ok(Some((slot, msg))),
        Ok(Admit::Drop(reason)) => {
            mailbox.record_dead_letter(info, reason, carry.then_some(msg));
            Ok(None)
        }
        Err(Refused::Full) => Err(SendError::Full(msg)),
        Err(Refused::Closed) => Err(SendError::Stopped(msg)),
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
) -> Result<Response<M>, AskError> {
    let (reply, response) = ::oneshot::channel();
    let envelope = Envelope::ask(info.stamp(), info.correlation_id, msg, reply);
    // Dropping a refused envelope dropped its reply sender: nothing to return but the error.
    post_here(shared, slot, envelope).map_err(|_| AskError::Stopped)?;
    Ok(response)
}

/// Queue `envelope` into `slot` for a caller that waits for it next: an idle actor is run here
/// instead of being woken, if its drive allows (see [`post_ask`]). Hands the envelope back if
/// the mailbox is closed.
#[inline]
fn post_here<A: Actor>(
    shared: &Shared<A>,
    slot: Slot<'_, A>,
    envelope: Envelope<A>,
) -> Result<(), Envelope<A>> {
    let (slot, envelope) = match shared.ask_in_place(slot, envelope) {
        // The actor was idle and ours to run: it handled the envelope right here.
        InPlace::Ran(handed) => return handed,
        InPlace::NotIdle(slot, envelope) => (slot, envelope),
    };
    let wake = slot.push_owing_wake(envelope)?;
    shared.run_or_wake(wake);
    Ok(())
}

/// Queue `letter`, one the runtime made itself (see the `call` module), if there is room.
/// `here`: its sender waits for it next, so an idle actor is run in the sender's task, as for
/// an ask.
pub(crate) fn try_post<A: Actor, L: Letter<A> + Message>(
    shared: &Shared<A>,
    letter: L,
    info: &MessageInfo,
    here: bool,
) -> Result<(), Refusal<L>> {
    let (slot, letter) = admitted(try_admit_carrying(&shared.mailbox, letter, info, false))?;
    let envelope = Envelope::made(info.stamp(), letter);
    let posted = if here {
        post_here(shared, slot, envelope)
    } else {
        slot.push(envelope)
    };
    posted.map_err(|env| {
        Refusal::Stopped(
            env.into_message()
                .expect("a letter built from L unwraps to L"),
        )
    })
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
    let admitted = try_admit(mailbox, msg, &info).inspect_err(|e| {
        if let SendError::Full(_) = e {
            mailbox.stats.record_rejected();
        }
    })?;
    match admitted {
        Some((slot, msg)) => push(slot, Envelope::tell(stamp, correlation_id, msg)),
        None => Ok(()),
    }
}

impl<A: Handler<M>, M: Message> Target<M> for Shared<A> {
    fn actor_id(&self) -> ActorId {
        self.mailbox.id
    }

    #[inline]
    fn info(&self, options: &SendOptions) -> MessageInfo {
        options.info::<A, M>()
    }

    #[inline]
    fn try_tell(&self, msg: M, info: &MessageInfo) -> Result<(), Refusal<M>> {
        let (slot, msg) = admitted(try_admit(&self.mailbox, msg, info))?;
        push(slot, Envelope::tell(info.stamp(), info.correlation_id, msg))
            .map_err(|e| Refusal::Stopped(e.into_inner()))
    }

    #[inline]
    fn try_ask(&self, msg: M, info: &MessageInfo) -> Result<Response<M>, Refusal<M>> {
        let (slot, msg) = admitted(try_admit(&self.mailbox, msg, info))?;
        // A refused envelope is dropped, the message and the reply sender with it.
        post_ask(self, slot, msg, info).map_err(|_| Refusal::Closed)
    }

    fn waits_for_space(&self) -> bool {
        self.mailbox.applies_backpressure()
    }

    fn wait_for_space(&self) -> impl Future<Output = ()> + Send + '_ {
        self.mailbox.wait_for_space()
    }

    fn record_rejected(&self) {
        self.mailbox.stats.record_rejected();
    }
}

/// The slot and message of an admission, or why there are none.
#[inline]
fn admitted<S, M>(admission: Result<Option<(S, M)>, SendError<M>>) -> Result<(S, M), Refusal<M>> {
    match admission {
        Ok(Some(admitted)) => Ok(admitted),
        Ok(None) => Err(Refusal::Dropped),
        Err(SendError::Full(msg)) => Err(Refusal::Full(msg)),
        Err(SendError::Stopped(msg)) => Err(Refusal::Stopped(msg)),
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

    /// An address for `shared` whose count the caller has taken already (see
    /// [`WeakAddr::upgrade`](crate::WeakAddr::upgrade)).
    pub(crate) fn counted(shared: Arc<Shared<A>>) -> Self {
        Addr { shared }
    }

    /// A [`WeakAddr`](crate::WeakAddr) of the actor: it does not keep the actor alive.
    pub fn downgrade(&self) -> crate::WeakAddr<A> {
        crate::WeakAddr::new(&self.shared)
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

    /// Like [`tell`](Self::tell), but waits for room in a full `Backpressure` mailbox instead
    /// of returning [`SendError::Full`]. It waits for *room*, not for the handler: the future
    /// is ready once the message is queued. To wait for the handler's result, use
    /// [`ask`](Self::ask).
    ///
    /// The future owns a handle of the actor, so it can be spawned.
    ///
    /// ```
    /// use actor_system_runtime::{spawn_with, Actor, Context, Handler, MailboxConfig, Message, SpawnOptions};
    ///
    /// struct Storage { writes: u64 }
    /// impl Actor for Storage {}
    /// struct Write;
    /// impl Message for Write { type Result = (); }
    /// impl Handler<Write> for Storage {
    ///     async fn handle(&mut self, _: Write, _: &mut Context<Self>) { self.writes += 1; }
    /// }
    /// struct Writes;
    /// impl Message for Writes { type Result = u64; }
    /// impl Handler<Writes> for Storage {
    ///     async fn handle(&mut self, _: Writes, _: &mut Context<Self>) -> u64 { self.writes }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let opts = SpawnOptions::new().mailbox(MailboxConfig::bounded(2));
    /// let storage = spawn_with(Storage { writes: 0 }, opts).await.unwrap();
    /// for _ in 0..10 {
    ///     storage.tell_when_ready(Write).await.unwrap(); // waits while both slots are taken
    /// }
    /// assert_eq!(storage.ask(Writes).await, Ok(10));
    /// # }
    /// ```
    pub fn tell_when_ready<M: Message>(
        &self,
        msg: M,
    ) -> impl Future<Output = Result<(), SendError<M>>> + Send + 'static
    where
        A: Handler<M>,
    {
        self.outgoing().tell_when_ready(msg)
    }

    /// actix's spelling of [`ask`](Self::ask), kept so that ported code keeps its meaning: it
    /// waits for the handler's result, as actix's `send` does. Write `ask`.
    ///
    /// (It used to wait only for room in the mailbox: that is
    /// [`tell_when_ready`](Self::tell_when_ready) now.)
    #[deprecated(
        note = "`send` is actix's name for a request that waits for the handler's reply: write `ask` (the same call). To wait only for room in a full mailbox, write `tell_when_ready`; to queue without waiting, `tell`."
    )]
    pub fn send<M: Message>(
        &self,
        msg: M,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static
    where
        A: Handler<M>,
    {
        self.ask(msg)
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
    ///
    /// The future owns a handle of the actor (not a borrow of this address), so it can be
    /// spawned or joined with asks to other actors:
    ///
    /// ```
    /// # use actor_system_runtime::{spawn, Actor, Context, Handler, Message};
    /// # struct Peer(u64); impl Actor for Peer {}
    /// # struct Height; impl Message for Height { type Result = u64; }
    /// # impl Handler<Height> for Peer {
    /// #     async fn handle(&mut self, _: Height, _: &mut Context<Self>) -> u64 { self.0 }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let peer = spawn(Peer(7)).await.unwrap();
    /// let asking = tokio::spawn(peer.ask(Height));
    /// assert_eq!(asking.await.unwrap(), Ok(7));
    /// # }
    /// ```
    pub fn ask<M: Message>(
        &self,
        msg: M,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static
    where
        A: Handler<M>,
    {
        self.outgoing().ask(msg)
    }

    /// [`ask`](Self::ask) with a deadline. A zero timeout fails at once without sending.
    pub fn ask_timeout<M: Message>(
        &self,
        msg: M,
        timeout: Duration,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static
    where
        A: Handler<M>,
    {
        self.outgoing().ask_timeout(msg, timeout)
    }

    /// A type-erased address for one message type.
    pub fn recipient<M: Message>(&self) -> Recipient<M>
    where
        A: Handler<M>,
    {
        Recipient::new(self.clone())
    }

    /// Stop now: after the message it is handling. Queued messages are not handled: they are
    /// dead-lettered (their asks resolve with [`AskError::Stopped`]), or, for a supervised
    /// actor, left for its next incarnation if its supervisor restarts it. To handle them
    /// first, use [`drain_and_stop`](Self::drain_and_stop). The request travels ahead of all user
    /// messages and ignores capacity.
    pub fn stop(&self) {
        self.mailbox().request_stop();
    }

    /// Stop gracefully: handle the messages queued now, then stop. The drain is bounded by what
    /// is queued when the actor takes the request (ahead of queued messages): messages sent
    /// after that, in any lane, are not waited for; they are dead-lettered when the actor stops
    /// (left for a restart, for a supervised actor), as with [`stop`](Self::stop). A
    /// [`stop`](Self::stop) or a [`kill`](Self::kill) cuts a drain short. Wait for the end with
    /// [`wait_for_stop`](Self::wait_for_stop).
    ///
    /// ```
    /// use actor_system_runtime::{spawn, Actor, Context, ExitReason, Handler, Message};
    ///
    /// #[derive(Default)]
    /// struct Storage { pending: Vec<u64>, flushed: std::sync::Arc<std::sync::Mutex<Vec<u64>>> }
    /// impl Actor for Storage {
    ///     async fn stopping(&mut self, _: &mut Context<Self>) {
    ///         self.flushed.lock().unwrap().append(&mut self.pending); // flush at shutdown
    ///     }
    /// }
    /// struct Write(u64);
    /// impl Message for Write { type Result = (); }
    /// impl Handler<Write> for Storage {
    ///     async fn handle(&mut self, msg: Write, _: &mut Context<Self>) { self.pending.push(msg.0); }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let storage = Storage::default();
    /// let flushed = storage.flushed.clone();
    /// let storage = spawn(storage).await.unwrap();
    /// for height in 1..=3 {
    ///     storage.tell(Write(height)).unwrap();
    /// }
    /// storage.drain_and_stop();
    /// assert_eq!(storage.wait_for_stop().await, Ok(ExitReason::Normal));
    /// assert_eq!(*flushed.lock().unwrap(), [1, 2, 3]);
    /// # }
    /// ```
    pub fn drain_and_stop(&self) {
        self.mailbox().push_signal(Signal::Drain);
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
    /// A lane past the mailbox's queue warning makes a healthy answer `Degraded` (see
    /// [`MailboxConfig::with_queue_warning`](crate::MailboxConfig::with_queue_warning)); for
    /// the queue depths and memory as well, use [`health_report`](Self::health_report).
    pub async fn health_check(&self, timeout: Duration) -> Result<crate::HealthStatus, AskError> {
        self.health_report(timeout)
            .await
            .map(|report| report.status)
    }

    /// [`health_check`](Self::health_check), with the mailbox's resources when the check ran:
    /// queue depth per lane and memory. The check also sets the actor's gauges
    /// `actor_mailbox_queue_depth{priority}` and `actor_mailbox_bytes` while metrics are
    /// exported (see [`export_metrics`](crate::export_metrics)).
    ///
    /// ```
    /// use actor_system_runtime::{spawn_with, Actor, Context, Handler, HealthStatus, MailboxConfig,
    ///     Message, Priority, SpawnOptions};
    /// use std::time::Duration;
    ///
    /// struct Indexer;
    /// impl Actor for Indexer {}
    /// struct Index(u64);
    /// impl Message for Index { type Result = (); }
    /// impl Handler<Index> for Indexer {
    ///     async fn handle(&mut self, _: Index, _: &mut Context<Self>) {}
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let opts = SpawnOptions::new().mailbox(MailboxConfig::unbounded().with_queue_warning(2));
    /// let indexer = spawn_with(Indexer, opts).await.unwrap();
    /// let report = indexer.health_report(Duration::from_secs(1)).await.unwrap();
    /// assert_eq!(report.status, HealthStatus::Healthy);
    /// assert!(report.resources.mailbox_bytes > 0);
    ///
    /// // The indexer's task has not run yet (one thread, and this task has not awaited):
    /// // the check, ahead of the queue, finds the messages waiting.
    /// for height in 0..5 {
    ///     indexer.tell(Index(height)).unwrap();
    /// }
    /// let report = indexer.health_report(Duration::from_secs(1)).await.unwrap();
    /// let (lane, depth) = report.resources.deepest_lane().unwrap();
    /// assert_eq!(lane, Priority::Normal);
    /// assert!(depth > 2);
    /// assert!(matches!(report.status, HealthStatus::Degraded(why) if why.contains("normal lane")));
    /// # }
    /// ```
    pub async fn health_report(&self, timeout: Duration) -> Result<crate::HealthReport, AskError> {
        let (reply, report) = oneshot::channel();
        self.mailbox().push_signal(Signal::Health(reply));
        crate::waiting::with_timeout(timeout, async {
            report.await.map_err(|_| AskError::Stopped)
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

    /// See [`Addr::tell_when_ready`].
    pub fn tell_when_ready<M: Message>(
        self,
        msg: M,
    ) -> impl Future<Output = Result<(), SendError<M>>> + Send + 'static
    where
        A: Handler<M>,
    {
        let options = self.options.inherited();
        crate::waiting::tell_when_ready(self.addr.shared.clone(), options, msg)
    }

    /// See [`Addr::send`]: actix's spelling of [`ask`](Self::ask).
    #[deprecated(
        note = "`send` is actix's name for a request that waits for the handler's reply: write `ask` (the same call). To wait only for room in a full mailbox, write `tell_when_ready`; to queue without waiting, `tell`."
    )]
    pub fn send<M: Message>(
        self,
        msg: M,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static
    where
        A: Handler<M>,
    {
        self.ask(msg)
    }

    /// See [`Addr::ask`].
    pub fn ask<M: Message>(
        self,
        msg: M,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static
    where
        A: Handler<M>,
    {
        let options = self.options.inherited();
        crate::waiting::ask(self.addr.shared.clone(), options, msg)
    }

    /// See [`Addr::ask_timeout`].
    pub fn ask_timeout<M: Message>(
        self,
        msg: M,
        timeout: Duration,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static
    where
        A: Handler<M>,
    {
        crate::waiting::with_timeout(timeout, self.ask(msg))
    }
}
