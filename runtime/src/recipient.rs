//! [`Recipient`]: a type-erased address for one message type.

use crate::envelope::MessageInfo;
use crate::waiting::{Refusal, Response, SendOptions, Target};
use crate::{ActorId, Addr, AskError, DropReason, Handler, Message, Priority, SendError, WeakAddr};
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a [`Recipient`] needs from the address behind it: a [`Target`] (whose one future is
/// boxed here, and awaited only when a full mailbox makes a sender wait), and a few more.
trait Deliver<M: Message>: Send + Sync {
    fn id(&self) -> ActorId;
    /// The lane the actor declares for `M` (see [`Handler::PRIORITY`]).
    fn lane(&self) -> Priority;
    fn is_alive(&self) -> bool;
    fn tell(&self, msg: M, options: SendOptions) -> Result<(), SendError<M>>;
    fn info(&self, options: &SendOptions) -> MessageInfo;
    fn try_tell(&self, msg: M, info: &MessageInfo) -> Result<(), Refusal<M>>;
    fn try_ask(&self, msg: M, info: &MessageInfo) -> Result<Response<M>, Refusal<M>>;
    fn waits_for_space(&self) -> bool;
    fn wait_for_space(&self) -> BoxFuture<'_, ()>;
    fn record_rejected(&self);
    /// Count `msg` as undeliverable and publish it to the actor's dead letters.
    fn dead_letter(&self, msg: M, priority: Priority, reason: DropReason);
    /// The same target, not counted as an address.
    fn downgrade(&self) -> Arc<dyn Revive<M>>;
}

/// What a [`WeakRecipient`] needs from the weak address behind it.
trait Revive<M: Message>: Send + Sync {
    fn id(&self) -> ActorId;
    /// See [`Deliver::lane`].
    fn lane(&self) -> Priority;
    fn is_alive(&self) -> bool;
    fn upgrade(&self) -> Option<Arc<dyn Deliver<M>>>;
    /// A tell while the actor lives, without taking an address.
    fn tell(&self, msg: M, options: SendOptions) -> Result<(), SendError<M>>;
}

impl<A: Handler<M>, M: Message> Deliver<M> for Addr<A> {
    fn id(&self) -> ActorId {
        Addr::id(self)
    }

    fn lane(&self) -> Priority {
        <A as Handler<M>>::PRIORITY
    }

    fn is_alive(&self) -> bool {
        Addr::is_alive(self)
    }

    fn tell(&self, msg: M, options: SendOptions) -> Result<(), SendError<M>> {
        let out = match options.priority {
            Some(p) => self.with_priority(p),
            None => self.with_priority(<A as Handler<M>>::PRIORITY),
        };
        match options.correlation_id {
            Some(id) => out.with_correlation_id(id).tell(msg),
            None => out.tell(msg),
        }
    }

    fn info(&self, options: &SendOptions) -> MessageInfo {
        Target::<M>::info(&*self.shared, options)
    }

    fn try_tell(&self, msg: M, info: &MessageInfo) -> Result<(), Refusal<M>> {
        self.shared.try_tell(msg, info)
    }

    fn try_ask(&self, msg: M, info: &MessageInfo) -> Result<Response<M>, Refusal<M>> {
        self.shared.try_ask(msg, info)
    }

    fn waits_for_space(&self) -> bool {
        Target::<M>::waits_for_space(&*self.shared)
    }

    fn wait_for_space(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.mailbox().wait_for_space())
    }

    fn record_rejected(&self) {
        Target::<M>::record_rejected(&*self.shared)
    }

    fn dead_letter(&self, msg: M, priority: Priority, reason: DropReason) {
        let info = crate::MessageInfo {
            priority,
            correlation_id: crate::current::inherited_correlation(),
            enqueued_at: None,
            message_type: std::any::type_name::<M>(),
        };
        self.mailbox().record_dead_letter(&info, reason, Some(msg));
    }

    fn downgrade(&self) -> Arc<dyn Revive<M>> {
        Arc::new(Addr::downgrade(self))
    }
}

