//! `actor_system`: a Tokio-native actor runtime for the Alys V2 node.
//!
//! Actors run on tokio tasks and receive messages through lock-free priority mailboxes
//! (`Critical` > `High` > `Normal` > `Background`) with declared overflow policies; whatever is
//! dropped is counted and reaches dead letters. This crate re-exports the layers:
//!
//! - the runtime core ([`Actor`], [`Handler`], [`Message`], [`Addr`], [`Recipient`],
//!   [`Context`], mailboxes, dead letters, per-actor stats);
//!
//! Cargo features: `testing` (the `testing` kit: probes, mock actors, paused-clock helpers),
//! `serde` (Serialize/Deserialize for priorities, errors, states, stats and configs), `remote`
//! (`remote`: actors on other nodes, over libp2p).
//!
//! Import everything an actor needs with the prelude:
//!
//! ```
//! use actor_system::prelude::*;
//!
//! struct Chain { height: u64 }
//! impl Actor for Chain {}
//!
//! #[derive(Message)]
//! #[message(result = "u64", priority = "critical")]
//! struct ProduceBlock;
//!
//! impl Handler<ProduceBlock> for Chain {
//!     async fn handle(&mut self, _: ProduceBlock, _: &mut Context<Self>) -> u64 {
//!         self.height += 1;
//!         self.height
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let chain = spawn(Chain { height: 0 }).await.unwrap();
//! assert_eq!(chain.ask(ProduceBlock).await, Ok(1));
//! # }
//! ```
#![warn(missing_docs)]

extern crate self as actor_system;

pub use actor_system_runtime::*;

pub mod system;

/// Supervision trees (the `actor_system_supervision` crate).
pub use actor_system_supervision as supervision;

/// Blockchain-aware actors, timing enforcement, slot clock, federation, chain events (the
/// `actor_system_blockchain` crate).
pub use actor_system_blockchain as blockchain;

/// Remote actors over libp2p (the `actor_system_remote` crate; the `remote` feature).
#[cfg(feature = "remote")]
pub use actor_system_remote as remote;

/// The migration guide, `docs/migrating-from-actix.md`: every `actor_system` code block in it is
/// a doctest of this crate (`cargo test --doc -p actor_system`), so the guide cannot drift from
/// the API. The actix blocks are `ignore`d (actix is not a dependency).
#[cfg(doctest)]
#[doc = include_str!("../docs/migrating-from-actix.md")]
pub struct MigrationGuide;

/// Serve [`tokio-console`](https://github.com/tokio-rs/console) at 127.0.0.1:6669 and install
/// its tracing subscriber. Actor tasks are named `actor:<name>`. Needs the `tokio-console`
/// feature and `RUSTFLAGS="--cfg tokio_unstable"`; call it once, first thing in `main`.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() {
///     actor_system::init_console();
///     // spawn actors; watch them with `tokio-console`
/// }
/// ```
#[cfg(feature = "tokio-console")]
pub fn init_console() {
    console_subscriber::init();
}

/// Everything an actor implementation usually needs, in one import.
pub mod prelude {
    pub use crate::system::Service;
    pub use actor_system_runtime::{
        spawn, spawn_with, Actor, ActorError, ActorResult, ActorState, Addr, AskError, Context,
        DeadLetters, ExitReason, Fairness, FromConfig, Handler, MailboxConfig, Message,
        OverflowStrategy, Priority, Recipient, RetryConfig, SendError, Severity, SpawnOptions,
        StreamHandler, TimerHandle, WeakAddr, WeakRecipient,
    };
    pub use actor_system_supervision::{
        ChildSpec, RestartDelay, RestartIntensity, RestartPolicy, SupervisorSpec,
    };
}
