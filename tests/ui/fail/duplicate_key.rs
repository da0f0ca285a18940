use actor_system::Message;

#[derive(Message)]
#[message(result = "u64", result = "u32")]
struct Twice;

fn main() {}