impl<A: Handler<M>, M: Message> Revive<M> for WeakAddr<A> {
    fn id(&self) -> ActorId {
        WeakAddr::id(self)
    }

    fn lane(&self) -> Priority {
        <A as Handler<M>>::PRIORITY
    }

    fn is_alive(&self) -> bool {
        WeakAddr::is_alive(self)
    }

    fn upgrade(&self) -> Option<Arc<dyn Deliver<M>>> {
        WeakAddr::upgrade(self).map(|addr| Arc::new(addr) as Arc<dyn Deliver<M>>)
    }

    fn tell(&self, msg: M, options: SendOptions) -> Result<(), SendError<M>> {
        let Some(shared) = self.live() else {
            return Err(SendError::Stopped(msg));
        };
        let (priority, correlation_id) = options.route::<A, M>();
        crate::address::tell_to(&shared.mailbox, msg, priority, correlation_id)
    }
}

impl<M: Message> Target<M> for dyn Deliver<M> {
    fn actor_id(&self) -> ActorId {
        self.id()
    }

    fn info(&self, options: &SendOptions) -> MessageInfo {
        Deliver::info(self, options)
    }

    fn try_tell(&self, msg: M, info: &MessageInfo) -> Result<(), Refusal<M>> {
        Deliver::try_tell(self, msg, info)
    }

    fn try_ask(&self, msg: M, info: &MessageInfo) -> Result<Response<M>, Refusal<M>> {
        Deliver::try_ask(self, msg, info)
    }

    fn waits_for_space(&self) -> bool {
        Deliver::waits_for_space(self)
    }

    fn wait_for_space(&self) -> impl Future<Output = ()> + Send + '_ {
        Deliver::wait_for_space(self)
    }

    fn record_rejected(&self) {
        Deliver::record_rejected(self)
    }
}

/// An address that accepts one message type, whatever the actor behind it.
///
/// Made with [`Addr::recipient`]. A recipient may carry its own priority (see
/// [`with_priority`](Self::with_priority)), which is how a subscriber chooses the lane its events
/// arrive in.
///
/// Two recipients are equal, and hash alike, when they point at the same actor *and* send in the
/// same lane ([`priority`](Self::priority)): subscribing an actor twice, at two priorities, is
/// two subscriptions.
///
/// ```
/// use actor_system_runtime::{spawn, Actor, Context, Handler, Message, Priority, Recipient};
///
/// struct Logger;
/// impl Actor for Logger {}
/// struct Line(String);
/// impl Message for Line { type Result = usize; }
/// impl Handler<Line> for Logger {
///     async fn handle(&mut self, l: Line, _: &mut Context<Self>) -> usize { l.0.len() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let r: Recipient<Line> = spawn(Logger).await.unwrap().recipient();
/// let urgent = r.with_priority(Priority::High);
/// assert_eq!(urgent.ask(Line("abc".into())).await, Ok(3));
/// # }
/// ```
pub struct Recipient<M: Message> {
    target: Arc<dyn Deliver<M>>,
    priority: Option<Priority>,
}

impl<M: Message> Recipient<M> {
    pub(crate) fn new<A: Handler<M>>(addr: Addr<A>) -> Self {
        Recipient {
            target: Arc::new(addr),
            priority: None,
        }
    }

    /// The same recipient, sending at `priority` instead of the default lane.
    pub fn with_priority(&self, priority: Priority) -> Self {
        Recipient {
            target: self.target.clone(),
            priority: Some(priority),
        }
    }

    /// The priority this recipient sends at: its own, else the one the actor declares for `M`
    /// (see [`Handler::PRIORITY`]).
    pub fn priority(&self) -> Priority {
        self.priority.unwrap_or_else(|| self.target.lane())
    }

    /// The id of the actor behind it.
    pub fn id(&self) -> ActorId {
        self.target.id()
    }

