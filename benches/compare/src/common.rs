//! What every framework's workloads share: the counts, the runtimes, the
//! completion latch, the memory probe and the statistics.

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// Worker threads of the multi-thread runtime: the machine has 2 cores.
pub const WORKERS: usize = 2;

/// Mailbox / channel capacity of the raw tokio floor: actor-core's default
/// mailbox, so ours and raw tokio buffer the same amount.
pub const RAW_CAPACITY: usize = actor_core::DEFAULT_MAILBOX_CAPACITY;

/// How long a completion wait may go without progress before the workload
/// gives up (a lossy pub/sub, a lost message): the run then fails loudly
/// instead of hanging.
pub const STALL: Duration = Duration::from_secs(5);

/// The sizes of every workload.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    /// W1: messages told to one actor.
    pub tell: u64,
    /// W2: sequential asks.
    pub asks: u64,
    /// W3: actors spawned, then stopped.
    pub spawn: u64,
    /// W4: actors in the ring.
    pub ring_actors: usize,
    /// W4: hops of the token.
    pub ring_hops: u64,
    /// W5: subscribers.
    pub subscribers: usize,
    /// W5: events published (each to every subscriber).
    pub events: u64,
    /// W6: idle actors.
    pub idle: usize,
}

impl Counts {
    /// The sizes the issue asks for.
    pub const FULL: Counts = Counts {
        tell: 2_000_000,
        asks: 200_000,
        spawn: 100_000,
        ring_actors: 1_000,
        ring_hops: 1_000_000,
        subscribers: 100,
        events: 20_000,
        idle: 100_000,
    };

    /// Every count multiplied by `factor` (at least 1; the ring keeps its
    /// 1,000 actors and W5 its 100 subscribers, only the traffic shrinks).
    pub fn scaled(factor: f64) -> Counts {
        let s = |n: u64| ((n as f64 * factor).round() as u64).max(1);
        let f = Counts::FULL;
        Counts {
            tell: s(f.tell),
            asks: s(f.asks),
            spawn: s(f.spawn),
            ring_actors: f.ring_actors,
            ring_hops: s(f.ring_hops),
            subscribers: f.subscribers,
            events: s(f.events),
            idle: s(f.idle as u64) as usize,
        }
    }
}

/// Which tokio runtime the workload runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rt {
    /// `new_multi_thread` with [`WORKERS`] workers; the workload runs as a
    /// spawned task, so every party lives on the workers.
    Multi,
    /// `new_current_thread`: everything on the one thread.
    Current,
}

impl Rt {
    pub fn name(self) -> &'static str {
        match self {
            Rt::Multi => "multi",
            Rt::Current => "current",
        }
    }
}

/// Runs `warmup` then `measured` on a fresh tokio runtime of kind `rt`.
pub fn on_tokio<W, M, T>(rt: Rt, warmup: Option<W>, measured: M) -> T
where
    W: Future + Send + 'static,
    M: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let both = async move {
        if let Some(w) = warmup {
            w.await;
        }
        measured.await
    };
    match rt {
        Rt::Multi => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .expect("build the multi-thread runtime");
            runtime.block_on(async { tokio::spawn(both).await.expect("workload panicked") })
        }
        Rt::Current => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build the current-thread runtime");
            runtime.block_on(both)
        }
    }
}

/// `0 + 1 + … + (n - 1)`: what the summing workloads must answer.
pub use benches::expected_sum;

/// Per-ask latencies and their total.
#[derive(Debug)]
pub struct AskRun {
    pub total: Duration,
    pub samples: Vec<u64>,
}

/// Times `n` sequential round trips made by `one(i)`: one `Instant::now()`
/// per round trip, the samples add up to the total.
pub async fn time_asks<F, Fut>(n: u64, mut one: F) -> AskRun
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = u64>,
{
    let mut samples = Vec::with_capacity(n as usize);
    let mut last = 0;
    let start = Instant::now();
    let mut prev = start;
    for i in 0..n {
        last = one(i).await;
        let now = Instant::now();
        samples.push((now - prev).as_nanos() as u64);
        prev = now;
    }
    let total = prev - start;
    assert_eq!(last, expected_sum(n), "the last ask must answer the full sum");
    AskRun { total, samples }
}

