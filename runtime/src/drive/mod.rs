//! Who polls an actor's future: its own tokio task (the *pump*), spawned when it is first
//! needed, or a caller that is about to wait for the actor anyway.
//!
//! A spawned actor's whole life (its message loop, then its end) is one future, held by a
//! [`Drive`] and polled with the drive's own waker; so is a supervised actor's task, which runs
//! its incarnations one after another (see [`spawn_runner`](crate::spawn_runner)). Every mailbox
//! has a drive; it is armed with one future at a time. Whatever wakes the actor (a message to an
//! idle actor, a stop request, a kill, its last address going away) wakes the drive, which runs
//! the pump: a tokio task that polls the future, spawned on the actor's runtime the first time.
//! An actor nobody ever sends anything to costs no task.
//!
//! A caller that finds the actor idle and is about to wait for it polls the actor's future in
//! place instead, when nobody else is polling it: an ask (its message handed over outside the
//! lanes, see [`Mailbox::claim_idle`](crate::mailbox::Mailbox::claim_idle) and
//! [`Mailbox::hand_over`](crate::mailbox::Mailbox::hand_over)), a `stop_and_wait`
//! ([`Mailbox::run_or_wake`](crate::mailbox::Mailbox::run_or_wake)), a wait for a requested stop
//! ([`Drive::help`]). The actor handles the request in the caller's task, and the reply is there
//! when the caller looks, with no hand-off to another task and back (which on a multi-thread
//! runtime often means a hand-off to another worker). Such a poll is one ordinary poll of
//! the actor's future: the actor handles what its mailbox holds, in priority order, until it is
//! empty or its time slice is used up (it then yields, and its pump takes over), or until a
//! handler waits for something (which then wakes the pump, not the caller). It runs with the
//! actor's runtime entered, and at most [`MAX_DEPTH`] such polls nest on one thread (an actor
//! asking another from a handler that is itself run in place).
//!
//! A wake-up that one actor's poll gives to another, idle actor (a `tell` from a handler, a
//! reply to a handler waiting for it) is delivered right after that poll, in the same task, by
//! polling the woken actor in place (see [`stash`]): messages between actors need no hand-off
//! to another task either. Every poll in place spends a unit of the task's cooperative budget
//! (asks and stop waiters spend theirs in [`Addr`](crate::Addr)); with the budget used up, the
//! actor's pump is scheduled instead.
//!
//! See [`state`] for the protocol that keeps the pollers apart and loses no wake-up.

mod stash;
mod state;

