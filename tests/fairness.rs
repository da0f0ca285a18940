//! Asks answered in the asking task keep tokio's cooperative scheduling: many tasks asking in a
//! loop on two workers all make progress, a timer beside them keeps its period, and a supervised
//! actor that fails under that load is restarted promptly.
//!
//! The same harness runs on raw tokio first (an mpsc channel and a oneshot reply per actor, a
//! task that restarts a panicked worker), as the reference: what tokio's own channels give is
//! what asks must give. The scenarios run one at a time (each on its own two-worker runtime),
//! so that they do not compete for the machine's cores.

use actor_system::prelude::*;
use actor_system::system::{ActorSystem, SystemConfig};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ASKERS: usize = 16;
/// How long the askers ask. Measured with `std::time`, so that a starved timer cannot make the
/// load last forever.
const LOAD: Duration = Duration::from_millis(1000);
const TICK: Duration = Duration::from_millis(10);
/// The longest a tick may come after the one before it: a starved timer does not tick at all
/// (a gap of the whole load), a fair one every 10 ms; the margin is for a loaded machine, where
/// the OS alone can hold a worker thread for tens of milliseconds.
const MAX_TICK_GAP: Duration = Duration::from_millis(150);
/// When the supervised actor fails (after the askers started), and the longest it may take to
/// answer again (a restart that waits for the askers to stop takes 750 ms or more; a few ms is
/// usual in a debug build, ~0.1 ms on raw tokio: an asker answered in place keeps its worker
/// for up to 128 asks, one unit of tokio's budget each, as a channel receive would).
const FAIL_AFTER: Duration = Duration::from_millis(250);
const MAX_RESTART: Duration = Duration::from_millis(100);

/// Whether the askers must also share the workers fairly (see [`Load::check`]).
#[derive(Clone, Copy, PartialEq)]
enum Shares {
    /// Each asker runs its own actor, in place: the slowest asker makes at least a quarter of
    /// the fastest one's asks. (Within a quarter rather than level: tokio moves tasks between
    /// workers only when one runs out of work, so an asker that shares its worker with more
    /// askers gets fewer turns.)
    Fair,
    /// Each ask hands the request to another task: every asker makes progress. An asker and
    /// its actor handing the request back and forth can keep a worker to themselves while the
    /// other askers share the other worker; raw tokio does the same.
    Progress,
}

/// One scenario at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// What one run of the harness saw.
struct Load {
    asks: Vec<u64>,
    ticks: Vec<Instant>,
    restart: Duration,
}

impl Load {
    fn check(&self, system: &str, shares: Shares) {
        let slowest = *self.asks.iter().min().unwrap();
        let fastest = *self.asks.iter().max().unwrap();
        assert!(
            slowest > 0,
            "{system}: an asker made no progress: {:?}",
            self.asks
        );
        let ratio = slowest as f64 / fastest as f64;
        assert!(
            shares == Shares::Progress || ratio >= 0.25,
            "{system}: slowest/fastest asker {ratio:.2} (want >= 0.25): {:?}",
            self.asks
        );
        let expected = (LOAD.as_millis() / TICK.as_millis()) as usize;
        assert!(
            self.ticks.len() * 10 >= expected * 7,
            "{system}: the {TICK:?} timer ticked {} times in {LOAD:?} (want ~{expected})",
            self.ticks.len()
        );
        let gap = self
            .ticks
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(LOAD);
        assert!(
            gap <= MAX_TICK_GAP,
            "{system}: the {TICK:?} timer missed its period: a gap of {gap:?}"
        );
        assert!(
            self.restart <= MAX_RESTART,
            "{system}: the failed actor answered again after {:?}",
            self.restart
        );
        eprintln!(
            "{system}: slowest/fastest asker {ratio:.2}, {} ticks (largest gap {gap:?}), restart in {:?}",
            self.ticks.len(),
            self.restart
        );
    }
}

/// Run `asker(i, stop)` on `ASKERS` tasks until `LOAD` has passed, beside a ticking timer and,
/// after `FAIL_AFTER`, `restart()` (fail an actor and wait for it to answer again); on two
/// workers.
fn harness<Asker, AskFut, Restart, RestartFut>(asker: Asker, restart: Restart) -> Load
where
    Asker: Fn(usize, Arc<AtomicBool>, Arc<AtomicU64>) -> AskFut,
    AskFut: Future<Output = ()> + Send + 'static,
    Restart: FnOnce() -> RestartFut,
    RestartFut: Future<Output = Duration> + Send + 'static,
{
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Vec<_> = (0..ASKERS).map(|_| Arc::new(AtomicU64::new(0))).collect();
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let askers: Vec<_> = counts
        .iter()
        .enumerate()
        .map(|(i, count)| runtime.spawn(asker(i, stop.clone(), count.clone())))
        .collect();
    let timer = {
        let (stop, ticks) = (stop.clone(), ticks.clone());
        runtime.spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            while !stop.load(Ordering::Relaxed) {
                interval.tick().await;
                ticks.lock().unwrap().push(Instant::now());
            }
        })
    };
    let start = Instant::now();
    std::thread::sleep(FAIL_AFTER);
    let restart = runtime.spawn(restart());
    std::thread::sleep(LOAD.saturating_sub(start.elapsed()));
    stop.store(true, Ordering::Relaxed);
    runtime.block_on(async {
        let bounded = Duration::from_secs(10);
        for asker in askers {
            tokio::time::timeout(bounded, asker)
                .await
                .expect("an asker stops once told")
                .unwrap();
        }
        timer.abort();
        let restart = tokio::time::timeout(bounded, restart)
            .await
            .expect("the failed actor answers again")
            .unwrap();
        Load {
            asks: counts.iter().map(|c| c.load(Ordering::Relaxed)).collect(),
            ticks: std::mem::take(&mut *ticks.lock().unwrap()),
            restart,
        }
    })
}

