//! Who runs a spawned actor: its task is spawned when it first has something to do that nobody
//! waits for (a message, a stop, its last address going away, a kill), and a caller that wakes an
//! idle actor and waits for it (an ask, `wait_for_stop`) runs it in place instead.

mod common;

use actor_system_runtime::{
    spawn, Actor, ActorError, ActorResult, Addr, AskError, Context, ExitReason, Handler, Message,
};
use common::*;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::runtime::Handle;

/// A spawned `Lifecycle` actor and the log it writes its hooks into.
async fn lifecycle() -> (Addr<Lifecycle>, Arc<tokio::sync::Mutex<Vec<&'static str>>>) {
    let log = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let addr = spawn(Lifecycle {
        log: log.clone(),
        fail_start: false,
    })
    .await
    .unwrap();
    (addr, log)
}

/// Poll `future` once, with a waker that does nothing.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}

/// Live tasks of the current runtime.
fn tasks() -> usize {
    Handle::current().metrics().num_alive_tasks()
}

#[tokio::test]
async fn an_actor_gets_its_task_with_its_first_message() {
    let before = tasks();
    let addr = spawn(Recorder::default()).await.unwrap();
    assert_eq!(tasks(), before, "no task for an actor with nothing to do");
    addr.tell(Record(1)).unwrap();
    assert_eq!(tasks(), before + 1, "the first message spawns the task");
    addr.tell(Record(2)).unwrap();
    let taken = bounded(addr.ask(Take), "what the actor recorded").await;
    let seen: Vec<u64> = taken.unwrap().iter().map(|r| r.1).collect();
    assert_eq!(seen, [1, 2]);
    assert_eq!(tasks(), before + 1, "later messages reuse it");
}

/// Sends itself a message from its `started` hook, and counts what it handled.
struct Greeter {
    handled: Arc<AtomicUsize>,
}

impl Actor for Greeter {
    async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
        ctx.address().tell(Record(0)).unwrap();
        Ok(())
    }
}

