//! The [`Message`] trait.

use crate::Priority;

/// A value an actor can receive.
///
/// `Result` is what a handler returns for it (what [`ask`](crate::Addr::ask) resolves to);
/// `PRIORITY` is the lane the message uses unless the sender overrides it with
/// [`with_priority`](crate::Addr::with_priority). Usually derived:
///
/// ```
/// use actor_system_runtime::{Message, Priority};
///
/// struct GetHeight;
///
/// impl Message for GetHeight {
///     type Result = u64;
///     const PRIORITY: Priority = Priority::High;
/// }
///
/// assert_eq!(<GetHeight as Message>::PRIORITY, Priority::High);
/// ```
pub trait Message: Send + 'static {
    /// What handling the message produces.
    type Result: Send + 'static;

    /// The default lane of this message type.
    const PRIORITY: Priority = Priority::Normal;
}
