//! `export_metrics(true)` takes effect for every actor, whenever it was spawned: one spawned
//! before the switch exports from its next message on. (A test binary of its own: the switch
//! and the recorder are process-wide.)

use actor_system_runtime::{export_metrics, spawn, Actor, Context, Handler, Message};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

mod common;
use common::bounded;

/// A counter's name and `actor` label.
type CounterKey = (String, String);

/// Counters by name and `actor` label.
#[derive(Default, Clone)]
struct Counters(Arc<Mutex<HashMap<CounterKey, Arc<AtomicU64>>>>);

impl Counters {
    fn value(&self, name: &str, actor: &str) -> Option<u64> {
        let counters = self.0.lock().unwrap();
        let counter = counters.get(&(name.to_owned(), actor.to_owned()))?;
        Some(counter.load(Ordering::SeqCst))
    }
}

impl Recorder for Counters {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let actor = key
            .labels()
            .find(|l| l.key() == "actor")
            .map(|l| l.value().to_owned())
            .unwrap_or_default();
        let counter = self
            .0
            .lock()
            .unwrap()
            .entry((key.name().to_owned(), actor))
            .or_default()
            .clone();
        Counter::from_arc(counter)
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

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
    let counters = Counters::default();
    metrics::set_global_recorder(counters.clone()).unwrap();
    let early = spawn(Early).await.unwrap();
    let work = || bounded(early.ask(Work), "the work is done");
    work().await.unwrap();
    assert_eq!(
        counters.value("actor_messages_processed_total", "Early"),
        None,
        "nothing is exported before the switch"
    );
    export_metrics(true);
    work().await.unwrap();
    work().await.unwrap();
    assert_eq!(
        counters.value("actor_messages_processed_total", "Early"),
        Some(2),
        "the messages after the switch are exported"
    );
    export_metrics(false);
}
