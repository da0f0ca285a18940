//! [`Slot`]: room for one message, taken before the message is pushed.

use super::{Mailbox, Wake};
use crate::envelope::Envelope;
use crate::Actor;

/// Room for one message in a mailbox, taken by [`Mailbox::reserve`] (or free, for an unbounded
/// mailbox: [`Mailbox::unbounded_slot`]). Pushing the message uses it up: the queued message
/// then holds the slot until it is popped. Dropping it unused, or a push that finds the mailbox
/// closed, gives a bounded mailbox's slot back (and wakes a sender waiting for room).
#[must_use = "push the message into the slot (dropping it gives the room back)"]
pub(crate) struct Slot<'a, A: Actor> {
    mailbox: &'a Mailbox<A>,
    /// Whether this holds one of a bounded mailbox's slots.
    counted: bool,
}

impl<'a, A: Actor> Slot<'a, A> {
    pub(super) fn new(mailbox: &'a Mailbox<A>, counted: bool) -> Self {
        Slot { mailbox, counted }
    }

    /// Queue `env` and wake the actor if it was parked. Hands the envelope back if the mailbox
    /// closed.
    #[inline]
    pub(crate) fn push(self, env: Envelope<A>) -> Result<(), Envelope<A>> {
        let mailbox = self.mailbox;
        let wake = self.push_owing_wake(env)?;
        mailbox.deliver(wake);
        Ok(())
    }

    /// Queue `env`, but leave the wake-up of a parked actor to the caller: the returned [`Wake`]
    /// says whether it is owed (see [`Shared::run_or_wake`](crate::shared::Shared::run_or_wake)).
    #[inline]
    pub(crate) fn push_owing_wake(mut self, env: Envelope<A>) -> Result<Wake, Envelope<A>> {
        let wake = self.mailbox.enqueue(env)?;
        // The queued message holds the slot now (it is freed when the message is popped).
        self.counted = false;
        Ok(wake)
    }

    /// Give `env` (an ask) to an idle actor whose drive this caller claimed (see
    /// [`Shared::ask_in_place`](crate::shared::Shared::ask_in_place)): into the hand-off slot
    /// if nothing else is queued, otherwise into its lane, behind what came first. Either way
    /// nobody is woken: the caller runs the actor next. Hands the envelope back if the mailbox
    /// is closed.
    pub(crate) fn hand_over(mut self, env: Envelope<A>) -> Result<(), Envelope<A>> {
        match self.mailbox.try_hand_off(env) {
            // In the hand-off slot, holding the room until it is taken.
            None => {
                self.counted = false;
                Ok(())
            }
            Some(env) => {
                // A wake-up owed here is paid by the caller, who runs the actor next.
                let _paid_by_the_caller: Wake = self.push_owing_wake(env)?;
                Ok(())
            }
        }
    }
}

impl<A: Actor> Drop for Slot<'_, A> {
    fn drop(&mut self) {
        if self.counted {
            self.mailbox.free_slot();
        }
    }
}
