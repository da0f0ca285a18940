//! Blockchain-aware actors for `actor_system`, for Alys V2's 2-second blocks, federation peg
//! operations and merged mining.
//!
//! - [`BlockchainAwareActor`]: timing constraints, blockchain priority, async event handling,
//!   with every event handling timed ([`dispatch_event`], [`impl_blockchain_handler!`]).
//! - [`BlockchainActorPriority`] maps Consensus > Bridge > Network > Background onto mailbox lanes.
//! - [`EventHub`]: chain events to subscribers, filtered by [`BlockchainEventType`], in height
//!   order within each kind, with a bounded wait for missing heights; built on the runtime's
//!   `pubsub::Topic`, so refusals are counted and dead-lettered as everywhere else.
//! - [`TimingViolation`] with a [`ViolationPolicy`]; counters, histograms and warnings on the
//!   `actor_system::blockchain` target.
//! - [`SlotClock`]: block deadlines and lateness. [`Federation`]: members, threshold, history,
//!   threshold signing within the federation timeout.
#![warn(missing_docs)]

mod aware;
mod constraints;
mod event;
mod federation;
mod hub;
mod sequence;
mod slot_clock;
mod timing;

pub use aware::{
    collect_federation_signatures, dispatch_consensus, dispatch_event, BlockchainAwareActor,
    Consensus,
};
pub use constraints::{BlockchainActorPriority, BlockchainTimingConstraints};
pub use event::{BlockchainEvent, BlockchainEventType};
pub use federation::{Federation, FederationConfig, FederationError, SigningOutcome};
pub use hub::{EventHub, HubConfig, HubReport, HubStats, GAP_TIMEOUT, MAX_REORDER_BUFFER};
pub use slot_clock::{MissedDeadline, SlotClock};
pub use timing::{report_violation, time_operation, TimingViolation, ViolationPolicy};

#[doc(hidden)]
pub use actor_system_runtime as __runtime;
