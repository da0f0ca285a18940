//! Streams consumed by an actor (actix's `StreamHandler` and `ctx.add_stream`): each item is
//! handled with `&mut self`, in its turn in a lane, between the actor's messages.
//!
//! A stream is polled by a *feeder*, a task of the actor's, which holds at most one item in the
//! mailbox at a time: it polls the next item only once the last one was handled (or dropped).
//! A stream is thus never read faster than the actor handles it, whatever the mailbox. The feeder
//! is a sender that can wait: a full bounded mailbox makes it wait for room (under
//! `Backpressure` and `Reject` alike), and only a policy that drops messages drops items (they
//! are then dead letters, as dropped messages are).

use crate::call::{self, post, Call, Posted};
use crate::envelope::{HandlerFuture, Letter, Stamp};
use crate::shared::Shared;
use crate::timer::ActorFuture;
use crate::{Actor, AskError, Context, Message, Priority, TimerHandle};
use futures_core::Stream;
use stackfuture::StackFuture;
use std::any::Any;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use tokio::sync::Notify;
use uuid::Uuid;

/// Handling of the items of a stream of `I`s (see [`Context::add_stream`]).
///
/// `started` runs before the first item, `finished` after the last one was handled (when the
/// stream ends; not when the actor stops, or the stream is cancelled, first). Unlike actix's,
/// the default `finished` does nothing: call `ctx.stop()` there to stop with the stream.
///
/// ```
/// use actor_system_runtime::{spawn, Actor, ActorResult, Context, Handler, Message, StreamHandler};
///
/// #[derive(Default)]
/// struct Network { peers: Vec<u64>, log: Vec<&'static str> }
///
/// enum SwarmEvent { Connected(u64), Disconnected(u64) }
///
/// impl Actor for Network {
///     async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
///         let events = futures::stream::iter([SwarmEvent::Connected(1), SwarmEvent::Connected(2),
///                                             SwarmEvent::Disconnected(1)]);
///         ctx.add_stream(events);
///         Ok(())
///     }
/// }
///
/// impl StreamHandler<SwarmEvent> for Network {
///     async fn started(&mut self, _: &mut Context<Self>) { self.log.push("started"); }
///     async fn handle(&mut self, event: SwarmEvent, _: &mut Context<Self>) {
///         match event {
///             SwarmEvent::Connected(peer) => self.peers.push(peer),
///             SwarmEvent::Disconnected(peer) => self.peers.retain(|p| *p != peer),
///         }
///     }
///     async fn finished(&mut self, _: &mut Context<Self>) { self.log.push("finished"); }
/// }
///
/// struct Peers;
/// impl Message for Peers { type Result = (Vec<u64>, Vec<&'static str>); }
/// impl Handler<Peers> for Network {
///     async fn handle(&mut self, _: Peers, _: &mut Context<Self>) -> (Vec<u64>, Vec<&'static str>) {
///         (self.peers.clone(), self.log.clone())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let network = spawn(Network::default()).await.unwrap();
/// loop {
///     let (peers, log) = network.ask(Peers).await.unwrap();
///     if log.len() == 2 {
///         assert_eq!((peers, log), (vec![2], vec!["started", "finished"]));
///         break;
///     }
///     tokio::task::yield_now().await;
/// }
/// # }
/// ```
pub trait StreamHandler<I: Send + 'static>: Actor {
    /// The lane of the items, unless [`add_stream_at`](Context::add_stream_at) says otherwise.
    const PRIORITY: Priority = Priority::Normal;

    /// Handle one item.
    fn handle(&mut self, item: I, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send;

    /// Runs before the first item (ahead of queued messages, as a lifecycle step).
    fn started(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// Runs once the stream has ended and its last item was handled (ahead of queued messages).
    fn finished(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }
}

/// Tells the feeder, by being dropped, that the item (or hook) it went with is done: handled,
/// or dropped unhandled (dead-lettered, left behind by a stopped actor, killed mid-way).
struct Done(Arc<Notify>);

impl Drop for Done {
    fn drop(&mut self) {
        // A permit if the feeder is not waiting yet: it finds it when it looks.
        self.0.notify_one();
    }
}

/// An item of a stream, queued for the actor.
struct Item<I> {
    item: I,
    done: Done,
}

impl<I: Send + 'static> Message for Item<I> {
    type Result = ();
}

