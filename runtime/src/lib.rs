//! Core of the `actor_system` runtime: actors over tokio tasks, typed addresses, and lock-free
//! priority mailboxes with declared overflow policies and dead letters.
//!
//! Most users depend on the `actor_system` facade crate, which re-exports all of this.
//!
//! ```
//! use actor_system_runtime::{spawn, Actor, Context, Handler, Message};
//!
//! struct Counter { count: u64 }
//! impl Actor for Counter {}
//!
//! struct Increment(u64);
//! impl Message for Increment { type Result = u64; }
//!
//! impl Handler<Increment> for Counter {
//!     async fn handle(&mut self, msg: Increment, _ctx: &mut Context<Self>) -> u64 {
//!         self.count += msg.0;
//!         self.count
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let counter = spawn(Counter { count: 0 }).await.unwrap();
//! counter.tell(Increment(2)).unwrap();
//! assert_eq!(counter.ask(Increment(3)).await, Ok(5));
//! # }
//! ```
//!
//! Logs use the targets `actor_system::actor` (lifecycle, one span per handled message) and
//! `actor_system::mailbox` (dead letters).
#![warn(missing_docs)]

extern crate self as actor_system_runtime;

mod actor;
mod address;
mod background;
mod call;
mod context;
mod current;
mod dead_letter;
mod drive;
mod envelope;
mod error;
mod extras;
mod health;
mod lifecycle;
pub mod mailbox;
mod message;
mod priority;
pub mod pubsub;
mod recipient;
mod resources;
mod retry;
mod runner;
mod shared;
mod slice;
mod spawn;
mod stats;
mod stream;
mod sync;
#[cfg(feature = "testing")]
pub mod testing;
mod timer;
mod waiting;
mod weak;

pub use actor::{Actor, FromConfig, Handler};
pub use actor_system_macros::Message;
pub use address::{Addr, Outgoing};
pub use context::Context;
pub use current::current_correlation_id;
pub use dead_letter::{DeadLetter, DeadLetters, DropReason, Undelivered};
pub use drive::spawn_actor_task;
pub use envelope::MessageInfo;
pub use error::{
    ActorError, ActorResult, AskError, ConfigError, FailureKind, SendError, Severity, SpawnError,
    StopError,
};
/// The trait of what [`Context::add_stream`] consumes (the `futures-core` crate's, which
/// `futures` and `tokio-stream` re-export).
pub use futures_core::Stream;
pub use health::{HealthStatus, SATURATION_WARNING};
pub use lifecycle::{ActorId, ActorState, ExitReason};
pub use mailbox::{Fairness, MailboxConfig, OverflowStrategy};
pub use message::Message;
pub use priority::{ParsePriorityError, Priority};
pub use pubsub::{PublishReport, SubscriptionId, Topic};
pub use recipient::{Recipient, WeakRecipient};
pub use resources::{HealthReport, MailboxResources};
pub use retry::{retry, RetryConfig, RetryError};
pub use spawn::{spawn, spawn_runner, spawn_with, ActorCell, SpawnOptions, CHILD_SHUTDOWN_TIMEOUT};
pub use stats::{
    export_metrics, metrics_exported, StatsSnapshot, TimingSummary, TIMING_SAMPLE_EVERY,
};
pub use stream::StreamHandler;
pub use timer::{ActorFuture, TimerHandle};
pub use waiting::SendOptions;
pub use weak::WeakAddr;
