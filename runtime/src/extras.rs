//! The part of an incarnation's context that most actors never use, allocated on first use (one
//! word in every actor's task): its timers, the token that cancels what it started in the
//! background (timers, spawned futures, streams), the futures it waits for before its next
//! message ([`Context::wait`](crate::Context::wait)) and the rest of a drain
//! ([`Addr::drain_and_stop`](crate::Addr::drain_and_stop)).

use crate::timer::TimerTable;
use crate::Actor;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use tokio_util::sync::CancellationToken;

/// What runs on the actor once a waited-for future is done (see [`Wait`]).
pub(crate) type Then<A> = Box<dyn FnOnce(&mut A, &mut crate::Context<A>) + Send>;

/// A future the actor waits for before its next message, and what runs on it after.
pub(crate) type Wait<A> = Pin<Box<dyn Future<Output = Option<Then<A>>> + Send>>;

/// See the module doc.
pub(crate) struct Extras<A: Actor> {
    table: Option<Box<Table<A>>>,
}

pub(crate) struct Table<A: Actor> {
    /// Cancelled when the incarnation ends: its timers, spawned futures and streams end too.
    pub(crate) root: CancellationToken,
    pub(crate) timers: TimerTable<A>,
    pub(crate) waits: VecDeque<Wait<A>>,
    /// While draining: how many of the messages queued when the drain began are left, per lane
    /// (indexed by [`Priority::lane`](crate::Priority::lane)).
    pub(crate) drain: Option<[usize; 4]>,
}

impl<A: Actor> Extras<A> {
    pub(crate) fn new() -> Self {
        Extras { table: None }
    }

    /// The table, created on first use.
    pub(crate) fn table(&mut self) -> &mut Table<A> {
        self.table.get_or_insert_with(|| {
            Box::new(Table {
                root: CancellationToken::new(),
                timers: TimerTable::new(),
                waits: VecDeque::new(),
                drain: None,
            })
        })
    }

    /// The table, if it was ever used.
    #[inline]
    pub(crate) fn get(&mut self) -> Option<&mut Table<A>> {
        self.table.as_deref_mut()
    }

    /// A token cancelled when this incarnation ends (or by itself).
    pub(crate) fn child_token(&mut self) -> CancellationToken {
        self.table().root.child_token()
    }

    /// Whether futures wait to be awaited before the next message: one load for an actor that
    /// never used its extras.
    #[inline]
    pub(crate) fn has_waits(&self) -> bool {
        self.table.as_ref().is_some_and(|t| !t.waits.is_empty())
    }

    /// While draining, how many of the messages queued when the drain began are left, per
    /// lane: one load for an actor that never used its extras.
    #[inline]
    pub(crate) fn draining(&mut self) -> Option<&mut [usize; 4]> {
        self.table.as_mut()?.drain.as_mut()
    }

    /// The incarnation ends: cancel everything it started in the background, drop its waits.
    pub(crate) fn cancel_all(&mut self) {
        if let Some(table) = &mut self.table {
            table.root.cancel();
            table.timers.clear();
            table.waits.clear();
        }
    }
}

impl<A: Actor> Drop for Extras<A> {
    /// An incarnation that is dropped (killed) takes its timers, futures and streams with it.
    fn drop(&mut self) {
        if let Some(table) = &self.table {
            table.root.cancel();
        }
    }
}