pin_project_lite::pin_project! {
    /// The handler of an item, holding the item's [`Done`] until it is over.
    struct Handling<F> {
        #[pin]
        handler: F,
        done: Done,
    }
}

impl<F: Future<Output = ()>> Future for Handling<F> {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.project().handler.poll(cx)
    }
}

impl<A: StreamHandler<I>, I: Send + 'static> Letter<A> for Item<I> {
    fn handle<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandlerFuture<'a> {
        let Item { item, done } = *self;
        StackFuture::from_or_box(Handling {
            handler: actor.handle(item, ctx),
            done,
        })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<I>()
    }

    fn correlation_id(&self) -> Option<Uuid> {
        None
    }

    fn sent(&self) -> Stamp {
        Stamp::plain(Priority::Critical)
    }

    fn reject(self: Box<Self>, _error: AskError, _keep: bool) -> Option<Box<dyn Any + Send>> {
        // The stream is the item's source, not a sender that could resend it.
        None
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// Streams consumed by the actor.
impl<A: Actor> Context<A> {
    /// Consume `stream`: each item is handled by the actor's [`StreamHandler`], in the lane it
    /// declares, in its turn among the actor's messages. A task of the actor's polls the stream
    /// and keeps at most one item in the mailbox, so the stream is never read faster than the
    /// actor handles it; a full bounded mailbox makes that task wait for room, and only an
    /// overflow policy that drops messages drops items (as dead letters). Cancelled by the handle
    /// or when the incarnation ends (a stop, a failure, a restart: add streams in `started`, so a
    /// new incarnation consumes its own). The stream does not keep the actor alive.
    pub fn add_stream<S>(&mut self, stream: S) -> TimerHandle
    where
        S: Stream + Send + 'static,
        S::Item: Send + 'static,
        A: StreamHandler<S::Item>,
    {
        self.add_stream_at(stream, <A as StreamHandler<S::Item>>::PRIORITY)
    }

    /// [`add_stream`](Self::add_stream) with the items in `priority`'s lane.
    pub fn add_stream_at<S>(&mut self, stream: S, priority: Priority) -> TimerHandle
    where
        S: Stream + Send + 'static,
        S::Item: Send + 'static,
        A: StreamHandler<S::Item>,
    {
        let shared = self.shared.clone();
        let incarnation = self.mailbox().stats.restarts();
        self.spawn(feed(shared, stream, priority, incarnation))
    }
}

/// Feed `stream` to the actor, one item in its mailbox at a time, between its two hooks.
async fn feed<A, S>(shared: Arc<Shared<A>>, stream: S, priority: Priority, incarnation: u64)
where
    A: StreamHandler<S::Item>,
    S: Stream + Send + 'static,
    S::Item: Send + 'static,
{
    let done = Arc::new(Notify::new());
    if !hook(&shared, &done, incarnation, Hook::Started).await {
        return;
    }
    let mut stream = pin!(stream);
    while let Some(item) = poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        let item = Item {
            item,
            done: Done(done.clone()),
        };
        let info = call::info(priority, std::any::type_name::<S::Item>(), None);
        let posted = post(&shared, item, info, true).await;
        // Whatever became of it, its `Done` goes once.
        done.notified().await;
        if posted == Posted::Closed {
            return;
        }
    }
    hook(&shared, &done, incarnation, Hook::Finished).await;
}

#[derive(Clone, Copy)]
enum Hook {
    Started,
    Finished,
}

/// Run a hook of the stream's handler on the actor and wait until it is done; `false` if the
/// actor has stopped. Hooks travel in the `Critical` lane: ahead of queued messages, and never
/// dropped by an overflow policy.
async fn hook<A, I>(shared: &Shared<A>, done: &Arc<Notify>, incarnation: u64, hook: Hook) -> bool
where
    A: StreamHandler<I>,
    I: Send + 'static,
{
    let guard = Done(done.clone());
    let call = Call::new(
        std::any::type_name::<I>(),
        move |actor: &mut A, ctx: &mut Context<A>| -> ActorFuture<'_> {
            Box::pin(async move {
                let _done = guard;
                match hook {
                    Hook::Started => StreamHandler::<I>::started(actor, ctx).await,
                    Hook::Finished => StreamHandler::<I>::finished(actor, ctx).await,
                }
            })
        },
    )
    .of_incarnation(incarnation);
    let info = call.info(Priority::Critical);
    let posted = post(shared, call, info, true).await;
    done.notified().await;
    posted != Posted::Closed
}
