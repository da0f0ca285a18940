//! The state word of a [`Drive`](super::Drive): who may poll the actor's future, and whether
//! anyone has to.
//!
//! Flags:
//! - `RUNNING`: a poller holds the future (the pump task, or a caller about to wait for the
//!   actor). Taken with a compare-and-swap, so there is never more than one;
//! - `NOTIFIED`: the future was woken since its last poll began;
//! - `LAUNCHED`: the pump task was spawned (it is spawned at the first wake-up that finds nobody
//!   to run the future, see [`DriveState::launch`], or with the future, see
//!   [`DriveState::arm`]);
//! - `DONE`: no future, or it completed or was dropped: nothing is left to run. A drive starts
//!   so, and [`arm`](DriveState::arm) gives it a future;
//! - `ABORT`: the pump went away (its task was aborted, or its runtime shut down) while somebody
//!   was polling: that poller drops the future when it lets go.
//!
//! The bits above the flags count the futures the drive was armed with (a supervised actor's
//! drive is armed once per task its supervisor starts): a pump belongs to one of them, and a
//! pump left over from an earlier one finds nothing to do.
//!
//! Why no wake-up is lost: a wake-up sets `NOTIFIED` with a read-modify-write and schedules the
//! pump only when it found neither `NOTIFIED`, `RUNNING` nor `DONE`. A poller lets go with a
//! compare-and-swap on the same word, so either the wake-up's read-modify-write comes first and
//! the poller's release sees `NOTIFIED` (and schedules the pump itself, see
//! [`Release::Notified`]), or the release comes first and the wake-up sees no `RUNNING`. A
//! caller that runs the future in place clears `NOTIFIED` as it claims it, which only means the
//! pump, when it gets to run, finds nothing to do.

use crate::sync::{AtomicUsize, Ordering};

const RUNNING: usize = 0b00001;
const NOTIFIED: usize = 0b00010;
const LAUNCHED: usize = 0b00100;
const DONE: usize = 0b01000;
const ABORT: usize = 0b10000;
const FLAGS: usize = 0b11111;
/// The first bit of the arming count.
const GENERATION: usize = FLAGS + 1;

/// Which future of a drive: its arming count (see the module doc).
pub(crate) type Generation = usize;

fn generation(state: usize) -> Generation {
    state / GENERATION
}

/// The outcome of [`DriveState::claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The caller holds the future now: poll it, then [`release`](DriveState::release) or
    /// [`finish`](DriveState::finish).
    Got,
    /// Someone else is polling it.
    Busy,
    /// Nothing woke it since its last poll (a claim that needs a wake-up was refused).
    Idle,
    /// There is nothing left to run.
    Done,
}

/// The outcome of [`DriveState::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// Let go; nothing woke the future meanwhile.
    Idle,
    /// Let go, but the future was woken while it was held: the caller schedules the pump (or,
    /// being the pump, has itself polled again).
    Notified,
    /// Not let go: the pump went away meanwhile. The caller drops the future and calls
    /// [`finish`](DriveState::finish).
    Abort,
}

pub(crate) struct DriveState(AtomicUsize);

impl DriveState {
    /// No future yet (`DONE`), armed zero times.
    pub(crate) fn new() -> Self {
        DriveState(AtomicUsize::new(DONE))
    }

    /// The caller has stored a new future: make it runnable, as the next generation, which is
    /// returned. `eager`: the caller spawns its pump now, and it is to poll the future at once
    /// (its first poll starts it). `None` while the previous future is not over (the caller
    /// takes its future back).
    pub(crate) fn arm(&self, eager: bool) -> Option<Generation> {
        let mut state = self.0.load(Ordering::Acquire);
        loop {
            if state & (DONE | RUNNING) != DONE {
                return None;
            }
            let next_generation = generation(state) + 1;
            let flags = if eager { LAUNCHED | NOTIFIED } else { 0 };
            match self.0.compare_exchange_weak(
                state,
                (next_generation * GENERATION) | flags,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(next_generation),
                Err(actual) => state = actual,
            }
        }
    }

    /// The current future's generation.
    pub(crate) fn generation(&self) -> Generation {
        generation(self.0.load(Ordering::Acquire))
    }

