//! A global allocator that counts allocations while counting is on: the `--count-allocs` run of
//! each workload and system reports allocations (and bytes allocated) per operation beside the
//! timed runs. Timed runs leave counting off: one relaxed load per allocation, nothing written.
//!
//! Counting covers the whole child run (runtime start included), divided by the workload's
//! operations: a few hundred allocations of setup are noise next to 10,000 operations or more.
#![allow(unsafe_code)] // `GlobalAlloc` is an unsafe trait; every method forwards to `System`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// The system allocator, counting while [`start`] is in effect.
pub struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

#[inline]
fn count(bytes: usize) {
    if ON.load(Relaxed) {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(bytes as u64, Relaxed);
    }
}

// SAFETY: every method passes its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; counting only touches atomics and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's guarantees for `layout` are `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (every allocation goes through it) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    /// Counted as an allocation of `new_size` bytes: a reallocation may move the block.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: as for `dealloc`, and the caller's guarantees for `new_size` are `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Start counting from zero.
pub fn start() {
    ALLOCATIONS.store(0, Relaxed);
    BYTES.store(0, Relaxed);
    ON.store(true, Relaxed);
}

/// Stop counting; allocations and bytes allocated since [`start`].
pub fn stop() -> (u64, u64) {
    ON.store(false, Relaxed);
    (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_counted_only_while_counting_is_on() {
        start();
        let v: Vec<u64> = Vec::with_capacity(16);
        let b = Box::new([0u8; 100]);
        let (allocations, bytes) = stop();
        // Other test threads may allocate meanwhile: at least ours are counted.
        assert!(allocations >= 2, "{allocations}");
        assert!(bytes >= 16 * 8 + 100, "{bytes}");
        drop((v, b));
        let _after = Box::new(1u32);
        assert_eq!(stop(), (allocations, bytes), "nothing counted once stopped");
    }
}
