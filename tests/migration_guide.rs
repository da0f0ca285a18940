//! The worked port in docs/migrating-from-actix.md, compiled and run.

use actor_system::prelude::*;

mod common;
use common::bounded;

struct BlockProduced {
    height: u64,
}
impl Message for BlockProduced {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical; // consensus traffic jumps the queue
}

struct GetHeight;
impl Message for GetHeight {
    type Result = u64;
}

struct ChainState {
    height: u64,
}
impl Actor for ChainState {}

impl Handler<BlockProduced> for ChainState {
    async fn handle(&mut self, msg: BlockProduced, _: &mut Context<Self>) {
        self.height = self.height.max(msg.height);
    }
}

impl Handler<GetHeight> for ChainState {
    async fn handle(&mut self, _: GetHeight, _: &mut Context<Self>) -> u64 {
        self.height
    }
}

async fn caller() -> Result<u64, AskError> {
    let addr = spawn(ChainState { height: 0 }).await.expect("started");
    addr.tell(BlockProduced { height: 7 })
        .expect("actor is running");
    addr.ask(GetHeight).await
}

#[tokio::test]
async fn the_ported_actor_behaves_like_the_actix_one() {
    assert_eq!(bounded(caller(), "the ported actor's answer").await, Ok(7));
}

#[test]
fn the_guide_contains_this_code() {
    let guide = include_str!("../docs/migrating-from-actix.md");
    for line in [
        "impl Handler<BlockProduced> for ChainState {",
        "    async fn handle(&mut self, msg: BlockProduced, _: &mut Context<Self>) {",
        "    addr.tell(BlockProduced { height: 7 }).expect(\"actor is running\");",
        "| `addr.do_send(m)` | `addr.tell(m)` |",
        "| `ResponseActFuture` / `ActorFutureExt::map` | `async fn handle` |",
        "| `Arbiter` | the tokio runtime |",
    ] {
        assert!(guide.contains(line), "guide is missing: {line}");
    }
}
