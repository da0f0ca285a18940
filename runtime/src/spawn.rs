//! Spawning actors: the simple [`spawn`] and the [`ActorCell`] a supervisor restarts actors on.

use crate::drive::Drive;
use crate::mailbox::{LanePicker, Mailbox};
use crate::runner::{self, Begin};
use crate::shared::Shared;
use crate::{
    Actor, ActorError, ActorState, Addr, ConfigError, Context, DeadLetters, DropReason, ExitReason,
    MailboxConfig, SpawnError,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a stopping parent waits for each linked child before aborting it.
pub const CHILD_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Name, mailbox and dead-letter sink of an actor to spawn.
///
/// ```
/// use actor_system_runtime::{spawn_with, Actor, MailboxConfig, SpawnOptions};
///
/// struct Storage;
/// impl Actor for Storage {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let opts = SpawnOptions::new().name("storage").mailbox(MailboxConfig::bounded(1024));
/// let addr = spawn_with(Storage, opts).await.unwrap();
/// assert_eq!(addr.name(), "storage");
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct SpawnOptions {
    name: Option<String>,
    mailbox: MailboxConfig,
    dead_letters: Option<DeadLetters>,
    own_task_only: bool,
}

impl SpawnOptions {
    /// Defaults: named after the actor type, unbounded mailbox, global dead letters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Name the actor (used in logs, metrics labels and dead letters).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Configure the mailbox.
    pub fn mailbox(mut self, config: MailboxConfig) -> Self {
        self.mailbox = config;
        self
    }

    /// Report undeliverable messages to `sink` instead of [`DeadLetters::global`].
    pub fn dead_letters(mut self, sink: DeadLetters) -> Self {
        self.dead_letters = Some(sink);
        self
    }

    /// Report to `sink` unless a sink was already chosen.
    pub fn default_dead_letters(mut self, sink: DeadLetters) -> Self {
        self.dead_letters.get_or_insert(sink);
        self
    }

    /// Run the actor only on its own tokio task (`true`), never in the task of a caller that
    /// waits for it (the default, `false`, lets an [`ask`](Addr::ask) that finds the actor idle
    /// run its handler in the asking task; see [`Addr::ask`]). Opt out for an actor whose hooks
    /// and handlers rely on their task: task-locals, `tokio::task::block_in_place`, or long
    /// CPU-bound handlers that should not run on the asker's worker. Its `started` hook then
    /// runs on its own task too, and `spawn` returns once it has.
    ///
    /// ```
    /// use actor_system_runtime::{spawn_with, Actor, Context, Handler, Message, SpawnOptions};
    ///
    /// struct Hasher;
    /// impl Actor for Hasher {}
    /// struct Digest(Vec<u8>);
    /// impl Message for Digest { type Result = usize; }
    /// impl Handler<Digest> for Hasher {
    ///     async fn handle(&mut self, msg: Digest, _: &mut Context<Self>) -> usize {
    ///         msg.0.len() // CPU-heavy work would go here, off the asker's worker
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let hasher = spawn_with(Hasher, SpawnOptions::new().own_task_only(true)).await.unwrap();
    /// assert_eq!(hasher.ask(Digest(vec![0; 32])).await, Ok(32));
    /// # }
    /// ```
    pub fn own_task_only(mut self, own_task_only: bool) -> Self {
        self.own_task_only = own_task_only;
        self
    }
}

/// Spawn `actor` on the current tokio runtime; resolves once its `started` hook succeeded.
///
/// The hook runs in the calling task (with the actor's context, as the actor). The actor's own
/// task, which handles its messages, is spawned on this runtime when the actor first has
/// something to do that nobody is waiting for (a message, a stop request, a kill, its last
/// address going away): an actor nobody sends anything to costs no task. An [`ask`](Addr::ask)
/// that finds the actor idle has it handle the request in the asking task instead, without a
/// hand-off to the actor's task and back (its handler runs with the actor's runtime entered;
/// if it waits for something, the actor's task takes over). Dropping the returned future while
/// `started` runs ends the actor (its addresses see it stopped).
///
/// # Panics
/// Outside a tokio runtime (like `tokio::spawn`).
pub async fn spawn<A: Actor>(actor: A) -> Result<Addr<A>, SpawnError> {
    spawn_with(actor, SpawnOptions::new()).await
}

/// [`spawn`] with options.
pub async fn spawn_with<A: Actor>(actor: A, options: SpawnOptions) -> Result<Addr<A>, SpawnError> {
    spawn_driven(actor, options).await.map(|(addr, _)| addr)
}

/// Spawn a child actor: its parent keeps the link, to stop it and, if it will not stop, drop it.
pub(crate) async fn spawn_task<A: Actor>(
    actor: A,
    options: SpawnOptions,
) -> Result<(Addr<A>, ChildLink), SpawnError> {
    let (addr, drive) = spawn_driven(actor, options).await?;
    let control = addr.shared.clone();
    Ok((addr, ChildLink { control, drive }))
}

/// Run `actor`'s `started` hook here, in the caller's task, then hand the rest of its life to
/// a [`Drive`] (see the `drive` module): its task is spawned when first needed. An actor that
/// runs on its own task only starts there.
async fn spawn_driven<A: Actor>(
    actor: A,
    options: SpawnOptions,
) -> Result<(Addr<A>, Arc<Drive>), SpawnError> {
    let own_task_only = options.own_task_only;
    let cell = ActorCell::new(options)?;
    let addr = cell.address();
    let drive = addr.shared.drive.clone();
    if own_task_only {
        start_on_own_task(cell, actor).await?;
        return Ok((addr, drive));
    }
    // Running `started` here is work done in the caller's task: it spends a unit of the task's
    // cooperative budget, and yields first when the budget is used up, like a channel receive.
    tokio::task::coop::consume_budget().await;
    let mut actor = actor;
    // `started` runs here, in the caller's task: spawn returns as soon as it succeeded, without
    // a hand-off to the new task and back (the task could run on another worker).
    let ctx = match runner::start_in_caller(&cell.shared, &mut actor).await {
        Ok(ctx) => ctx,
        Err(error) => {
            cell.finish(ExitReason::Failed(error.clone()));
            return Err(SpawnError::StartFailed(error));
        }
    };
    // `started` may have stopped or failed the actor already (`ctx.stop()`, `ctx.fail(..)`):
    // its loop sees that first, so it must run at once.
    let ending = ctx.is_stopping();
    // Boxed: the drive holds it pinned and type-erased for the actor's whole life (its pump's
    // task cell, when it has one, holds only the drive). `actor_task` holds the actor, context
    // and cell once (see `runner::run`).
    let armed = drive.arm(
        addr.mailbox().display_name(),
        Box::pin(actor_task(cell, actor, ctx)),
    );
    debug_assert!(armed.is_ok(), "a new mailbox's drive is free");
    // As if the actor had looked at its empty mailbox and parked: whatever would wake it now
    // wakes the drive. Something queued already (by `started`, say) wakes it at once.
    if !addr.mailbox().park_consumer(&drive.waker()) || ending {
        drive.wake_by_ref();
    }
    Ok((addr, drive))
}

/// Spawn the task of an actor that runs on its own task only and wait for its `started` hook.
async fn start_on_own_task<A: Actor>(mut cell: ActorCell<A>, actor: A) -> Result<(), SpawnError> {
    let (report, started) = oneshot::channel();
    let drive = cell.shared.drive.clone();
    let name = cell.shared.mailbox.name().to_owned();
    let armed = drive.arm_and_spawn(
        name,
        Box::pin(async move {
            let reason = cell.run(actor, Some(report)).await;
            cell.finish(reason);
        }),
    );
    debug_assert!(armed.is_ok(), "a new mailbox's drive is free");
    match started.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(SpawnError::StartFailed(error)),
        Err(_) => Err(SpawnError::StartFailed(ActorError::panicked(
            "the actor's task ended before its started hook did",
        ))),
    }
}

