//! Derive macros for `actor_system` (work in progress).
