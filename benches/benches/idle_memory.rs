//! Memory per idle actor: not a timing. Spawns 100,000 idle actors (empty
//! mailbox, one pointer of state) and reports how much resident memory
//! (`/proc/self/statm`) and live heap (a counting global allocator) grew,
//! per actor; then the same for raw tokio (one task owning the receiver of
//! a bounded `mpsc`, capacity 1024, per "actor").
//!
//! Each variant runs in a fresh child process (this binary re-executed with
//! `--variant NAME`), so memory freed by one cannot be reused by the other.
//! Both keep one 8-byte handle per actor in a pre-sized `Vec` (an
//! `ActorRef`, or the channel's `Sender`): that is included in the figures.
//!
//! Run: `cargo bench -p benches --bench idle_memory` (Linux only).
#![allow(clippy::print_stdout)]
// The counting allocator below: `GlobalAlloc` is an unsafe trait.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actor_core::ActorSystem;
use benches::{ours, raw, runtime, IDLE_ACTORS};

/// The system allocator, counting live heap bytes.
struct Counting;

static LIVE_HEAP: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counter is
// bookkeeping only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE_HEAP.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            LIVE_HEAP.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_HEAP.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as ours.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE_HEAP.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--variant") {
        measure(args.get(at + 1).map(String::as_str).unwrap_or(""));
        return;
    }
    // Run by `cargo bench` (with `--bench` and maybe a filter): measure
    // each variant in a process of its own.
    println!("idle memory: {IDLE_ACTORS} idle actors, {} tokio workers", benches::workers());
    let exe = std::env::current_exe().expect("own path");
    for variant in ["ours", "raw_tokio"] {
        let status = Command::new(&exe).args(["--variant", variant]).status().expect("run a variant");
        assert!(status.success(), "variant {variant} failed: {status}");
    }
}

fn measure(variant: &str) {
    let rt = runtime();
    let _enter = rt.enter();
    let started = Arc::new(AtomicUsize::new(0));
    let system = ActorSystem::new();
    // Warm up: one actor / task of the kind measured, so one-time costs
    // (runtime queues, the system's table, thread-locals) are in the
    // baseline.
    let warm = Arc::new(AtomicUsize::new(0));
    let _warm_ours = ours::spawn_idle(&system, 1, &warm);
    let _warm_raw = raw::spawn_idle(1, &warm);
    wait_until(&rt, &warm, 2);

    let (rss0, heap0) = (resident_bytes(), LIVE_HEAP.load(Ordering::Relaxed));
    let (ours_refs, raw_senders) = match variant {
        "ours" => (ours::spawn_idle(&system, IDLE_ACTORS, &started), Vec::new()),
        "raw_tokio" => (Vec::new(), raw::spawn_idle(IDLE_ACTORS, &started)),
        other => panic!("unknown variant {other:?}: ours | raw_tokio"),
    };
    wait_until(&rt, &started, IDLE_ACTORS);
    let (rss1, heap1) = (resident_bytes(), LIVE_HEAP.load(Ordering::Relaxed));

    let n = IDLE_ACTORS as f64;
    let rss = rss1.saturating_sub(rss0);
    let heap = heap1 - heap0;
    println!(
        "{variant:<10} resident +{:>7} KiB = {:>6.0} B/actor   live heap +{:>7} KiB = {:>6.0} B/actor",
        rss / 1024,
        rss as f64 / n,
        heap / 1024,
        heap as f64 / n,
    );
    drop((ours_refs, raw_senders));
    rt.block_on(system.shutdown());
}

/// Waits (on the runtime) until `count` reaches `n`.
fn wait_until(rt: &tokio::runtime::Runtime, count: &AtomicUsize, n: usize) {
    rt.block_on(async {
        while count.load(Ordering::Relaxed) < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // Let the last tasks finish their first poll and park.
        tokio::time::sleep(Duration::from_millis(50)).await;
    });
}

/// Resident set size from `/proc/self/statm` (second field, in pages).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: usize = statm.split_whitespace().nth(1).and_then(|f| f.parse().ok()).expect("statm resident");
    pages * page_size()
}

/// The page size from the ELF auxiliary vector (`AT_PAGESZ`), 4096 if absent.
fn page_size() -> usize {
    const AT_PAGESZ: usize = 6;
    const WORD: usize = std::mem::size_of::<usize>();
    let auxv = std::fs::read("/proc/self/auxv").unwrap_or_default();
    auxv.chunks_exact(2 * WORD)
        .map(|pair| {
            let word = |b: &[u8]| usize::from_ne_bytes(b.try_into().expect("one word"));
            (word(&pair[..WORD]), word(&pair[WORD..]))
        })
        .find(|&(key, _)| key == AT_PAGESZ)
        .map_or(4096, |(_, value)| value)
}