/// The task of a spawned actor whose `started` hook ran: handle messages until the actor ends,
/// then finish its mailbox. The actor, its context and its cell are held once, in place.
#[allow(clippy::manual_async_fn)] // an `async fn` would hold its arguments twice
fn actor_task<A: Actor>(
    mut cell: ActorCell<A>,
    mut actor: A,
    mut ctx: Context<A>,
) -> impl Future<Output = ()> + Send {
    async move {
        let (mailbox, picker) = (&cell.shared.mailbox, &mut cell.picker);
        let reason = runner::run(mailbox, picker, &mut actor, &mut ctx, Begin::Started).await;
        cell.finish(reason);
    }
}

/// Spawn `task`, the future that runs the actor behind `addr`: one that takes the actor's
/// [`ActorCell`] and runs its incarnations, as a supervisor's child task does. It runs as the
/// actor's own task, and, as for an actor started with [`spawn`], an ask that finds the actor
/// idle polls `task` in the asking task (see [`spawn`]). The handle works as a
/// [`tokio::spawn`]'s: awaiting it waits for `task` to end, aborting it drops `task`.
///
/// An actor has one such task at a time: while its previous one is not over (or for an actor
/// started with [`spawn`]), `task` is spawned as a plain task, with no in-place runs.
///
/// ```
/// use actor_system_runtime::{spawn_runner, Actor, ActorCell, ExitReason, SpawnOptions};
///
/// struct Worker;
/// impl Actor for Worker {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut cell = ActorCell::<Worker>::new(SpawnOptions::new()).unwrap();
/// let addr = cell.address();
/// let task = spawn_runner(&addr, "worker", async move {
///     // A supervisor would restart the actor here when it fails.
///     let reason = cell.run(Worker, None).await;
///     cell.finish(reason);
/// });
/// assert_eq!(addr.stop_and_wait().await.unwrap(), ExitReason::Normal);
/// task.await.unwrap();
/// # }
/// ```
///
/// # Panics
/// Outside a tokio runtime (like `tokio::spawn`).
pub fn spawn_runner<A, F>(addr: &Addr<A>, name: &str, task: F) -> JoinHandle<()>
where
    A: Actor,
    F: Future<Output = ()> + Send + 'static,
{
    addr.shared
        .drive
        .arm_and_spawn(name, Box::pin(task))
        .unwrap_or_else(|task| crate::drive::spawn_actor_task(name, task))
}

