//! [`MockActor`]: an actor that answers chosen message types with canned replies.

use crate::{spawn, Actor, ActorError, Addr, Context, Handler, Message, SpawnError};
use parking_lot::Mutex;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

type Reply<M> = Box<dyn FnMut(M) -> <M as Message>::Result + Send>;

enum Behaviour {
    /// A `Reply<M>` behind `Any`.
    Reply(Box<dyn Any + Send>),
    /// Fail the actor with this error.
    Fail(ActorError),
}

/// Per-message-type call counts of a mock, shared with the test.
#[derive(Clone, Default)]
pub struct MockCalls(Arc<Mutex<HashMap<TypeId, usize>>>);

impl MockCalls {
    /// How many `M` the mock has received.
    pub fn of<M: Message>(&self) -> usize {
        self.0.lock().get(&TypeId::of::<M>()).copied().unwrap_or(0)
    }
}

/// An actor built from canned behaviours; it handles every message type, answering those with a
/// configured reply and failing on the others (or on those configured to fail).
///
/// ```
/// use actor_system_runtime::{Message, AskError, testing::MockActor};
///
/// struct GetBalance;
/// impl Message for GetBalance { type Result = Result<u64, String>; }
/// struct Withdraw(u64);
/// impl Message for Withdraw { type Result = (); }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (mock, calls) = MockActor::builder()
///     .reply(|_: GetBalance| Ok(100))
///     .spawn()
///     .await
///     .unwrap();
/// assert_eq!(mock.ask(GetBalance).await, Ok(Ok(100)));
/// assert_eq!(calls.of::<GetBalance>(), 1);
/// // No behaviour for Withdraw: the mock fails, and the ask says so.
/// assert_eq!(mock.ask(Withdraw(5)).await, Err(AskError::NoReply));
/// # }
/// ```
pub struct MockActor {
    behaviours: HashMap<TypeId, Behaviour>,
    calls: MockCalls,
}

/// Builds a [`MockActor`].
#[derive(Default)]
pub struct MockBuilder {
    behaviours: HashMap<TypeId, Behaviour>,
}

impl MockActor {
    /// Start describing a mock.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }
}

impl MockBuilder {
    /// Answer every `M` with `reply(msg)` (return an `Err` for a canned error).
    pub fn reply<M: Message>(mut self, reply: impl FnMut(M) -> M::Result + Send + 'static) -> Self {
        let reply: Reply<M> = Box::new(reply);
        self.behaviours
            .insert(TypeId::of::<M>(), Behaviour::Reply(Box::new(reply)));
        self
    }

    /// Fail the actor with `error` when an `M` arrives (for supervision tests).
    pub fn fail_on<M: Message>(mut self, error: ActorError) -> Self {
        self.behaviours
            .insert(TypeId::of::<M>(), Behaviour::Fail(error));
        self
    }

    /// The mock, and the handle to its call counts.
    pub fn build(self) -> (MockActor, MockCalls) {
        let calls = MockCalls::default();
        let mock = MockActor {
            behaviours: self.behaviours,
            calls: calls.clone(),
        };
        (mock, calls)
    }

    /// Build and spawn the mock.
    pub async fn spawn(self) -> Result<(Addr<MockActor>, MockCalls), SpawnError> {
        let (mock, calls) = self.build();
        Ok((spawn(mock).await?, calls))
    }
}

impl Actor for MockActor {}

impl<M: Message> Handler<M> for MockActor {
    async fn handle(&mut self, msg: M, ctx: &mut Context<Self>) -> M::Result {
        *self.calls.0.lock().entry(TypeId::of::<M>()).or_default() += 1;
        match self.behaviours.get_mut(&TypeId::of::<M>()) {
            Some(Behaviour::Reply(any)) => {
                let reply = any
                    .downcast_mut::<Reply<M>>()
                    .expect("behaviours are keyed by their message's TypeId");
                reply(msg)
            }
            Some(Behaviour::Fail(error)) => {
                // Fail the actor; the handler cannot produce an M::Result, so it unwinds and the
                // runtime turns that into the configured failure for the supervisor.
                ctx.fail(error.clone());
                std::panic::resume_unwind(Box::new(error.to_string()))
            }
            None => panic!(
                "MockActor has no behaviour for {}: add .reply::<{0}>(..) to the builder",
                std::any::type_name::<M>()
            ),
        }
    }
}
