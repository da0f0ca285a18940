//! Per-actor counters: atomics on the actor's mailbox, readable without any metrics exporter,
//! mirrored into the `metrics` facade (labels `actor`, `actor_type`).

use crate::Priority;
use once_cell::race::OnceBox;
use std::sync::atomic::{
    AtomicU64,
    Ordering::{AcqRel, Acquire, Relaxed},
};
use std::sync::OnceLock;
use std::time::Duration;

/// One in this many messages (per sending thread) carries an enqueue timestamp and has its
/// handling timed; `Critical` messages always do. Keeps clock reads off most of the hot path (a
/// sampled message reads the clock three times; what that cost at other rates is in
/// docs/performance.md).
pub const TIMING_SAMPLE_EVERY: u32 = 64;

/// The enqueue instant for a message of `priority`, if this one is sampled.
pub(crate) fn sample_clock(priority: Priority) -> Option<std::time::Instant> {
    thread_local! {
        static SENT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    let sampled = priority == Priority::Critical
        || SENT.with(|n| {
            let v = n.get().wrapping_add(1);
            n.set(v);
            v % TIMING_SAMPLE_EVERY == 0
        });
    sampled.then(std::time::Instant::now)
}

/// Count, total and maximum of a duration (handling time, mailbox wait).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimingSummary {
    /// Number of samples.
    pub count: u64,
    /// Sum of all samples.
    pub total: Duration,
    /// Largest sample.
    pub max: Duration,
}

impl TimingSummary {
    /// Mean of the samples (zero when there are none).
    pub fn mean(&self) -> Duration {
        if self.count == 0 {
            Duration::ZERO
        } else {
            self.total / self.count as u32
        }
    }
}

/// Add `by` to a counter that only the actor's own task writes (one message at a time): a plain
/// load and store instead of a locked read-modify-write. Readers on other threads see whole values.
#[inline]
fn bump(counter: &AtomicU64, by: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(by), Relaxed);
}

/// The counters that change rarely or only for sampled messages, and the metric handles.
#[derive(Default)]
struct RareStats {
    /// Registered the first time something is recorded while metrics are exported.
    handles: OnceLock<MetricHandles>,
    failed: AtomicU64,
    dropped: AtomicU64,
    rejected: AtomicU64,
    restarts: AtomicU64,
    /// Handling time and mailbox wait of sampled messages.
    handling: Timing,
    mailbox_wait: Timing,
    /// The queue depth past which a health check reports `Degraded` (see
    /// [`MailboxConfig::with_queue_warning`](crate::MailboxConfig::with_queue_warning)). Kept
    /// here, out of line, so that an actor without one pays nothing for it; set at spawn.
    queue_warning: Option<usize>,
}

/// Written only by the actor's own task (see [`bump`]).
#[derive(Default)]
struct Timing {
    count: AtomicU64,
    total_ns: AtomicU64,
    max_ns: AtomicU64,
}

impl Timing {
    fn record(&self, d: Duration) {
        let ns = d.as_nanos().min(u64::MAX as u128) as u64;
        bump(&self.count, 1);
        bump(&self.total_ns, ns);
        if ns > self.max_ns.load(Relaxed) {
            self.max_ns.store(ns, Relaxed);
        }
    }

    fn summary(&self) -> TimingSummary {
        TimingSummary {
            count: self.count.load(Relaxed),
            total: Duration::from_nanos(self.total_ns.load(Relaxed)),
            max: Duration::from_nanos(self.max_ns.load(Relaxed)),
        }
    }
}

/// Live counters of one actor (shared by all its incarnations).
pub(crate) struct ActorStats {
    /// Written only by the actor's own task.
    processed: AtomicU64,
    /// Created with the first sampled message, failure, drop, refusal or restart (or the first
    /// message while metrics are exported): an idle actor carries one pointer for them.
    rare: OnceBox<RareStats>,
}

/// The labels of an actor's metrics, worked out only when they are first registered: its name
/// and its type.
pub(crate) type Labels<'a> = (&'a str, &'static str);

