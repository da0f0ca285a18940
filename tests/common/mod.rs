//! Helpers shared by the facade's tests: the runtime tests' bounded waits, and (in `system`)
//! the components and supervision-event waits of the system tests.
#![allow(dead_code, unused_imports)]

pub mod system;

#[path = "../../runtime/tests/common/wait.rs"]
mod wait;
pub use wait::*;

/// Live tasks of the current runtime.
pub fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}
