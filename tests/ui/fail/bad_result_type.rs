use actor_system::Message;

#[derive(Message)]
#[message(result = "Vec<u64")]
struct Unclosed;

#[derive(Message)]
#[message(result = "")]
struct Empty;

fn main() {}
