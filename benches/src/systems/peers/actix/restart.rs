//! `restart` on actix: a `Supervised` actor started by `actix::Supervisor` stops itself and is
//! restarted in place (actix's way to recover from a failure; a panic would end the system).

use crate::systems::Outcome;
use crate::workloads::RESTARTS;
use actix::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Restarts seen by the `restarting` hook.
static RESTARTED: AtomicU64 = AtomicU64::new(0);

struct Flaky;
impl Actor for Flaky {
    type Context = Context<Self>;
}
impl actix::Supervised for Flaky {
    fn restarting(&mut self, _: &mut Context<Self>) {
        RESTARTED.fetch_add(1, Relaxed);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Fail;
impl Handler<Fail> for Flaky {
    type Result = ();
    fn handle(&mut self, _: Fail, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[derive(Message)]
#[rtype(result = "u64")]
struct Ping(u64);
impl Handler<Ping> for Flaky {
    type Result = u64;
    fn handle(&mut self, msg: Ping, _: &mut Context<Self>) -> u64 {
        msg.0
    }
}

/// Time from each failure to the restarted actor's answer.
pub async fn run() -> Outcome {
    let flaky = actix::Supervisor::start(|_| Flaky);
    let start = Instant::now();
    let mut ns = Vec::with_capacity(RESTARTS as usize);
    for i in 0..RESTARTS {
        let failed_at = Instant::now();
        flaky.do_send(Fail);
        assert_eq!(flaky.send(Ping(i)).await.expect("reply"), i);
        ns.push(failed_at.elapsed().as_nanos() as f64);
    }
    let elapsed = start.elapsed();
    assert_eq!(
        RESTARTED.load(Relaxed),
        RESTARTS,
        "each failure was one restart"
    );
    Outcome::Latencies {
        ns,
        ops: RESTARTS,
        elapsed,
    }
}
