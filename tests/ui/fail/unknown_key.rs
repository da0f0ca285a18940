use actor_system::Message;

#[derive(Message)]
#[message(reslt = "u64")]
struct Typo;

fn main() {}
