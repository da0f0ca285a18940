//! Supervision trees for `actor_system`, modelled on Erlang/OTP supervisors and Akka's backoff
//! supervision.
//!
//! - A supervisor is an actor; its children are declared by [`ChildSpec`]s (factory, restart
//!   policy, restart delay, shutdown timeout, dependencies on siblings).
//! - Strategies [`Strategy::OneForOne`], [`Strategy::OneForAll`], [`Strategy::RestForOne`].
//! - Delays: immediate, fixed, exponential backoff with jitter, never; a restart waits for the
//!   child's dependencies to run (bounded).
//! - Intensity ([`RestartIntensity`], OTP's MaxR/MaxT): exceeded, the supervisor stops its
//!   children in reverse order and escalates to its parent; a root reports
//!   [`SupervisionError::GaveUp`].
//! - Severity: `Recoverable` restarts locally, `Critical` escalates at once, `Fatal` replaces the
//!   child once without backoff (a second fatal failure escalates). Panics count as `Critical`
//!   unless [`SupervisorBuilder::panics_as`] says otherwise.
//! - Stable addresses: a child's mailbox survives its restarts (and its supervisor's), so an
//!   `Addr` taken from [`SupervisorSpec::address`] always reaches the current incarnation.
//!
//! Logs use the target `actor_system::supervisor`.
#![warn(missing_docs)]

mod child;
mod error;
mod events;
mod policy;
mod spec;
mod supervisor;

pub use child::ChildSpec;
pub use error::SupervisionError;
pub use events::{SupervisionEvent, SupervisionEvents};
pub use policy::{RestartDelay, RestartIntensity, RestartPolicy, Strategy};
pub use spec::{SupervisorBuilder, SupervisorRef, SupervisorSpec};
pub use supervisor::{ChildState, ChildStatus, GetChildren, Shutdown, ShutdownReport, Supervisor};
