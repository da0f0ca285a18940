// actix message definitions compile unchanged once the import is switched.
use actor_system::Message;

#[derive(Message)]
#[rtype(result = "Result<u64, String>")]
struct GetBalance(String);

#[derive(Message)]
#[rtype(usize)]
struct CountPeers;

#[derive(Message)]
#[rtype(Option<Vec<u8>>)]
enum Fetch {
    _Block(u64),
}

#[derive(Message)]
#[rtype(result = "()")]
#[message(priority = "high")]
struct Mixed;

fn main() {
    let _: <GetBalance as Message>::Result = Ok(1);
    let _: <CountPeers as Message>::Result = 1usize;
    let _: <Fetch as Message>::Result = None;
    let (): <Mixed as Message>::Result = ();
    assert_eq!(<Mixed as Message>::PRIORITY, actor_system::Priority::High);
    let _ = GetBalance(String::new()).0;
}