    /// A [`WeakRecipient`] of the same actor, sending in the same lane: it does not keep the
    /// actor alive.
    pub fn downgrade(&self) -> WeakRecipient<M> {
        WeakRecipient {
            target: self.target.downgrade(),
            priority: self.priority,
        }
    }

    /// Whether the actor still accepts messages.
    pub fn is_alive(&self) -> bool {
        self.target.is_alive()
    }

    /// See [`Addr::tell`].
    pub fn tell(&self, msg: M) -> Result<(), SendError<M>> {
        self.tell_with(msg, None)
    }

    /// [`tell`](Self::tell) with an explicit correlation id.
    pub fn tell_correlated(&self, msg: M, id: Uuid) -> Result<(), SendError<M>> {
        self.tell_with(msg, Some(id))
    }

    fn tell_with(&self, msg: M, correlation_id: Option<Uuid>) -> Result<(), SendError<M>> {
        let options = SendOptions {
            priority: self.priority,
            correlation_id,
        };
        self.target.tell(msg, options)
    }

    /// See [`Addr::tell_when_ready`].
    pub fn tell_when_ready(
        &self,
        msg: M,
    ) -> impl Future<Output = Result<(), SendError<M>>> + Send + 'static {
        crate::waiting::tell_when_ready(self.target.clone(), self.options(), msg)
    }

    /// See [`Addr::send`]: actix's spelling of [`ask`](Self::ask).
    #[deprecated(
        note = "`send` is actix's name for a request that waits for the handler's reply: write `ask` (the same call). To wait only for room in a full mailbox, write `tell_when_ready`; to queue without waiting, `tell`."
    )]
    pub fn send(
        &self,
        msg: M,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static {
        self.ask(msg)
    }

    /// See [`Addr::ask`]. The future owns a handle of the actor: it can be spawned.
    pub fn ask(
        &self,
        msg: M,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static {
        crate::waiting::ask(self.target.clone(), self.options(), msg)
    }

    /// [`ask`](Self::ask) with an explicit correlation id (a request that arrived from another
    /// node keeps the id it was sent with).
    ///
    /// ```
    /// # use actor_system_runtime::{spawn, Actor, Context, Handler, Message, Recipient};
    /// struct Tracer;
    /// impl Actor for Tracer {}
    /// struct Which;
    /// impl Message for Which { type Result = Option<uuid::Uuid>; }
    /// impl Handler<Which> for Tracer {
    ///     async fn handle(&mut self, _: Which, ctx: &mut Context<Self>) -> Option<uuid::Uuid> {
    ///         ctx.correlation_id()
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let r: Recipient<Which> = spawn(Tracer).await.unwrap().recipient();
    /// let id = uuid::Uuid::new_v4();
    /// assert_eq!(r.ask_correlated(Which, id).await, Ok(Some(id)));
    /// # }
    /// ```
    pub fn ask_correlated(
        &self,
        msg: M,
        id: Uuid,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static {
        let options = SendOptions {
            priority: self.priority,
            correlation_id: Some(id),
        };
        crate::waiting::ask(self.target.clone(), options, msg)
    }

    /// See [`Addr::ask_timeout`].
    pub fn ask_timeout(
        &self,
        msg: M,
        timeout: Duration,
    ) -> impl Future<Output = Result<M::Result, AskError>> + Send + 'static {
        crate::waiting::with_timeout(timeout, self.ask(msg))
    }

    /// The options of a send from here: this recipient's priority, the correlation id
    /// inherited now.
    fn options(&self) -> SendOptions {
        SendOptions {
            priority: self.priority,
            correlation_id: None,
        }
        .inherited()
    }

    /// Count `msg` in the actor's dropped messages and publish it to its dead letters, as its
    /// mailbox does with what it drops (for a sender that can neither deliver it nor hand it back).
    pub(crate) fn dead_letter(&self, msg: M, reason: DropReason) {
        self.target.dead_letter(msg, self.priority(), reason)
    }
}

impl<M: Message> Clone for Recipient<M> {
    fn clone(&self) -> Self {
        Recipient {
            target: self.target.clone(),
            priority: self.priority,
        }
    }
}

impl<M: Message> PartialEq for Recipient<M> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id() && self.priority() == other.priority()
    }
}

