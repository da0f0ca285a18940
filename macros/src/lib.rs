//! Derive macros for `actor_system`: `#[derive(Message)]`.
//!
//! Use them through the facade (`use actor_system::prelude::*;` brings both the `Message` trait
//! and the derive); this crate is an implementation detail.
#![warn(missing_docs)]

mod attrs;
mod crate_path;
mod expand;

use proc_macro::TokenStream;

/// Implements `Message` for a struct or enum.
///
/// Attributes (all optional):
/// - `#[message(result = "T")]`: what handling the message returns (what `ask` resolves to);
///   default `()`.
/// - `#[message(priority = "critical")]`: the default lane, one of `critical`, `high`,
///   `normal`, `background` (case-insensitive); default `normal`. Senders can still override it
///   with `addr.with_priority(..)`.
/// - `#[message(crate = "path")]`: where the runtime lives, if neither `actor_system` nor
///   `actor_system_runtime` is a dependency under its own name.
/// - `#[rtype(result = "T")]` or `#[rtype(T)]`: actix's spelling, accepted unchanged.
///
/// ```
/// use actor_system::prelude::*;
///
/// #[derive(Message, Debug)]
/// #[message(result = "Result<u64, ActorError>", priority = "critical")]
/// pub struct GetHeight;
///
/// #[derive(Message)]
/// #[rtype(result = "bool")] // actix style
/// pub enum Peer { Connected(String), Gone(String) }
///
/// #[derive(Message)]
/// #[rtype(usize)] // actix shorthand
/// pub struct Batch<T>(Vec<T>);
///
/// #[derive(Message)] // result (), priority normal
/// pub struct Tick;
///
/// assert_eq!(<GetHeight as Message>::PRIORITY, Priority::Critical);
/// assert_eq!(<Tick as Message>::PRIORITY, Priority::Normal);
/// let _: <Batch<u8> as Message>::Result = 3usize;
/// let _: <Peer as Message>::Result = true;
/// ```
///
/// With an explicit runtime path:
///
/// ```
/// mod rt { pub use actor_system::*; }
///
/// #[derive(actor_system::Message)]
/// #[message(crate = "rt", priority = "background")]
/// struct Compact;
///
/// assert_eq!(<Compact as rt::Message>::PRIORITY, rt::Priority::Background);
/// ```
#[proc_macro_derive(Message, attributes(message, rtype))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
