//! When a busy actor yields to the scheduler.
//!
//! The mailbox is invisible to tokio's cooperative budget, so an actor with a backlog yields by
//! itself, once it has been handling messages for [`SLICE_MICROS`] without waiting for one. The
//! clock is read at the [`FIRST_LOOK`]th message of a run and every [`BATCH`] messages after
//! that, so an actor that handles one or a few messages per wake-up (an ask, say) never reads it,
//! and a slice overruns [`SLICE_MICROS`] by at most `FIRST_LOOK + BATCH` handlers.
//!
//! Yielding after a fixed count alone (every 128 messages, tokio's own budget) meant a yield every
//! few microseconds with cheap handlers, and a yield on a worker with nothing else to run sets
//! off tokio's search for work and a wake-up of the other worker (what that cost is in
//! docs/performance.md).

/// Messages of a run before the clock is first read (starting the slice).
const FIRST_LOOK: u32 = 16;
/// Messages between two later reads of the clock.
const BATCH: u32 = 128;
/// How long a busy actor handles messages before it yields to the scheduler.
const SLICE_MICROS: u32 = 100;

/// The running actor's current slice: kept in its task, so two 32-bit words.
pub(crate) struct Slice {
    /// Messages until the clock is read next, this one included.
    left: u32,
    /// Microseconds on the process clock when the slice started; 0: not started yet.
    began: u32,
}

impl Slice {
    pub(crate) fn new() -> Self {
        Slice {
            left: FIRST_LOOK + 1,
            began: 0,
        }
    }

    /// The actor waits for messages: its next run starts a new slice.
    #[inline]
    pub(crate) fn restart(&mut self) {
        *self = Slice::new();
    }

    /// Count one message; whether the actor should yield before handling it.
    #[inline]
    pub(crate) fn should_yield(&mut self) -> bool {
        self.should_yield_at(clock_micros)
    }

    /// [`should_yield`](Self::should_yield) with the clock read by `clock` (tests use their own).
    #[inline]
    fn should_yield_at(&mut self, clock: impl FnOnce() -> u32) -> bool {
        // A countdown: one decrement and one test per message.
        self.left -= 1;
        if self.left != 0 {
            return false;
        }
        self.look_at(clock())
    }

    #[cold]
    fn look_at(&mut self, now: u32) -> bool {
        if self.began == 0 {
            self.began = now;
        } else if now.wrapping_sub(self.began) >= SLICE_MICROS {
            // Yield; the next run starts a new slice.
            *self = Slice::new();
            return true;
        }
        self.left = BATCH + 1;
        false
    }
}

/// Microseconds on the process clock. Wraps every 71 minutes (a slice is far shorter); never 0,
/// which a slice takes for "not started".
#[cold]
fn clock_micros() -> u32 {
    crate::envelope::epoch().elapsed().as_micros() as u32 | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Handle `n` messages with the clock at `now`; how many of them were preceded by a yield.
    fn yields(slice: &mut Slice, n: u32, now: u32) -> u32 {
        (0..n).filter(|_| slice.should_yield_at(|| now)).count() as u32
    }

    #[test]
    fn a_busy_actor_yields_once_its_slice_has_run_out() {
        let mut slice = Slice::new();
        // The first look at the clock, after FIRST_LOOK messages, starts the slice at 1000 us.
        assert_eq!(yields(&mut slice, FIRST_LOOK + 1, 1000), 0);
        // Later looks come every BATCH messages: within the slice, no yield.
        assert_eq!(yields(&mut slice, BATCH + 1, 1000 + SLICE_MICROS - 1), 0);
        // Once it is over: one yield, and the next run starts a new slice.
        assert_eq!(yields(&mut slice, BATCH + 1, 1000 + SLICE_MICROS), 1);
        assert_eq!(yields(&mut slice, FIRST_LOOK + 1, 5000), 0);
        assert_eq!(yields(&mut slice, BATCH + 1, 5000 + SLICE_MICROS - 1), 0);
        assert_eq!(yields(&mut slice, BATCH + 1, 5000 + SLICE_MICROS), 1);
    }

    #[test]
    fn an_actor_that_waited_for_messages_starts_a_new_slice() {
        let mut slice = Slice::new();
        assert_eq!(yields(&mut slice, FIRST_LOOK + 1, 1000), 0);
        slice.restart();
        assert_eq!(yields(&mut slice, FIRST_LOOK + 1, 5000), 0);
        assert_eq!(
            yields(&mut slice, BATCH + 1, 5000 + SLICE_MICROS - 1),
            0,
            "the old slice is forgotten"
        );
    }

    #[test]
    fn slices_survive_the_clock_wrapping() {
        let mut slice = Slice::new();
        assert_eq!(yields(&mut slice, FIRST_LOOK + 1, u32::MAX - 10), 0);
        assert_eq!(yields(&mut slice, BATCH + 1, SLICE_MICROS - 12), 0);
        assert_eq!(yields(&mut slice, BATCH + 1, SLICE_MICROS - 11), 1);
    }

    #[test]
    fn an_actor_handling_a_few_messages_per_wake_up_never_reads_the_clock() {
        let mut slice = Slice::new();
        for _ in 0..1000 {
            for _ in 0..FIRST_LOOK {
                assert!(!slice.should_yield_at(|| panic!("the clock was read")));
            }
            slice.restart();
        }
    }
}
