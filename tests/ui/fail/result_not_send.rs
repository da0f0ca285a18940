use actor_system::Message;
use std::rc::Rc;

#[derive(Message)]
#[message(result = "Rc<u8>")]
struct Shared;

fn main() {}