use state::{Claim, DriveState, Generation, Release};
use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::atomic::{fence, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use tokio::runtime::{Handle, Id as RuntimeId};
use tokio::task::JoinHandle;

/// How many polls in place may nest on one thread.
pub(crate) const MAX_DEPTH: u8 = 4;

type ActorFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

thread_local! {
    /// Polls in place running on this thread right now.
    static DEPTH: Cell<u8> = const { Cell::new(0) };
}

/// An actor's future and the state of whoever polls it (see the module doc).
pub(crate) struct Drive {
    state: DriveState,
    /// Locked only by the holder of the `RUNNING` claim (uncontended), or to arm the drive.
    future: parking_lot::Mutex<Option<ActorFuture>>,
    /// The pump's waker, once it has run.
    pump: atomic_waker::AtomicWaker,
    /// The actor's runtime, from the first time the drive was armed: the pump is spawned there,
    /// and polls in place enter it (unless the poller runs on it already).
    runtime: OnceLock<(Handle, RuntimeId)>,
    /// Whether callers that wait for the actor may poll it in place (see
    /// [`SpawnOptions::own_task_only`](crate::SpawnOptions::own_task_only)).
    in_place: bool,
    /// Notified each time a future of the drive is over; created by the first caller that
    /// waits for that (see [`over`](Self::over)), so an actor nobody waits for carries one word.
    over: once_cell::race::OnceBox<tokio::sync::Notify>,
    /// The actor's name, for its task (only where a task can carry one).
    #[cfg(tokio_unstable)]
    name: parking_lot::Mutex<String>,
}

impl Drive {
    /// A drive with nothing to run yet (see [`arm`](Self::arm)); `in_place`: whether callers
    /// that wait for the actor may poll it in place, or only its own task does.
    pub(crate) fn new(in_place: bool) -> Arc<Self> {
        Arc::new(Drive {
            in_place,
            state: DriveState::new(),
            future: parking_lot::Mutex::new(None),
            pump: atomic_waker::AtomicWaker::new(),
            runtime: OnceLock::new(),
            over: once_cell::race::OnceBox::new(),
            #[cfg(tokio_unstable)]
            name: parking_lot::Mutex::new(String::new()),
        })
    }

    /// Give the drive the actor's future (named `name` for its task), on the current runtime.
    /// Nothing polls it until the drive is woken or a caller runs it. Hands the future back
    /// while the drive's previous future is not over.
    ///
    /// # Panics
    /// Outside a tokio runtime (like `tokio::spawn`).
    pub(crate) fn arm(
        self: &Arc<Self>,
        name: impl std::fmt::Display,
        future: ActorFuture,
    ) -> Result<(), ActorFuture> {
        self.arm_as(name, future, false).map(drop)
    }

    /// [`arm`](Self::arm), and spawn the pump now, which starts the future at once; returns the
    /// pump's handle.
    pub(crate) fn arm_and_spawn(
        self: &Arc<Self>,
        name: impl std::fmt::Display,
        future: ActorFuture,
    ) -> Result<JoinHandle<()>, ActorFuture> {
        let generation = self.arm_as(name, future, true)?;
        Ok(self.spawn_pump(self.handle(), generation))
    }

    fn arm_as(
        &self,
        name: impl std::fmt::Display,
        future: ActorFuture,
        eager: bool,
    ) -> Result<Generation, ActorFuture> {
        self.runtime.get_or_init(|| {
            let handle = Handle::current();
            let id = handle.id();
            (handle, id)
        });
        {
            // Not waited for: a slot that is locked or full belongs to a future not over yet
            // (being polled or dropped right now).
            let Some(mut slot) = self.future.try_lock() else {
                return Err(future);
            };
            if slot.is_some() {
                return Err(future);
            }
            *slot = Some(future);
        }
        let Some(generation) = self.state.arm(eager) else {
            // The previous future was taken out already and is being dropped (its poller calls
            // `finished` next and touches the slot no more): the slot is ours.
            let future = self.future.lock().take().expect("stored above");
            return Err(future);
        };
        #[cfg(tokio_unstable)]
        {
            *self.name.lock() = name.to_string();
        }
        #[cfg(not(tokio_unstable))]
        let _ = name;
        Ok(generation)
    }

    /// The waker the actor's future is polled with.
    pub(crate) fn waker(self: &Arc<Self>) -> Waker {
        futures_task::waker(self.clone())
    }

    /// Whether the actor's future is over (completed, or dropped by an abort).
    pub(crate) fn is_finished(&self) -> bool {
        self.state.is_done()
    }

    /// Drop the actor's future without running it further (a parent giving up on its child).
    /// If it is being polled right now, its poller drops it as it lets go.
    pub(crate) fn abort(self: &Arc<Self>) {
        self.abort_generation(self.state.generation());
    }

    /// [`abort`](Self::abort) the future of generation `of`, if it is still the drive's.
    fn abort_generation(&self, of: Generation) {
        if self.state.abort(of) == Claim::Got {
            let future = self.future.lock().take();
            drop(future);
            self.finished();
        }
    }

    /// Poll the actor's future here, in the caller's task, if nobody else is polling it: the
    /// caller has just woken the idle actor (the wake-up is its to deliver) and will wait for
    /// it. Returns `false` when it did not (somebody else holds the future, it is over, or too
    /// many polls in place nest here); the caller then delivers the wake-up as usual.
    pub(crate) fn run_here(self: &Arc<Self>) -> bool {
        if !self.claim_here() {
            return false;
        }
        self.run_claimed();
        true
    }

    /// The first half of [`run_here`](Self::run_here): claim the future, to poll it here with
    /// [`run_claimed`](Self::run_claimed). `false` when somebody else holds it, it is over, or
    /// too many polls in place nest here.
    #[inline]
    pub(crate) fn claim_here(&self) -> bool {
        self.claim_in_place(false)
    }

    /// Poll the actor's future here if it was woken and nobody has got to it yet: the caller is
    /// about to wait for the actor (to stop, say).
    pub(crate) fn help(self: &Arc<Self>) {
        if self.claim_in_place(true) {
            self.run_claimed();
        }
    }

    /// Claim the future for a poll in place (one that needs a wake-up if `woken`), unless too
    /// many such polls nest here already.
    #[inline]
    fn claim_in_place(&self, woken: bool) -> bool {
        self.in_place && DEPTH.get() < MAX_DEPTH && self.state.claim(woken, None) == Claim::Got
    }

    /// Poll the future claimed with [`claim_here`](Self::claim_here) here, as the actor, on the
    /// actor's runtime, then let go of it and deliver the wake-up its poll stashed.
    pub(crate) fn run_claimed(self: &Arc<Self>) {
        let _runtime = self.handle().enter();
        let stashed = self.poll_here();
        deliver(stashed, self.runtime_id());
    }

    /// Poll the claimed future here, in place (the caller has entered the actor's runtime), and
    /// let go of it; returns the wake-up its poll stashed, for the caller to deliver.
    fn poll_here(self: &Arc<Self>) -> Option<Arc<Drive>> {
        DEPTH.set(DEPTH.get() + 1);
        let waker = futures_task::waker_ref(self);
        let (released, stashed) = self.poll_claimed(&waker);
        DEPTH.set(DEPTH.get() - 1);
        if released == Some(Release::Notified) {
            self.schedule();
        }
        stashed
    }

    /// Poll the claimed future once with `waker` and let go of it. Returns how it was let go
    /// (`None` once it is over: completed, panicked, or aborted meanwhile) and the wake-up its
    /// poll stashed (see [`stash`]), which the caller delivers.
    fn poll_claimed(self: &Arc<Self>, waker: &Waker) -> (Option<Release>, Option<Arc<Drive>>) {
        let mut slot = self.future.lock();
        let collecting = stash::Collecting::open();
        let done = match slot.as_mut() {
            Some(future) => {
                let mut cx = Context::from_waker(waker);
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
                    Ok(Poll::Pending) => false,
                    Ok(Poll::Ready(())) => true,
                    Err(_) => {
                        // The runner catches handlers' and hooks' panics; this is a bug of ours.
                        tracing::error!(target: "actor_system::actor", "an actor's task panicked; the actor is dropped");
                        true
                    }
                }
            }
            None => true,
        };
        let stashed = collecting.close();
        if !done {
            // Unlocked first: whoever claims the future next locks it at once.
            drop(slot);
            match self.state.release() {
                // Still ours: the pump went away meanwhile, and the future goes with it.
                Release::Abort => slot = self.future.lock(),
                released => return (Some(released), stashed),
            }
        }
        // Dropped under the claim: an abort racing us leaves the future to us.
        let future = slot.take();
        drop(slot);
        drop(future);
        self.finished();
        (None, stashed)
    }

    /// The future is over (and dropped): wake whoever waits for that, and a pump parked on it,
    /// which must end its task.
    fn finished(&self) {
        let pump_parked = self.state.finish();
        // Pairs with the fence in `over`: either this load sees the waiter's `Notify`, or the
        // waiter's load of the state sees `DONE`.
        fence(Ordering::SeqCst);
        if let Some(over) = self.over.get() {
            over.notify_waiters();
        }
        if pump_parked {
            self.pump.wake();
        }
    }

    /// Wait until the drive's current future is over: it completed or was aborted, and it has
    /// been dropped, with everything it held (the actor, its context, a supervisor's factory).
    /// Ready at once for a drive with no future (never armed, or between two).
    pub(crate) async fn over(&self) {
        let over = self.over.get_or_init(Default::default);
        loop {
            let mut notified = pin!(over.notified());
            notified.as_mut().enable();
            // Pairs with the fence in `finished` (a store of `DONE` there, a load here).
            fence(Ordering::SeqCst);
            if self.state.is_done() {
                return;
            }
            notified.await;
        }
    }

    /// Have the pump poll the future: spawn it the first time, wake it after.
    pub(super) fn schedule(self: &Arc<Self>) {
        if self.state.launch() {
            // A runtime that is gone drops the pump at once, which drops the future (`Pump`'s
            // `Drop`): the actor ends, and so do its pending asks.
            self.spawn_pump(self.handle(), self.state.generation());
        } else {
            self.pump.wake();
        }
    }

    /// Spawn the pump of the future of generation `of` on `handle`'s runtime.
    fn spawn_pump(self: &Arc<Self>, handle: &Handle, of: Generation) -> JoinHandle<()> {
        #[cfg(tokio_unstable)]
        let name = self.name.lock().clone();
        #[cfg(not(tokio_unstable))]
        let name = "";
        let pump = Pump {
            waker: self.waker(),
            drive: self.clone(),
            generation: of,
        };
        spawn_actor_task_on(handle, name, pump)
    }

    /// The actor's runtime (set when the drive was first armed, before anything can run it).
    fn handle(&self) -> &Handle {
        &self
            .runtime
            .get()
            .expect("a drive is armed before it runs")
            .0
    }

    /// The id of the actor's runtime.
    fn runtime_id(&self) -> RuntimeId {
        self.runtime
            .get()
            .expect("a drive is armed before it runs")
            .1
    }
}

