//! The floor: the same workloads on plain tokio — tasks, bounded `mpsc`,
//! `oneshot` for replies, `broadcast` for fan-out. No supervision, no
//! addresses, no dead letters: what an actor framework adds costs at least
//! this much.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::common::{resident_bytes, time_asks, wait_count, AskRun, FanOut, Memory, Tally, RAW_CAPACITY};

/// W1: a summing task on `mpsc::channel(1024)`; `send(Add(i)).await` ×n,
/// then a `Total` with a `oneshot` (the workspace benchmarks' own code).
pub async fn tell(n: u64) -> Duration {
    benches::raw::tell_sum(n).await
}

/// W2: `(u64, oneshot::Sender)` on `mpsc::channel(1024)`, a fresh
/// `oneshot` per request.
pub async fn ask(n: u64) -> AskRun {
    let (tx, mut rx) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(RAW_CAPACITY);
    let server = tokio::spawn(async move {
        let mut total = 0u64;
        while let Some((k, reply)) = rx.recv().await {
            total = total.wrapping_add(k);
            let _ = reply.send(total);
        }
    });
    let run = time_asks(n, |i| {
        let tx = &tx;
        async move {
            let (reply, answer) = oneshot::channel();
            tx.send((i, reply)).await.expect("send");
            answer.await.expect("answer")
        }
    })
    .await;
    drop(tx);
    server.await.expect("server");
    run
}

/// W3: `tokio::spawn` ×n tasks each looping on its own `mpsc`, then drop
/// every sender and join every task.
pub async fn spawn_stop(n: u64) -> Duration {
    benches::raw::spawn_stop(n).await
}

/// W4: tasks in a ring of bounded `mpsc`, each `next.send(left - 1).await`.
pub async fn ring(tasks: usize, hops: u64) -> Duration {
    benches::raw::ring(tasks, hops).await
}

#[derive(Clone)]
struct Tick(#[allow(dead_code)] u64);

/// W5: `broadcast::channel(events)` (a buffer that holds the whole run, so
/// no receiver lags), one task per receiver.
pub async fn fanout(subscribers: usize, events: u64) -> (Duration, FanOut) {
    let tally = Tally::new(subscribers, events);
    let (tx, _) = broadcast::channel::<Tick>(events as usize);
    let mut handles = Vec::with_capacity(subscribers);
    for i in 0..subscribers {
        let mut rx = tx.subscribe();
        let mut counter = tally.counter(i);
        handles.push(tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(_tick) => counter.record(),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }));
    }
    let start = Instant::now();
    for i in 0..events {
        let _ = tx.send(Tick(i));
    }
    let outcome = tally.wait().await;
    let elapsed = start.elapsed();
    drop(tx);
    for handle in handles {
        handle.await.expect("receiver");
    }
    (elapsed, outcome)
}

/// W6: n idle tasks, each owning the receiver of a bounded `mpsc`; the
/// senders are kept.
pub async fn idle(n: usize) -> Memory {
    let started = Arc::new(AtomicUsize::new(0));
    let before = resident_bytes();
    let mut senders = Vec::with_capacity(n);
    for _ in 0..n {
        let (tx, mut rx) = mpsc::channel::<u64>(RAW_CAPACITY);
        let started = started.clone();
        tokio::spawn(async move {
            started.fetch_add(1, Ordering::Release);
            while rx.recv().await.is_some() {}
        });
        senders.push(tx);
    }
    wait_count(&started, n, "raw idle").await;
    let after = resident_bytes();
    drop(senders);
    Memory { before, after }
}