static EXPORT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Mirror per-actor counters and timings into the `metrics` facade (labels `actor`,
/// `actor_type`; `priority` on mailbox wait), from now on, for every actor, whenever it was
/// spawned: an actor registers its metrics the first time it records something while this is
/// on. Call it after installing a recorder (e.g. a Prometheus exporter); counts from before are
/// not replayed. Off by default: then no actor registers metric handles and the hot path makes
/// no `metrics` calls; `Addr::stats` always works.
///
/// ```
/// actor_system_runtime::export_metrics(true);
/// assert!(actor_system_runtime::metrics_exported());
/// # actor_system_runtime::export_metrics(false);
/// ```
pub fn export_metrics(enabled: bool) {
    EXPORT.store(enabled, Relaxed);
}

/// Whether [`export_metrics`] is on.
pub fn metrics_exported() -> bool {
    EXPORT.load(Relaxed)
}

impl RareStats {
    /// The actor's metric handles while metrics are exported (registered on first use).
    fn handles<'a>(&self, labels: impl FnOnce() -> Labels<'a>) -> Option<&MetricHandles> {
        if !metrics_exported() {
            return None;
        }
        Some(self.handles.get_or_init(|| {
            let (name, actor_type) = labels();
            MetricHandles::new(name, actor_type)
        }))
    }
}

/// `metrics` handles registered once per actor, so recording costs no label lookups.
struct MetricHandles {
    processed: metrics::Counter,
    failed: metrics::Counter,
    dropped: metrics::Counter,
    handling: metrics::Histogram,
    mailbox_wait: [metrics::Histogram; 4],
    queue_depth: [metrics::Gauge; 4],
    mailbox_bytes: metrics::Gauge,
}

impl MetricHandles {
    fn new(name: &str, actor_type: &'static str) -> Self {
        let labels = [
            ("actor", name.to_owned()),
            ("actor_type", actor_type.to_owned()),
        ];
        let per_lane = |p: Priority| {
            [
                ("actor", name.to_owned()),
                ("actor_type", actor_type.to_owned()),
                ("priority", p.as_str().to_owned()),
            ]
        };
        let wait = |p: Priority| metrics::histogram!("actor_mailbox_wait_seconds", &per_lane(p));
        let depth = |p: Priority| metrics::gauge!("actor_mailbox_queue_depth", &per_lane(p));
        MetricHandles {
            processed: metrics::counter!("actor_messages_processed_total", &labels),
            failed: metrics::counter!("actor_failures_total", &labels),
            dropped: metrics::counter!("actor_messages_dropped_total", &labels),
            handling: metrics::histogram!("actor_message_handling_seconds", &labels),
            mailbox_wait: Priority::ALL.map(wait),
            queue_depth: Priority::ALL.map(depth),
            mailbox_bytes: metrics::gauge!("actor_mailbox_bytes", &labels),
        }
    }
}

impl ActorStats {
    /// Counters for an actor, with no metric registered yet, and its queue-depth warning (an
    /// actor with one has its rare counters from the start).
    pub(crate) fn new(queue_warning: Option<usize>) -> Self {
        let rare = OnceBox::new();
        if queue_warning.is_some() {
            let _ = rare.set(Box::new(RareStats {
                queue_warning,
                ..RareStats::default()
            }));
        }
        ActorStats {
            processed: AtomicU64::new(0),
            rare,
        }
    }

    /// The queue depth past which a health check reports `Degraded`, if one was configured.
    pub(crate) fn queue_warning(&self) -> Option<usize> {
        self.rare.get().and_then(|rare| rare.queue_warning)
    }