impl Drive {
    /// The actor's future was woken: have it polled (see the module doc).
    pub(crate) fn wake_by_ref(self: &Arc<Self>) {
        // Woken idle from inside another actor's poll: that poller delivers it (see `stash`).
        if self.state.notify() && !(self.in_place && stash::offer(self)) {
            self.schedule();
        }
    }
}

/// `futures-task`'s waker protocol rather than `std::task::Wake`: it also lends a waker for one
/// poll without touching the reference count ([`futures_task::waker_ref`]), which every poll in
/// place uses; owned and lent wakers share one vtable, so a waker registered by one kind of poll
/// `will_wake` for the other.
impl futures_task::ArcWake for Drive {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        Drive::wake_by_ref(arc_self);
    }
}

/// How many stashed wake-ups one delivery runs in place at most, whatever the budget (outside
/// a runtime there is none): tokio's own budget per poll.
const MAX_CHAINED_RUNS: u32 = 128;

/// Deliver a stashed wake-up (see [`stash`]) from a poller running on the runtime `on`: run
/// the woken actor in place while the task has budget (its poll may stash the next one,
/// delivered in turn), otherwise schedule its pump.
fn deliver(mut next: Option<Arc<Drive>>, on: RuntimeId) {
    let mut runs_left = MAX_CHAINED_RUNS;
    while let Some(drive) = next.take() {
        if DEPTH.get() >= MAX_DEPTH || !stash::spend_budget(&mut runs_left) {
            drive.schedule();
            return;
        }
        // Not got: someone else polls it now, or already ran it, and sees the wake-up.
        if drive.state.claim(true, None) == Claim::Got {
            next = if drive.runtime_id() == on {
                drive.poll_here()
            } else {
                let _runtime = drive.handle().enter();
                drive.poll_here()
            };
        }
    }
}

