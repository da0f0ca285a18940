use actor_system::Message;

#[derive(Message)]
#[message(priority = "urgent")]
struct Alarm;

fn main() {}
