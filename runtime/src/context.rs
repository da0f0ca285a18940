//! [`Context`]: what a running actor can do besides handling its message.

use crate::envelope::{MessageInfo, Stamp};
use crate::extras::Extras;
use crate::mailbox::Mailbox;
use crate::shared::Shared;
use crate::spawn::{spawn_task, ChildLink, SpawnOptions};
use crate::{
    current, Actor, ActorError, ActorId, Addr, ExitReason, Handler, Message, SpawnError,
    StatsSnapshot,
};
use std::sync::Arc;
use uuid::Uuid;

/// The actor's view of itself while it runs: its address, the message being handled, stopping,
/// timers and child actors.
///
/// ```
/// use actor_system_runtime::{spawn, Actor, Context, Handler, Message};
/// use std::time::Duration;
///
/// struct Chain { height: u64 }
/// impl Actor for Chain {}
///
/// struct Produce;
/// impl Message for Produce { type Result = (); }
/// impl Handler<Produce> for Chain {
///     async fn handle(&mut self, _: Produce, ctx: &mut Context<Self>) {
///         self.height += 1;
///         if self.height == 3 {
///             ctx.stop();
///         } else {
///             ctx.notify_later(Produce, Duration::from_millis(10));
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let chain = spawn(Chain { height: 0 }).await.unwrap();
/// chain.tell(Produce).unwrap();
/// assert!(!chain.wait_for_stop().await.unwrap().is_failure());
/// # }
/// ```
pub struct Context<A: Actor> {
    pub(crate) shared: Arc<Shared<A>>,
    /// The message being handled: its stamp and type name.
    pub(crate) handling: Option<(Stamp, &'static str)>,
    pub(crate) exit: Option<ExitReason>,
    /// Timers, background work and waits: allocated on first use (see [`Extras`]).
    pub(crate) extras: Extras<A>,
    /// Boxed on first use: most actors have no children, and this sits in every actor's task
    /// (one word instead of a `Vec`'s three).
    #[allow(clippy::box_collection)]
    pub(crate) children: Option<Box<Vec<ChildLink>>>,
}

impl<A: Actor> Drop for Context<A> {
    /// Children still linked when a context is dropped without a graceful stop (a killed
    /// incarnation) are asked to stop.
    fn drop(&mut self) {
        for child in self.children.iter().flat_map(|c| c.iter()) {
            child.request_stop();
        }
    }
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(shared: Arc<Shared<A>>) -> Self {
        Context {
            shared,
            handling: None,
            exit: None,
            extras: Extras::new(),
            children: None,
        }
    }

    /// The actor's mailbox.
    #[inline]
    pub(crate) fn mailbox(&self) -> &Mailbox<A> {
        &self.shared.mailbox
    }

    /// A new address of this actor. Holding it keeps the actor alive, like any address.
    pub fn address(&self) -> Addr<A> {
        Addr::new(self.shared.clone())
    }

    /// A [`WeakAddr`](crate::WeakAddr) of this actor: hand it to whatever should reach the
    /// actor without keeping it alive (a peer, a subscription list).
    pub fn weak_address(&self) -> crate::WeakAddr<A> {
        crate::WeakAddr::new(&self.shared)
    }

    /// This actor's id.
    pub fn id(&self) -> ActorId {
        self.mailbox().id
    }

    /// This actor's name.
    pub fn name(&self) -> &str {
        self.mailbox().name()
    }

    /// A copy of this actor's counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.mailbox().stats_snapshot()
    }

    /// Fraction of a bounded mailbox in use (0.0 for unbounded ones).
    pub fn mailbox_saturation(&self) -> f64 {
        self.mailbox().saturation()
    }

    /// Priority, correlation id and enqueue time of the message being handled (`None` in
    /// lifecycle hooks and timer callbacks). The enqueue time is sampled to keep sending cheap:
    /// it is there for every `Critical` message and for one in
    /// [`TIMING_SAMPLE_EVERY`](crate::TIMING_SAMPLE_EVERY) others, `None` for the rest.
    pub fn message_info(&self) -> Option<MessageInfo> {
        // The runner published the message's correlation id as it started the handler.
        self.handling
            .map(|(stamp, message_type)| stamp.info(message_type, current::correlation()))
    }

    /// Correlation id of the message being handled; messages sent from this handler inherit it
    /// (one is created on first use if the message had none).
    pub fn correlation_id(&self) -> Option<Uuid> {
        self.handling?;
        current::inherited_correlation()
    }

    /// Stop after the current message. Queued messages are dead-lettered (for a supervised
    /// actor, left for its next incarnation, if its supervisor restarts it). To handle them
    /// first, [`drain_and_stop`](Self::drain_and_stop).
    pub fn stop(&mut self) {
        self.exit.get_or_insert(ExitReason::Normal);
    }

    /// Stop once the messages queued now are handled (see
    /// [`Addr::drain_and_stop`](crate::Addr::drain_and_stop)).
    pub fn drain_and_stop(&mut self) {
        let queued = self.mailbox().queue_depth();
        self.extras.table().drain.get_or_insert(queued);
    }

    /// Stop after the current message with a failure, for the supervisor to act on.
    pub fn fail(&mut self, error: ActorError) {
        self.mailbox().record_failure();
        self.exit = Some(ExitReason::Failed(error));
    }

    /// Whether a stop or failure was requested.
    pub fn is_stopping(&self) -> bool {
        self.exit.is_some()
    }

    /// Send `msg` to this actor itself, without waiting.
    pub fn notify<M: Message>(&self, msg: M) -> Result<(), crate::SendError<M>>
    where
        A: Handler<M>,
    {
        crate::address::tell_to(
            self.mailbox(),
            msg,
            <A as Handler<M>>::PRIORITY,
            self.correlation_id(),
        )
    }

    /// Spawn a child actor linked to this one: it is stopped (and awaited, up to its shutdown
    /// bound) when this actor stops. Waits until the child's `started` hook has succeeded.
    pub async fn spawn_child<B: Actor>(&mut self, child: B) -> Result<Addr<B>, SpawnError> {
        self.spawn_child_with(child, SpawnOptions::new()).await
    }

    /// [`spawn_child`](Self::spawn_child) with options.
    pub async fn spawn_child_with<B: Actor>(
        &mut self,
        child: B,
        options: SpawnOptions,
    ) -> Result<Addr<B>, SpawnError> {
        let options = options.default_dead_letters(self.mailbox().dead_letters.clone());
        let (addr, link) = spawn_task(child, options).await?;
        let children = self.children.get_or_insert_with(Box::default);
        children.retain(|c| !c.is_finished());
        children.push(link);
        Ok(addr)
    }
}
