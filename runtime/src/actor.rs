//! The [`Actor`] and [`Handler`] traits.

use crate::{ActorResult, Context, ExitReason, HealthStatus, Message, Priority};
use std::future::Future;

/// An actor: private state that handles one message at a time on its own tokio task.
///
/// All hooks are optional. `started` runs before the first message; an error from it (or a panic)
/// stops the actor and is returned by [`spawn`](crate::spawn). `stopping` runs when a stop begins,
/// `stopped` when the actor is finished, with the reason.
///
/// ```
/// use actor_system_runtime::{spawn, Actor, ActorResult, Context, Handler, Message};
///
/// struct Counter(u64);
/// impl Actor for Counter {
///     async fn started(&mut self, _ctx: &mut Context<Self>) -> ActorResult<()> {
///         self.0 = 10;
///         Ok(())
///     }
/// }
///
/// struct Add(u64);
/// impl Message for Add { type Result = u64; }
///
/// impl Handler<Add> for Counter {
///     async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
///         self.0 += msg.0;
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let addr = spawn(Counter(0)).await.unwrap();
/// assert_eq!(addr.ask(Add(5)).await, Ok(15));
/// # }
/// ```
pub trait Actor: Sized + Send + 'static {
    /// Runs once before the first message. Return an error to refuse to start.
    fn started(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ActorResult<()>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Runs when the actor begins to stop (requested stop, last address dropped, or failure of a
    /// handler other than a panic). Messages still queued are dead-lettered after it returns.
    fn stopping(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// Answer a health check (see [`Addr::health_check`](crate::Addr::health_check)). Runs
    /// between messages, ahead of queued ones. The default reports `Healthy`, or `Degraded`
    /// when a bounded mailbox is at least 90% full.
    fn health_check(
        &mut self,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = HealthStatus> + Send {
        let status = crate::health::default_status(ctx.mailbox_saturation());
        async move { status }
    }

    /// Runs last, with the reason the actor stopped.
    fn stopped(&mut self, reason: &ExitReason) -> impl Future<Output = ()> + Send {
        let _ = reason;
        async {}
    }
}

/// Handling of one message type. The handler may await; the actor handles nothing else meanwhile,
/// so `&mut self` needs no locks.
///
/// Implement it with `async fn handle(&mut self, msg: M, ctx: &mut Context<Self>) -> M::Result`.
///
/// An actor may declare the lane an `M` sent to it travels in, when the sender names none, with
/// `const PRIORITY`; it defaults to the message type's own [`Message::PRIORITY`]:
///
/// ```
/// use actor_system_runtime::{spawn, Actor, Context, Handler, Message, Priority};
///
/// struct Block(u64);
/// impl Message for Block { type Result = Priority; }
///
/// struct Consensus;
/// impl Actor for Consensus {}
/// impl Handler<Block> for Consensus {
///     const PRIORITY: Priority = Priority::Critical;
///     async fn handle(&mut self, _: Block, ctx: &mut Context<Self>) -> Priority {
///         ctx.message_info().unwrap().priority
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let consensus = spawn(Consensus).await.unwrap();
/// assert_eq!(consensus.ask(Block(1)).await, Ok(Priority::Critical));
/// assert_eq!(consensus.recipient::<Block>().priority(), Priority::Critical);
/// assert_eq!(consensus.with_priority(Priority::Background).ask(Block(2)).await, Ok(Priority::Background));
/// # }
/// ```
pub trait Handler<M: Message>: Actor {
    /// The lane of an `M` sent to this actor without a priority of its own (default: `M`'s).
    const PRIORITY: Priority = M::PRIORITY;

    /// Handle `msg`; the return value answers an `ask`.
    fn handle(&mut self, msg: M, ctx: &mut Context<Self>)
        -> impl Future<Output = M::Result> + Send;
}

/// An actor built from a configuration, by a constructor that may fail (the seed's `AlysActor`:
/// `type Config`, `fn new(config) -> ActorResult<Self>`, `fn actor_type()`).
///
/// A supervisor builds a fresh instance for every incarnation from the same configuration
/// (`ChildSpec::from_config` in the supervision crate): a constructor that fails is a failed
/// start, which goes through the child's restart policy and its supervisor's restart intensity
/// like a `started` hook that fails.
///
/// ```
/// use actor_system_runtime::{spawn, Actor, ActorError, ActorResult, FromConfig};
///
/// #[derive(Clone)]
/// struct StorageConfig { path: String }
///
/// struct Storage { path: String }
/// impl Actor for Storage {}
///
/// impl FromConfig for Storage {
///     type Config = StorageConfig;
///     fn new(config: StorageConfig) -> ActorResult<Self> {
///         if config.path.is_empty() {
///             return Err(ActorError::fatal("no data directory: set StorageConfig::path"));
///         }
///         Ok(Storage { path: config.path })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert_eq!(Storage::actor_type(), "Storage");
/// let config = StorageConfig { path: "/var/lib/alys".into() };
/// let storage = spawn(Storage::new(config).unwrap()).await.unwrap();
/// assert!(Storage::new(StorageConfig { path: String::new() }).is_err());
/// # }
/// ```
pub trait FromConfig: Actor {
    /// What the actor is built from; cloned for every incarnation.
    type Config: Clone + Send + Sync + 'static;

    /// Build an instance. An error is a failed start.
    fn new(config: Self::Config) -> ActorResult<Self>;

    /// The actor's kind, for logs (default: the type's name without its module path).
    fn actor_type() -> &'static str {
        crate::mailbox::short_type_name::<Self>()
    }
}
