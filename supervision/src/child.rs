//! Child specifications and the task that runs a child's incarnations on one mailbox.

use crate::{RestartDelay, RestartPolicy, Supervisor};
use actor_system_runtime::{
    Actor, ActorCell, ActorError, ActorState, Addr, ExitReason, SpawnOptions,
};
use parking_lot::Mutex;
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How a supervisor runs one child.
///
/// ```
/// use actor_system_runtime::Actor;
/// use actor_system_supervision::{ChildSpec, RestartDelay, RestartPolicy};
/// use std::time::Duration;
///
/// struct Storage { path: String }
/// impl Actor for Storage {}
///
/// let spec = ChildSpec::new("storage", || Storage { path: "/data".into() })
///     .restart(RestartPolicy::Permanent)
///     .delay(RestartDelay::FixedDelay(Duration::from_millis(100)))
///     .shutdown_timeout(Duration::from_secs(2));
/// let chain = ChildSpec::new("chain", || Storage { path: String::new() }).depends_on(["storage"]);
/// assert_eq!(spec.name(), "storage");
/// ```
pub struct ChildSpec<A: Actor> {
    pub(crate) name: String,
    pub(crate) factory: Arc<dyn Fn() -> A + Send + Sync>,
    pub(crate) settings: ChildSettings,
    pub(crate) options: SpawnOptions,
    /// Run when the child ends for good (a nested supervisor ends its own children).
    pub(crate) finalizer: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// The type-independent part of a child spec.
#[derive(Debug, Clone)]
pub(crate) struct ChildSettings {
    pub(crate) restart: RestartPolicy,
    pub(crate) delay: RestartDelay,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) depends_on: Vec<String>,
    pub(crate) dependency_timeout: Duration,
}

impl<A: Actor> ChildSpec<A> {
    /// A permanent child named `name`, built by `factory` for every incarnation; restarts at
    /// once, 5 s to shut down, no dependencies.
    pub fn new(name: impl Into<String>, factory: impl Fn() -> A + Send + Sync + 'static) -> Self {
        let name = name.into();
        ChildSpec {
            options: SpawnOptions::new().name(name.clone()),
            name,
            factory: Arc::new(factory),
            finalizer: None,
            settings: ChildSettings {
                restart: RestartPolicy::Permanent,
                delay: RestartDelay::Immediate,
                shutdown_timeout: Duration::from_secs(5),
                depends_on: Vec::new(),
                dependency_timeout: Duration::from_secs(30),
            },
        }
    }

    /// The child's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When to restart it.
    pub fn restart(mut self, policy: RestartPolicy) -> Self {
        self.settings.restart = policy;
        self
    }

    /// How long to wait before a restart.
    pub fn delay(mut self, delay: RestartDelay) -> Self {
        self.settings.delay = delay;
        self
    }

    /// How long a graceful stop may take before the child is aborted.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = timeout;
        self
    }

    /// Siblings that must be running before this child is restarted.
    pub fn depends_on<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.settings.depends_on = names.into_iter().map(Into::into).collect();
        self
    }

    /// How long a restart waits for dependencies before going ahead anyway (default 30 s).
    pub fn dependency_timeout(mut self, timeout: Duration) -> Self {
        self.settings.dependency_timeout = timeout;
        self
    }

    /// Report undeliverable messages to `sink` unless the options already name a sink.
    pub fn default_dead_letters(mut self, sink: actor_system_runtime::DeadLetters) -> Self {
        self.options = self.options.default_dead_letters(sink);
        self
    }

    /// Mailbox and dead-letter options of the child.
    pub fn options(mut self, options: SpawnOptions) -> Self {
        self.options = options.name(self.name.clone());
        self
    }
}

/// What the supervisor tells a child's task after an incarnation ended.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Run a new incarnation after the delay.
    Restart(Duration),
    /// End the actor for good.
    Finish,
}

/// Reports from a child's task to its supervisor.
pub(crate) struct ChildExited {
    pub(crate) name: String,
    pub(crate) reason: ExitReason,
    pub(crate) decide: oneshot::Sender<Decision>,
}

impl actor_system_runtime::Message for ChildExited {
    type Result = ();
    const PRIORITY: actor_system_runtime::Priority = actor_system_runtime::Priority::Critical;
}

pub(crate) struct ChildStarted {
    pub(crate) name: String,
}

impl actor_system_runtime::Message for ChildStarted {
    type Result = ();
    const PRIORITY: actor_system_runtime::Priority = actor_system_runtime::Priority::Critical;
}