/// The consuming end of an actor's mailbox: runs incarnations of the actor on it.
///
/// [`spawn`] uses one internally. A supervisor keeps the cell across failures and runs a fresh
/// instance on the same mailbox, so addresses handed out earlier keep working.
///
/// ```
/// use actor_system_runtime::{ActorCell, Actor, ExitReason, SpawnOptions};
///
/// struct Worker;
/// impl Actor for Worker {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut cell = ActorCell::<Worker>::new(SpawnOptions::new()).unwrap();
/// let addr = cell.address();
/// addr.stop();
/// assert_eq!(cell.run(Worker, None).await, ExitReason::Normal);
/// cell.finish(ExitReason::Normal);
/// assert!(!addr.is_alive());
/// # }
/// ```
pub struct ActorCell<A: Actor> {
    shared: Arc<Shared<A>>,
    picker: LanePicker,
}

impl<A: Actor> ActorCell<A> {
    /// A new mailbox, validated, with no actor running on it yet.
    pub fn new(options: SpawnOptions) -> Result<Self, ConfigError> {
        options.mailbox.validate()?;
        let name = options.name.map(Arc::from);
        let mailbox = Mailbox::new(
            name,
            options.mailbox,
            options.dead_letters.unwrap_or_default(),
        );
        Ok(ActorCell {
            picker: LanePicker::new(options.mailbox.fairness),
            shared: Arc::new(Shared::new(mailbox, !options.own_task_only)),
        })
    }

