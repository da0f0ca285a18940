//! Shared by the system tests: components that report their status and can be wedged, and
//! bounded waits on supervision events.
#![allow(dead_code, unused_imports)]

use actor_system::prelude::*;
use actor_system::supervision::SupervisionEvent;
use actor_system::system::{ActorSystem, HealthConfig, SystemConfig};
use std::time::Duration;
use tokio::sync::{broadcast, oneshot};

#[path = "../../supervision/tests/common/bounded.rs"]
mod bounded;
pub use bounded::{Within, WAIT};

#[derive(Clone, Debug)]
pub struct BlockProduced {
    pub height: u64,
    pub hash: [u8; 32],
}
impl Message for BlockProduced {
    type Result = ();
    const PRIORITY: Priority = Priority::Critical;
}

/// What each component reports about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub last_height: u64,
    pub handled: u64,
}

pub struct GetStatus;
impl Message for GetStatus {
    type Result = Status;
}

/// Says that it is being handled, then never returns (a wedged component).
pub struct Wedge(pub Option<oneshot::Sender<()>>);
impl Message for Wedge {
    type Result = ();
}

/// Wedge `addr` and wait (bounded) until its handler runs.
pub async fn wedge<A: Handler<Wedge>>(addr: &Addr<A>) {
    let (entered, handling) = oneshot::channel();
    addr.tell(Wedge(Some(entered))).unwrap();
    tokio::time::timeout(WAIT, handling)
        .await
        .expect("the wedge is handled")
        .unwrap();
}

/// Wait (bounded) for the first supervision event that satisfies `pred`.
pub async fn until(
    events: &mut broadcast::Receiver<SupervisionEvent>,
    what: &str,
    pred: impl Fn(&SupervisionEvent) -> bool,
) -> SupervisionEvent {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("the system runs");
            if pred(&event) {
                return event;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

/// Wait (bounded) until a restarted incarnation of `child` runs.
pub async fn restarted(events: &mut broadcast::Receiver<SupervisionEvent>, child: &str) {
    until(
        events,
        &format!("restart of '{child}'"),
        |e| matches!(e, SupervisionEvent::ActorStarted { child: c, .. } if c == child),
    )
    .await;
}

macro_rules! component {
    ($name:ident) => {
        #[derive(Default)]
        pub struct $name {
            status: Option<Status>,
        }
        impl Actor for $name {}
        impl Handler<BlockProduced> for $name {
            async fn handle(&mut self, block: BlockProduced, _: &mut Context<Self>) {
                assert_eq!(block.hash[0], block.height as u8);
                let s = self.status.get_or_insert(Status {
                    last_height: 0,
                    handled: 0,
                });
                s.last_height = block.height;
                s.handled += 1;
            }
        }
        impl Handler<GetStatus> for $name {
            async fn handle(&mut self, _: GetStatus, _: &mut Context<Self>) -> Status {
                self.status.clone().unwrap_or(Status {
                    last_height: 0,
                    handled: 0,
                })
            }
        }
        impl Handler<Wedge> for $name {
            async fn handle(&mut self, msg: Wedge, _: &mut Context<Self>) {
                if let Some(entered) = msg.0 {
                    let _ = entered.send(());
                }
                std::future::pending::<()>().await
            }
        }
    };
}

component!(ChainActor);
component!(EngineActor);
component!(StorageActor);

pub fn block(height: u64) -> BlockProduced {
    BlockProduced {
        height,
        hash: [height as u8; 32],
    }
}

/// A system that checks its actors every `interval`, each check answered within `timeout`,
/// and reports an actor as failed at the first failed check.
pub async fn checked_every(interval: Duration, timeout: Duration) -> ActorSystem {
    let health = HealthConfig {
        interval,
        timeout,
        failures_before_restart: 1,
        ..HealthConfig::default()
    };
    ActorSystem::new(SystemConfig {
        health,
        ..SystemConfig::default()
    })
    .await
    .unwrap()
}
