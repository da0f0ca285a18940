//! criterion benches of actor_system alone (the `actor-bench` binary compares it with others).
//! `cargo bench -p actor_bench` writes HTML reports to target/criterion.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use actor_system::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::{Duration, Instant};

struct Counter(u64);
impl Actor for Counter {}

#[derive(Message)]
struct Inc;
impl Handler<Inc> for Counter {
    async fn handle(&mut self, _: Inc, _: &mut Context<Self>) {
        self.0 += 1;
    }
}

#[derive(Message)]
#[message(result = "u64", priority = "background")]
struct Get;
impl Handler<Get> for Counter {
    async fn handle(&mut self, _: Get, _: &mut Context<Self>) -> u64 {
        self.0
    }
}

#[derive(Message)]
#[message(priority = "critical")]
struct Urgent;
impl Handler<Urgent> for Counter {
    async fn handle(&mut self, _: Urgent, _: &mut Context<Self>) {}
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

const BATCH: u64 = 10_000;

fn messaging(c: &mut Criterion) {
    let rt = runtime();
    let addr = rt.block_on(spawn(Counter(0))).unwrap();
    let mut g = c.benchmark_group("messaging");
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function("tell_10k_then_ask", |b| {
        b.to_async(&rt).iter(|| async {
            for _ in 0..BATCH {
                addr.tell(Inc).unwrap();
            }
            addr.ask(Get).await.unwrap()
        })
    });
    g.bench_function("fanin_4x2500", |b| {
        b.to_async(&rt).iter(|| async {
            let senders: Vec<_> = (0..4)
                .map(|_| {
                    let addr = addr.clone();
                    tokio::spawn(async move {
                        for _ in 0..BATCH / 4 {
                            addr.tell(Inc).unwrap();
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await.unwrap();
            }
            addr.ask(Get).await.unwrap()
        })
    });
    let bounded = rt
        .block_on(spawn_with(
            Counter(0),
            SpawnOptions::new().mailbox(MailboxConfig::bounded(64)),
        ))
        .unwrap();
    g.bench_function("bounded64_send_10k", |b| {
        b.to_async(&rt).iter(|| async {
            for _ in 0..BATCH {
                bounded.tell_when_ready(Inc).await.unwrap();
            }
            bounded.ask(Get).await.unwrap()
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("ask_round_trip", |b| b.to_async(&rt).iter(|| addr.ask(Get)));
    g.bench_function("spawn_ask_stop", |b| {
        b.to_async(&rt).iter(|| async {
            let a = spawn(Counter(0)).await.unwrap();
            a.ask(Get).await.unwrap();
            a.stop_and_wait().await.unwrap();
        })
    });
    g.finish();
}

/// Latency of a critical message behind 10,000 queued background ones. Criterion times only
/// what `iter_custom` returns: the sum of the critical asks' round trips, not the setup (a
/// fresh actor, 10,000 tells) nor the wait for the backlog to drain before the next sample.
fn priority(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("priority");
    g.sample_size(20);
    g.bench_function("critical_behind_10k_background", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut critical = Duration::ZERO;
            for _ in 0..iters {
                let addr = spawn(Counter(0)).await.unwrap();
                for _ in 0..BATCH {
                    addr.with_priority(Priority::Background).tell(Inc).unwrap();
                }
                let start = Instant::now();
                addr.with_priority(Priority::Critical)
                    .ask(Urgent)
                    .await
                    .unwrap();
                critical += start.elapsed();
                // Let the backlog drain, so it does not load the next iteration's ask.
                assert_eq!(addr.ask(Get).await.unwrap(), BATCH);
            }
            critical
        })
    });
    g.finish();
}

/// The cost of the metrics instrumentation with no recorder installed: per-message recording
/// on the handled path is included in every bench above; this isolates the facade calls.
fn metrics_without_recorder(c: &mut Criterion) {
    let counter = metrics::counter!("bench_counter", "actor" => "x");
    let histogram = metrics::histogram!("bench_histogram", "actor" => "x");
    c.bench_function("metrics_noop_counter_and_histogram", |b| {
        b.iter(|| {
            counter.increment(1);
            histogram.record(std::hint::black_box(0.001));
        })
    });
}

criterion_group!(benches, messaging, priority, metrics_without_recorder);
criterion_main!(benches);
