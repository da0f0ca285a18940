//! Weak addresses and recipients (issue 23, item 3): they reach an actor without keeping it
//! alive (the address count), through its whole life: upgrade while it lives, nothing after
//! its last address went, across a restart on the same mailbox.

mod common;
use common::*;

use actor_system_runtime::{
    spawn, Actor, ActorCell, ActorError, Context, ExitReason, Handler, Message, SendError,
    SpawnOptions, WeakRecipient,
};
use tokio::sync::oneshot;

/// Reports its end on a channel: the test waits for that, not for time.
struct Watched {
    ended: Option<oneshot::Sender<ExitReason>>,
}

impl Actor for Watched {
    async fn stopped(&mut self, reason: &ExitReason) {
        if let Some(ended) = self.ended.take() {
            let _ = ended.send(reason.clone());
        }
    }
}

struct Note(u32);
impl Message for Note {
    type Result = u32;
}
impl Handler<Note> for Watched {
    async fn handle(&mut self, msg: Note, _: &mut Context<Self>) -> u32 {
        msg.0
    }
}

fn watched() -> (Watched, oneshot::Receiver<ExitReason>) {
    let (tx, rx) = oneshot::channel();
    (Watched { ended: Some(tx) }, rx)
}

#[tokio::test]
async fn a_weak_address_does_not_keep_the_actor_alive() {
    let (actor, ended) = watched();
    let addr = spawn(actor).await.unwrap();
    let weak = addr.downgrade();
    let weak_recipient = addr.recipient::<Note>().downgrade();
    let upgraded = weak.upgrade().expect("alive");
    assert_eq!(
        bounded(upgraded.ask(Note(1)), "an upgraded ask").await,
        Ok(1)
    );
    drop(upgraded);
    assert!(weak.is_alive(), "the first address still holds it");
    drop(addr);
    let reason = bounded(ended, "the end once the last address went")
        .await
        .unwrap();
    assert_eq!(reason, ExitReason::Normal);
    assert!(weak.upgrade().is_none());
    assert!(!weak.is_alive());
    assert!(weak_recipient.upgrade().is_none());
    assert!(matches!(
        weak_recipient.tell(Note(2)),
        Err(SendError::Stopped(Note(2)))
    ));
}

#[tokio::test]
async fn an_upgraded_address_keeps_the_actor_alive_like_any_other() {
    let (actor, mut ended) = watched();
    let addr = spawn(actor).await.unwrap();
    let weak = addr.downgrade();
    let upgraded = weak.upgrade().unwrap();
    drop(addr);
    assert_eq!(bounded(upgraded.ask(Note(3)), "an ask").await, Ok(3));
    assert!(ended.try_recv().is_err(), "still running");
    drop(upgraded);
    bounded(ended, "the end after the upgraded address")
        .await
        .unwrap();
}

/// An actor holding its own weak address (a timer, a peer table) does not keep itself alive.
#[tokio::test]
async fn an_actor_keeping_its_own_weak_address_still_stops() {
    struct Selfish {
        me: Option<actor_system_runtime::WeakAddr<Selfish>>,
        ended: Option<oneshot::Sender<()>>,
    }
    impl Actor for Selfish {
        async fn started(
            &mut self,
            ctx: &mut Context<Self>,
        ) -> actor_system_runtime::ActorResult<()> {
            self.me = Some(ctx.weak_address());
            Ok(())
        }
        async fn stopped(&mut self, _: &ExitReason) {
            assert!(self.me.as_ref().unwrap().upgrade().is_none());
            let _ = self.ended.take().unwrap().send(());
        }
    }
    let (tx, rx) = oneshot::channel();
    let addr = spawn(Selfish {
        me: None,
        ended: Some(tx),
    })
    .await
    .unwrap();
    drop(addr);
    bounded(rx, "the actor stops with only its own weak address")
        .await
        .unwrap();
}

/// A hub that keeps weak subscribers: one nobody else holds stops, and the hub's next tell to
/// it says so, so the hub forgets it.
#[tokio::test]
async fn a_hub_of_weak_subscribers_forgets_the_ones_that_stopped() {
    let (a, _a_ended) = watched();
    let (b, b_ended) = watched();
    let a = spawn(a).await.unwrap();
    let b = spawn(b).await.unwrap();
    let mut hub: Vec<WeakRecipient<Note>> =
        vec![a.recipient().downgrade(), b.recipient().downgrade()];
    drop(b);
    bounded(b_ended, "the unheld subscriber stops")
        .await
        .unwrap();
    hub.retain(|s| s.tell(Note(4)).is_ok());
    assert_eq!(hub.len(), 1);
    assert_eq!(hub[0].id(), a.id());
    assert_eq!(hub[0], a.recipient::<Note>().downgrade());
}

/// A weak address is of the mailbox, which a supervisor keeps across restarts: it upgrades to
/// the new incarnation.
#[tokio::test]
async fn a_weak_address_upgrades_across_a_restart() {
    let mut cell = ActorCell::<Recorder>::new(SpawnOptions::new()).unwrap();
    let addr = cell.address();
    let weak = addr.downgrade();
    addr.inject_failure(ActorError::recoverable("restart me"));
    let first = bounded(
        cell.run(Recorder::default(), None),
        "the failing incarnation",
    )
    .await;
    assert!(first.is_failure());
    cell.mark_restarting();
    let running = tokio::spawn(async move {
        let reason = cell.run(Recorder::default(), None).await;
        cell.finish(reason);
    });
    let again = weak
        .upgrade()
        .expect("the mailbox outlived the incarnation");
    again.tell(Record(9)).unwrap();
    let seen = bounded(again.ask(Take), "the new incarnation's answer")
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    drop((addr, again));
    bounded(running, "the end once every address went")
        .await
        .unwrap();
    assert!(weak.upgrade().is_none());
}