    /// The future was woken: `true` when the caller must schedule the pump (nobody else will
    /// look at the future otherwise).
    #[inline]
    pub(crate) fn notify(&self) -> bool {
        self.0.fetch_or(NOTIFIED, Ordering::AcqRel) & (NOTIFIED | RUNNING | DONE) == 0
    }

    /// Take the future to poll it. A pump claims only a woken future (`woken`) of its own
    /// generation (`of`); a caller about to wait for the actor claims the current one either way.
    #[inline]
    pub(crate) fn claim(&self, woken: bool, of: Option<Generation>) -> Claim {
        let mut state = self.0.load(Ordering::Acquire);
        loop {
            if state & (DONE | ABORT) != 0 || of.is_some_and(|g| g != generation(state)) {
                return Claim::Done;
            }
            if state & RUNNING != 0 {
                return Claim::Busy;
            }
            if woken && state & NOTIFIED == 0 {
                return Claim::Idle;
            }
            let claimed = (state | RUNNING) & !NOTIFIED;
            match self
                .0
                .compare_exchange_weak(state, claimed, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Claim::Got,
                Err(actual) => state = actual,
            }
        }
    }

    /// Let go of a claimed future that is still pending.
    #[inline]
    pub(crate) fn release(&self) -> Release {
        let mut state = self.0.load(Ordering::Acquire);
        loop {
            if state & ABORT != 0 {
                return Release::Abort;
            }
            match self.0.compare_exchange_weak(
                state,
                state & !RUNNING,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) if state & NOTIFIED != 0 => return Release::Notified,
                Ok(_) => return Release::Idle,
                Err(actual) => state = actual,
            }
        }
    }

    /// The claimed future completed or was dropped: nothing is left to run. Returns whether the
    /// pump was launched (it is then parked and must be woken to end its task).
    pub(crate) fn finish(&self) -> bool {
        let previous = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                Some((state | DONE) & !RUNNING)
            })
            .unwrap_or_else(|state| state);
        previous & LAUNCHED != 0
    }

    /// The pump is to run: `true` the first time (the caller spawns it), `false` once it exists
    /// (the caller wakes it).
    #[inline]
    pub(crate) fn launch(&self) -> bool {
        self.0.load(Ordering::Acquire) & LAUNCHED == 0
            && self.0.fetch_or(LAUNCHED, Ordering::AcqRel) & LAUNCHED == 0
    }

    /// The pump of generation `of` went away: [`Claim::Got`] when the caller is to drop the
    /// future (and call [`finish`](Self::finish)); [`Claim::Busy`] when the current poller
    /// will, as it lets go; [`Claim::Done`] when there is nothing left (or the drive has moved
    /// on to a later future, which is not the pump's to end).
    pub(crate) fn abort(&self, of: Generation) -> Claim {
        let mut state = self.0.load(Ordering::Acquire);
        loop {
            if state & DONE != 0 || generation(state) != of {
                return Claim::Done;
            }
            let (next, claim) = if state & RUNNING != 0 {
                (state | ABORT, Claim::Busy)
            } else {
                (state | ABORT | RUNNING, Claim::Got)
            };
            match self
                .0
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return claim,
                Err(actual) => state = actual,
            }
        }
    }

    /// Whether nothing is left to run.
    pub(crate) fn is_done(&self) -> bool {
        self.0.load(Ordering::Acquire) & DONE != 0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A drive armed for a future whose pump is spawned when first needed.
    fn armed() -> DriveState {
        let s = DriveState::new();
        assert_eq!(s.arm(false), Some(1));
        s
    }

    #[test]
    fn the_first_wake_up_schedules_and_later_ones_wait_for_the_poll() {
        let s = armed();
        assert!(s.notify(), "idle: schedule");
        assert!(!s.notify(), "already scheduled");
        assert_eq!(s.claim(true, Some(1)), Claim::Got);
        assert!(!s.notify(), "running: the poller will see it");
        assert_eq!(s.release(), Release::Notified);
        assert_eq!(s.claim(true, Some(1)), Claim::Got);
        assert_eq!(s.release(), Release::Idle);
        assert_eq!(s.claim(true, Some(1)), Claim::Idle, "nothing woke it");
        assert!(s.notify());
    }

    #[test]
    fn a_waiting_caller_claims_without_a_wake_up_and_takes_it_over() {
        let s = armed();
        assert_eq!(s.claim(false, None), Claim::Got);
        assert_eq!(s.claim(false, None), Claim::Busy, "one poller at a time");
        assert_eq!(s.release(), Release::Idle);
        assert!(s.notify());
        assert_eq!(s.claim(false, None), Claim::Got, "takes the pump's wake-up");
        assert_eq!(s.release(), Release::Idle);
        assert_eq!(
            s.claim(true, Some(1)),
            Claim::Idle,
            "the pump finds nothing to do"
        );
    }

    #[test]
    fn the_pump_is_launched_once() {
        let s = armed();
        assert!(s.launch());
        assert!(!s.launch());
    }

    #[test]
    fn finishing_ends_every_claim_and_tells_whether_the_pump_waits() {
        let s = armed();
        assert_eq!(s.claim(false, None), Claim::Got);
        assert!(!s.finish(), "never launched");
        assert!(s.is_done());
        assert!(!s.notify(), "nothing to schedule");
        assert_eq!(s.claim(false, None), Claim::Done);
        let launched = armed();
        assert!(launched.launch());
        assert_eq!(launched.claim(false, None), Claim::Got);
        assert!(launched.finish(), "the pump must be woken to end");
    }

    #[test]
    fn an_abort_takes_an_idle_future_or_leaves_it_to_its_poller() {
        let idle = armed();
        assert_eq!(idle.abort(1), Claim::Got);
        assert_eq!(
            idle.claim(false, None),
            Claim::Done,
            "nobody polls it again"
        );
        idle.finish();
        assert_eq!(idle.abort(1), Claim::Done);

        let busy = armed();
        assert_eq!(busy.claim(false, None), Claim::Got);
        assert_eq!(busy.abort(1), Claim::Busy);
        assert_eq!(busy.release(), Release::Abort, "the poller drops it");
        busy.finish();
        assert!(busy.is_done());
    }

    #[test]
    fn a_drive_is_armed_again_only_once_its_future_is_over_and_old_pumps_find_nothing() {
        let s = DriveState::new();
        assert!(s.is_done(), "nothing to run before it is armed");
        assert_eq!(s.claim(false, None), Claim::Done);
        assert_eq!(s.arm(true), Some(1));
        assert_eq!(s.arm(true), None, "the first future is not over");
        assert!(!s.launch(), "armed eagerly: its pump exists");
        assert_eq!(
            s.claim(true, Some(1)),
            Claim::Got,
            "an eager pump starts it"
        );
        assert_eq!(s.arm(true), None, "nor while it is polled");
        assert!(s.finish());
        assert_eq!(s.arm(true), Some(2));
        assert_eq!(s.generation(), 2);
        assert_eq!(
            s.claim(true, Some(1)),
            Claim::Done,
            "the first pump is done"
        );
        assert_eq!(s.abort(1), Claim::Done, "and cannot end the second future");
        assert_eq!(s.claim(true, Some(2)), Claim::Got);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;

    fn armed() -> DriveState {
        let s = DriveState::new();
        s.arm(false);
        s
    }

    /// The future, modelled: a count of wake-ups' work not yet looked at, and a flag that two
    /// pollers never hold at once.
    struct Model {
        state: DriveState,
        work: AtomicUsize,
        polling: AtomicBool,
        scheduled: AtomicBool,
    }

    impl Model {
        /// Written with read-modify-writes only: loom can report impossible histories for a
        /// plain store racing a read-modify-write of the same atomic (tokio-rs/loom#254).
        fn schedule(&self) {
            self.scheduled.swap(true, Ordering::SeqCst);
        }

        fn poll(&self) {
            assert!(!self.polling.swap(true, Ordering::SeqCst), "two pollers");
            self.work.swap(0, Ordering::SeqCst);
            self.polling.store(false, Ordering::SeqCst);
        }

        /// Queue work and wake the future, as a producer does.
        fn produce(&self) {
            self.work.fetch_add(1, Ordering::SeqCst);
            if self.state.notify() {
                self.schedule();
            }
        }

        /// Queue work and run the future in place, or wake it if somebody else polls it, as an
        /// asker does.
        fn ask(&self) {
            self.work.fetch_add(1, Ordering::SeqCst);
            match self.state.claim(false, None) {
                Claim::Got => {
                    self.poll();
                    if self.state.release() == Release::Notified {
                        self.schedule();
                    }
                }
                _ => {
                    if self.state.notify() {
                        self.schedule();
                    }
                }
            }
        }

        /// What the pump does once scheduled: poll while woken.
        fn pump(&self) {
            while self.state.claim(true, Some(1)) == Claim::Got {
                self.poll();
                if self.state.release() == Release::Idle {
                    break;
                }
            }
        }
    }

    /// A producer waking the future races an asker running it in place and a pump: once they
    /// are done, a scheduled pump leaves no work behind, and no two pollers ever overlap.
    #[test]
    fn no_wake_up_is_lost_between_producers_and_a_caller_running_in_place() {
        loom::model(|| {
            let m = Arc::new(Model {
                state: armed(),
                work: AtomicUsize::new(0),
                polling: AtomicBool::new(false),
                scheduled: AtomicBool::new(false),
            });
            let producer = {
                let m = m.clone();
                loom::thread::spawn(move || m.produce())
            };
            let asker = {
                let m = m.clone();
                loom::thread::spawn(move || m.ask())
            };
            // A pump that was scheduled may run at any time, concurrently with the others.
            let early_pump = {
                let m = m.clone();
                loom::thread::spawn(move || {
                    if m.scheduled.swap(false, Ordering::SeqCst) {
                        m.pump();
                    }
                })
            };
            producer.join().unwrap();
            asker.join().unwrap();
            early_pump.join().unwrap();
            if m.scheduled.load(Ordering::SeqCst) {
                m.pump();
            }
            assert_eq!(m.work.load(Ordering::SeqCst), 0, "a wake-up was lost");
        });
    }

    /// A kill (a flag raised, then a wake-up of the drive, as `Mailbox::kill` does) racing a
    /// caller that polls the future in place (whose poll takes the flag, as the runner's
    /// `Killable` does at each poll): the kill is taken, by that poll or by the pump it
    /// schedules. (Modelled on the drive's state word rather than the queue's waker: loom's
    /// mock `AtomicWaker` drops the ordering a register racing a wake has in the real crate.)
    #[test]
    fn a_kill_racing_a_poll_in_place_is_taken() {
        loom::model(|| {
            let state = Arc::new(armed());
            let kill = Arc::new(AtomicBool::new(false));
            let scheduled = Arc::new(AtomicBool::new(false));
            let killer = {
                let (state, kill, scheduled) = (state.clone(), kill.clone(), scheduled.clone());
                loom::thread::spawn(move || {
                    kill.swap(true, Ordering::SeqCst);
                    if state.notify() {
                        scheduled.swap(true, Ordering::SeqCst);
                    }
                })
            };
            let poll = |state: &DriveState, kill: &AtomicBool| {
                kill.swap(false, Ordering::SeqCst);
                state.release()
            };
            if state.claim(false, None) == Claim::Got && poll(&state, &kill) == Release::Notified {
                scheduled.swap(true, Ordering::SeqCst);
            }
            killer.join().unwrap();
            if scheduled.load(Ordering::SeqCst) {
                while state.claim(true, Some(1)) == Claim::Got {
                    if poll(&state, &kill) == Release::Idle {
                        break;
                    }
                }
            }
            assert!(!kill.load(Ordering::SeqCst), "the kill was slept through");
        });
    }

    /// The pump going away while a caller runs the future in place: the future is dropped
    /// exactly once, by whichever of them holds it, and never polled after.
    #[test]
    fn an_abort_racing_a_poller_drops_the_future_once() {
        loom::model(|| {
            let state = Arc::new(armed());
            let drops = Arc::new(AtomicUsize::new(0));
            let poller = {
                let (state, drops) = (state.clone(), drops.clone());
                loom::thread::spawn(move || {
                    if state.claim(false, None) == Claim::Got {
                        assert_eq!(drops.load(Ordering::SeqCst), 0, "polled after its drop");
                        if state.release() == Release::Abort {
                            drops.fetch_add(1, Ordering::SeqCst);
                            state.finish();
                        }
                    }
                })
            };
            if state.abort(1) == Claim::Got {
                drops.fetch_add(1, Ordering::SeqCst);
                state.finish();
            }
            poller.join().unwrap();
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert!(state.is_done());
        });
    }
}