    /// An address of the mailbox (valid across incarnations).
    pub fn address(&self) -> Addr<A> {
        Addr::new(self.shared.clone())
    }

    /// Run one incarnation until it stops or fails. `started` receives the result of its
    /// `started` hook. Queued messages stay queued for the next incarnation.
    pub fn run(
        &mut self,
        actor: A,
        started: Option<oneshot::Sender<Result<(), ActorError>>>,
    ) -> impl Future<Output = ExitReason> + Send + '_ {
        // Not an `async fn`: its arguments would be stored twice in every actor task.
        let mut ctx = Context::new(self.shared.clone());
        let mut actor = actor;
        async move {
            let (mailbox, picker) = (&self.shared.mailbox, &mut self.picker);
            runner::run(mailbox, picker, &mut actor, &mut ctx, Begin::Start(started)).await
        }
    }

    /// The actor's current lifecycle state.
    pub fn state(&self) -> ActorState {
        self.shared.mailbox.lifecycle.state()
    }

    /// An incarnation that could not even be built (its constructor failed, see
    /// [`FromConfig`](crate::FromConfig)): count it as a failed start of the actor, as a
    /// `started` hook that fails is counted, and return `error` as such a failure (of kind
    /// [`FailureKind::StartFailed`](crate::FailureKind::StartFailed)), for its supervisor.
    pub fn start_failed(&self, error: ActorError) -> ActorError {
        let mailbox = &self.shared.mailbox;
        mailbox.record_failure();
        tracing::warn!(target: "actor_system::actor", actor = %mailbox.name(), error = %error, "actor could not be built");
        error.with_kind(crate::FailureKind::StartFailed)
    }

    /// Mark the actor as waiting to be restarted (for introspection) and count the restart.
    pub fn mark_restarting(&self) {
        self.shared
            .mailbox
            .lifecycle
            .set_state(ActorState::Restarting);
        self.shared.mailbox.stats.record_restart();
    }

    /// End the actor for good: refuse new messages, dead-letter what is queued (pending asks
    /// get [`AskError::Stopped`](crate::AskError::Stopped)), and publish `reason` to waiters.
    pub fn finish(self, reason: ExitReason) {
        finish_mailbox(&self.shared.mailbox, reason);
    }
}

impl<A: Actor> Drop for ActorCell<A> {
    /// A cell dropped without [`finish`](Self::finish) (e.g. its task was aborted) still ends
    /// its actor: addresses see it stopped and queued asks resolve.
    fn drop(&mut self) {
        if self.shared.mailbox.lifecycle.state() != ActorState::Stopped {
            finish_mailbox(&self.shared.mailbox, ExitReason::Aborted);
        }
    }
}

fn finish_mailbox<A: Actor>(mailbox: &Mailbox<A>, reason: ExitReason) {
    mailbox.close();
    mailbox.drain(DropReason::ActorStopped);
    mailbox.lifecycle.terminate(reason);
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Type-erased control of a child actor.
trait ChildControl: Send + Sync {
    fn request_stop(&self);
    fn wait(&self) -> BoxFuture<'_, ExitReason>;
    fn abandon(&self);
}

impl<A: Actor> ChildControl for Shared<A> {
    fn request_stop(&self) {
        self.mailbox.request_stop();
    }

    fn wait(&self) -> BoxFuture<'_, ExitReason> {
        Box::pin(self.stopped())
    }

    fn abandon(&self) {
        finish_mailbox(&self.mailbox, ExitReason::Aborted);
    }
}

/// A parent's link to a child actor spawned through its context.
pub(crate) struct ChildLink {
    control: Arc<dyn ChildControl>,
    drive: Arc<Drive>,
}

impl ChildLink {
    pub(crate) fn request_stop(&self) {
        self.control.request_stop();
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.drive.is_finished()
    }

