//! A global allocator that counts allocations, for the tests that check a
//! hot path allocates nothing (or a constant number of times).
//!
//! `unsafe` is required by `GlobalAlloc` itself; every method forwards its
//! arguments unchanged to `System`, which upholds the same contract.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts every `alloc` and `realloc`; install with `#[global_allocator]`.
pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Allocations so far in this process.
#[allow(dead_code)] // each test uses what it needs
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
}

/// Bytes allocated and not yet freed, as requested (the allocator's own
/// overhead is not counted).
#[allow(dead_code)]
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::SeqCst)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

/// Makes `count` idle machines with `setup` (after one warm-up, for what
/// is allocated once per process) and returns the bytes each costs: its
/// `size_of` plus the heap it keeps. Prints the split.
#[allow(dead_code)]
pub fn per_connection<M: sanswire::wire::Machine>(
    name: &str,
    count: usize,
    setup: impl Fn() -> M,
) -> usize {
    drop(setup());
    let before = live_bytes();
    let machines: Vec<M> = (0..count).map(|_| setup()).collect();
    let heap = live_bytes() - before - machines.capacity() * size_of::<M>();
    let each = size_of::<M>() + heap / count;
    println!(
        "{name}: {each} B per idle connection ({} B struct + {} B heap)",
        size_of::<M>(),
        heap / count
    );
    drop(machines);
    each
}
