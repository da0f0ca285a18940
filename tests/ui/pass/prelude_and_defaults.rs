// One prelude import brings the trait and the derive; omitted keys give `()` and `Normal`.
use actor_system::prelude::*;

#[derive(Message)]
struct Tick;

#[derive(Message)]
#[message()]
struct Empty {
    _n: u8,
}

#[derive(Message)]
#[message(priority = "BACKGROUND", result = "String",)]
enum Cleanup {
    _All,
    _Older { _days: u32 },
}

fn main() {
    let (): <Tick as Message>::Result = ();
    let (): <Empty as Message>::Result = ();
    let _: <Cleanup as Message>::Result = String::new();
    assert_eq!(<Tick as Message>::PRIORITY, Priority::Normal);
    assert_eq!(<Cleanup as Message>::PRIORITY, Priority::Background);
}