/// The actor's own task: polls the drive's future whenever it is woken, until it is over.
pub(crate) struct Pump {
    drive: Arc<Drive>,
    /// The drive's waker, built once (not per poll).
    waker: Waker,
    /// The drive's future this pump runs (a later one is not its business).
    generation: Generation,
}

impl Future for Pump {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let drive = &self.drive;
        drive.pump.register(cx.waker());
        match drive.state.claim(true, Some(self.generation)) {
            Claim::Got => {
                let (released, stashed) = drive.poll_claimed(&self.waker);
                deliver(stashed, drive.runtime_id());
                match released {
                    None => Poll::Ready(()),
                    Some(Release::Notified) => {
                        // Woken while it ran: run again, after the runtime's other tasks.
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    Some(_) => Poll::Pending,
                }
            }
            Claim::Done => Poll::Ready(()),
            // Not woken, or polled in place right now (that poller schedules us if need be).
            Claim::Busy | Claim::Idle => Poll::Pending,
        }
    }
}

impl Drop for Pump {
    /// The task went away (aborted, or its runtime shut down): the actor ends with it.
    fn drop(&mut self) {
        self.drive.abort_generation(self.generation);
    }
}

/// Spawn the task that runs an actor named `name`. Built with `--cfg tokio_unstable`, the task
/// carries the actor's name, which `tokio-console` shows (see the facade's `tokio-console`
/// feature); otherwise this is `tokio::spawn`.
///
/// # Panics
/// Outside a tokio runtime (like `tokio::spawn`).
pub fn spawn_actor_task<F>(name: impl std::fmt::Display, task: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_actor_task_on(&tokio::runtime::Handle::current(), name, task)
}

