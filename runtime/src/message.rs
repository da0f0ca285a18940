//! The [`Message`] trait.

use crate::Priority;

/// A value an actor can receive.
///
/// `Result` is what a handler returns for it (what [`ask`](crate::Addr::ask) resolves to);
/// `PRIORITY` is the lane the message uses unless the receiving actor declares another
/// ([`Handler::PRIORITY`](crate::Handler::PRIORITY)) or the sender overrides it with
/// [`with_priority`](crate::Addr::with_priority). Usually derived (`#[derive(Message)]`, with
/// `#[message(result = "...", priority = "...")]`; see the derive's documentation):
///
/// ```
/// use actor_system_runtime::{Message, Priority};
///
/// #[derive(Message)]
/// #[message(result = "u64", priority = "high")]
/// struct GetHeight;
///
/// assert_eq!(<GetHeight as Message>::PRIORITY, Priority::High);
/// ```
///
/// which is the same as writing the impl by hand:
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

#[cfg(test)]
mod tests {
    use crate::{Message, Priority};

    // Inside the runtime itself the derive must resolve to `::actor_system_runtime`.
    #[derive(Message)]
    #[message(result = "u32", priority = "background")]
    struct Internal;

    #[derive(Message)]
    enum Plain {
        _A,
    }

    #[test]
    fn derive_resolves_inside_the_runtime_crate() {
        assert_eq!(<Internal as Message>::PRIORITY, Priority::Background);
        let _: <Internal as Message>::Result = 7u32;
        assert_eq!(<Plain as Message>::PRIORITY, Priority::Normal);
        let _: <Plain as Message>::Result = ();
    }
}
