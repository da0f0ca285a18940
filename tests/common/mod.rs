//! Helpers shared by the facade's tests: the runtime tests' bounded waits.
#![allow(dead_code)]

#[path = "../../runtime/tests/common/wait.rs"]
mod wait;
pub use wait::*;

/// Live tasks of the current runtime.
pub fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}