/// A child whatever its actor type: its mailbox (kept across restarts of the child and of the
/// supervisor), its factory, and control of its task.
pub(crate) trait Child: Send + Sync {
    fn name(&self) -> &str;
    fn settings(&self) -> &ChildSettings;
    /// Start the child's task; the receiver gets the first incarnation's start result.
    fn start(
        &self,
        supervisor: Addr<Supervisor>,
    ) -> (JoinHandle<()>, oneshot::Receiver<Result<(), ActorError>>);
    fn stop(&self);
    fn kill(&self, error: ActorError);
    fn state(&self) -> ActorState;
    /// While set, an ending incarnation parks its mailbox instead of reporting.
    fn set_parking(&self, parking: bool);
    fn address(&self) -> &dyn Any;
    /// End a parked (not running) child for good.
    fn finish_parked(&self);
}

pub(crate) struct TypedChild<A: Actor> {
    name: String,
    settings: ChildSettings,
    factory: Arc<dyn Fn() -> A + Send + Sync>,
    cell: Arc<Mutex<Option<ActorCell<A>>>>,
    addr: Addr<A>,
    parking: Arc<AtomicBool>,
    finalizer: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl<A: Actor> TypedChild<A> {
    pub(crate) fn new(spec: ChildSpec<A>) -> Result<Self, actor_system_runtime::ConfigError> {
        let cell = ActorCell::new(spec.options)?;
        Ok(TypedChild {
            addr: cell.address(),
            name: spec.name,
            settings: spec.settings,
            factory: spec.factory,
            cell: Arc::new(Mutex::new(Some(cell))),
            parking: Arc::new(AtomicBool::new(false)),
            finalizer: spec.finalizer,
        })
    }
}

impl<A: Actor> TypedChild<A> {
    pub(crate) fn addr(&self) -> &Addr<A> {
        &self.addr
    }
}

impl<A: Actor> Child for TypedChild<A> {
    fn name(&self) -> &str {
        &self.name
    }

    fn settings(&self) -> &ChildSettings {
        &self.settings
    }

    fn start(
        &self,
        supervisor: Addr<Supervisor>,
    ) -> (JoinHandle<()>, oneshot::Receiver<Result<(), ActorError>>) {
        let (first_tx, first_rx) = oneshot::channel();
        let slot = self.cell.clone();
        let factory = self.factory.clone();
        let parking = self.parking.clone();
        let name = self.name.clone();
        // The actor's own task, across restarts; asks that find the actor idle run it in place.
        let task = actor_system_runtime::spawn_runner(&self.addr, &self.name, async move {
            let Some(mut cell) = slot.lock().take() else {
                let _ = first_tx.send(Err(ActorError::fatal("child is already running")));
                return;
            };
            let mut first = Some(first_tx);
            loop {
                let (started_tx, started_rx) = oneshot::channel();
                let first_report = first.take();
                let initial = first_report.is_some();
                let report_start = async {
                    let result = started_rx.await.unwrap_or_else(|_| {
                        Err(ActorError::panicked(
                            "the incarnation ended before starting",
                        ))
                    });
                    let ok = result.is_ok();
                    match first_report {
                        Some(tx) => {
                            let _ = tx.send(result);
                        }
                        None if ok => {
                            let _ = supervisor.tell(ChildStarted { name: name.clone() });
                        }
                        None => {}
                    }
                    ok
                };
                let (reason, started) =
                    tokio::join!(cell.run(factory(), Some(started_tx)), report_start);
                if parking.load(Ordering::Acquire) || (initial && !started) {
                    // The supervisor is stopping, or handles this failed first start itself:
                    // keep the mailbox for its next incarnation.
                    *slot.lock() = Some(cell);
                    return;
                }
                let (decide, decision) = oneshot::channel();
                let exited = ChildExited {
                    name: name.clone(),
                    reason: reason.clone(),
                    decide,
                };
                if supervisor.tell(exited).is_err() {
                    cell.finish(reason);
                    return;
                }
                match decision.await {
                    Ok(Decision::Restart(delay)) => {
                        cell.mark_restarting();
                        tokio::time::sleep(delay).await;
                    }
                    Ok(Decision::Finish) => {
                        cell.finish(reason);
                        return;
                    }
                    Err(_) => {
                        // The supervisor went away without deciding (it is stopping).
                        *slot.lock() = Some(cell);
                        return;
                    }
                }
            }
        });
        (task, first_rx)
    }

    fn stop(&self) {
        self.addr.stop();
    }

    fn kill(&self, error: ActorError) {
        self.addr.kill(error);
    }

    fn state(&self) -> ActorState {
        self.addr.state()
    }

    fn set_parking(&self, parking: bool) {
        self.parking.store(parking, Ordering::Release);
    }

    fn address(&self) -> &dyn Any {
        &self.addr
    }

    fn finish_parked(&self) {
        if let Some(cell) = self.cell.lock().take() {
            cell.finish(ExitReason::Normal);
        }
        if let Some(finalize) = &self.finalizer {
            finalize();
        }
    }
}
