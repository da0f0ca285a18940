//! The task that runs a child's incarnations on one mailbox, and the supervisor's handle on it
//! whatever the actor's type ([`Child`]).

use crate::child::{ChildSettings, ChildSpec, Factory};
use crate::protocol::{ChildExited, ChildStarted, Decision, Go, Reports, Run};
use actor_system_runtime::{Actor, ActorCell, ActorError, ActorId, Addr, ExitReason};
use parking_lot::Mutex;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A started run of a child's task.
pub(crate) struct Started {
    pub(crate) task: JoinHandle<()>,
    pub(crate) run: Run,
    /// The first incarnation's start result.
    pub(crate) first: oneshot::Receiver<Result<(), ActorError>>,
}

/// A child whatever its actor type: its mailbox (kept across restarts of the child and of the
/// supervisor), its factory, and control of its task.
pub(crate) trait Child: Send + Sync {
    fn name(&self) -> &str;
    fn id(&self) -> ActorId;
    fn settings(&self) -> &ChildSettings;
    /// Start the child's task, reporting to `reports`.
    fn start(&self, reports: Reports) -> Started;
    fn stop(&self);
    fn kill(&self, error: ActorError);
    /// While set, an ending incarnation, and a task waiting for its supervisor's word, keep
    /// the mailbox for the supervisor's next incarnation instead of reporting.
    fn set_parking(&self, parking: bool);
    fn address(&self) -> &dyn Any;
    /// Restarts of the child's mailbox so far, whoever restarted it (its own failure, a
    /// sibling's group restart): the one restart count, the one `Addr::stats` reports.
    fn restarts(&self) -> u64;
    /// End a parked (not running) child for good.
    fn finish_parked(&self);
    /// Whether the child answers its health check healthy within `timeout`.
    fn health_check(&self, timeout: Duration) -> BoxFuture<bool>;
    /// Wait until the child has stopped for good (see `Addr::wait_for_stop`).
    fn wait_for_stop(&self) -> BoxFuture<Result<ExitReason, actor_system_runtime::StopError>>;
}

/// The parking flag of a child, with a wake-up for a task waiting on its supervisor.
#[derive(Default)]
struct Park {
    set: AtomicBool,
    raised: Notify,
}

impl Park {
    fn set(&self, parking: bool) {
        self.set.store(parking, Ordering::Release);
        if parking {
            self.raised.notify_waiters();
        }
    }

    fn is_set(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    /// Resolve once the flag is set.
    async fn raised(&self) {
        loop {
            let notified = self.raised.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }

    /// What `rx` brings, unless parking comes first (or its sender is dropped): `None`.
    async fn unless_raised<T>(&self, rx: oneshot::Receiver<T>) -> Option<T> {
        tokio::select! {
            biased;
            () = self.raised() => None,
            value = rx => value.ok(),
        }
    }
}

pub(crate) struct TypedChild<A: Actor> {
    name: String,
    settings: ChildSettings,
    factory: Factory<A>,
    cell: Arc<Mutex<Option<ActorCell<A>>>>,
    addr: Addr<A>,
    park: Arc<Park>,
    /// Whether an incarnation was ever started on the mailbox: a later `start` (the supervisor
    /// restarted, or retries a failed first start) begins a new incarnation, counted as a
    /// restart, so that its ticks, kills and calls are told apart from the last one's.
    ran: Arc<AtomicBool>,
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
            park: Arc::default(),
            ran: Arc::default(),
            finalizer: spec.finalizer,
        })
    }

    pub(crate) fn addr(&self) -> &Addr<A> {
        &self.addr
    }
}

/// How one incarnation's end was settled.
enum Next {
    /// Run a new incarnation.
    Restart,
    /// The actor ended for good with this reason.
    Finish(ExitReason),
    /// Keep the mailbox for the supervisor's next incarnation.
    Park,
}