impl<M: Message> Eq for Recipient<M> {}

/// Consistent with equality: the actor and the lane.
impl<M: Message> Hash for Recipient<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
        self.priority().hash(state);
    }
}

impl<M: Message> fmt::Debug for Recipient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipient")
            .field("id", &self.id())
            .field("message", &std::any::type_name::<M>())
            .field("priority", &self.priority())
            .finish()
    }
}

impl<A: Handler<M>, M: Message> From<Addr<A>> for Recipient<M> {
    fn from(addr: Addr<A>) -> Self {
        Recipient::new(addr)
    }
}

/// A [`Recipient`] that does not keep its actor alive (see [`WeakAddr`]): made with
/// [`Recipient::downgrade`]. An actor that keeps subscribers keeps these, so that a subscriber
/// nobody else holds stops.
///
/// [`tell`](Self::tell) sends while the actor lives, without taking an address (nothing is
/// allocated); [`upgrade`](Self::upgrade) gives a `Recipient` back. Equality and hashing are
/// those of the `Recipient`: the actor and the lane.
///
/// ```
/// use actor_system_runtime::{spawn, Actor, Context, Handler, Message, SendError};
///
/// struct Subscriber;
/// impl Actor for Subscriber {}
/// struct Block(u64);
/// impl Message for Block { type Result = (); }
/// impl Handler<Block> for Subscriber {
///     async fn handle(&mut self, _: Block, _: &mut Context<Self>) {}
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let subscriber = spawn(Subscriber).await.unwrap();
/// let weak = subscriber.recipient::<Block>().downgrade();
/// weak.tell(Block(1)).unwrap();
/// subscriber.stop_and_wait().await.unwrap();
/// assert!(matches!(weak.tell(Block(2)), Err(SendError::Stopped(_))));
/// assert!(weak.upgrade().is_none());
/// # }
/// ```
pub struct WeakRecipient<M: Message> {
    target: Arc<dyn Revive<M>>,
    priority: Option<Priority>,
}

impl<M: Message> WeakRecipient<M> {
    /// A [`Recipient`] of the actor, if it still accepts messages and has an address elsewhere.
    pub fn upgrade(&self) -> Option<Recipient<M>> {
        Some(Recipient {
            target: self.target.upgrade()?,
            priority: self.priority,
        })
    }

    /// See [`Recipient::tell`]; [`SendError::Stopped`] once the actor is gone or stopping.
    pub fn tell(&self, msg: M) -> Result<(), SendError<M>> {
        let options = SendOptions {
            priority: self.priority,
            correlation_id: None,
        };
        self.target.tell(msg, options)
    }

    /// The id of the actor behind it.
    pub fn id(&self) -> ActorId {
        self.target.id()
    }

    /// Whether [`upgrade`](Self::upgrade) would give a recipient now.
    pub fn is_alive(&self) -> bool {
        self.target.is_alive()
    }

    /// See [`Recipient::priority`].
    pub fn priority(&self) -> Priority {
        self.priority.unwrap_or_else(|| self.target.lane())
    }
}

impl<M: Message> Clone for WeakRecipient<M> {
    fn clone(&self) -> Self {
        WeakRecipient {
            target: self.target.clone(),
            priority: self.priority,
        }
    }
}

impl<M: Message> PartialEq for WeakRecipient<M> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id() && self.priority() == other.priority()
    }
}

impl<M: Message> Eq for WeakRecipient<M> {}

impl<M: Message> Hash for WeakRecipient<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
        self.priority().hash(state);
    }
}

impl<M: Message> fmt::Debug for WeakRecipient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakRecipient")
            .field("id", &self.id())
            .field("message", &std::any::type_name::<M>())
            .field("priority", &self.priority())
            .field("alive", &self.is_alive())
            .finish()
    }
}
