//! Mailbox-to-handler latency per priority, recorded by the receiving actors.

use actor_system::Priority;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
pub struct Latencies(Arc<Mutex<HashMap<Priority, Vec<Duration>>>>);

impl Latencies {
    pub fn record(&self, priority: Priority, sent: Instant) {
        self.0
            .lock()
            .entry(priority)
            .or_default()
            .push(sent.elapsed());
    }

    /// The 99th percentile of each priority, highest priority first.
    pub fn p99(&self) -> Vec<(Priority, Duration)> {
        let mut out: Vec<_> = self
            .0
            .lock()
            .iter_mut()
            .map(|(p, v)| {
                v.sort();
                (*p, v[(v.len() - 1) * 99 / 100])
            })
            .collect();
        out.sort_by_key(|(p, _)| std::cmp::Reverse(*p));
        out
    }
}
