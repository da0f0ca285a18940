//! With debug enabled for the runtime's target, every handler runs inside a `handle` span.

use actor_system_runtime::{spawn, Actor, Context, Handler, Message};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

mod common;
use common::bounded;

/// Records the spans created and entered.
#[derive(Default)]
struct Recorder {
    next: AtomicU64,
    created: Mutex<Vec<(u64, String, &'static str)>>,
    entered: Mutex<Vec<u64>>,
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let meta = attrs.metadata();
        let entry = (id, meta.target().to_owned(), meta.name());
        self.created.lock().unwrap().push(entry);
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, id: &Id) {
        self.entered.lock().unwrap().push(id.into_u64());
    }
    fn exit(&self, _: &Id) {}
}

struct Echo;
impl Actor for Echo {}

struct Ping;
impl Message for Ping {
    type Result = u8;
}

impl Handler<Ping> for Echo {
    async fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> u8 {
        7
    }
}

#[tokio::test]
async fn handlers_run_in_a_handle_span_when_debug_is_enabled() {
    let recorder = Arc::new(Recorder::default());
    let _default = tracing::subscriber::set_default(recorder.clone());
    let addr = spawn(Echo).await.unwrap();
    assert_eq!(bounded(addr.ask(Ping), "the echo").await, Ok(7));
    let handle_spans: Vec<u64> = recorder
        .created
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, target, name)| target == "actor_system::actor" && *name == "handle")
        .map(|(id, _, _)| *id)
        .collect();
    assert_eq!(handle_spans.len(), 1, "one span per handled message");
    assert!(
        recorder.entered.lock().unwrap().contains(&handle_spans[0]),
        "the handler ran inside it"
    );
}