impl Handler<Record> for Greeter {
    async fn handle(&mut self, _: Record, _: &mut Context<Self>) {
        self.handled.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_message_queued_by_the_started_hook_launches_the_actor_at_once() {
    let handled = Arc::new(AtomicUsize::new(0));
    let _addr = spawn(Greeter {
        handled: handled.clone(),
    })
    .await
    .unwrap();
    // Nothing else is sent: only the message from `started` can get the actor going.
    tokio::time::timeout(Duration::from_secs(5), async {
        while handled.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the message from `started` was handled");
}

#[tokio::test]
async fn dropping_the_last_address_ends_an_actor_that_never_ran() {
    let (addr, log) = lifecycle().await;
    drop(addr);
    tokio::time::timeout(Duration::from_secs(5), async {
        while log.lock().await.len() < 3 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the actor ended");
    assert_eq!(*log.lock().await, ["started", "stopping", "stopped"]);
}

#[tokio::test]
async fn killing_an_actor_that_never_ran_ends_it() {
    let addr = spawn(Recorder::default()).await.unwrap();
    addr.kill(ActorError::critical("wedged"));
    match bounded(addr.wait_for_stop(), "the killed actor ends")
        .await
        .unwrap()
    {
        ExitReason::Failed(error) => assert_eq!(error.message(), "wedged"),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn a_thread_outside_the_runtime_can_launch_an_actor() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let addr = runtime.block_on(spawn(Recorder::default())).unwrap();
    let sender = addr.clone();
    std::thread::spawn(move || sender.tell(Record(7)).unwrap())
        .join()
        .unwrap();
    let seen = runtime
        .block_on(bounded(addr.ask(Take), "what the actor recorded"))
        .unwrap();
    assert_eq!(seen.iter().map(|r| r.1).collect::<Vec<_>>(), [7]);
}

/// Counts its drops.
struct Dropped(Arc<AtomicUsize>);
impl Actor for Dropped {}
impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn an_actor_that_never_ran_is_freed_after_its_runtime_is_gone() {
    let drops = Arc::new(AtomicUsize::new(0));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let addr = runtime.block_on(spawn(Dropped(drops.clone()))).unwrap();
    drop(runtime);
    assert_eq!(drops.load(Ordering::SeqCst), 0, "its address keeps it");
    // The last address going away would launch the actor to end it; with no runtime left, the
    // task is dropped unrun, and the actor with it.
    drop(addr);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_ask_to_an_idle_actor_is_answered_in_the_asking_task() {
    let before = tasks();
    let addr = spawn(Recorder::default()).await.unwrap();
    for _ in 0..3 {
        // One poll: the actor handled the request before the ask returned to its caller.
        let ask = pin!(addr.ask(Take));
        assert_eq!(poll_once(ask), Poll::Ready(Ok(vec![])));
    }
    assert_eq!(tasks(), before, "asks alone spawn no task");
}

#[tokio::test]
async fn an_ask_to_a_busy_actor_waits_for_the_actors_task() {
    let addr = spawn(Recorder::default()).await.unwrap();
    let gate = hold(&addr).await;
    addr.tell(Record(1)).unwrap();
    let mut ask = pin!(addr.ask(Take));
    assert!(
        poll_once(ask.as_mut()).is_pending(),
        "the actor is in a handler"
    );
    gate.notify_one();
    let taken = bounded(ask, "the ask once the handler is done").await;
    let seen: Vec<u64> = taken.unwrap().iter().map(|r| r.1).collect();
    assert_eq!(seen, [1]);
}

/// Waits, in its handler, for a signal from the test.
struct Waiter;
impl Actor for Waiter {}

struct WaitFor(tokio::sync::oneshot::Receiver<u32>);
impl Message for WaitFor {
    type Result = u32;
}
impl Handler<WaitFor> for Waiter {
    async fn handle(&mut self, msg: WaitFor, _: &mut Context<Self>) -> u32 {
        msg.0.await.unwrap() + 1
    }
}

#[tokio::test]
async fn a_handler_run_in_place_that_waits_is_finished_by_the_actors_task() {
    let before = tasks();
    let addr = spawn(Waiter).await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut ask = pin!(addr.ask(WaitFor(rx)));
    assert!(poll_once(ask.as_mut()).is_pending(), "the handler waits");
    assert_eq!(tasks(), before, "nothing woke the actor yet");
    tx.send(41).unwrap();
    assert_eq!(
        tasks(),
        before + 1,
        "the handler's wake-up spawned the actor's task"
    );
    assert_eq!(bounded(ask, "the handler's answer").await, Ok(42));
}

/// Asks the next actor of a chain and answers with the depth it got back, plus one.
struct Link {
    next: Option<Addr<Link>>,
}
impl Actor for Link {}

struct Depth;
impl Message for Depth {
    type Result = Result<u32, AskError>;
}
impl Handler<Depth> for Link {
    async fn handle(&mut self, _: Depth, _: &mut Context<Self>) -> Result<u32, AskError> {
        match &self.next {
            Some(next) => Ok(next.ask(Depth).await?? + 1),
            None => Ok(1),
        }
    }
}

#[tokio::test]
async fn asks_nest_in_place_four_deep_and_the_rest_run_after_the_poll() {
    let before = tasks();
    let mut next = None;
    for _ in 0..8 {
        next = Some(spawn(Link { next }).await.unwrap());
    }
    let first = next.unwrap();
    let depth = bounded(first.ask(Depth), "the depth of the chain").await;
    assert_eq!(depth, Ok(Ok(8)));
    // The test's ask and the three after it ran in place, nested; the fifth could not nest
    // deeper, so its wake-up was stashed and delivered right after the fourth actor's poll, in
    // the same task, and so on down the chain; each reply's wake-up of a handler waiting for it
    // was delivered the same way. No actor needed a task of its own.
    assert_eq!(tasks(), before);
}

/// Asks its peer from its handler, with a timeout.
struct Cyclic {
    peer: Option<Addr<Cyclic>>,
}
impl Actor for Cyclic {}

struct Around;
impl Message for Around {
    type Result = Result<(), AskError>;
}
impl Handler<Around> for Cyclic {
    async fn handle(&mut self, _: Around, _: &mut Context<Self>) -> Result<(), AskError> {
        match &self.peer {
            Some(peer) => peer.ask_timeout(Around, Duration::from_millis(50)).await?,
            None => Ok(()),
        }
    }
}

struct SetPeer(Addr<Cyclic>);
impl Message for SetPeer {
    type Result = ();
}
impl Handler<SetPeer> for Cyclic {
    async fn handle(&mut self, msg: SetPeer, _: &mut Context<Self>) {
        self.peer = Some(msg.0);
    }
}

#[tokio::test(start_paused = true)]
async fn a_cycle_of_asks_run_in_place_times_out_instead_of_hanging() {
    let a = spawn(Cyclic { peer: None }).await.unwrap();
    let b = spawn(Cyclic {
        peer: Some(a.clone()),
    })
    .await
    .unwrap();
    bounded(a.ask(SetPeer(b.clone())), "the peer is set")
        .await
        .unwrap();
    // a asks b (in place), b asks a, which is busy in the very handler that waits for b.
    let outcome = tokio::time::timeout(Duration::from_secs(5), a.ask(Around))
        .await
        .expect("no hang");
    assert!(
        matches!(outcome, Ok(Err(AskError::Timeout(_)))),
        "b's ask of a timed out: {outcome:?}"
    );
}

/// Reports the runtime its handler runs on.
struct Probe;
impl Actor for Probe {}

struct Workers;
impl Message for Workers {
    type Result = usize;
}
impl Handler<Workers> for Probe {
    async fn handle(&mut self, _: Workers, _: &mut Context<Self>) -> usize {
        // Spawning works too: onto the actor's runtime.
        let spawned = tokio::spawn(async { Handle::current().metrics().num_workers() });
        let workers = Handle::current().metrics().num_workers();
        assert_eq!(spawned.await.unwrap(), workers);
        workers
    }
}

#[test]
fn a_handler_run_in_place_runs_on_its_actors_runtime() {
    let actors = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .build()
        .unwrap();
    let addr = actors.block_on(spawn(Probe)).unwrap();
    let other = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let workers = other.block_on(bounded(
        addr.ask(Workers),
        "the answer on the other runtime",
    ));
    assert_eq!(workers, Ok(3));
    // And from a thread outside any runtime.
    let (answer, answered) = std::sync::mpsc::channel();
    std::thread::spawn(move || answer.send(block_on_this_thread(addr.ask(Workers))));
    let workers = answered
        .recv_timeout(WAIT)
        .expect("the answer outside any runtime");
    assert_eq!(workers, Ok(3));
}

/// Poll `future` on this thread until it is ready, parking the thread in between (no runtime).
fn block_on_this_thread<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park();
    }
}

#[tokio::test]
async fn a_panic_in_a_handler_run_in_place_fails_the_actor_not_the_asker() {
    let addr = spawn(Recorder::default()).await.unwrap();
    let ask = pin!(addr.ask(Boom));
    assert_eq!(poll_once(ask), Poll::Ready(Err(AskError::NoReply)));
    let reason = bounded(addr.wait_for_stop(), "the failed actor ends").await;
    assert!(matches!(reason.unwrap(), ExitReason::Failed(_)));
}

/// An actor stopped before it ever handled a message runs its stopping hooks, in the task that
/// waits for it.
#[tokio::test]
async fn waiting_for_a_stop_runs_it_in_the_waiting_task() {
    let (addr, log) = lifecycle().await;
    addr.stop();
    let wait = pin!(addr.wait_for_stop());
    assert_eq!(poll_once(wait), Poll::Ready(Ok(ExitReason::Normal)));
    assert_eq!(*log.lock().await, ["started", "stopping", "stopped"]);
}

#[test]
fn an_actor_whose_task_ran_is_dropped_with_its_runtime() {
    let drops = Arc::new(AtomicUsize::new(0));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let addr = runtime.block_on(spawn(Dropped(drops.clone()))).unwrap();
    // A message nobody waits for spawns the actor's task.
    runtime.block_on(async {
        addr.tell(Nothing).unwrap();
        until("the message is handled", || addr.stats().processed > 0).await;
    });
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(runtime);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "shutting down dropped its task"
    );
}

struct Nothing;
impl Message for Nothing {
    type Result = ();
}
impl Handler<Nothing> for Dropped {
    async fn handle(&mut self, _: Nothing, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn stop_and_wait_stops_an_idle_actor_in_the_calling_task() {
    let before = tasks();
    let (addr, log) = lifecycle().await;
    assert_eq!(bounded(addr.ask(Ping), "the pong").await, Ok("pong"));
    let stop = pin!(addr.stop_and_wait());
    assert_eq!(poll_once(stop), Poll::Ready(Ok(ExitReason::Normal)));
    assert_eq!(
        *log.lock().await,
        ["started", "handle", "stopping", "stopped"]
    );
    assert_eq!(tasks(), before, "the actor never needed a task of its own");
    assert!(!addr.is_alive());
}

#[tokio::test]
async fn stop_and_wait_on_a_busy_actor_waits_for_its_handler() {
    let addr = spawn(Recorder::default()).await.unwrap();
    let gate = hold(&addr).await;
    let mut stop = pin!(addr.stop_and_wait());
    assert!(
        poll_once(stop.as_mut()).is_pending(),
        "still in its handler"
    );
    gate.notify_one();
    let reason = bounded(stop, "the stop after the handler").await;
    assert_eq!(reason, Ok(ExitReason::Normal));
}

#[tokio::test]
async fn waiting_for_a_stop_leaves_an_actors_messages_to_its_task() {
    let addr = spawn(Recorder::default()).await.unwrap();
    addr.tell(Record(1)).unwrap();
    // The actor's task is spawned, not run yet (this runtime has one thread, busy with us).
    let mut wait = pin!(addr.wait_for_stop());
    assert!(poll_once(wait.as_mut()).is_pending());
    assert_eq!(addr.stats().processed, 0, "the waiter handled nothing");
    let taken = bounded(addr.ask(Take), "what the actor recorded").await;
    let seen: Vec<u64> = taken.unwrap().iter().map(|r| r.1).collect();
    assert_eq!(seen, [1]);
    addr.stop();
    let reason = bounded(wait, "the actor stops").await;
    assert_eq!(reason, Ok(ExitReason::Normal));
}

#[tokio::test]
async fn an_ask_handed_to_a_killed_actor_resolves_with_an_error() {
    let addr = spawn(Recorder::default()).await.unwrap();
    // The kill is delivered to the idle actor by the next poll of its future: this ask's.
    addr.kill(ActorError::critical("wedged"));
    let answer = bounded(addr.ask(Take), "the killed actor's answer").await;
    assert_eq!(answer, Err(AskError::Stopped));
    let reason = bounded(addr.wait_for_stop(), "the killed actor ends").await;
    assert!(matches!(reason.unwrap(), ExitReason::Failed(_)));
}

tokio::task_local! {
    /// Set by the asking task: visible to a handler only when it runs in that task.
    static ASKER: &'static str;
}

/// Reports the task its hooks and handlers ran in, and the asker's task-local if it sees one.
#[derive(Default)]
struct WhereAmI {
    started_in: Option<tokio::task::Id>,
}

impl Actor for WhereAmI {
    async fn started(&mut self, _: &mut Context<Self>) -> ActorResult<()> {
        self.started_in = tokio::task::try_id();
        Ok(())
    }
}

struct Where;
impl Message for Where {
    type Result = (
        Option<tokio::task::Id>,
        Option<tokio::task::Id>,
        Option<&'static str>,
    );
}

impl Handler<Where> for WhereAmI {
    async fn handle(
        &mut self,
        _: Where,
        _: &mut Context<Self>,
    ) -> (
        Option<tokio::task::Id>,
        Option<tokio::task::Id>,
        Option<&'static str>,
    ) {
        let asker = ASKER.try_with(|name| *name).ok();
        (self.started_in, tokio::task::try_id(), asker)
    }
}

/// By default an idle actor's hooks and handlers run in the task that spawns or asks it (the
/// asker's task-locals are visible there); with `own_task_only` they run on the actor's own
/// task, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_on_its_own_task_only_never_runs_in_a_callers_task() {
    use actor_system_runtime::{spawn_with, SpawnOptions};
    let bounded = Duration::from_secs(5);
    ASKER
        .scope("asker", async {
            let me = tokio::task::try_id();
            let in_place = spawn(WhereAmI::default()).await.unwrap();
            let (started, handled, asker) = tokio::time::timeout(bounded, in_place.ask(Where))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((started, handled, asker), (me, me, Some("asker")));

            let own = spawn_with(WhereAmI::default(), SpawnOptions::new().own_task_only(true));
            let own = tokio::time::timeout(bounded, own).await.unwrap().unwrap();
            for _ in 0..3 {
                let (started, handled, asker) = tokio::time::timeout(bounded, own.ask(Where))
                    .await
                    .unwrap()
                    .unwrap();
                assert!(
                    started.is_some() && started != me,
                    "started on its own task"
                );
                assert_eq!(handled, started, "every handler on that task");
                assert_eq!(asker, None, "the asker's task-locals are not visible");
            }
            let stopped = tokio::time::timeout(bounded, own.stop_and_wait()).await;
            assert_eq!(stopped, Ok(Ok(ExitReason::Normal)));
        })
        .await;
}

/// A failing `started` of an actor on its own task is reported to the spawner.
#[tokio::test]
async fn a_failed_start_on_the_actors_own_task_reaches_the_spawner() {
    use actor_system_runtime::{spawn_with, SpawnError, SpawnOptions};
    let log = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let spawned = spawn_with(
        Lifecycle {
            log: log.clone(),
            fail_start: true,
        },
        SpawnOptions::new().own_task_only(true),
    );
    let error = tokio::time::timeout(Duration::from_secs(5), spawned)
        .await
        .expect("the start result comes back")
        .unwrap_err();
    assert!(matches!(error, SpawnError::StartFailed(_)), "{error:?}");
    assert_eq!(*log.lock().await, ["started", "stopped"]);
}

/// Passes a token to the next actor of a ring; reports where it ran each time.
struct Hop {
    next: Option<Addr<Hop>>,
    ran_in: Arc<parking_lot::Mutex<Vec<Option<tokio::task::Id>>>>,
    done: Arc<parking_lot::Mutex<Option<tokio::sync::oneshot::Sender<()>>>>,
}

impl Actor for Hop {}

/// A token with the hops it has left; the actor that gets it with none left reports.
struct Token(u32);
impl Message for Token {
    type Result = ();
}

impl Handler<Token> for Hop {
    async fn handle(&mut self, msg: Token, _: &mut Context<Self>) {
        self.ran_in.lock().push(tokio::task::try_id());
        match (msg.0, &self.next) {
            (0, _) | (_, None) => {
                if let Some(done) = self.done.lock().take() {
                    let _ = done.send(());
                }
            }
            (left, Some(next)) => next.tell(Token(left - 1)).unwrap(),
        }
    }
}

/// Closes a ring: the last actor's next is the first.
struct Close(Addr<Hop>);
impl Message for Close {
    type Result = ();
}

impl Handler<Close> for Hop {
    async fn handle(&mut self, msg: Close, _: &mut Context<Self>) {
        self.next = Some(msg.0);
    }
}

/// A token's log of the tasks it ran in.
type RanIn = Arc<parking_lot::Mutex<Vec<Option<tokio::task::Id>>>>;

/// A closed ring of `len` actors spawned with `options`: its first actor, a receiver that
/// fires when a token runs out, and the log of the tasks the actors' handlers ran in.
async fn ring(
    len: usize,
    options: impl Fn() -> actor_system_runtime::SpawnOptions,
) -> (Addr<Hop>, tokio::sync::oneshot::Receiver<()>, RanIn) {
    let ran_in = RanIn::default();
    let (done, finished) = tokio::sync::oneshot::channel();
    let done = Arc::new(parking_lot::Mutex::new(Some(done)));
    let mut next = None;
    let mut last = None;
    for _ in 0..len {
        let hop = Hop {
            next: next.take(),
            ran_in: ran_in.clone(),
            done: done.clone(),
        };
        let spawned = actor_system_runtime::spawn_with(hop, options());
        let addr = bounded(spawned, "a hop starts").await.unwrap();
        last.get_or_insert_with(|| addr.clone());
        next = Some(addr);
    }
    let first = next.unwrap();
    let last = last.unwrap();
    bounded(last.ask(Close(first.clone())), "the ring is closed")
        .await
        .unwrap();
    ran_in.lock().clear();
    (first, finished, ran_in)
}

/// A message from one actor's handler to an idle actor is delivered by running that actor right
/// after the sender's poll, in the same task (no hand-off to another task), while the task has
/// cooperative budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tell_from_a_handler_runs_the_idle_receiver_in_the_same_task() {
    let (first, finished, ran_in) = ring(4, actor_system_runtime::SpawnOptions::new).await;
    first.tell(Token(3)).unwrap();
    tokio::time::timeout(Duration::from_secs(5), finished)
        .await
        .expect("the token went round")
        .unwrap();
    let ran_in = ran_in.lock().clone();
    assert_eq!(ran_in.len(), 4);
    assert!(
        ran_in.iter().all(|task| *task == ran_in[0]),
        "every hop ran in the first actor's task: {ran_in:?}"
    );
}

/// Actors on their own task only are not run by another actor's task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tell_to_an_actor_on_its_own_task_only_wakes_its_task() {
    let (first, finished, ran_in) = ring(4, || {
        actor_system_runtime::SpawnOptions::new().own_task_only(true)
    })
    .await;
    first.tell(Token(3)).unwrap();
    tokio::time::timeout(Duration::from_secs(5), finished)
        .await
        .expect("the token went round")
        .unwrap();
    let ran_in = ran_in.lock().clone();
    let distinct: std::collections::HashSet<_> = ran_in.iter().collect();
    assert_eq!(distinct.len(), 4, "each actor on its own task: {ran_in:?}");
}

/// Tokens going round rings forever, delivered in place from task to task, lose no wake-up and
/// leave the workers to other tasks: a timer beside them keeps ticking, and every token arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rings_delivered_in_place_lose_no_token_and_starve_nothing() {
    let mut rings = Vec::new();
    for _ in 0..8 {
        rings.push(ring(50, actor_system_runtime::SpawnOptions::new).await);
    }
    let started = std::time::Instant::now();
    for (first, _, _) in &rings {
        first.tell(Token(20_000)).unwrap();
    }
    let mut ticks = 0;
    let mut interval = tokio::time::interval(Duration::from_millis(5));
    let ticking = async {
        loop {
            interval.tick().await;
            ticks += 1;
        }
    };
    let all_arrived = async {
        for (_, finished, _) in rings {
            finished.await.unwrap();
        }
    };
    tokio::select! {
        () = all_arrived => {}
        () = ticking => unreachable!(),
        () = tokio::time::sleep(Duration::from_secs(30)) => panic!("a token was lost"),
    }
    let elapsed = started.elapsed();
    let expected = elapsed.as_millis() as usize / 5;
    assert!(
        ticks * 2 >= expected,
        "the 5 ms timer ticked {ticks} times in {elapsed:?}"
    );
}
