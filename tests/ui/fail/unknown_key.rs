use actor_system::Message;

#[derive(Message)]
#[message(result = "u64", reply = "u64")]
struct Get;

fn main() {}
