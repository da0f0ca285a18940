//! A `metrics` recorder that keeps counters and gauges in memory, for the tests of metrics
//! export. The recorder is process-wide: a test binary installs it once, with [`recorded`].
#![allow(dead_code)]

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A metric's name and its `actor` and `priority` labels (empty when it has none).
type MetricKey = (String, String, String);

/// Counters and gauges by name and labels (a gauge's value is kept as the bits of an `f64`,
/// as `metrics` does for an `AtomicU64` gauge).
#[derive(Default, Clone)]
pub struct Recorded(Arc<Mutex<HashMap<MetricKey, Arc<AtomicU64>>>>);

/// The recorder of this test binary, installed as the global recorder on first use.
pub fn recorded() -> &'static Recorded {
    static RECORDED: OnceLock<Recorded> = OnceLock::new();
    RECORDED.get_or_init(|| {
        let recorded = Recorded::default();
        metrics::set_global_recorder(recorded.clone()).expect("no other recorder is installed");
        recorded
    })
}

impl Recorded {
    fn get(&self, name: &str, actor: &str, priority: &str) -> Option<u64> {
        let metrics = self.0.lock().unwrap();
        let key = (name.to_owned(), actor.to_owned(), priority.to_owned());
        Some(metrics.get(&key)?.load(Ordering::SeqCst))
    }

    /// The counter `name` of `actor`, if it was registered.
    pub fn counter(&self, name: &str, actor: &str) -> Option<u64> {
        self.get(name, actor, "")
    }

    /// The gauge `name` of `actor` (for a `priority` label, if given), if it was registered.
    pub fn gauge(&self, name: &str, actor: &str, priority: Option<&str>) -> Option<f64> {
        self.get(name, actor, priority.unwrap_or_default())
            .map(f64::from_bits)
    }

    fn register(&self, key: &Key) -> Arc<AtomicU64> {
        let label = |name: &str| {
            key.labels()
                .find(|l| l.key() == name)
                .map(|l| l.value().to_owned())
                .unwrap_or_default()
        };
        let key = (key.name().to_owned(), label("actor"), label("priority"));
        self.0.lock().unwrap().entry(key).or_default().clone()
    }
}

impl Recorder for Recorded {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.register(key))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.register(key))
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}
