//! Derive macros for [`actor_system`](https://docs.rs/actor_system).
//!
//! Use them through the facade: `use actor_system::Message;` (or `actor_system::prelude::*`)
//! brings both the `Message` trait and this derive into scope, the way `serde::Serialize` does.
#![warn(missing_docs)]

mod attrs;
mod crate_path;
mod expand;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Implements `actor_system::Message` for a struct or enum.
///
/// ```
/// use actor_system::{ActorError, Message, Priority};
///
/// #[derive(Debug)]
/// pub enum HealthStatus { Healthy, Degraded }
///
/// #[derive(Message, Debug)]
/// #[message(result = "Result<HealthStatus, ActorError>", priority = "critical")]
/// pub struct HealthCheck;
///
/// assert_eq!(<HealthCheck as Message>::PRIORITY, Priority::Critical);
/// let _: fn(<HealthCheck as Message>::Result) -> Result<HealthStatus, ActorError> = |r| r;
/// ```
///
/// # Attributes
///
/// All keys go in `#[message(...)]`, separated by commas; each may appear once.
///
/// ## `result = "Type"`
///
/// The reply type (`Message::Result`, what `ask` resolves to), written as a string. Defaults to
/// `()` when omitted.
///
/// ```
/// use actor_system::Message;
///
/// #[derive(Message)]
/// #[message(result = "Vec<u64>")]
/// struct GetHeights { from: u64 }
///
/// #[derive(Message)]
/// struct Tick; // result = "()"
///
/// let _: <GetHeights as Message>::Result = vec![1, 2, 3];
/// let _: <Tick as Message>::Result = ();
/// ```
///
/// ## `priority = "critical" | "high" | "normal" | "background"`
///
/// The default mailbox lane (`Message::PRIORITY`), case-insensitive. When omitted the trait's
/// default, `Priority::Normal`, applies. Senders can still override it per message.
///
/// ```
/// use actor_system::{Message, Priority};
///
/// #[derive(Message)]
/// #[message(priority = "High")]
/// struct SignPegOut;
///
/// #[derive(Message)]
/// #[message(result = "bool", priority = "background")]
/// enum Housekeeping { Compact, Prune { keep: u64 } }
///
/// #[derive(Message)]
/// struct Gossip;
///
/// assert_eq!(<SignPegOut as Message>::PRIORITY, Priority::High);
/// assert_eq!(<Housekeeping as Message>::PRIORITY, Priority::Background);
/// assert_eq!(<Gossip as Message>::PRIORITY, Priority::Normal);
/// ```
///
/// ## `crate = "path"`
///
/// Where the runtime is. Normally it is found on its own: the `actor_system` facade if the
/// calling crate depends on it (also under a renamed dependency), else `actor_system_runtime`.
/// Set it when neither is a direct dependency, for example when a crate re-exports the runtime:
///
/// ```
/// mod reexported {
///     pub use actor_system::{Message, Priority};
/// }
///
/// #[derive(actor_system::Message)]
/// #[message(crate = "crate::reexported", result = "u8", priority = "critical")]
/// struct Ping;
///
/// fn main() {
///     use actor_system::Message;
///     assert_eq!(<Ping as Message>::PRIORITY, actor_system::Priority::Critical);
/// }
/// ```
///
/// ## `remote = "wire.Name.v1"`
///
/// Also implements `RemoteMessage` (remote actors, the facade's `remote` feature or the
/// `actor_system_remote` crate) with this stable wire name, which identifies the message type
/// between nodes whatever the Rust type is called. The type must also derive serde's
/// `Serialize` and `Deserialize`. The name is printable ASCII without spaces; a version suffix
/// makes room for an incompatible change later:
///
/// ```
/// use actor_system::Message;
/// use actor_system::remote::RemoteMessage;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Message, Serialize, Deserialize)]
/// #[message(result = "bool", priority = "high", remote = "alys.bridge.SignPegIn.v1")]
/// struct SignPegIn { txid: [u8; 32], amount: u64 }
///
/// assert_eq!(<SignPegIn as RemoteMessage>::WIRE_NAME, "alys.bridge.SignPegIn.v1");
/// ```
///
/// ## actix compatibility: `#[rtype(result = "Type")]` and `#[rtype(Type)]`
///
/// actix's attribute is accepted as a synonym of `result`, so messages written for actix compile
/// unchanged once `use actix::Message;` becomes `use actor_system::Message;`:
///
/// ```
/// use actor_system::Message;
///
/// #[derive(Message)]
/// #[rtype(result = "Result<u64, String>")]
/// struct GetBalance(String);
///
/// #[derive(Message)]
/// #[rtype(usize)]
/// struct CountPeers;
///
/// let _: <GetBalance as Message>::Result = Ok(5);
/// let _: <CountPeers as Message>::Result = 3usize;
/// ```
///
/// # Generics
///
/// Type parameters get `T: Send + 'static` bounds in the generated impl, on top of the item's
/// own bounds; the result type may use them:
///
/// ```
/// use actor_system::Message;
///
/// #[derive(Message)]
/// #[message(result = "Option<T>")]
/// struct Take<T: Clone> { items: Vec<T> }
///
/// let _: <Take<String> as Message>::Result = Some(String::new());
/// ```
///
/// # Errors
///
/// Unknown keys, duplicate keys, unknown priority names, result types that do not parse and
/// unions are rejected at compile time, pointing at the offending token:
///
/// ```compile_fail
/// use actor_system::Message;
///
/// #[derive(Message)]
/// #[message(priority = "urgent")] // error: unknown priority "urgent": expected one of ...
/// struct Alarm;
/// ```
#[proc_macro_derive(Message, attributes(message, rtype))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_message(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
