use actor_system::Message;

#[derive(Message)]
#[message(priority = "high", priority = "normal")]
struct TwoPriorities;

#[derive(Message)]
#[message(result = "u8")]
#[message(result = "u16")]
struct TwoResults;

#[derive(Message)]
#[message(result = "u8")]
#[rtype(u16)]
struct ResultAndRtype;

fn main() {}
