use actor_system::Message;

#[derive(Message)]
struct Borrowed<'a>(&'a str);

fn main() {}
