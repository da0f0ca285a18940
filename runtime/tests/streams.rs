//! Streams consumed by an actor (issue 23, item 1): items in their turn in the lanes, hooks at
//! both ends, backpressure, and the lifecycle (the actor stops or restarts while the stream
//! runs, a full mailbox, a policy that drops).

mod common;
use common::*;

use actor_system_runtime::{
    spawn, spawn_with, Actor, ActorCell, ActorError, ActorResult, Context, DeadLetters, DropReason,
    Handler, MailboxConfig, Message, OverflowStrategy, Priority, SpawnOptions, StreamHandler,
};
use futures::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::UnboundedReceiverStream;

/// Records stream items and messages, in the order handled, with their lane.
#[derive(Default)]
struct Sink {
    seen: Vec<String>,
    /// Items the stream has produced so far (the stream counts them as it is polled).
    produced: Option<Arc<AtomicU64>>,
    /// The most items ever produced ahead of those handled.
    ahead: u64,
    handled: u64,
}

impl Actor for Sink {}

impl StreamHandler<u64> for Sink {
    const PRIORITY: Priority = Priority::Background;

    async fn started(&mut self, _: &mut Context<Self>) {
        self.seen.push("started".into());
    }

    async fn handle(&mut self, item: u64, ctx: &mut Context<Self>) {
        let lane = ctx.message_info().expect("an item is a message").priority;
        self.handled += 1;
        if let Some(produced) = &self.produced {
            self.ahead = self
                .ahead
                .max(produced.load(Ordering::SeqCst) - self.handled);
        }
        self.seen.push(format!("{item}@{lane}"));
    }

    async fn finished(&mut self, _: &mut Context<Self>) {
        self.seen.push("finished".into());
    }
}

struct Note(&'static str);
impl Message for Note {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}
impl Handler<Note> for Sink {
    async fn handle(&mut self, msg: Note, _: &mut Context<Self>) {
        self.seen.push(msg.0.into());
    }
}

struct Seen;
impl Message for Seen {
    type Result = (Vec<String>, u64);
}
impl Handler<Seen> for Sink {
    async fn handle(&mut self, _: Seen, _: &mut Context<Self>) -> (Vec<String>, u64) {
        (self.seen.clone(), self.ahead)
    }
}

/// Attach a stream from outside (what `started` would do).
struct Attach<S>(Option<S>);
impl<S: Send + 'static> Message for Attach<S> {
    type Result = ();
}
impl<S> Handler<Attach<S>> for Sink
where
    S: futures::Stream<Item = u64> + Send + 'static,
{
    async fn handle(&mut self, mut msg: Attach<S>, ctx: &mut Context<Self>) {
        ctx.add_stream(msg.0.take().unwrap());
    }
}

/// What the actor saw so far; `None` while a full mailbox refuses (`Reject`) or drops
/// (`DropNewest`) the ask.
async fn seen(addr: &actor_system_runtime::Addr<Sink>) -> Option<Vec<String>> {
    use actor_system_runtime::AskError;
    match bounded(addr.ask(Seen), "what the actor saw").await {
        Ok((seen, _)) => Some(seen),
        Err(AskError::Full | AskError::Dropped) => None,
        Err(e) => panic!("{e}"),
    }
}

