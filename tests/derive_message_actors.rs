//! `#[derive(Message)]` through the facade path: the generated `Result` types and `PRIORITY`
//! values, and derived messages actually handled by a spawned actor with `ask`.

use actor_system::prelude::*;
use std::marker::PhantomData;

mod common;
use common::bounded;

// The README example.
struct Chain {
    height: u64,
}
impl Actor for Chain {}

#[derive(Message)]
#[message(result = "u64", priority = "critical")]
struct ProduceBlock;

impl Handler<ProduceBlock> for Chain {
    async fn handle(&mut self, _: ProduceBlock, _ctx: &mut Context<Self>) -> u64 {
        self.height += 1;
        self.height
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HealthStatus {
    Healthy,
}

// The example: a fallible reply type with a critical default lane.
#[derive(Message, Debug)]
#[message(result = "Result<HealthStatus, ActorError>", priority = "critical")]
struct HealthCheck;

impl Handler<HealthCheck> for Chain {
    async fn handle(
        &mut self,
        _: HealthCheck,
        _ctx: &mut Context<Self>,
    ) -> Result<HealthStatus, ActorError> {
        Ok(HealthStatus::Healthy)
    }
}

// An enum message with the default lane.
#[derive(Message, Debug)]
#[message(result = "u64")]
enum Query {
    Height,
    Plus(u64),
}

impl Handler<Query> for Chain {
    async fn handle(&mut self, msg: Query, _ctx: &mut Context<Self>) -> u64 {
        match msg {
            Query::Height => self.height,
            Query::Plus(n) => self.height + n,
        }
    }
}

// A generic message: the reply type depends on the parameter.
#[derive(Message)]
#[message(result = "Vec<T>", priority = "background")]
struct Repeat<T: Clone> {
    item: T,
    times: usize,
}

impl<T: Clone + Send + 'static> Handler<Repeat<T>> for Chain {
    async fn handle(&mut self, msg: Repeat<T>, _ctx: &mut Context<Self>) -> Vec<T> {
        vec![msg.item; msg.times]
    }
}

// actix-style definitions: `#[rtype(result = "T")]` and the shorthand `#[rtype(T)]`.
#[derive(Message)]
#[rtype(result = "Option<u64>")]
struct Checked(u64);

impl Handler<Checked> for Chain {
    async fn handle(&mut self, msg: Checked, _ctx: &mut Context<Self>) -> Option<u64> {
        self.height.checked_sub(msg.0)
    }
}

#[derive(Message)]
#[rtype(String)]
#[message(priority = "High")]
struct Describe<M>(PhantomData<M>);

impl<M: Send + 'static> Handler<Describe<M>> for Chain {
    async fn handle(&mut self, _: Describe<M>, _ctx: &mut Context<Self>) -> String {
        format!("{} at {}", std::any::type_name::<M>(), self.height)
    }
}

// No attributes at all: `()` reply on the normal lane.
#[derive(Message)]
struct Reset;

impl Handler<Reset> for Chain {
    async fn handle(&mut self, _: Reset, _ctx: &mut Context<Self>) {
        self.height = 0;
    }
}

/// Fails to compile unless `<M as Message>::Result` is exactly `R`.
fn result_is<M: Message<Result = R>, R>() {}

#[test]
fn generated_result_types_and_priorities() {
    result_is::<ProduceBlock, u64>();
    result_is::<HealthCheck, Result<HealthStatus, ActorError>>();
    result_is::<Query, u64>();
    result_is::<Repeat<String>, Vec<String>>();
    result_is::<Checked, Option<u64>>();
    result_is::<Describe<u8>, String>();
    result_is::<Reset, ()>();

    assert_eq!(ProduceBlock::PRIORITY, Priority::Critical);
    assert_eq!(HealthCheck::PRIORITY, Priority::Critical);
    assert_eq!(Query::PRIORITY, Priority::Normal);
    assert_eq!(<Repeat<u8> as Message>::PRIORITY, Priority::Background);
    assert_eq!(Checked::PRIORITY, Priority::Normal);
    assert_eq!(<Describe<u8> as Message>::PRIORITY, Priority::High);
    assert_eq!(Reset::PRIORITY, Priority::Normal);

    // The facade root path works as well as the prelude.
    assert_eq!(
        <ProduceBlock as actor_system::Message>::PRIORITY,
        actor_system::Priority::Critical
    );
}

#[tokio::test]
async fn derived_messages_are_handled_by_a_spawned_actor() {
    bounded(answers(), "the derived messages' answers").await;
}

/// Every derived message, asked of a spawned `Chain`.
async fn answers() {
    let chain = spawn(Chain { height: 0 }).await.unwrap();

    chain.tell(ProduceBlock).unwrap();
    assert_eq!(chain.ask(ProduceBlock).await, Ok(2));
    assert_eq!(chain.ask(HealthCheck).await, Ok(Ok(HealthStatus::Healthy)));
    assert_eq!(chain.ask(Query::Height).await, Ok(2));
    assert_eq!(chain.ask(Query::Plus(3)).await, Ok(5));
    assert_eq!(
        chain
            .ask(Repeat {
                item: "b",
                times: 2
            })
            .await,
        Ok(vec!["b", "b"])
    );
    assert_eq!(
        chain
            .ask(Repeat {
                item: 7u8,
                times: 1
            })
            .await,
        Ok(vec![7])
    );
    assert_eq!(chain.ask(Checked(1)).await, Ok(Some(1)));
    assert_eq!(chain.ask(Checked(9)).await, Ok(None));
    assert_eq!(
        chain.ask(Describe::<u32>(PhantomData)).await,
        Ok("u32 at 2".to_owned())
    );
    assert_eq!(chain.ask(Reset).await, Ok(()));
    assert_eq!(chain.ask(Query::Height).await, Ok(0));
}
