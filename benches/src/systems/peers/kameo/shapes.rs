//! kameo's side of the shared shapes (`crate::systems::shapes`), every mailbox unbounded.

use super::{counter, Bump, Counter, Inc, Touch};
use crate::systems::shapes::{Done, System};
use crate::workloads::Payload;
use kameo::actor::{ActorRef, Spawn};
use kameo::error::Infallible;
use kameo::mailbox;
use kameo::message::{Context, Message};
use kameo::Actor;
use std::marker::PhantomData;

/// kameo, as a [`System`].
pub struct Kameo;

/// Spawn `actor` on an unbounded mailbox.
fn start<A: Actor<Args = A>>(actor: A) -> ActorRef<A> {
    A::spawn_with_mailbox(actor, mailbox::unbounded())
}

/// Adds up the last byte of each payload `P` it is told.
pub struct Sink<P> {
    sum: u64,
    payload: PhantomData<fn(P)>,
}
impl<P: Payload> Actor for Sink<P> {
    type Args = Self;
    type Error = Infallible;
    async fn on_start(sink: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(sink)
    }
}

/// A payload told to a [`Sink`].
struct Data<P>(P);
impl<P: Payload> Message<Data<P>> for Sink<P> {
    type Reply = ();
    async fn handle(&mut self, msg: Data<P>, _: &mut Context<Self, Self::Reply>) {
        self.sum += u64::from(msg.0.last());
    }
}

/// The sum so far.
struct Received;
impl<P: Payload> Message<Received> for Sink<P> {
    type Reply = u64;
    async fn handle(&mut self, _: Received, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.sum
    }
}

/// A node of a ring.
#[derive(Actor)]
pub struct Node {
    next: Option<ActorRef<Node>>,
    done: Done,
}

/// The token, with the hops it has left.
struct Token(u64);
impl Message<Token> for Node {
    type Reply = ();
    async fn handle(&mut self, Token(left): Token, _: &mut Context<Self, Self::Reply>) {
        match &self.next {
            _ if left == 0 => self.done.send(()).expect("the driver waits"),
            Some(next) => next.tell(Token(left - 1)).try_send().expect("running"),
            None => unreachable!("a ring is linked before the token starts"),
        }
    }
}

/// Close the ring: the node's next one.
struct Link(ActorRef<Node>);
impl Message<Link> for Node {
    type Reply = ();
    async fn handle(&mut self, Link(next): Link, _: &mut Context<Self, Self::Reply>) {
        self.next = Some(next);
    }
}

/// An actor of a chain.
#[derive(Actor)]
pub struct Hop {
    next: Option<ActorRef<Hop>>,
}

/// A request through the chain.
struct Req(u64);
impl Message<Req> for Hop {
    type Reply = u64;
    async fn handle(&mut self, Req(x): Req, _: &mut Context<Self, Self::Reply>) -> u64 {
        match &self.next {
            Some(next) => next.ask(Req(x)).await.expect("reply") + 1,
            None => x + 1,
        }
    }
}

impl System for Kameo {
    type Counter = ActorRef<Counter>;
    type Sink<P: Payload> = ActorRef<Sink<P>>;
    type Node = ActorRef<Node>;
    type Chain = ActorRef<Hop>;
    type Stoppable = ActorRef<Counter>;

    async fn counter() -> Self::Counter {
        counter()
    }

    fn inc(counter: &Self::Counter) {
        counter.tell(Inc).try_send().expect("running");
    }

    fn touch(counter: &Self::Counter) {
        counter.tell(Touch).try_send().expect("running");
    }

    async fn bump(counter: &Self::Counter) -> u64 {
        counter.ask(Bump).await.expect("reply")
    }

    async fn sink<P: Payload>() -> Self::Sink<P> {
        start(Sink {
            sum: 0,
            payload: PhantomData,
        })
    }

    fn tell_payload<P: Payload>(sink: &Self::Sink<P>, payload: P) {
        sink.tell(Data(payload)).try_send().expect("running");
    }

    async fn received<P: Payload>(sink: &Self::Sink<P>) -> u64 {
        sink.ask(Received).await.expect("reply")
    }

    async fn node(next: Option<Self::Node>, done: Done) -> Self::Node {
        start(Node { next, done })
    }

    async fn link(node: &Self::Node, next: Self::Node) {
        node.ask(Link(next)).await.expect("linked");
    }

    fn pass(node: &Self::Node, hops: u64) {
        node.tell(Token(hops)).try_send().expect("running");
    }

    async fn hop(next: Option<Self::Chain>) -> Self::Chain {
        start(Hop { next })
    }

    async fn ask_chain(chain: &Self::Chain, x: u64) -> u64 {
        chain.ask(Req(x)).await.expect("reply")
    }

    async fn stoppable() -> Self::Stoppable {
        counter()
    }

    async fn stop(actor: &mut Self::Stoppable) {
        actor.stop_gracefully().await.expect("stopping");
    }

    async fn wait(actor: Self::Stoppable) {
        actor.wait_for_shutdown().await;
        assert!(!actor.is_alive());
    }
}
