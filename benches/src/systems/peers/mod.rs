//! The peer frameworks, compiled with the `compare` feature.

pub mod actix;
pub mod kameo;
pub mod ractor;