async fn until_seen(addr: &actor_system_runtime::Addr<Sink>, last: &str) -> Vec<String> {
    let wait = async {
        loop {
            let seen = seen(addr).await.unwrap_or_default();
            if seen.last().map(String::as_str) == Some(last) {
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    };
    bounded(wait, last).await
}

#[tokio::test]
async fn items_arrive_in_order_in_their_lane_between_the_hooks() {
    let sink = spawn(Sink::default()).await.unwrap();
    sink.tell(Attach(Some(futures::stream::iter([1u64, 2, 3]))))
        .unwrap();
    let seen = until_seen(&sink, "finished").await;
    assert_eq!(
        seen,
        [
            "started",
            "1@background",
            "2@background",
            "3@background",
            "finished"
        ]
    );
}

/// The feeder reads the stream only as fast as the actor handles it: at most one item ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_is_read_no_faster_than_the_actor_handles_it() {
    let produced = Arc::new(AtomicU64::new(0));
    let sink = spawn(Sink {
        produced: Some(produced.clone()),
        ..Sink::default()
    })
    .await
    .unwrap();
    let counting = produced.clone();
    let stream = futures::stream::iter(0..500u64).inspect(move |_| {
        counting.fetch_add(1, Ordering::SeqCst);
    });
    sink.tell(Attach(Some(stream))).unwrap();
    until_seen(&sink, "finished").await;
    let (_, ahead) = bounded(sink.ask(Seen), "the most read ahead")
        .await
        .unwrap();
    assert!(
        ahead <= 1,
        "the stream ran {ahead} items ahead of the actor"
    );
}

/// An item waits its turn: a Critical message sent while an item is queued goes first.
#[tokio::test]
async fn an_item_waits_its_turn_behind_higher_lanes() {
    let (events, rx) = mpsc::unbounded_channel();
    let options = SpawnOptions::new();
    let sink = spawn_with(Sink::default(), options).await.unwrap();
    sink.tell(Attach(Some(UnboundedReceiverStream::new(rx))))
        .unwrap();
    until_seen(&sink, "started").await;
    // Hold the actor, queue an item (Background), then a Critical note.
    let gate = hold(&sink).await;
    events.send(7).unwrap();
    until("the item is queued", || sink.stats().queued() == 1).await;
    sink.tell(Note("critical")).unwrap();
    gate.notify_one();
    drop(events);
    let seen = until_seen(&sink, "finished").await;
    assert_eq!(seen, ["started", "critical", "7@background", "finished"]);
}

/// A full bounded mailbox slows the stream: under `Reject` (and `Backpressure`) the feeder waits
/// for room and no item is lost; under `DropNewest` the policy drops items, into dead letters.
#[tokio::test]
async fn a_full_mailbox_slows_the_stream_unless_its_policy_drops() {
    for (overflow, lossless) in [
        (OverflowStrategy::Reject, true),
        (OverflowStrategy::Backpressure, true),
        (OverflowStrategy::DropNewest, false),
    ] {
        let letters = DeadLetters::new(64);
        let mut dead = letters.subscribe();
        let options = SpawnOptions::new()
            .mailbox(MailboxConfig::bounded(1).with_overflow(overflow))
            .dead_letters(letters.clone());
        let sink = spawn_with(Sink::default(), options).await.unwrap();
        let (events, rx) = mpsc::unbounded_channel();
        sink.tell(Attach(Some(UnboundedReceiverStream::new(rx))))
            .unwrap();
        until_seen(&sink, "started").await;
        let gate = hold(&sink).await;
        sink.tell(Note("fills the one slot")).unwrap();
        for i in 0..3 {
            events.send(i).unwrap();
        }
        drop(events);
        gate.notify_one();
        let seen = until_seen(&sink, "finished").await;
        let items = seen.iter().filter(|s| s.ends_with("@background")).count();
        if lossless {
            assert_eq!(items, 3, "{overflow:?}: {seen:?}");
            assert_eq!(sink.stats().dropped, 0);
        } else {
            // The polling asks above may be dropped too: count the items' dead letters.
            let mut dropped = 0;
            while let Ok(letter) = dead.try_recv() {
                assert_eq!(letter.reason, DropReason::DroppedNewest);
                dropped += usize::from(letter.message_type == "u64");
            }
            assert!(dropped > 0, "the full mailbox dropped none");
            assert_eq!(items + dropped, 3, "{overflow:?}: {seen:?}");
        }
    }
}

impl Handler<Hold> for Sink {
    async fn handle(&mut self, msg: Hold, _: &mut Context<Self>) {
        msg.wait().await;
    }
}

/// A stream whose drop the test sees, that never ends by itself.
fn endless() -> (
    impl futures::Stream<Item = u64> + Send + 'static,
    oneshot::Receiver<()>,
) {
    let (dropped, seen) = oneshot::channel::<()>();
    let stream = futures::stream::unfold(dropped, |guard| async move {
        tokio::task::yield_now().await;
        Some((1u64, guard))
    });
    (stream, seen)
}

#[tokio::test]
async fn the_stream_is_dropped_when_the_actor_stops_and_finished_does_not_run() {
    let sink = spawn(Sink::default()).await.unwrap();
    let (stream, dropped) = endless();
    sink.tell(Attach(Some(stream))).unwrap();
    until("items flow", || sink.stats().processed > 5).await;
    bounded(sink.stop_and_wait(), "the stop").await.unwrap();
    assert!(bounded(dropped, "the stream's drop").await.is_err());
}

#[tokio::test]
async fn the_stream_does_not_keep_the_actor_alive() {
    let sink = spawn(Sink::default()).await.unwrap();
    let (stream, dropped) = endless();
    sink.tell(Attach(Some(stream))).unwrap();
    until("items flow", || sink.stats().processed > 5).await;
    drop(sink);
    assert!(bounded(dropped, "the stream's drop").await.is_err());
}

/// A restart ends the incarnation's streams; the next incarnation adds its own in `started`.
#[tokio::test]
async fn a_restart_ends_the_stream_and_the_new_incarnation_adds_its_own() {
    struct Reattaching {
        streams: Arc<parking_lot::Mutex<Vec<UnboundedReceiverStream<u64>>>>,
        inner: Sink,
    }
    impl Actor for Reattaching {
        async fn started(&mut self, ctx: &mut Context<Self>) -> ActorResult<()> {
            let stream = self.streams.lock().pop().expect("a stream per incarnation");
            ctx.add_stream(stream);
            Ok(())
        }
    }
    impl StreamHandler<u64> for Reattaching {
        async fn handle(&mut self, item: u64, ctx: &mut Context<Self>) {
            let _ = ctx;
            self.inner.seen.push(item.to_string());
        }
    }
    let (first_tx, first_rx) = mpsc::unbounded_channel();
    let (second_tx, second_rx) = mpsc::unbounded_channel();
    let streams = Arc::new(parking_lot::Mutex::new(vec![
        UnboundedReceiverStream::new(second_rx),
        UnboundedReceiverStream::new(first_rx),
    ]));
    let mut cell = ActorCell::<Reattaching>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    let actor = |streams: &Arc<_>| Reattaching {
        streams: Arc::clone(streams),
        inner: Sink::default(),
    };
    let first = actor(&streams);
    let running = tokio::spawn(async move {
        let reason = cell.run(first, None).await;
        (cell, reason)
    });
    first_tx.send(1).unwrap();
    until("the first incarnation handles an item", || {
        addr.stats().processed >= 2
    })
    .await;
    addr.inject_failure(ActorError::recoverable("restart"));
    let (mut cell, reason) = bounded(running, "the first incarnation's end")
        .await
        .unwrap();
    assert!(reason.is_failure());
    until("the first stream is gone", || first_tx.is_closed()).await;
    cell.mark_restarting();
    let second = actor(&streams);
    let running = tokio::spawn(async move {
        let reason = cell.run(second, None).await;
        cell.finish(reason);
    });
    let before = addr.stats().processed;
    second_tx.send(2).unwrap();
    until("the second stream's item", || {
        addr.stats().processed >= before + 2
    })
    .await;
    addr.stop();
    bounded(running, "the end").await.unwrap();
}

/// The handle cancels the stream.
#[tokio::test]
async fn the_handle_cancels_the_stream() {
    struct Cancel(Arc<parking_lot::Mutex<Option<actor_system_runtime::TimerHandle>>>);
    impl Message for Cancel {
        type Result = ();
    }
    impl Handler<Cancel> for Sink {
        async fn handle(&mut self, msg: Cancel, ctx: &mut Context<Self>) {
            let (stream, _) = endless();
            *msg.0.lock() = Some(ctx.add_stream(stream));
        }
    }
    let sink = spawn(Sink::default()).await.unwrap();
    let handle = Arc::new(parking_lot::Mutex::new(None));
    sink.tell(Cancel(handle.clone())).unwrap();
    until("items flow", || sink.stats().processed > 5).await;
    handle.lock().take().unwrap().cancel();
    let settled = sink.stats().processed;
    bounded(sink.ask(Note("after")), "an ask after the cancel")
        .await
        .unwrap();
    assert!(sink.stats().processed <= settled + 2, "the stream stopped");
}