    /// Stop the child and wait for it, aborting it after [`CHILD_SHUTDOWN_TIMEOUT`].
    pub(crate) async fn shutdown(self) {
        self.control.request_stop();
        if tokio::time::timeout(CHILD_SHUTDOWN_TIMEOUT, self.control.wait())
            .await
            .is_err()
        {
            self.drive.abort();
            self.control.abandon();
        }
    }
}

#[cfg(test)]
mod size_tests {
    /// An idle actor's memory is mostly its task: keep the task future of a small actor small
    /// (it holds the handler's inline future, the context and the loop's state).
    #[test]
    fn a_small_actors_task_stays_small() {
        struct Counter(#[allow(dead_code)] u64);
        impl crate::Actor for Counter {}
        let cell = super::ActorCell::<Counter>::new(super::SpawnOptions::new()).unwrap();
        let ctx = crate::Context::new(cell.shared.clone());
        let task = super::actor_task(cell, Counter(0), ctx);
        let size = std::mem::size_of_val(&task);
        // The bound is the last size before glibc's allocation grows a step (history and the
        // resident memory per idle actor in docs/performance.md).
        assert!(size <= 472, "actor task future is {size} bytes");
    }

    /// The rest of an idle actor is its mailbox: lanes, the signal queue, the end-of-life
    /// parts and the rarely changing counters are allocated when first needed.
    #[test]
    fn an_idle_mailbox_stays_small() {
        struct Counter;
        impl crate::Actor for Counter {}
        // What an address points at: the mailbox and the drive's pointer. Lanes, the signal
        // queue, the end-of-life parts and the rarely changing counters are out of line, created
        // on first use (figures in docs/performance.md).
        let size = std::mem::size_of::<crate::shared::Shared<Counter>>();
        assert!(size <= 208, "mailbox and drive pointer take {size} bytes");
    }
}

#[cfg(all(test, not(loom)))]
mod run_tests {
    use crate::{Actor, ActorCell, Context, ExitReason, Handler, Message, SpawnOptions};
    use std::time::Duration;

    struct Echo;
    impl Actor for Echo {}
    struct Say(u32);
    impl Message for Say {
        type Result = u32;
    }
    impl Handler<Say> for Echo {
        async fn handle(&mut self, msg: Say, _: &mut Context<Self>) -> u32 {
            msg.0
        }
    }

    /// An ask to an idle actor with nothing queued is handed to it directly: its lanes (a
    /// queue and its first block each, once used) are never created.
    #[tokio::test]
    async fn asks_answered_in_place_leave_the_lanes_unused() {
        let (addr, _) = super::spawn_driven(Echo, SpawnOptions::new())
            .await
            .unwrap();
        for i in 0..3 {
            assert_eq!(addr.ask(Say(i)).await, Ok(i));
        }
        assert_eq!(addr.mailbox().lanes_in_use(), 0);
        // A message nobody waits for goes through a lane, and an ask behind it too.
        addr.tell(Say(7)).unwrap();
        assert_eq!(addr.ask(Say(8)).await, Ok(8));
        assert_eq!(addr.mailbox().lanes_in_use(), 1);
    }

    /// A mailbox closed under a running incarnation (a parent that gave up waiting for its child
    /// abandons it) ends the incarnation: a closed mailbox is always ready, so waiting on it
    /// would spin.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_mailbox_closed_under_a_running_actor_ends_it() {
        struct Idle;
        impl Actor for Idle {}
        let mut cell = ActorCell::<Idle>::new(SpawnOptions::new()).unwrap();
        let shared = cell.shared.clone();
        let _addr = cell.address(); // a live address: the actor does not end for lack of senders
        let run = tokio::spawn(async move { cell.run(Idle, None).await });
        tokio::time::sleep(Duration::from_millis(20)).await; // let it park
        shared.mailbox.close();
        let reason = tokio::time::timeout(Duration::from_secs(5), run)
            .await
            .expect("the incarnation ended")
            .unwrap();
        assert_eq!(reason, ExitReason::Normal);
    }
}
