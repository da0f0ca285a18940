//! What every handle of an actor points at: its [`Mailbox`] (data and wake-ups: lanes,
//! capacity, lifecycle, counters) and its [`Drive`] (who polls the actor's future). Both outlive
//! an incarnation, so an address stays valid across supervised restarts.
//!
//! The decisions that need the two together live here, above both: whether a caller that is
//! about to wait for the actor (an ask, a stop it waits for) runs the actor in its own task
//! instead of waking the actor's task.

use crate::drive::Drive;
use crate::envelope::{Envelope, Tick, TickSink};
use crate::mailbox::{Mailbox, Slot, Wake};
use crate::{Actor, ExitReason};
use std::sync::Arc;

/// What [`Shared::ask_in_place`] did with an ask.
pub(crate) enum InPlace<'a, A: Actor> {
    /// The actor was idle: it ran here, and handled the ask (`Err`: the mailbox was closed,
    /// here is the ask back).
    Ran(Result<(), Envelope<A>>),
    /// The actor is busy (or runs on its own task only): queue the ask into its room.
    NotIdle(Slot<'a, A>, Envelope<A>),
}

/// An actor's mailbox and drive (see the module doc).
pub(crate) struct Shared<A: Actor> {
    pub(crate) mailbox: Mailbox<A>,
    /// What runs the actor (see the `drive` module): armed by `spawn`, or by
    /// [`spawn_runner`](crate::spawn_runner) for each task a supervisor starts; never for a
    /// cell its owner runs with [`ActorCell::run`](crate::ActorCell::run).
    pub(crate) drive: Arc<Drive>,
}

impl<A: Actor> Shared<A> {
    /// `in_place`: whether callers that wait for the actor may run it in their task (see
    /// [`Drive::new`]).
    pub(crate) fn new(mailbox: Mailbox<A>, in_place: bool) -> Self {
        Shared {
            mailbox,
            drive: Drive::new(in_place),
        }
    }

    /// Give the ask `env` (its room taken: `slot`) to an idle actor and run the actor here, in
    /// the caller's task: the actor's drive is claimed if the actor is parked on its empty
    /// mailbox and may be run in place (see [`Drive::claim_here`]).
    #[inline]
    pub(crate) fn ask_in_place<'a>(&self, slot: Slot<'a, A>, env: Envelope<A>) -> InPlace<'a, A> {
        if !(self.mailbox.is_parked() && self.drive.claim_here()) {
            return InPlace::NotIdle(slot, env);
        }
        let handed = slot.hand_over(env);
        self.drive.run_claimed();
        InPlace::Ran(handed)
    }

    /// Deliver a wake-up left to a caller that will wait for the actor: run the actor right
    /// here if its drive allows (see [`Drive::run_here`]), otherwise wake its task.
    #[inline]
    pub(crate) fn run_or_wake(&self, wake: Wake) {
        if wake == Wake::Owed && !self.drive.run_here() {
            self.mailbox.wake_consumer();
        }
    }

    /// Request a stop from a caller that waits for it: an idle actor stops right here, if its
    /// drive allows.
    pub(crate) fn request_stop_and_run(&self) {
        let wake = self.mailbox.request_stop_owing_wake();
        self.run_or_wake(wake);
    }

    /// If the actor was asked to stop and nobody runs it yet, run it here: the caller is about
    /// to wait for it to stop (see [`Drive::help`]). An actor that merely has messages waiting
    /// is left to its task: a waiter (a watchdog, say) is not there to handle them.
    pub(crate) fn help_stop(&self) {
        if self.mailbox.stop_requested() {
            self.drive.help();
        }
    }

    /// Wait until the actor has ended for good and its drive's future is over, so that the
    /// actor, its context and whatever its task held are dropped; returns why it ended.
    pub(crate) async fn stopped(&self) -> ExitReason {
        let reason = self.mailbox.lifecycle.wait().await;
        self.drive.over().await;
        reason
    }
}

impl<A: Actor> TickSink for Shared<A> {
    fn push_tick(&self, tick: Tick) -> bool {
        self.mailbox.push_timer(tick)
    }
}
