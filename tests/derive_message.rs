//! `#[derive(Message)]`: compile-pass and compile-fail cases (trybuild), and the generated impls
//! used for real through the facade.

use actor_system::prelude::*;

#[test]
fn derive_compiles_and_reports_errors_with_the_right_span() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}

#[derive(Message, Debug, PartialEq)]
#[message(result = "Result<u64, String>", priority = "critical")]
struct GetHeight;

#[derive(Message)]
#[rtype(result = "usize")]
enum Gossip {
    Block(u64),
    Tx(Vec<u8>),
}

#[derive(Message)]
#[message(result = "T", priority = "high")]
struct Echo<T: Clone>(T);

#[derive(Message)]
struct Tick;

struct Node {
    height: u64,
}
impl Actor for Node {}

impl Handler<GetHeight> for Node {
    async fn handle(&mut self, _: GetHeight, ctx: &mut Context<Self>) -> Result<u64, String> {
        assert_eq!(ctx.message_info().unwrap().priority, Priority::Critical);
        Ok(self.height)
    }
}

impl Handler<Gossip> for Node {
    async fn handle(&mut self, msg: Gossip, _: &mut Context<Self>) -> usize {
        match msg {
            Gossip::Block(h) => {
                self.height = h;
                1
            }
            Gossip::Tx(bytes) => bytes.len(),
        }
    }
}

impl Handler<Echo<String>> for Node {
    async fn handle(&mut self, msg: Echo<String>, ctx: &mut Context<Self>) -> String {
        assert_eq!(ctx.message_info().unwrap().priority, Priority::High);
        msg.0
    }
}

impl Handler<Tick> for Node {
    async fn handle(&mut self, _: Tick, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn derived_messages_work_end_to_end() {
    assert_eq!(<GetHeight as Message>::PRIORITY, Priority::Critical);
    assert_eq!(<Tick as Message>::PRIORITY, Priority::Normal);
    assert_eq!(<Echo<String> as Message>::PRIORITY, Priority::High);
    let node = spawn(Node { height: 0 }).await.unwrap();
    assert_eq!(node.ask(Gossip::Block(42)).await, Ok(1));
    assert_eq!(node.ask(Gossip::Tx(vec![1, 2, 3])).await, Ok(3));
    assert_eq!(node.ask(GetHeight).await, Ok(Ok(42)));
    assert_eq!(node.ask(Echo("hi".to_owned())).await, Ok("hi".to_owned()));
    node.ask(Tick).await.unwrap();
}
