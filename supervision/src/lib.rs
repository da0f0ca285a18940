//! Supervision trees for `actor_system`, modelled on Erlang/OTP supervisors and Akka's backoff
//! supervision.
//!
//! - A supervisor is an actor; its children are declared by [`ChildSpec`]s (factory, restart
//!   policy, restart delay, shutdown timeout, dependencies on siblings).
//! - Strategies [`Strategy::OneForOne`], [`Strategy::OneForAll`], [`Strategy::RestForOne`].
//! - Delays: immediate (no timer involved), fixed, exponential backoff with jitter, never. A
//!   restart waits for the child's dependencies to run, and to answer their health check where
//!   [`ChildSpec::dependency_health_check`] asks for it (bounded); the supervisor waits on their
//!   state changes, it does not poll.
//! - Intensity ([`RestartIntensity`], OTP's MaxR/MaxT): every restart counts; exceeded, the
//!   supervisor stops its children in reverse order and escalates to its parent, which
//!   restarts it by its own strategy. Only a root exceeding it ends the tree, with
//!   [`SupervisionError::GaveUp`].
//! - Severity, as the seed's recovery flow, where every branch ends in a new instance:
//!   `Recoverable` restarts the child here; `Critical` escalates to the supervisor above, which
//!   restarts this supervisor's subtree by its own strategy (the root, with none above,
//!   restarts the child); `Fatal` replaces the child at once without backoff, and a second
//!   fatal failure within the intensity window escalates like `Critical`. Panics count as
//!   `Recoverable` ("let it crash") unless [`SupervisorBuilder::panics_as`] says otherwise.
//! - Children that end for good (by their restart policy, a `Never` delay, or
//!   [`SupervisorRef::stop_child`]) are removed: a tree that runs per-peer actors for months
//!   keeps only the live ones, and their names are free again.
//! - Stable addresses: a child's mailbox survives its restarts (and its supervisor's), so an
//!   `Addr` taken from [`SupervisorSpec::address`] always reaches the current incarnation.
//! - [`SupervisionEvent`]s say what happened (failures, restarts, restarted children running
//!   again, children removed, escalations): wait on them rather than on time.
//!
//! Logs use the target `actor_system::supervisor`, e.g.
//! `Restarting 'storage-actor' (attempt 1/5)` (restarts of the child within the intensity
//! window, out of those allowed).
#![warn(missing_docs)]

mod child;
mod error;
mod events;
mod handle;
mod policy;
mod protocol;
mod spec;
mod supervisor;
mod task;
mod tree;

pub use child::ChildSpec;
pub use error::SupervisionError;
pub use events::{SupervisionEvent, SupervisionEvents};
pub use handle::SupervisorRef;
pub use policy::{RestartDelay, RestartIntensity, RestartPolicy, Strategy};
pub use spec::{SupervisorBuilder, SupervisorSpec};
pub use supervisor::{ChildState, ChildStatus, GetChildren, Shutdown, ShutdownReport, Supervisor};
