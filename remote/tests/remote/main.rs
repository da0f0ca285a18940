//! The remote crate's integration tests, in one binary (each test binary links libp2p: one
//! link instead of four). All traffic is on 127.0.0.1; every wait is bounded.

mod common;
mod connections;
mod failures;
mod priority;
mod security;
mod tells_and_asks;