/// Report the end of an incarnation and wait for the supervisor's decision (and release).
async fn settle<A: Actor>(
    cell: &ActorCell<A>,
    park: &Park,
    reports: &Reports,
    (id, run): (ActorId, Run),
    reason: ExitReason,
) -> Next {
    let (decide, decision) = oneshot::channel();
    let exited = ChildExited {
        id,
        run,
        reason: reason.clone(),
        decide,
    };
    if reports.exited.tell(exited).is_err() {
        return Next::Finish(reason); // the supervisor is gone: nothing will restart it
    }
    match park.unless_raised(decision).await {
        None => Next::Park,
        Some(Decision::Finish) => Next::Finish(reason),
        Some(Decision::Restart(release)) => {
            cell.mark_restarting();
            let Some(go) = release else {
                return Next::Restart;
            };
            match park.unless_raised(go).await {
                Some(Go::Run) => Next::Restart,
                Some(Go::Finish) => Next::Finish(ExitReason::Normal),
                None => Next::Park,
            }
        }
    }
}

impl<A: Actor> Child for TypedChild<A> {
    fn name(&self) -> &str {
        &self.name
    }

    fn id(&self) -> ActorId {
        self.addr.id()
    }

    fn settings(&self) -> &ChildSettings {
        &self.settings
    }

    fn start(&self, reports: Reports) -> Started {
        let (first_tx, first_rx) = oneshot::channel();
        let run = Run::next();
        let slot = self.cell.clone();
        let factory = self.factory.clone();
        let park = self.park.clone();
        let ran = self.ran.clone();
        let finalizer = self.finalizer.clone();
        let id = self.id();
        // The actor's own task, across restarts; asks that find the actor idle run it in place.
        let task = actor_system_runtime::spawn_runner(&self.addr, &self.name, async move {
            let Some(mut cell) = slot.lock().take() else {
                let _ = first_tx.send(Err(ActorError::fatal("child is already running")));
                return;
            };
            if ran.swap(true, Ordering::AcqRel) {
                cell.mark_restarting();
            }
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
                            let _ = reports.started.tell(ChildStarted { id, run });
                        }
                        None => {}
                    }
                    ok
                };
                let (reason, started) = match factory() {
                    Ok(actor) => tokio::join!(cell.run(actor, Some(started_tx)), report_start),
                    // Not even built: a failed start, for the restart policy and intensity.
                    Err(error) => {
                        let error = cell.start_failed(error);
                        let _ = started_tx.send(Err(error.clone()));
                        (ExitReason::Failed(error), report_start.await)
                    }
                };
                if park.is_set() || (initial && !started) {
                    // The supervisor is stopping, or handles this failed first start itself:
                    // keep the mailbox for its next incarnation.
                    *slot.lock() = Some(cell);
                    return;
                }
                match settle(&cell, &park, &reports, (id, run), reason).await {
                    Next::Restart => {}
                    Next::Park => {
                        *slot.lock() = Some(cell);
                        return;
                    }
                    Next::Finish(reason) => {
                        cell.finish(reason);
                        if let Some(finalize) = &finalizer {
                            finalize();
                        }
                        return;
                    }
                }
            }
        });
        Started {
            task,
            run,
            first: first_rx,
        }
    }

    fn stop(&self) {
        if self.settings.drain_on_stop {
            self.addr.drain_and_stop();
        } else {
            self.addr.stop();
        }
    }

    fn kill(&self, error: ActorError) {
        self.addr.kill(error);
    }

    fn set_parking(&self, parking: bool) {
        self.park.set(parking);
    }

    fn address(&self) -> &dyn Any {
        &self.addr
    }

    fn restarts(&self) -> u64 {
        self.addr.stats().restarts
    }

    fn finish_parked(&self) {
        if let Some(cell) = self.cell.lock().take() {
            cell.finish(ExitReason::Normal);
        }
        if let Some(finalize) = &self.finalizer {
            finalize();
        }
    }

    fn health_check(&self, timeout: Duration) -> BoxFuture<bool> {
        let addr = self.addr.clone();
        Box::pin(async move {
            addr.health_check(timeout)
                .await
                .is_ok_and(|status| status.is_healthy())
        })
    }

    fn wait_for_stop(&self) -> BoxFuture<Result<ExitReason, actor_system_runtime::StopError>> {
        let addr = self.addr.clone();
        Box::pin(async move { addr.wait_for_stop().await })
    }
}
