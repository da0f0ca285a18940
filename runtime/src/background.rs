//! Futures tied to an actor (actix's `ctx.spawn`, `ctx.wait`, `ResponseActFuture`): run beside
//! the actor, or before its next message, and cancelled when its incarnation ends.

use crate::call::{post, Call};
use crate::extras::Then;
use crate::timer::ActorFuture;
use crate::{Actor, Context, Handler, Message, Priority, TimerHandle};
use std::future::Future;

/// Futures tied to the actor.
///
/// A future started with [`spawn`](Context::spawn) and its kin runs on a task of its own, beside
/// the actor: the handler that started it returns at once, and the actor goes on with its
/// messages (a `Critical` one does not wait behind a `Background` handler's slow I/O). Its
/// output comes back to the actor as a call with `&mut self`
/// ([`spawn_then`](Context::spawn_then)) or as a message
/// ([`spawn_notify`](Context::spawn_notify)), in its turn in a lane like any message. A future
/// started with [`wait`](Context::wait) instead holds the actor: no other message is handled
/// until it is done.
///
/// All of them are cancelled (dropped at their next poll) when the incarnation that started them
/// ends: a stop, a failure, a restart. An output that arrives after a restart is discarded. They
/// do not keep the actor alive: an actor stops when its last address is dropped, whatever it
/// still runs.
impl<A: Actor> Context<A> {
    /// Run `fut` beside the actor, on a task of its own; nothing comes back. Cancelled by the
    /// handle or when the incarnation ends.
    pub fn spawn<F>(&mut self, fut: F) -> TimerHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let token = self.extras.child_token();
        let cancelled = token.clone();
        tokio::spawn(async move {
            tokio::select! {
                biased;
                _ = cancelled.cancelled() => {}
                _ = fut => {}
            }
        });
        TimerHandle::new(token)
    }

    /// Run `fut` beside the actor (see [`spawn`](Self::spawn)), then `then` on the actor with
    /// its output, with `&mut self`: actix's `fut.into_actor(self).map(..)`. The call waits its
    /// turn in the lane of the message being handled (`Normal` outside a handler), like any
    /// message, and continues its correlation id. A full mailbox makes it wait for room,
    /// whatever the overflow policy; a policy that drops messages may drop it (it is then a dead
    /// letter under the output's type).
    ///
    /// ```
    /// use actor_system_runtime::{spawn, Actor, Context, Handler, Message, Priority};
    /// use std::time::Duration;
    ///
    /// #[derive(Default)]
    /// struct Storage { loaded: Option<u64>, pings: u32 }
    /// impl Actor for Storage {}
    ///
    /// struct Load;
    /// impl Message for Load { type Result = (); const PRIORITY: Priority = Priority::Background; }
    /// impl Handler<Load> for Storage {
    ///     async fn handle(&mut self, _: Load, ctx: &mut Context<Self>) {
    ///         // Slow I/O beside the actor: the handler returns at once.
    ///         let read = async { tokio::time::sleep(Duration::from_millis(20)).await; 42 };
    ///         ctx.spawn_then(read, |storage, _ctx, rows| storage.loaded = Some(rows));
    ///     }
    /// }
    /// struct Ping;
    /// impl Message for Ping { type Result = Option<u64>; const PRIORITY: Priority = Priority::Critical; }
    /// impl Handler<Ping> for Storage {
    ///     async fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> Option<u64> {
    ///         self.pings += 1;
    ///         self.loaded
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let storage = spawn(Storage::default()).await.unwrap();
    /// storage.tell(Load).unwrap();
    /// assert_eq!(storage.ask(Ping).await, Ok(None)); // answered while the read runs
    /// while storage.ask(Ping).await != Ok(Some(42)) {
    ///     tokio::time::sleep(Duration::from_millis(5)).await;
    /// }
    /// # }
    /// ```
    pub fn spawn_then<F, C>(&mut self, fut: F, then: C) -> TimerHandle
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        C: FnOnce(&mut A, &mut Context<A>, F::Output) + Send + 'static,
    {
        let priority = self.continuation_lane();
        self.spawn_call(fut, priority, move |output| {
            move |actor: &mut A, ctx: &mut Context<A>| -> ActorFuture<'_> {
                then(actor, ctx, output);
                Box::pin(std::future::ready(()))
            }
        })
    }

    /// Run `fut` beside the actor (see [`spawn`](Self::spawn)) and send its output to the actor
    /// as a message, handled by its `Handler<F::Output>` in the lane the actor declares for it.
    /// Delivered as [`spawn_then`](Self::spawn_then)'s call is.
    pub fn spawn_notify<F>(&mut self, fut: F) -> TimerHandle
    where
        F: Future + Send + 'static,
        F::Output: Message,
        A: Handler<F::Output>,
    {
        let priority = <A as Handler<F::Output>>::PRIORITY;
        self.spawn_call(fut, priority, move |output| {
            move |actor: &mut A, ctx: &mut Context<A>| -> ActorFuture<'_> {
                let handled = actor.handle(output, ctx);
                Box::pin(async move {
                    handled.await;
                })
            }
        })
    }

    /// Spawn `fut` and post the call `call(output)` makes, in `priority`'s lane, for this
    /// incarnation only.
    fn spawn_call<F, C, R>(&mut self, fut: F, priority: Priority, call: C) -> TimerHandle
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        C: FnOnce(F::Output) -> R + Send + 'static,
        R: for<'a> FnOnce(&'a mut A, &'a mut Context<A>) -> ActorFuture<'a> + Send + 'static,
    {
        let shared = self.shared.clone();
        let incarnation = self.mailbox().stats.restarts();
        let correlation_id = self.correlation_id();
        self.spawn(async move {
            let output = fut.await;
            let call = Call::new(std::any::type_name::<F::Output>(), call(output))
                .of_incarnation(incarnation)
                .correlated(correlation_id);
            let info = call.info(priority);
            post(&shared, call, info, false).await;
        })
    }

    /// The lane of a continuation: the message being handled's, else `Normal`.
    fn continuation_lane(&self) -> Priority {
        self.handling
            .map_or(Priority::Normal, |(stamp, _)| stamp.priority())
    }

    /// Wait for `fut` before the next message: no other message is handled until it is done
    /// (actix's `ctx.wait`). It starts once the current handler (or hook, or callback) returns;
    /// several run one after another. A stop request takes effect once it is done; a kill, or
    /// the end of the incarnation, drops it.
    ///
    /// ```
    /// use actor_system_runtime::{spawn, Actor, ActorResult, Context, Handler, Message};
    ///
    /// struct Engine { synced: bool }
    /// impl Actor for Engine {
    ///     async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
    ///         // Nothing is handled before the sync is done.
    ///         ctx.wait_then(async { tokio::task::yield_now().await }, |engine, _ctx, ()| {
    ///             engine.synced = true;
    ///         });
    ///         Ok(())
    ///     }
    /// }
    /// struct Synced;
    /// impl Message for Synced { type Result = bool; }
    /// impl Handler<Synced> for Engine {
    ///     async fn handle(&mut self, _: Synced, _: &mut Context<Self>) -> bool { self.synced }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = spawn(Engine { synced: false }).await.unwrap();
    /// assert_eq!(engine.ask(Synced).await, Ok(true));
    /// # }
    /// ```
    pub fn wait<F>(&mut self, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.extras.table().waits.push_back(Box::pin(async move {
            fut.await;
            None
        }));
    }

    /// [`wait`](Self::wait) for `fut`, then run `then` on the actor with its output, before the
    /// next message.
    pub fn wait_then<F, C>(&mut self, fut: F, then: C)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        C: FnOnce(&mut A, &mut Context<A>, F::Output) + Send + 'static,
    {
        self.extras.table().waits.push_back(Box::pin(async move {
            let output = fut.await;
            let then: Then<A> = Box::new(move |actor, ctx| then(actor, ctx, output));
            Some(then)
        }));
    }
}
