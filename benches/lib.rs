//! Workloads for the workspace benchmarks, each written twice: with
//! `actor-core` ([`ours`]) and with plain tokio tasks and channels
//! ([`raw`]), so every comparison is made within one process and one run.
//!
//! Every workload is an `async fn` that does its own untimed setup, times
//! only the measured part with [`Instant`](std::time::Instant), tears down, and returns the
//! elapsed time. [`run`] drives one on a runtime as a spawned task, so the
//! sender and the receiver both live on the runtime's workers (the thread
//! that calls `block_on` only waits).
//!
//! The figures and how to reproduce them are in `docs/benchmarks.md`.

pub mod fanout;
pub mod remote;

use std::future::Future;
use std::time::Duration;

use tokio::runtime::Runtime;

/// Worker threads of the benchmark runtime: the CI machine has 2 cores.
pub const WORKERS: usize = 2;

/// The benchmark runtime's worker threads: [`WORKERS`], unless the
/// environment variable `ACTOR_BENCH_WORKERS` gives another number (the
/// remote benchmark's child process inherits it).
pub fn workers() -> usize {
    std::env::var("ACTOR_BENCH_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .filter(|&w| w > 0)
        .unwrap_or(WORKERS)
}

/// Messages per iteration of the tell-throughput workload.
pub const TELL_MESSAGES: u64 = 2_000_000;
/// Actors per iteration of the spawn + stop workload.
pub const SPAWN_ACTORS: u64 = 100_000;
/// Actors in the ring.
pub const RING_ACTORS: usize = 1_000;
/// Hops the token makes around the ring per iteration.
pub const RING_HOPS: u64 = 1_000_000;
/// Idle actors spawned by the memory probe.
pub const IDLE_ACTORS: usize = 100_000;
/// Mailbox / channel capacity on both sides: actor-core's default.
pub const CAPACITY: usize = actor_core::DEFAULT_MAILBOX_CAPACITY;

/// A multi-thread tokio runtime with [`workers()`] workers.
///
/// # Panics
/// If the runtime cannot be built.
pub fn runtime() -> Runtime {
    #[cfg(feature = "metrics")]
    if std::env::var_os("ACTOR_BENCH_RECORDER").is_some() {
        // Once per process; a second call finds the recorder installed.
        let _ = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder();
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()
        .expect("build the benchmark runtime")
}

/// Runs one timed workload as a task on `rt` and returns the time it
/// measured.
///
/// # Panics
/// If the workload panics.
pub fn run<F>(rt: &Runtime, workload: F) -> Duration
where
    F: Future<Output = Duration> + Send + 'static,
{
    rt.block_on(async { tokio::spawn(workload).await.expect("workload panicked") })
}

/// `0 + 1 + … + (n - 1)`: what the summing workloads must answer.
pub fn expected_sum(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// The workloads written with `actor-core`.
pub mod ours {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use actor_core::prelude::*;
    use tokio::sync::Notify;

    use super::expected_sum;

    /// Keeps a running sum.
    #[derive(Debug, Default)]
    pub struct Summer {
        total: u64,
    }
    impl Actor for Summer {}

    /// Adds to the sum; no reply (a `tell`).
    #[derive(Debug)]
    pub struct Add(pub u64);
    impl Message for Add {
        type Reply = ();
    }
    impl Handler<Add> for Summer {
        async fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self>) {
            self.total = self.total.wrapping_add(n);
        }
    }

    /// Reads the sum (an `ask`).
    #[derive(Debug)]
    pub struct Total;
    impl Message for Total {
        type Reply = u64;
    }
    impl Handler<Total> for Summer {
        async fn handle(&mut self, _: Total, _ctx: &mut Context<Self>) -> u64 {
            self.total
        }
    }

    /// Adds and answers the new sum (the ask round trip).
    #[derive(Debug)]
    pub struct AddGet(pub u64);
    impl Message for AddGet {
        type Reply = u64;
    }
    impl Handler<AddGet> for Summer {
        async fn handle(&mut self, AddGet(n): AddGet, _ctx: &mut Context<Self>) -> u64 {
            self.total = self.total.wrapping_add(n);
            self.total
        }
    }

    /// One sender `tell`s `n` messages to one actor, then `ask`s for the
    /// sum. Times the tells and the final ask.
    ///
    /// # Panics
    /// If a send fails or the sum is wrong.
    pub async fn tell_sum(n: u64) -> Duration {
        let system = ActorSystem::new();
        let summer = system.spawn(Summer::default());
        let start = Instant::now();
        for i in 0..n {
            summer.tell(Add(i)).await.expect("tell");
        }
        let sum = summer.ask(Total).await.expect("ask");
        let elapsed = start.elapsed();
        assert_eq!(sum, expected_sum(n));
        system.shutdown().await;
        elapsed
    }

    /// `n` sequential asks to one actor. Times all of them.
    ///
    /// # Panics
    /// If an ask fails or the sum is wrong.
    pub async fn ask_round_trips(n: u64) -> Duration {
        let system = ActorSystem::new();
        let summer = system.spawn(Summer::default());
        let start = Instant::now();
        let mut last = 0;
        for i in 0..n {
            last = summer.ask(AddGet(i)).await.expect("ask");
        }
        let elapsed = start.elapsed();
        assert_eq!(last, expected_sum(n));
        system.shutdown().await;
        elapsed
    }

    /// An actor with a little state and no messages.
    #[derive(Debug, Default)]
    pub struct Idle {
        _state: u64,
    }
    impl Actor for Idle {}

    /// Spawns `n` actors, then stops them all and waits for each to stop.
    /// Times all of it.
    ///
    /// # Panics
    /// If an actor stops for another reason than a normal stop.
    pub async fn spawn_stop(n: u64) -> Duration {
        let system = ActorSystem::new();
        let mut refs = Vec::with_capacity(n as usize);
        let start = Instant::now();
        for _ in 0..n {
            refs.push(system.spawn(Idle::default()));
        }
        for actor in &refs {
            actor.stop();
        }
        for actor in &refs {
            let reason = actor.wait_for_stop().await;
            assert_eq!(reason, StopReason::Normal);
        }
        let elapsed = start.elapsed();
        drop(refs);
        system.shutdown().await;
        elapsed
    }

    /// Spawns `n` idle top-level actors (not timed), then times
    /// `system.shutdown()` until it returns.
    pub async fn shutdown_idle(n: u64) -> Duration {
        let system = ActorSystem::new();
        for _ in 0..n {
            system.spawn(Idle::default());
        }
        let start = Instant::now();
        system.shutdown().await;
        let elapsed = start.elapsed();
        assert_eq!(system.actor_count(), 0);
        elapsed
    }

    /// A ring member: forwards the token to the next actor.
    #[derive(Debug)]
    pub struct RingNode {
        next: Option<ActorRef<RingNode>>,
        done: Arc<Notify>,
    }
    impl Actor for RingNode {}

    /// Points a ring member at the next one.
    #[derive(Debug)]
    pub struct Link(pub ActorRef<RingNode>);
    impl Message for Link {
        type Reply = ();
    }
    impl Handler<Link> for RingNode {
        async fn handle(&mut self, Link(next): Link, _ctx: &mut Context<Self>) {
            self.next = Some(next);
        }
    }

    /// The token with the hops still to go.
    #[derive(Debug)]
    pub struct Token(pub u64);
    impl Message for Token {
        type Reply = ();
    }
    impl Handler<Token> for RingNode {
        async fn handle(&mut self, Token(left): Token, _ctx: &mut Context<Self>) {
            if left == 0 {
                self.done.notify_one();
            } else if let Some(next) = &self.next {
                next.tell(Token(left - 1)).await.expect("ring tell");
            }
        }
    }

    /// `actors` actors in a ring pass a token `hops` times. Times the hops
    /// (setup and teardown excluded).
    ///
    /// # Panics
    /// If a send fails.
    pub async fn ring(actors: usize, hops: u64) -> Duration {
        let system = ActorSystem::new();
        let done = Arc::new(Notify::new());
        let nodes: Vec<_> =
            (0..actors).map(|_| system.spawn(RingNode { next: None, done: done.clone() })).collect();
        for (i, node) in nodes.iter().enumerate() {
            node.ask(Link(nodes[(i + 1) % actors].clone())).await.expect("link");
        }
        let start = Instant::now();
        nodes[0].tell(Token(hops)).await.expect("first tell");
        done.notified().await;
        let elapsed = start.elapsed();
        drop(nodes);
        system.shutdown().await;
        elapsed
    }

    /// Spawns `n` idle actors (each counts itself in `started` from
    /// `on_start`) and returns their addresses.
    pub fn spawn_idle(system: &ActorSystem, n: usize, started: &Arc<AtomicUsize>) -> Vec<ActorRef<Counted>> {
        let mut refs = Vec::with_capacity(n);
        for _ in 0..n {
            refs.push(system.spawn(Counted { started: started.clone() }));
        }
        refs
    }

    /// An idle actor that counts itself as started: its whole state is one
    /// pointer.
    #[derive(Debug)]
    pub struct Counted {
        started: Arc<AtomicUsize>,
    }
    impl Actor for Counted {
        async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
            self.started.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
    }

    /// Spawns `n` idle actors and waits until every one has started: the
    /// memory probe's workload, as a timing for profilers.
    pub async fn idle(n: usize) -> Duration {
        let system = ActorSystem::new();
        let started = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let refs = spawn_idle(&system, n, &started);
        while started.load(Ordering::Relaxed) < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let elapsed = start.elapsed();
        drop(refs);
        system.shutdown().await;
        elapsed
    }
}

/// The same workloads on plain tokio: tasks, `mpsc` and `oneshot`.
pub mod raw {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use tokio::sync::{mpsc, oneshot, Notify};

    use super::{expected_sum, CAPACITY};

    enum SumMsg {
        Add(u64),
        Total(oneshot::Sender<u64>),
    }

    /// One sender sends `n` numbers on a bounded `mpsc` to a summing task,
    /// then asks for the sum with a `oneshot`. Times the sends and the
    /// final request.
    ///
    /// # Panics
    /// If a send fails or the sum is wrong.
    pub async fn tell_sum(n: u64) -> Duration {
        let (tx, mut rx) = mpsc::channel(CAPACITY);
        let receiver = tokio::spawn(async move {
            let mut total = 0u64;
            while let Some(msg) = rx.recv().await {
                match msg {
                    SumMsg::Add(k) => total = total.wrapping_add(k),
                    SumMsg::Total(reply) => {
                        let _ = reply.send(total);
                    }
                }
            }
        });
        let start = Instant::now();
        for i in 0..n {
            tx.send(SumMsg::Add(i)).await.expect("send");
        }
        let (reply, answer) = oneshot::channel();
        tx.send(SumMsg::Total(reply)).await.expect("send total");
        let sum = answer.await.expect("answer");
        let elapsed = start.elapsed();
        assert_eq!(sum, expected_sum(n));
        drop(tx);
        receiver.await.expect("receiver");
        elapsed
    }

    /// `n` sequential requests, each an `mpsc` send with a fresh `oneshot`
    /// for the answer. Times all of them.
    ///
    /// # Panics
    /// If a send fails or the sum is wrong.
    pub async fn ask_round_trips(n: u64) -> Duration {
        let (tx, mut rx) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(CAPACITY);
        let server = tokio::spawn(async move {
            let mut total = 0u64;
            while let Some((k, reply)) = rx.recv().await {
                total = total.wrapping_add(k);
                let _ = reply.send(total);
            }
        });
        let start = Instant::now();
        let mut last = 0;
        for i in 0..n {
            let (reply, answer) = oneshot::channel();
            tx.send((i, reply)).await.expect("send");
            last = answer.await.expect("answer");
        }
        let elapsed = start.elapsed();
        assert_eq!(last, expected_sum(n));
        drop(tx);
        server.await.expect("server");
        elapsed
    }

    /// Spawns `n` tasks, each waiting on its own bounded `mpsc`, then
    /// closes every channel (drops the senders) and joins every task.
    /// Times all of it.
    ///
    /// # Panics
    /// If a task panics.
    pub async fn spawn_stop(n: u64) -> Duration {
        let mut senders = Vec::with_capacity(n as usize);
        let mut handles = Vec::with_capacity(n as usize);
        let start = Instant::now();
        for _ in 0..n {
            let (tx, mut rx) = mpsc::channel::<u64>(CAPACITY);
            handles.push(tokio::spawn(async move { while rx.recv().await.is_some() {} }));
            senders.push(tx);
        }
        drop(senders);
        for handle in handles {
            handle.await.expect("task");
        }
        start.elapsed()
    }

    /// `tasks` tasks in a ring of bounded `mpsc` channels pass a token
    /// `hops` times. Times the hops (setup and teardown excluded).
    ///
    /// # Panics
    /// If a send fails.
    pub async fn ring(tasks: usize, hops: u64) -> Duration {
        let done = Arc::new(Notify::new());
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..tasks).map(|_| mpsc::channel::<u64>(CAPACITY)).unzip();
        let mut handles = Vec::with_capacity(tasks);
        for (i, mut rx) in receivers.into_iter().enumerate() {
            let next = senders[(i + 1) % tasks].clone();
            let done = done.clone();
            handles.push(tokio::spawn(async move {
                while let Some(left) = rx.recv().await {
                    if left == 0 {
                        done.notify_one();
                    } else {
                        next.send(left - 1).await.expect("ring send");
                    }
                }
            }));
        }
        let start = Instant::now();
        senders[0].send(hops).await.expect("first send");
        done.notified().await;
        let elapsed = start.elapsed();
        // Every task holds the next one's sender: the ring never closes by
        // itself.
        for handle in &handles {
            handle.abort();
        }
        for handle in handles {
            let _ = handle.await;
        }
        elapsed
    }

    /// Spawns `n` idle tasks, each owning the receiver of a bounded `mpsc`
    /// and counting itself in `started` once running; returns the senders.
    pub fn spawn_idle(n: usize, started: &Arc<AtomicUsize>) -> Vec<mpsc::Sender<u64>> {
        let mut senders = Vec::with_capacity(n);
        for _ in 0..n {
            let (tx, mut rx) = mpsc::channel::<u64>(CAPACITY);
            let started = started.clone();
            tokio::spawn(async move {
                started.fetch_add(1, Ordering::Relaxed);
                while rx.recv().await.is_some() {}
            });
            senders.push(tx);
        }
        senders
    }

    /// Spawns `n` idle tasks and waits until every one has started: the
    /// memory probe's workload, as a timing for profilers.
    pub async fn idle(n: usize) -> Duration {
        let started = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let senders = spawn_idle(n, &started);
        while started.load(Ordering::Relaxed) < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let elapsed = start.elapsed();
        drop(senders);
        elapsed
    }
}

/// Nanoseconds per item of a measured duration.
pub fn ns_per(elapsed: Duration, items: u64) -> f64 {
    elapsed.as_nanos() as f64 / items.max(1) as f64
}
