//! [`RemoteMessage`]: a message that can cross the wire, and its stable wire name.

use actor_system_runtime::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A [`Message`] that can be sent to an actor on another node.
///
/// It is encoded with serde (CBOR on the wire) and identified by [`WIRE_NAME`](Self::WIRE_NAME),
/// a stable name chosen once, so that renaming or moving the Rust type does not break the
/// protocol. Its `Result` must be serde too for [`ask`](crate::RemoteRecipient::ask). Usually
/// derived, next to serde's derives:
///
/// ```
/// use actor_system_remote::RemoteMessage;
/// use actor_system_runtime::{Message, Priority};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Message, Serialize, Deserialize)]
/// #[message(result = "u64", priority = "critical", remote = "alys.chain.ProduceBlock.v1")]
/// struct ProduceBlock { slot: u64 }
///
/// assert_eq!(<ProduceBlock as RemoteMessage>::WIRE_NAME, "alys.chain.ProduceBlock.v1");
/// assert_eq!(<ProduceBlock as Message>::PRIORITY, Priority::Critical);
/// ```
///
/// which is the same as implementing it by hand:
///
/// ```
/// # use actor_system_remote::RemoteMessage;
/// # use actor_system_runtime::Message;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Message, Serialize, Deserialize)]
/// struct Gossip(Vec<u8>);
///
/// impl RemoteMessage for Gossip {
///     const WIRE_NAME: &'static str = "alys.network.Gossip.v1";
/// }
/// ```
pub trait RemoteMessage: Message + Serialize + DeserializeOwned {
    /// The name that identifies this message type on the wire. Change it (a new version
    /// suffix) when the encoding changes incompatibly.
    const WIRE_NAME: &'static str;
}
