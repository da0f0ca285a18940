// `crate = "..."` points the generated impl at a re-export of the runtime.
mod runtime {
    pub use actor_system::{Message, Priority};
}

#[derive(actor_system::Message)]
#[message(crate = "crate::runtime", result = "u8", priority = "critical")]
struct Ping;

#[derive(actor_system::Message)]
#[message(crate = "::actor_system")]
struct Pong;

fn main() {
    use runtime::Message;
    assert_eq!(<Ping as Message>::PRIORITY, runtime::Priority::Critical);
    let _: <Ping as Message>::Result = 1u8;
    let (): <Pong as Message>::Result = ();
}
