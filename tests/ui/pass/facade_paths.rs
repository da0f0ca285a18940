// Derives through the facade only, with every supported attribute form.
use actor_system::prelude::*;

#[derive(Message, Debug)]
#[message(result = "Result<u64, ActorError>", priority = "critical")]
pub struct HealthCheck;

#[derive(Message)]
#[rtype(result = "bool")]
pub enum Peer {
    Connected(String),
    Gone(String),
}

#[derive(Message)]
#[rtype(Vec<T>)]
pub struct Batch<T: Clone>(Vec<T>);

#[derive(actor_system::Message)]
#[message(priority = "BACKGROUND")]
pub struct Compact;

fn main() {
    let _: <HealthCheck as Message>::Result = Ok(1);
    let _: <Peer as Message>::Result = true;
    let _: <Batch<u8> as Message>::Result = vec![1u8];
    assert_eq!(<Compact as Message>::PRIORITY, Priority::Background);
}
