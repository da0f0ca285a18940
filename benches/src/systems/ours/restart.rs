//! `restart` on actor_system: a supervised actor fails (`ctx.fail`, no panic report) and the
//! next ask is answered by the incarnation its supervisor starts.

use crate::systems::Outcome;
use crate::workloads::RESTARTS;
use actor_system::prelude::*;
use actor_system::supervision::{RestartIntensity, SupervisorSpec};
use std::time::{Duration, Instant};

struct Flaky;
impl Actor for Flaky {}

#[derive(Message)]
struct Fail;
impl Handler<Fail> for Flaky {
    async fn handle(&mut self, _: Fail, ctx: &mut Context<Self>) {
        ctx.fail(ActorError::recoverable("benchmark failure"));
    }
}

#[derive(Message)]
#[message(result = "u64")]
struct Ping(u64);
impl Handler<Ping> for Flaky {
    async fn handle(&mut self, msg: Ping, _: &mut Context<Self>) -> u64 {
        msg.0
    }
}

/// Time from each failure to the restarted actor's answer.
pub async fn run() -> Outcome {
    let root = SupervisorSpec::builder("bench")
        .intensity(RestartIntensity::new(
            RESTARTS as u32 * 2,
            Duration::from_secs(3600),
        ))
        .child(ChildSpec::new("flaky", || Flaky))
        .build()
        .expect("valid spec")
        .start()
        .await
        .expect("starts");
    let flaky = root.child::<Flaky>("flaky").expect("a child");
    let start = Instant::now();
    let mut ns = Vec::with_capacity(RESTARTS as usize);
    for i in 0..RESTARTS {
        let failed_at = Instant::now();
        flaky.tell(Fail).expect("running");
        assert_eq!(
            flaky.ask(Ping(i)).await,
            Ok(i),
            "the restarted actor answers"
        );
        ns.push(failed_at.elapsed().as_nanos() as f64);
    }
    let elapsed = start.elapsed();
    let restarts = flaky.stats().restarts;
    assert_eq!(restarts, RESTARTS, "each failure was one restart");
    root.shutdown().await;
    Outcome::Latencies {
        ns,
        ops: RESTARTS,
        elapsed,
    }
}
