//! Restart latency: the time from a supervised actor's failure to its new incarnation
//! answering an ask, with an `Immediate` restart (the default). Prints the median and mean in
//! µs, on a current-thread runtime and on two workers.
//!
//! ```text
//! cargo run --release -p actor_system_supervision --example restart_latency [-- ROUNDS]
//! ```

use actor_system_runtime::{Actor, ActorError, Context, Handler, Message};
use actor_system_supervision::{ChildSpec, RestartIntensity, SupervisorSpec};
use std::time::{Duration, Instant};

struct Service;
impl Actor for Service {}

struct Ping;
impl Message for Ping {
    type Result = ();
}
impl Handler<Ping> for Service {
    async fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
}

/// Fail the actor `rounds` times; each time, how long until its new incarnation answered.
async fn measure(rounds: usize) -> Vec<Duration> {
    let root = SupervisorSpec::builder("root")
        .intensity(RestartIntensity::new(u32::MAX, Duration::from_secs(1)))
        .child(ChildSpec::new("service", || Service))
        .build()
        .expect("a valid spec")
        .start()
        .await
        .expect("the tree starts");
    let service = root.child::<Service>("service").expect("declared");
    let mut took = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t0 = Instant::now();
        // The failure travels ahead of the ask, which the next incarnation answers.
        service.inject_failure(ActorError::recoverable("restart me"));
        service
            .ask(Ping)
            .await
            .expect("the new incarnation answers");
        took.push(t0.elapsed());
    }
    root.shutdown().await;
    took
}

fn report(runtime: &str, mut took: Vec<Duration>) {
    took.sort();
    let mean = took.iter().sum::<Duration>() / took.len() as u32;
    let median = took[took.len() / 2];
    let p99 = took[took.len() * 99 / 100];
    println!(
        "restart {runtime:<14} {} restarts: median {:.1} us, mean {:.1} us, p99 {:.1} us",
        took.len(),
        median.as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
    );
}

fn main() {
    let rounds = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    report("current-thread", current.block_on(measure(rounds)));
    let workers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    report(
        "2 workers",
        workers.block_on(async { tokio::spawn(measure(rounds)).await.expect("measured") }),
    );
}
