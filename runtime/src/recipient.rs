//! [`Recipient`]: a type-erased address for one message type.

use crate::{ActorId, Addr, AskError, DropReason, Handler, Message, Priority, SendError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Bound an ask by `timeout`. A zero timeout can never be met: it fails at once, without
/// sending (otherwise whether it succeeds would depend on the timer's resolution).
pub(crate) async fn with_timeout<T>(
    timeout: Duration,
    ask: impl Future<Output = Result<T, AskError>>,
) -> Result<T, AskError> {
    if timeout.is_zero() {
        return Err(AskError::Timeout(timeout));
    }
    tokio::time::timeout(timeout, ask)
        .await
        .unwrap_or(Err(AskError::Timeout(timeout)))
}

/// What a [`Recipient`] needs from the address behind it.
trait Deliver<M: Message>: Send + Sync {
    fn id(&self) -> ActorId;
    /// The lane the actor declares for `M` (see [`Handler::PRIORITY`]).
    fn lane(&self) -> Priority;
    fn is_alive(&self) -> bool;
    fn tell(
        &self,
        msg: M,
        priority: Option<Priority>,
        id: Option<Uuid>,
    ) -> Result<(), SendError<M>>;
    fn send(&self, msg: M, priority: Option<Priority>) -> BoxFuture<'_, Result<(), SendError<M>>>;
    fn ask(
        &self,
        msg: M,
        priority: Option<Priority>,
        id: Option<Uuid>,
    ) -> BoxFuture<'_, Result<M::Result, AskError>>;
    /// Count `msg` as undeliverable and publish it to the actor's dead letters.
    fn dead_letter(&self, msg: M, priority: Priority, reason: DropReason);
}

fn outgoing<A: Handler<M>, M: Message>(
    addr: &Addr<A>,
    priority: Option<Priority>,
) -> crate::Outgoing<'_, A> {
    match priority {
        Some(p) => addr.with_priority(p),
        None => addr.with_priority(<A as Handler<M>>::PRIORITY),
    }
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

    fn tell(
        &self,
        msg: M,
        priority: Option<Priority>,
        id: Option<Uuid>,
    ) -> Result<(), SendError<M>> {
        let out = outgoing::<A, M>(self, priority);
        match id {
            Some(id) => out.with_correlation_id(id).tell(msg),
            None => out.tell(msg),
        }
    }

    fn send(&self, msg: M, priority: Option<Priority>) -> BoxFuture<'_, Result<(), SendError<M>>> {
        Box::pin(outgoing::<A, M>(self, priority).send(msg))
    }

    fn ask(
        &self,
        msg: M,
        priority: Option<Priority>,
        id: Option<Uuid>,
    ) -> BoxFuture<'_, Result<M::Result, AskError>> {
        let out = outgoing::<A, M>(self, priority);
        match id {
            Some(id) => Box::pin(out.with_correlation_id(id).ask(msg)),
            None => Box::pin(out.ask(msg)),
        }
    }

    fn dead_letter(&self, msg: M, priority: Priority, reason: DropReason) {
        drop(msg);
        let info = crate::MessageInfo {
            priority,
            correlation_id: crate::current::inherited_correlation(),
            enqueued_at: None,
            message_type: std::any::type_name::<M>(),
        };
        self.mailbox().record_dead_letter(&info, reason);
    }
}

/// An address that accepts one message type, whatever the actor behind it.
///
/// Made with [`Addr::recipient`]. A recipient may carry its own priority (see
/// [`with_priority`](Self::with_priority)), which is how a subscriber chooses the lane its events
/// arrive in. Recipients compare equal when they point at the same actor.
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

    /// Whether the actor still accepts messages.
    pub fn is_alive(&self) -> bool {
        self.target.is_alive()
    }

    /// See [`Addr::tell`].
    pub fn tell(&self, msg: M) -> Result<(), SendError<M>> {
        self.target.tell(msg, self.priority, None)
    }

    /// [`tell`](Self::tell) with an explicit correlation id.
    pub fn tell_correlated(&self, msg: M, id: Uuid) -> Result<(), SendError<M>> {
        self.target.tell(msg, self.priority, Some(id))
    }

    /// See [`Addr::send`].
    pub async fn send(&self, msg: M) -> Result<(), SendError<M>> {
        self.target.send(msg, self.priority).await
    }

    /// See [`Addr::ask`].
    pub async fn ask(&self, msg: M) -> Result<M::Result, AskError> {
        self.target.ask(msg, self.priority, None).await
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
    pub async fn ask_correlated(&self, msg: M, id: Uuid) -> Result<M::Result, AskError> {
        self.target.ask(msg, self.priority, Some(id)).await
    }

    /// See [`Addr::ask_timeout`].
    pub async fn ask_timeout(&self, msg: M, timeout: Duration) -> Result<M::Result, AskError> {
        with_timeout(timeout, self.ask(msg)).await
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
        self.id() == other.id()
    }
}

impl<M: Message> Eq for Recipient<M> {}

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