/// Counts down to zero, then wakes the one waiter.
#[derive(Debug)]
pub struct Latch {
    remaining: AtomicUsize,
    notify: Notify,
}

impl Latch {
    pub fn new(count: usize) -> Latch {
        Latch { remaining: AtomicUsize::new(count), notify: Notify::new() }
    }

    pub fn arrive(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.notify.notify_one();
        }
    }

    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::Acquire)
    }

    /// Waits until the count reaches zero; panics after [`STALL`] without
    /// any arrival.
    pub async fn wait(&self, what: &str) {
        let mut last = self.remaining();
        while self.remaining() > 0 {
            if tokio::time::timeout(STALL, self.notify.notified()).await.is_err() {
                let now = self.remaining();
                assert!(now != last, "{what}: stalled with {now} still to arrive");
                last = now;
            }
        }
    }
}

/// Fan-out bookkeeping: every subscriber counts what it received in a slot
/// of its own (no shared cache line on the delivery path), and arrives at
/// the latch when it has every event; the measurement ends when every
/// subscriber has arrived.
#[derive(Debug)]
pub struct Tally {
    per_subscriber: u64,
    slots: Vec<Slot>,
    done: Latch,
}

/// One subscriber's count, alone on its cache lines.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Slot(AtomicU64);

/// How a fan-out wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanOut {
    /// Every subscriber received every event.
    Complete,
    /// Delivery stopped making progress with this many deliveries made.
    Stalled(u64),
}

impl Tally {
    pub fn new(subscribers: usize, per_subscriber: u64) -> Arc<Tally> {
        Arc::new(Tally {
            per_subscriber,
            slots: (0..subscribers).map(|_| Slot::default()).collect(),
            done: Latch::new(subscribers),
        })
    }

    /// The counter of subscriber `index` (each index once).
    pub fn counter(self: &Arc<Self>, index: usize) -> Counter {
        assert!(index < self.slots.len(), "subscriber index out of range");
        Counter { tally: self.clone(), index, count: 0 }
    }

    fn delivered(&self) -> u64 {
        self.slots.iter().map(|s| s.0.load(Ordering::Relaxed)).sum()
    }

    /// Waits for every subscriber to complete, or for delivery to stop
    /// making progress for [`STALL`].
    pub async fn wait(&self) -> FanOut {
        let mut last = self.delivered();
        while self.done.remaining() > 0 {
            if tokio::time::timeout(STALL, self.done.notify.notified()).await.is_err() {
                let now = self.delivered();
                if now == last && self.done.remaining() > 0 {
                    return FanOut::Stalled(now);
                }
                last = now;
            }
        }
        FanOut::Complete
    }
}

/// One subscriber's side of a [`Tally`].
#[derive(Debug)]
pub struct Counter {
    tally: Arc<Tally>,
    index: usize,
    count: u64,
}

impl Counter {
    /// One delivery.
    #[inline]
    pub fn record(&mut self) {
        self.count += 1;
        self.tally.slots[self.index].0.store(self.count, Ordering::Relaxed);
        if self.count == self.tally.per_subscriber {
            self.tally.done.arrive();
        }
    }
}

/// Resident set size of this process in bytes (`/proc/self/statm`, field 2,
/// times the page size).
pub fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: u64 =
        statm.split_whitespace().nth(1).and_then(|f| f.parse().ok()).expect("statm resident field");
    pages * page_size()
}

fn page_size() -> u64 {
    // Every Linux this runs on uses 4 KiB pages unless told otherwise; the
    // kernel reports it in the aux vector, which `getconf` reads.
    std::process::Command::new("getconf")
        .arg("PAGESIZE")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096)
}

/// Waits (polling every millisecond) until `counter` reaches `n`.
pub async fn wait_count(counter: &AtomicUsize, n: usize, what: &str) {
    let mut last = 0;
    let mut since = Instant::now();
    loop {
        let now = counter.load(Ordering::Acquire);
        if now >= n {
            return;
        }
        if now != last {
            last = now;
            since = Instant::now();
        }
        assert!(since.elapsed() < STALL, "{what}: stalled at {now} of {n}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Memory probe result: resident bytes before and after the idle actors.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub before: u64,
    pub after: u64,
}

/// The `p`-th percentile (0–100) of sorted samples.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