    /// Count a handled message; `timing` is (mailbox wait, handling time) for sampled ones.
    /// `labels` are called only to register the actor's metrics.
    #[inline]
    pub(crate) fn record_handled<'a>(
        &self,
        priority: Priority,
        timing: Option<(Duration, Duration)>,
        labels: impl FnOnce() -> Labels<'a>,
    ) {
        bump(&self.processed, 1);
        // Most messages are neither timed nor exported: one counter, nothing else.
        if timing.is_some() || metrics_exported() {
            self.record_handled_details(priority, timing, labels());
        }
    }

    #[inline(never)]
    fn record_handled_details(
        &self,
        priority: Priority,
        timing: Option<(Duration, Duration)>,
        labels: Labels<'_>,
    ) {
        let rare = self.rare();
        if let Some((wait, handling)) = timing {
            rare.handling.record(handling);
            rare.mailbox_wait.record(wait);
        }
        let Some(handles) = rare.handles(|| labels) else {
            return;
        };
        handles.processed.increment(1);
        if let Some((wait, handling)) = timing {
            handles.handling.record(handling.as_secs_f64());
            handles.mailbox_wait[priority.lane()].record(wait.as_secs_f64());
        }
    }

    fn rare(&self) -> &RareStats {
        self.rare.get_or_init(Box::default)
    }

    pub(crate) fn record_failure<'a>(&self, labels: impl FnOnce() -> Labels<'a>) {
        let rare = self.rare();
        rare.failed.fetch_add(1, Relaxed);
        if let Some(h) = rare.handles(labels) {
            h.failed.increment(1);
        }
    }

    pub(crate) fn record_dropped<'a>(&self, labels: impl FnOnce() -> Labels<'a>) {
        let rare = self.rare();
        rare.dropped.fetch_add(1, Relaxed);
        if let Some(h) = rare.handles(labels) {
            h.dropped.increment(1);
        }
    }

    /// Set the resource gauges (queue depth per lane, mailbox memory), if metrics are exported.
    pub(crate) fn record_resources<'a>(
        &self,
        queue_depth: [usize; 4],
        mailbox_bytes: usize,
        labels: impl FnOnce() -> Labels<'a>,
    ) {
        if !metrics_exported() {
            return;
        }
        let Some(handles) = self.rare().handles(labels) else {
            return;
        };
        for (gauge, depth) in handles.queue_depth.iter().zip(queue_depth) {
            gauge.set(depth as f64);
        }
        handles.mailbox_bytes.set(mailbox_bytes as f64);
    }

    /// A message was refused with an error returned to its sender.
    pub(crate) fn record_rejected(&self) {
        self.rare().rejected.fetch_add(1, Relaxed);
    }

    pub(crate) fn record_restart(&self) {
        self.rare().restarts.fetch_add(1, AcqRel);
    }

    /// Restarts so far: the number of the current incarnation (0 for the first).
    pub(crate) fn restarts(&self) -> u64 {
        self.rare
            .get()
            .map_or(0, |rare| rare.restarts.load(Acquire))
    }

    pub(crate) fn snapshot(&self, queue_depth: [usize; 4], mailbox_bytes: usize) -> StatsSnapshot {
        let processed = self.processed.load(Relaxed);
        let Some(rare) = self.rare.get() else {
            return StatsSnapshot {
                processed,
                queue_depth,
                mailbox_bytes,
                ..StatsSnapshot::default()
            };
        };
        StatsSnapshot {
            processed,
            failed: rare.failed.load(Relaxed),
            dropped: rare.dropped.load(Relaxed),
            rejected: rare.rejected.load(Relaxed),
            restarts: rare.restarts.load(Relaxed),
            queue_depth,
            mailbox_bytes,
            handling: rare.handling.summary(),
            mailbox_wait: rare.mailbox_wait.summary(),
        }
    }
}

/// A point-in-time copy of an actor's counters, from [`Addr::stats`](crate::Addr::stats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatsSnapshot {
    /// Messages handled to completion.
    pub processed: u64,
    /// Failures (panics, failed starts, `Context::fail`).
    pub failed: u64,
    /// Messages dropped by the overflow strategy or left queued at stop (all are dead letters).
    pub dropped: u64,
    /// Messages refused with an error returned to the sender (mailbox full).
    pub rejected: u64,
    /// Times a supervisor restarted the actor on this mailbox.
    pub restarts: u64,
    /// Messages waiting, per lane, indexed by [`Priority::lane`].
    pub queue_depth: [usize; 4],
    /// An estimate of the memory the mailbox holds, in bytes: its structure, and the queues and
    /// slots of the lanes holding messages (not what the messages point to).
    #[cfg_attr(feature = "serde", serde(default))]
    pub mailbox_bytes: usize,
    /// Time spent in handlers.
    pub handling: TimingSummary,
    /// Time messages waited in the mailbox before their handler started.
    pub mailbox_wait: TimingSummary,
}

impl StatsSnapshot {
    /// Messages waiting in all lanes.
    pub fn queued(&self) -> usize {
        self.queue_depth.iter().sum()
    }

    /// The deepest lane: its priority and how many messages wait in it (the first of equals, in
    /// lane order); `None` when nothing waits.
    ///
    /// ```
    /// use actor_system_runtime::{Priority, StatsSnapshot};
    ///
    /// let stats = StatsSnapshot { queue_depth: [0, 3, 12, 12], ..StatsSnapshot::default() };
    /// assert_eq!(stats.deepest_lane(), Some((Priority::Normal, 12)));
    /// assert_eq!(StatsSnapshot::default().deepest_lane(), None);
    /// ```
    pub fn deepest_lane(&self) -> Option<(Priority, usize)> {
        self.resources().deepest_lane()
    }

    /// The queue depths and mailbox memory of this snapshot.
    ///
    /// ```
    /// use actor_system_runtime::StatsSnapshot;
    ///
    /// let stats = StatsSnapshot { queue_depth: [0, 0, 5, 0], mailbox_bytes: 2048, ..StatsSnapshot::default() };
    /// assert_eq!(stats.resources().queued(), 5);
    /// assert_eq!(stats.resources().mailbox_bytes, 2048);
    /// ```
    pub fn resources(&self) -> crate::MailboxResources {
        crate::MailboxResources {
            queue_depth: self.queue_depth,
            mailbox_bytes: self.mailbox_bytes,
        }
    }
}
