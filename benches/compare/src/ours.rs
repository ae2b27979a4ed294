//! The workloads with actor-core, written as its guide writes them:
//! `system.spawn`, `tell(..).await`, `ask(..).await`, `stop()` +
//! `wait_for_stop()`, and the event stream with actor subscribers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actor_core::events::SubscribeOptions;
use actor_core::prelude::*;

use crate::common::{resident_bytes, time_asks, wait_count, AskRun, Counter, FanOut, Memory, Tally};

// ---- W1 / W2: one summing actor ----

// The summing actor and the W1, W3 and W4 workloads are the workspace
// benchmarks' own (`benches::ours`), so both suites measure the same code.
use benches::ours::{AddGet, Summer};

/// W1: `tell(Add(i)).await` ×n (waits only for mailbox space), then
/// `ask(Total)`.
pub async fn tell(n: u64) -> Duration {
    benches::ours::tell_sum(n).await
}

/// W2: `ask(AddGet(i)).await` ×n.
pub async fn ask(n: u64) -> AskRun {
    let system = ActorSystem::new();
    let summer = system.spawn(Summer::default());
    let run = time_asks(n, |i| {
        let summer = &summer;
        async move { summer.ask(AddGet(i)).await.expect("ask") }
    })
    .await;
    system.shutdown().await;
    run
}

// ---- W3: spawn + stop ----

/// W3: `system.spawn` ×n, `stop()` each, `wait_for_stop()` each.
pub async fn spawn_stop(n: u64) -> Duration {
    benches::ours::spawn_stop(n).await
}

/// W4: each node's handler does `next.tell(Token(left - 1)).await`.
pub async fn ring(actors: usize, hops: u64) -> Duration {
    benches::ours::ring(actors, hops).await
}

// ---- W5: fan-out through the event stream ----

#[derive(Clone)]
struct Tick(#[allow(dead_code)] u64);
impl Event for Tick {}
impl Message for Tick {
    type Reply = ();
}

struct Subscriber {
    counter: Counter,
    buffer: usize,
}
impl Actor for Subscriber {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        // A buffer that holds the whole run, so the default drop-oldest
        // policy never has to drop.
        ctx.subscribe_with(SubscribeOptions::<Tick>::new().buffer(self.buffer));
        Ok(())
    }
}
impl Handler<Tick> for Subscriber {
    async fn handle(&mut self, _event: Tick, _ctx: &mut Context<Self>) {
        self.counter.record();
    }
}

struct Ready;
impl Message for Ready {
    type Reply = ();
}
impl Handler<Ready> for Subscriber {
    async fn handle(&mut self, _: Ready, _ctx: &mut Context<Self>) {}
}

/// W5: subscribers `ctx.subscribe_with(..buffer(events))` in `on_start`;
/// the publisher publishes through `system.events().publisher::<Tick>()`.
pub async fn fanout(subscribers: usize, events: u64) -> (Duration, FanOut) {
    let system = ActorSystem::new();
    let tally = Tally::new(subscribers, events);
    let subs: Vec<_> = (0..subscribers)
        .map(|i| system.spawn(Subscriber { counter: tally.counter(i), buffer: events as usize }))
        .collect();
    for sub in &subs {
        sub.ask(Ready).await.expect("subscribed"); // on_start has run
    }
    let publisher = system.events().publisher::<Tick>();
    let start = Instant::now();
    for i in 0..events {
        publisher.publish(Tick(i));
    }
    let outcome = tally.wait().await;
    let elapsed = start.elapsed();
    drop(subs);
    system.shutdown().await;
    (elapsed, outcome)
}

// ---- W6: idle actors ----

struct Counted {
    started: Arc<AtomicUsize>,
}
impl Actor for Counted {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.started.fetch_add(1, Ordering::Release);
        Ok(())
    }
}

/// W6: `system.spawn` ×n idle actors, each with one pointer of state.
pub async fn idle(n: usize) -> Memory {
    let system = ActorSystem::new();
    let started = Arc::new(AtomicUsize::new(0));
    let before = resident_bytes();
    let mut refs = Vec::with_capacity(n);
    for _ in 0..n {
        refs.push(system.spawn(Counted { started: started.clone() }));
    }
    wait_count(&started, n, "ours idle").await;
    let after = resident_bytes();
    drop(refs);
    system.shutdown().await;
    Memory { before, after }
}