// --- raw tokio: the reference -------------------------------------------------------------------

type Request = (u64, tokio::sync::oneshot::Sender<u64>);

/// An "actor" on raw tokio: a task answering requests from a channel.
fn tokio_actor() -> tokio::sync::mpsc::UnboundedSender<Request> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Request>();
    tokio::spawn(async move {
        while let Some((n, reply)) = rx.recv().await {
            let _ = reply.send(n);
        }
    });
    tx
}

#[test]
fn raw_tokio_reference() {
    let load = harness(
        |_, stop, count| async move {
            let actor = tokio_actor();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let (reply, answer) = tokio::sync::oneshot::channel();
                actor.send((n, reply)).unwrap();
                assert_eq!(answer.await.unwrap(), n);
                n += 1;
                count.fetch_add(1, Ordering::Relaxed);
            }
        },
        || async {
            // A worker that fails on `u64::MAX`, restarted by a supervising task.
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Request>();
            let rx = Arc::new(tokio::sync::Mutex::new(rx));
            tokio::spawn(async move {
                loop {
                    let rx = rx.clone();
                    let worker = tokio::spawn(async move {
                        let mut rx = rx.lock().await;
                        while let Some((n, reply)) = rx.recv().await {
                            if n == u64::MAX {
                                return Err("crash requested");
                            }
                            let _ = reply.send(n);
                        }
                        Ok(())
                    });
                    if let Ok(Ok(())) = worker.await {
                        break;
                    }
                }
            });
            let failed_at = Instant::now();
            let (crash, _) = tokio::sync::oneshot::channel();
            tx.send((u64::MAX, crash)).unwrap();
            let (reply, answer) = tokio::sync::oneshot::channel();
            tx.send((1, reply)).unwrap();
            assert_eq!(answer.await.unwrap(), 1);
            failed_at.elapsed()
        },
    );
    load.check("raw tokio", Shares::Progress);
}

// --- actor_system ---------------------------------------------------------------------------------

struct Echo;
impl Actor for Echo {}

#[derive(Message)]
#[message(result = "u64")]
struct Ping(u64);
impl Handler<Ping> for Echo {
    async fn handle(&mut self, msg: Ping, _: &mut Context<Self>) -> u64 {
        msg.0
    }
}

#[derive(Message)]
struct Crash;
impl Handler<Crash> for Echo {
    async fn handle(&mut self, _: Crash, ctx: &mut Context<Self>) {
        // A failure rather than a panic: a panic's report (with `RUST_BACKTRACE=1`, a symbolised
        // backtrace) takes longer than the restart being measured.
        ctx.fail(ActorError::recoverable("crash requested"));
    }
}

/// Ask `addr` in a loop until told to stop, counting the answers.
async fn ask_in_a_loop(addr: Addr<Echo>, stop: Arc<AtomicBool>, count: Arc<AtomicU64>) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        assert_eq!(addr.ask(Ping(n)).await, Ok(n));
        n += 1;
        count.fetch_add(1, Ordering::Relaxed);
    }
}

/// Register a supervised `Echo`, make it fail, and time until it answers again.
async fn supervised_restart() -> Duration {
    let system = ActorSystem::new(SystemConfig::default()).await.unwrap();
    let flaky = system
        .register_actor("flaky", || Echo, Priority::High)
        .await
        .unwrap();
    assert_eq!(flaky.ask(Ping(0)).await, Ok(0));
    let failed_at = Instant::now();
    flaky.tell(Crash).unwrap();
    assert_eq!(flaky.ask(Ping(1)).await, Ok(1));
    let restart = failed_at.elapsed();
    system.shutdown().await;
    restart
}

#[test]
fn asks_answered_in_place_keep_tokio_fair() {
    let load = harness(
        |_, stop, count| async move {
            let addr = spawn(Echo).await.unwrap();
            ask_in_a_loop(addr, stop, count).await;
        },
        supervised_restart,
    );
    load.check("actor_system", Shares::Fair);
}

/// An actor spawned to run on its own task only: the same holds (its asks never run in place).
#[test]
fn asks_to_actors_on_their_own_task_keep_tokio_fair() {
    let load = harness(
        |_, stop, count| async move {
            let addr = spawn_with(Echo, SpawnOptions::new().own_task_only(true))
                .await
                .unwrap();
            ask_in_a_loop(addr, stop, count).await;
        },
        supervised_restart,
    );
    load.check("actor_system, own task only", Shares::Progress);
}
