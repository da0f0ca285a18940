//! `export_metrics(true)` takes effect for every actor, whenever it was spawned: one spawned
//! before the switch exports from its next message on. (A test binary of its own: the switch
//! and the recorder are process-wide.)

use actor_system_runtime::{export_metrics, spawn, Actor, Context, Handler, Message};

mod common;
use common::{bounded, recorded};

struct Early;
impl Actor for Early {}

struct Work;
impl Message for Work {
    type Result = ();
}
impl Handler<Work> for Early {
    async fn handle(&mut self, _: Work, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn an_actor_spawned_before_the_switch_exports_after_it() {
    let counters = recorded();
    let early = spawn(Early).await.unwrap();
    let work = || bounded(early.ask(Work), "the work is done");
    work().await.unwrap();
    assert_eq!(
        counters.counter("actor_messages_processed_total", "Early"),
        None,
        "nothing is exported before the switch"
    );
    export_metrics(true);
    work().await.unwrap();
    work().await.unwrap();
    assert_eq!(
        counters.counter("actor_messages_processed_total", "Early"),
        Some(2),
        "the messages after the switch are exported"
    );
    export_metrics(false);
}
