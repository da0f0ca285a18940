//! actix's side of the shared shapes (`crate::systems::shapes`), on its own `System`. actix
//! handlers are not `async`: the chain's actors answer with a future (`Response::fut`), which
//! is how actix waits for another actor from a handler.

use super::{counter, on_actix, Bump, Counter, Inc, Stop, Touch};
use crate::systems::shapes::{Done, System};
use crate::workloads::Payload;
use actix::prelude::*;
use std::future::Future;
use std::marker::PhantomData;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// actix, as a [`System`].
pub struct Actix;

/// Adds up the last byte of each payload `P` it is told.
pub struct Sink<P> {
    sum: u64,
    payload: PhantomData<fn(P)>,
}
impl<P: Payload> Actor for Sink<P> {
    type Context = Context<Self>;
}

/// A payload told to a [`Sink`].
struct Data<P>(P);
impl<P: Payload> Message for Data<P> {
    type Result = ();
}
impl<P: Payload> Handler<Data<P>> for Sink<P> {
    type Result = ();
    fn handle(&mut self, msg: Data<P>, _: &mut Context<Self>) {
        self.sum += u64::from(msg.0.last());
    }
}

/// The sum so far.
#[derive(Message)]
#[rtype(result = "u64")]
struct Received;
impl<P: Payload> Handler<Received> for Sink<P> {
    type Result = u64;
    fn handle(&mut self, _: Received, _: &mut Context<Self>) -> u64 {
        self.sum
    }
}

/// A node of a ring.
pub struct Node {
    next: Option<Addr<Node>>,
    done: Done,
}
impl Actor for Node {
    type Context = Context<Self>;
}

/// The token, with the hops it has left.
#[derive(Message)]
#[rtype(result = "()")]
struct Token(u64);
impl Handler<Token> for Node {
    type Result = ();
    fn handle(&mut self, Token(left): Token, _: &mut Context<Self>) {
        match &self.next {
            _ if left == 0 => self.done.send(()).expect("the driver waits"),
            Some(next) => next.do_send(Token(left - 1)),
            None => unreachable!("a ring is linked before the token starts"),
        }
    }
}

/// Close the ring: the node's next one.
#[derive(Message)]
#[rtype(result = "()")]
struct Link(Addr<Node>);
impl Handler<Link> for Node {
    type Result = ();
    fn handle(&mut self, Link(next): Link, _: &mut Context<Self>) {
        self.next = Some(next);
    }
}

/// An actor of a chain.
pub struct Hop {
    next: Option<Addr<Hop>>,
}
impl Actor for Hop {
    type Context = Context<Self>;
}

/// A request through the chain.
#[derive(Message)]
#[rtype(result = "u64")]
struct Req(u64);
impl Handler<Req> for Hop {
    type Result = Response<u64>;
    fn handle(&mut self, Req(x): Req, _: &mut Context<Self>) -> Response<u64> {
        match &self.next {
            Some(next) => {
                let answer = next.send(Req(x));
                Response::fut(async move { answer.await.expect("reply") + 1 })
            }
            None => Response::reply(x + 1),
        }
    }
}

/// An actor of `spawn_stop_all`: actix has no handle to await an actor's end, so it reports
/// its end from its `stopped` hook.
pub struct Stoppable {
    ended: Option<oneshot::Sender<()>>,
}
impl Actor for Stoppable {
    type Context = Context<Self>;
    fn stopped(&mut self, _: &mut Context<Self>) {
        if let Some(ended) = self.ended.take() {
            let _ = ended.send(());
        }
    }
}
impl Handler<Stop> for Stoppable {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl System for Actix {
    type Counter = Addr<Counter>;
    type Sink<P: Payload> = Addr<Sink<P>>;
    type Node = Addr<Node>;
    type Chain = Addr<Hop>;
    type Stoppable = (Addr<Stoppable>, oneshot::Receiver<()>);

    fn block_on<F>(driver: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        on_actix(driver)
    }

    fn spawn<F>(task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        actix::spawn(task)
    }

    async fn counter() -> Self::Counter {
        counter()
    }

    fn inc(counter: &Self::Counter) {
        counter.do_send(Inc);
    }

    fn touch(counter: &Self::Counter) {
        counter.do_send(Touch);
    }

    async fn bump(counter: &Self::Counter) -> u64 {
        counter.send(Bump).await.expect("reply")
    }

    async fn sink<P: Payload>() -> Self::Sink<P> {
        Sink {
            sum: 0,
            payload: PhantomData,
        }
        .start()
    }

    fn tell_payload<P: Payload>(sink: &Self::Sink<P>, payload: P) {
        sink.do_send(Data(payload));
    }

    async fn received<P: Payload>(sink: &Self::Sink<P>) -> u64 {
        sink.send(Received).await.expect("reply")
    }

    async fn node(next: Option<Self::Node>, done: Done) -> Self::Node {
        Node { next, done }.start()
    }

    async fn link(node: &Self::Node, next: Self::Node) {
        node.send(Link(next)).await.expect("linked");
    }

    fn pass(node: &Self::Node, hops: u64) {
        node.do_send(Token(hops));
    }

    async fn hop(next: Option<Self::Chain>) -> Self::Chain {
        Hop { next }.start()
    }

    async fn ask_chain(chain: &Self::Chain, x: u64) -> u64 {
        chain.send(Req(x)).await.expect("reply")
    }

    async fn stoppable() -> Self::Stoppable {
        let (ended, on_end) = oneshot::channel();
        let actor = Stoppable { ended: Some(ended) }.start();
        (actor, on_end)
    }

    async fn stop(actor: &mut Self::Stoppable) {
        actor.0.do_send(Stop);
    }

    async fn wait(actor: Self::Stoppable) {
        actor.1.await.expect("stopped");
    }
}
