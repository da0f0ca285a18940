//! Registry races and event-bus delivery.

use actor_system::prelude::*;
use actor_system::system::{EventBus, Registry, RegistryError};
use actor_system::testing::TestProbe;
use std::time::Duration;

mod common;
use common::{bounded, until};

struct Worker;
impl Actor for Worker {}

#[derive(Clone, Debug, PartialEq)]
struct Tick(u64);
impl Message for Tick {
    type Result = ();
}
impl Handler<Tick> for Worker {
    async fn handle(&mut self, _: Tick, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn stopped_actors_leave_the_registry_and_names_can_be_reused() {
    let registry = Registry::new();
    let a = spawn(Worker).await.unwrap();
    registry
        .insert("worker", a.clone(), Priority::Normal)
        .unwrap();
    registry.expose("worker", a.recipient::<Tick>()).unwrap();
    assert!(registry.lookup_recipient::<Tick>("worker").is_some());
    assert!(
        registry.lookup::<TestWrongType>("worker").is_none(),
        "typed lookup checks the type"
    );
    assert_eq!(
        registry.expose("nobody", a.recipient::<Tick>()),
        Err(RegistryError::NotFound("nobody".into()))
    );
    let info = &registry.list()[0];
    assert_eq!(
        (info.name.as_str(), info.priority),
        ("worker", Priority::Normal)
    );
    registry.stop("worker").unwrap();
    until("the stopped actor leaves the registry", || {
        !registry.contains("worker")
    })
    .await;
    let b = spawn(Worker).await.unwrap();
    registry
        .insert("worker", b.clone(), Priority::High)
        .unwrap();
    assert_eq!(registry.lookup::<Worker>("worker"), Some(b));
}

struct TestWrongType;
impl Actor for TestWrongType {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_register_lookup_and_stop_leave_no_lost_or_stale_entry() {
    let registry = Registry::new();
    let tasks: Vec<_> = (0..32)
        .map(|t| {
            let registry = registry.clone();
            tokio::spawn(async move {
                for round in 0..20 {
                    let name = format!("actor-{}", (t + round) % 8);
                    let addr = spawn(Worker).await.unwrap();
                    match registry.insert(&name, addr.clone(), Priority::Normal) {
                        Ok(()) => {
                            // Whoever registered a name finds exactly its own actor there...
                            let found = registry.lookup::<Worker>(&name);
                            assert_eq!(found.as_ref(), Some(&addr));
                            // ...until it stops it; then the entry disappears.
                            addr.stop();
                            addr.wait_for_stop().await.unwrap();
                        }
                        Err(RegistryError::Duplicate(n)) => assert_eq!(n, name),
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        bounded(t, "a task's rounds of register, look up and stop")
            .await
            .unwrap();
    }
    until("every stopped actor leaves the registry", || {
        registry.list().is_empty()
    })
    .await;
}

#[tokio::test]
async fn bus_delivers_at_the_subscribers_priority_and_drops_dead_subscribers() {
    let bus = EventBus::new();
    let mut probe = TestProbe::<Tick>::new().await;
    let dead = spawn(Worker).await.unwrap();
    bus.subscribe(dead.recipient::<Tick>());
    bus.subscribe(probe.recipient().with_priority(Priority::Critical));
    dead.stop();
    bounded(dead.wait_for_stop(), "the subscriber stops")
        .await
        .unwrap();
    let report = bus.publish(Tick(1));
    assert_eq!((report.delivered, report.removed), (1, 1));
    assert_eq!(bus.subscriber_count::<Tick>(), 1);
    assert_eq!(probe.expect_msg(Duration::from_secs(1)).await, Tick(1));
    assert_eq!(probe.address().stats().mailbox_wait.count, 1);
    let id = bus.subscribe(probe.recipient());
    assert!(bus.unsubscribe::<Tick>(id));
    assert!(!bus.unsubscribe::<Tick>(id));
}
