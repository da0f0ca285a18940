//! ractor's side of the shared shapes (`crate::systems::shapes`). A ractor actor is a type
//! with a message enum and a separate state; asks are `call!` with a reply port.

use super::{counter, CounterMsg};
use crate::systems::shapes::{Done, System};
use crate::workloads::Payload;
use ractor::{call, Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::marker::PhantomData;
use tokio::task::JoinHandle;

/// ractor, as a [`System`].
pub struct Ractor;

/// Spawn `actor` with `args`, unnamed; its task is left to run.
async fn start<A: Actor>(actor: A, args: A::Arguments) -> ActorRef<A::Msg> {
    Actor::spawn(None, actor, args).await.expect("spawn").0
}

/// Adds up the last byte of each payload `P` it is told.
pub struct Sink<P>(PhantomData<fn(P)>);

/// The sink's messages.
pub enum SinkMsg<P> {
    Data(P),
    Received(RpcReplyPort<u64>),
}

impl<P: Payload> Actor for Sink<P> {
    type Msg = SinkMsg<P>;
    type State = u64;
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<Self::Msg>, _: ()) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }
    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        msg: SinkMsg<P>,
        sum: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SinkMsg::Data(payload) => *sum += u64::from(payload.last()),
            SinkMsg::Received(reply) => {
                let _ = reply.send(*sum);
            }
        }
        Ok(())
    }
}

/// A node of a ring.
pub struct Node;

/// A node's messages.
pub enum NodeMsg {
    /// The token, with the hops it has left.
    Token(u64),
    /// Close the ring: the node's next one.
    Link(ActorRef<NodeMsg>),
}

impl Actor for Node {
    type Msg = NodeMsg;
    /// The next node, and where to report the last hop.
    type State = (Option<ActorRef<NodeMsg>>, Done);
    type Arguments = Self::State;
    async fn pre_start(
        &self,
        _: ActorRef<NodeMsg>,
        state: Self::State,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(state)
    }
    async fn handle(
        &self,
        _: ActorRef<NodeMsg>,
        msg: NodeMsg,
        (next, done): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match (msg, &next) {
            (NodeMsg::Token(0), _) => done.send(()).expect("the driver waits"),
            (NodeMsg::Token(left), Some(next)) => next.cast(NodeMsg::Token(left - 1))?,
            (NodeMsg::Token(_), None) => unreachable!("a ring is linked before the token starts"),
            (NodeMsg::Link(to), _) => *next = Some(to),
        }
        Ok(())
    }
}

/// An actor of a chain.
pub struct Hop;

/// A request through the chain, and where to answer.
pub struct Req(u64, RpcReplyPort<u64>);

impl Actor for Hop {
    type Msg = Req;
    /// The next actor of the chain.
    type State = Option<ActorRef<Req>>;
    type Arguments = Self::State;
    async fn pre_start(
        &self,
        _: ActorRef<Req>,
        next: Self::State,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(next)
    }
    async fn handle(
        &self,
        _: ActorRef<Req>,
        Req(x, reply): Req,
        next: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let answer = match next {
            Some(next) => call!(next, Req, x)? + 1,
            None => x + 1,
        };
        let _ = reply.send(answer);
        Ok(())
    }
}

impl System for Ractor {
    type Counter = ActorRef<CounterMsg>;
    type Sink<P: Payload> = ActorRef<SinkMsg<P>>;
    type Node = ActorRef<NodeMsg>;
    type Chain = ActorRef<Req>;
    type Stoppable = (ActorRef<CounterMsg>, JoinHandle<()>);

    async fn counter() -> Self::Counter {
        counter().await.0
    }

    fn inc(counter: &Self::Counter) {
        counter.cast(CounterMsg::Inc).expect("running");
    }

    fn touch(counter: &Self::Counter) {
        counter.cast(CounterMsg::Touch).expect("running");
    }

    async fn bump(counter: &Self::Counter) -> u64 {
        call!(counter, CounterMsg::Bump).expect("reply")
    }

    async fn sink<P: Payload>() -> Self::Sink<P> {
        start(Sink(PhantomData), ()).await
    }

    fn tell_payload<P: Payload>(sink: &Self::Sink<P>, payload: P) {
        sink.cast(SinkMsg::Data(payload)).expect("running");
    }

    async fn received<P: Payload>(sink: &Self::Sink<P>) -> u64 {
        call!(sink, SinkMsg::Received).expect("reply")
    }

    async fn node(next: Option<Self::Node>, done: Done) -> Self::Node {
        start(Node, (next, done)).await
    }

    async fn link(node: &Self::Node, next: Self::Node) {
        node.cast(NodeMsg::Link(next)).expect("running");
    }

    fn pass(node: &Self::Node, hops: u64) {
        node.cast(NodeMsg::Token(hops)).expect("running");
    }

    async fn hop(next: Option<Self::Chain>) -> Self::Chain {
        start(Hop, next).await
    }

    async fn ask_chain(chain: &Self::Chain, x: u64) -> u64 {
        call!(chain, Req, x).expect("reply")
    }

    async fn stoppable() -> Self::Stoppable {
        counter().await
    }

    async fn stop(actor: &mut Self::Stoppable) {
        actor.0.stop(None);
    }

    async fn wait(actor: Self::Stoppable) {
        actor.1.await.expect("stopped");
    }
}
