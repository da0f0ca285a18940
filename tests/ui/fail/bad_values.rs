use actor_system::Message;

#[derive(Message)]
#[message(result = u64)]
struct Unquoted;

#[derive(Message)]
#[message]
struct NoList;

#[derive(Message)]
#[rtype(priority = "high")]
struct RtypePriority;

#[derive(Message)]
#[message(crate = "not a path")]
struct BadCrate;

fn main() {}
