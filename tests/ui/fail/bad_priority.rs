use actor_system::Message;

#[derive(Message)]
#[message(priority = "urgent")]
struct Urgent;

fn main() {}