/// [`spawn_actor_task`] on the runtime behind `handle`.
pub(crate) fn spawn_actor_task_on<F>(
    handle: &tokio::runtime::Handle,
    name: impl std::fmt::Display,
    task: F,
) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[cfg(tokio_unstable)]
    {
        tokio::task::Builder::new()
            .name(&format!("actor:{name}"))
            .spawn_on(task, handle)
            .expect("spawning a task on the actor's runtime")
    }
    #[cfg(not(tokio_unstable))]
    {
        let _ = name;
        handle.spawn(task)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its drops.
    struct Dropped(Arc<AtomicUsize>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// An abort that comes while the future is polled in place (here: from inside that poll)
    /// leaves the future to the poller, which drops it as it lets go; nothing polls it again.
    #[tokio::test]
    async fn an_abort_during_a_poll_in_place_drops_the_future_as_the_poll_ends() {
        let drive = Drive::new(true);
        let drops = Arc::new(AtomicUsize::new(0));
        let polls = Arc::new(AtomicUsize::new(0));
        let future = {
            let (drive, dropped, polls) = (drive.clone(), Dropped(drops.clone()), polls.clone());
            std::future::poll_fn(move |_| {
                let _keep = &dropped;
                polls.fetch_add(1, Ordering::SeqCst);
                drive.abort();
                Poll::Pending
            })
        };
        assert!(drive.arm("test", Box::pin(future)).is_ok());
        assert!(drive.run_here());
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped by the poller");
        assert!(drive.is_finished());
        assert!(!drive.run_here(), "nothing left to run");
        drive.wake_by_ref();
        tokio::task::yield_now().await;
        assert_eq!(polls.load(Ordering::SeqCst), 1, "and no pump polls it");
    }

    /// A drive is armed again once its future is over; a second arm before that hands the new
    /// future back.
    #[tokio::test]
    async fn a_drive_takes_a_new_future_only_once_the_last_is_over() {
        let drive = Drive::new(true);
        assert!(drive.arm("first", Box::pin(std::future::pending())).is_ok());
        assert!(drive.arm("second", Box::pin(async {})).is_err(), "busy");
        drive.abort();
        let pump = drive
            .arm_and_spawn("second", Box::pin(async {}))
            .unwrap_or_else(|_| panic!("the first future is over"));
        pump.await.unwrap();
        assert!(drive.is_finished());
    }
}
