//! The node's modules, in one place for the example and its tests (which include this file with
//! `#[path]`; the modules refer to each other through `super::`).

#[path = "bridge.rs"]
pub mod bridge;
#[path = "chain.rs"]
pub mod chain;
#[path = "cli.rs"]
pub mod cli;
#[path = "cluster.rs"]
pub mod cluster;
#[path = "engine.rs"]
pub mod engine;
#[path = "federation.rs"]
pub mod federation;
#[path = "latency.rs"]
pub mod latency;
#[path = "node.rs"]
pub mod node;
#[path = "storage.rs"]
pub mod storage;
