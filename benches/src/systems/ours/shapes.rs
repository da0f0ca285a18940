//! actor_system's side of the shared shapes (`crate::systems::shapes`).

use super::{counter, Bump, Counter, Inc, Touch};
use crate::systems::shapes::{Done, System};
use crate::workloads::Payload;
use actor_system::prelude::*;
use std::marker::PhantomData;

/// actor_system, as a [`System`].
pub struct Ours;

/// Adds up the last byte of each payload `P` it is told.
pub struct Sink<P> {
    sum: u64,
    payload: PhantomData<fn(P)>,
}
impl<P: Payload> Actor for Sink<P> {}

/// A payload told to a [`Sink`].
#[derive(Message)]
struct Data<P: Payload>(P);
impl<P: Payload> Handler<Data<P>> for Sink<P> {
    async fn handle(&mut self, msg: Data<P>, _: &mut Context<Self>) {
        self.sum += u64::from(msg.0.last());
    }
}

/// The sum so far (in the normal lane, after the data told before it).
#[derive(Message)]
#[message(result = "u64")]
struct Received;
impl<P: Payload> Handler<Received> for Sink<P> {
    async fn handle(&mut self, _: Received, _: &mut Context<Self>) -> u64 {
        self.sum
    }
}

/// A node of a ring.
pub struct Node {
    next: Option<Addr<Node>>,
    done: Done,
}
impl Actor for Node {}

/// The token, with the hops it has left.
#[derive(Message)]
struct Token(u64);
impl Handler<Token> for Node {
    async fn handle(&mut self, Token(left): Token, _: &mut Context<Self>) {
        match &self.next {
            _ if left == 0 => self.done.send(()).expect("the driver waits"),
            Some(next) => next.tell(Token(left - 1)).expect("running"),
            None => unreachable!("a ring is linked before the token starts"),
        }
    }
}

/// Close the ring: the node's next one.
#[derive(Message)]
struct Link(Addr<Node>);
impl Handler<Link> for Node {
    async fn handle(&mut self, Link(next): Link, _: &mut Context<Self>) {
        self.next = Some(next);
    }
}

/// An actor of a chain.
pub struct Hop {
    next: Option<Addr<Hop>>,
}
impl Actor for Hop {}

/// A request through the chain.
#[derive(Message)]
#[message(result = "u64")]
struct Req(u64);
impl Handler<Req> for Hop {
    async fn handle(&mut self, Req(x): Req, _: &mut Context<Self>) -> u64 {
        match &self.next {
            Some(next) => next.ask(Req(x)).await.expect("reply") + 1,
            None => x + 1,
        }
    }
}

impl System for Ours {
    type Counter = Addr<Counter>;
    type Sink<P: Payload> = Addr<Sink<P>>;
    type Node = Addr<Node>;
    type Chain = Addr<Hop>;
    type Stoppable = Addr<Counter>;

    async fn counter() -> Self::Counter {
        counter(MailboxConfig::unbounded()).await
    }

    fn inc(counter: &Self::Counter) {
        counter.tell(Inc).expect("running");
    }

    fn touch(counter: &Self::Counter) {
        counter.tell(Touch).expect("running");
    }

    async fn bump(counter: &Self::Counter) -> u64 {
        counter.ask(Bump).await.expect("reply")
    }

    async fn sink<P: Payload>() -> Self::Sink<P> {
        let sink = Sink {
            sum: 0,
            payload: PhantomData,
        };
        spawn(sink).await.expect("sink starts")
    }

    fn tell_payload<P: Payload>(sink: &Self::Sink<P>, payload: P) {
        sink.tell(Data(payload)).expect("running");
    }

    async fn received<P: Payload>(sink: &Self::Sink<P>) -> u64 {
        sink.ask(Received).await.expect("reply")
    }

    async fn node(next: Option<Self::Node>, done: Done) -> Self::Node {
        spawn(Node { next, done }).await.expect("node starts")
    }

    async fn link(node: &Self::Node, next: Self::Node) {
        node.ask(Link(next)).await.expect("linked");
    }

    fn pass(node: &Self::Node, hops: u64) {
        node.tell(Token(hops)).expect("running");
    }

    async fn hop(next: Option<Self::Chain>) -> Self::Chain {
        spawn(Hop { next }).await.expect("hop starts")
    }

    async fn ask_chain(chain: &Self::Chain, x: u64) -> u64 {
        chain.ask(Req(x)).await.expect("reply")
    }

    async fn stoppable() -> Self::Stoppable {
        counter(MailboxConfig::unbounded()).await
    }

    async fn stop(actor: &mut Self::Stoppable) {
        actor.stop();
    }

    async fn wait(actor: Self::Stoppable) {
        assert_eq!(actor.wait_for_stop().await, Ok(ExitReason::Normal));
    }
}
