// Type parameters get `Send + 'static` bounds; existing bounds and where-clauses are kept.
use actor_system::{Message, Priority};
use std::fmt::Debug;

#[derive(Message)]
#[message(result = "Vec<T>", priority = "High")]
struct Batch<T: Clone>(Vec<T>);

#[derive(Message)]
#[message(result = "Option<(K, V)>")]
enum Lookup<K, V>
where
    K: Debug,
{
    _Key(K),
    _Value(V),
}

#[derive(Message)]
#[message(result = "[T; N]")]
struct Chunk<const N: usize, T = u8> {
    _items: [T; N],
}

fn main() {
    let _: <Batch<u8> as Message>::Result = vec![1u8];
    assert_eq!(<Batch<String> as Message>::PRIORITY, Priority::High);
    let _: <Lookup<u8, String> as Message>::Result = Some((1, String::new()));
    let _: <Chunk<2> as Message>::Result = [1u8, 2];
}
