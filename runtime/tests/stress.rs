//! Many producers, all priorities: no loss, no duplicate, FIFO per sender and lane.

use actor_system_runtime::{
    spawn_with, Actor, Context, Handler, MailboxConfig, Message, Priority, SpawnOptions,
};
use std::collections::HashMap;
use std::time::Duration;

mod common;
use common::within;

const PRODUCERS: u64 = 8;
/// The bound on each phase of a stress run: many times what one takes on a loaded machine.
const STRESS_WAIT: Duration = Duration::from_secs(60);
const PER_LANE: u64 = 50_000;

struct Checker {
    /// Next expected sequence number per (producer, lane).
    next: HashMap<(u64, usize), u64>,
    received: u64,
}
impl Actor for Checker {}

struct Item {
    producer: u64,
    seq: u64,
}
impl Message for Item {
    type Result = ();
}

impl Handler<Item> for Checker {
    async fn handle(&mut self, item: Item, ctx: &mut Context<Self>) {
        let lane = ctx.message_info().unwrap().priority.lane();
        let next = self.next.entry((item.producer, lane)).or_default();
        assert_eq!(
            item.seq, *next,
            "producer {} lane {lane}: out of order, lost or duplicated",
            item.producer
        );
        *next += 1;
        self.received += 1;
    }
}

struct Received;
impl Message for Received {
    type Result = (u64, HashMap<(u64, usize), u64>);
    const PRIORITY: Priority = Priority::Background;
}
impl Handler<Received> for Checker {
    async fn handle(
        &mut self,
        _: Received,
        _: &mut Context<Self>,
    ) -> (u64, HashMap<(u64, usize), u64>) {
        (self.received, self.next.clone())
    }
}

async fn run(config: MailboxConfig, per_lane: u64, wait_for_space: bool) {
    let addr = spawn_with(
        Checker {
            next: HashMap::new(),
            received: 0,
        },
        SpawnOptions::new().name("checker").mailbox(config),
    )
    .await
    .unwrap();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|producer| {
            let addr = addr.clone();
            tokio::spawn(async move {
                for seq in 0..per_lane {
                    for p in Priority::ALL {
                        let out = addr.with_priority(p);
                        let item = Item { producer, seq };
                        if wait_for_space {
                            out.tell_when_ready(item).await.unwrap();
                        } else {
                            out.tell(item).unwrap();
                        }
                    }
                    if seq % 256 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    let sent = async {
        for p in producers {
            p.await.unwrap();
        }
    };
    within(STRESS_WAIT, sent, "the producers sent everything").await;
    let total = PRODUCERS * per_lane * 4;
    // `Received` is Background: it is handled after everything queued before it in its lane,
    // but other lanes may still hold items; ask until all have arrived.
    let all_received = async {
        loop {
            let (received, next) = addr.ask(Received).await.unwrap();
            assert!(received <= total, "more messages than sent: duplicates");
            if received == total {
                return next;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    let next = within(STRESS_WAIT, all_received, "every item handled").await;
    assert_eq!(next.len() as u64, PRODUCERS * 4);
    assert!(next.values().all(|n| *n == per_lane));
    let stats = addr.stats();
    assert_eq!(stats.dropped, 0);
    assert!(stats.processed >= total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_producers_four_priorities_unbounded() {
    run(MailboxConfig::unbounded(), PER_LANE, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_producers_four_priorities_bounded_backpressure() {
    run(MailboxConfig::bounded(64), PER_LANE / 5, true).await;
}

/// Counts what it is told; answers an ask with the count so far.
struct Tally(u64);
impl Actor for Tally {}

struct Add;
impl Message for Add {
    type Result = ();
}
impl Handler<Add> for Tally {
    async fn handle(&mut self, _: Add, _: &mut Context<Self>) {
        self.0 += 1;
    }
}

struct Count;
impl Message for Count {
    type Result = u64;
}
impl Handler<Count> for Tally {
    async fn handle(&mut self, _: Count, _: &mut Context<Self>) -> u64 {
        self.0 += 1;
        self.0
    }
}

/// Askers on both workers race each other and the actor's own task (woken by tellers) to run
/// the actor in place: every message is handled exactly once, and each asker sees the count grow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn askers_running_the_actor_in_place_race_its_task_without_loss() {
    const ASKERS: u64 = 4;
    const ASKS: u64 = 5_000;
    const TELLERS: u64 = 2;
    const TELLS: u64 = 20_000;
    let addr = actor_system_runtime::spawn(Tally(0)).await.unwrap();
    let askers = (0..ASKERS).map(|_| {
        let addr = addr.clone();
        tokio::spawn(async move {
            let mut last = 0;
            for _ in 0..ASKS {
                let count = addr.ask(Count).await.unwrap();
                assert!(count > last, "counts go up: {count} after {last}");
                last = count;
            }
        })
    });
    let tellers = (0..TELLERS).map(|_| {
        let addr = addr.clone();
        tokio::spawn(async move {
            for i in 0..TELLS {
                addr.tell(Add).unwrap();
                if i % 64 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        })
    });
    let all: Vec<_> = askers.chain(tellers).collect();
    let done = async {
        for task in all {
            task.await.unwrap();
        }
    };
    within(STRESS_WAIT, done, "every ask answered and every tell sent").await;
    let total = ASKERS * ASKS + TELLERS * TELLS;
    // Tells and asks share the Normal lane: once the tellers are done, this ask comes last.
    let last = within(STRESS_WAIT, addr.ask(Count), "the count after the backlog").await;
    assert_eq!(last, Ok(total + 1));
    assert_eq!(addr.stats().dropped, 0);
}
