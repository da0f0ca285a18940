//! Raw tokio's side of the shared shapes (`crate::systems::shapes`): each actor is a task
//! reading an unbounded channel, each ask a oneshot.

use super::{ask, counter_task, counter_unbounded, Msg};
use crate::systems::shapes::{Done, System};
use crate::workloads::Payload;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Raw tokio, as a [`System`].
pub struct Tokio;

/// The sink's messages.
pub enum SinkMsg<P> {
    Data(P),
    Received(oneshot::Sender<u64>),
}

/// A ring node's messages.
pub enum NodeMsg {
    /// The token, with the hops it has left.
    Token(u64),
    /// Close the ring: the node's next one.
    Link(mpsc::UnboundedSender<NodeMsg>),
}

/// A request to a chain actor: the number, and where to answer.
pub type ChainMsg = (u64, oneshot::Sender<u64>);

impl System for Tokio {
    type Counter = mpsc::UnboundedSender<Msg>;
    type Sink<P: Payload> = mpsc::UnboundedSender<SinkMsg<P>>;
    type Node = mpsc::UnboundedSender<NodeMsg>;
    type Chain = mpsc::UnboundedSender<ChainMsg>;
    /// The sender (dropped to stop the actor: its task ends once the channel is empty and
    /// closed) and the task.
    type Stoppable = (Option<mpsc::UnboundedSender<Msg>>, JoinHandle<()>);

    async fn counter() -> Self::Counter {
        counter_unbounded()
    }

    fn inc(counter: &Self::Counter) {
        counter.send(Msg::Inc).expect("running");
    }

    fn touch(counter: &Self::Counter) {
        counter.send(Msg::Touch).expect("running");
    }

    async fn bump(counter: &Self::Counter) -> u64 {
        ask(counter, Msg::Bump).await
    }

    async fn sink<P: Payload>() -> Self::Sink<P> {
        let (tx, mut rx) = mpsc::unbounded_channel::<SinkMsg<P>>();
        tokio::spawn(async move {
            let mut sum = 0u64;
            while let Some(msg) = rx.recv().await {
                match msg {
                    SinkMsg::Data(payload) => sum += u64::from(payload.last()),
                    SinkMsg::Received(reply) => {
                        let _ = reply.send(sum);
                    }
                }
            }
        });
        tx
    }

    fn tell_payload<P: Payload>(sink: &Self::Sink<P>, payload: P) {
        sink.send(SinkMsg::Data(payload)).expect("running");
    }

    async fn received<P: Payload>(sink: &Self::Sink<P>) -> u64 {
        ask(sink, SinkMsg::Received).await
    }

    async fn node(mut next: Option<Self::Node>, done: Done) -> Self::Node {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                match (msg, &next) {
                    (NodeMsg::Token(0), _) => done.send(()).expect("the driver waits"),
                    (NodeMsg::Token(left), Some(next)) => {
                        next.send(NodeMsg::Token(left - 1)).expect("running")
                    }
                    (NodeMsg::Token(_), None) => unreachable!("linked before the token starts"),
                    (NodeMsg::Link(to), _) => next = Some(to),
                }
            }
        });
        tx
    }

    async fn link(node: &Self::Node, next: Self::Node) {
        node.send(NodeMsg::Link(next)).expect("running");
    }

    fn pass(node: &Self::Node, hops: u64) {
        node.send(NodeMsg::Token(hops)).expect("running");
    }

    async fn hop(next: Option<Self::Chain>) -> Self::Chain {
        let (tx, mut rx) = mpsc::unbounded_channel::<ChainMsg>();
        tokio::spawn(async move {
            while let Some((x, reply)) = rx.recv().await {
                let answer = match &next {
                    Some(next) => ask(next, |r| (x, r)).await + 1,
                    None => x + 1,
                };
                let _ = reply.send(answer);
            }
        });
        tx
    }

    async fn ask_chain(chain: &Self::Chain, x: u64) -> u64 {
        ask(chain, |r| (x, r)).await
    }

    async fn stoppable() -> Self::Stoppable {
        let (tx, task) = counter_task();
        (Some(tx), task)
    }

    async fn stop(actor: &mut Self::Stoppable) {
        actor.0 = None;
    }

    async fn wait(actor: Self::Stoppable) {
        actor.1.await.expect("ended normally");
    }
}
