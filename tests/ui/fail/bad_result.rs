use actor_system::Message;

#[derive(Message)]
#[message(result = "Result<u64,")]
struct Broken;

fn main() {}
