//! The workloads with kameo 0.22, as its README writes them:
//! `#[derive(Actor)]`, `impl Message<M> for A`, `Actor::spawn` (default
//! bounded mailbox of 64), `tell(..).await`, `ask(..).await`,
//! `stop_gracefully()` + `wait_for_shutdown()`, and kameo_actors' `PubSub`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kameo::error::Infallible;
use kameo::prelude::*;
use kameo_actors::pubsub::PubSub;
use kameo_actors::DeliveryStrategy;
use tokio::sync::Notify;

use crate::common::{
    expected_sum, resident_bytes, time_asks, wait_count, AskRun, Counter, FanOut, Memory, Tally,
};

// ---- W1 / W2 ----

#[derive(Actor, Default)]
struct Summer {
    total: u64,
}

struct Add(u64);
impl Message<Add> for Summer {
    type Reply = ();
    async fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self, Self::Reply>) {
        self.total = self.total.wrapping_add(n);
    }
}

struct Total;
impl Message<Total> for Summer {
    type Reply = u64;
    async fn handle(&mut self, _: Total, _ctx: &mut Context<Self, Self::Reply>) -> u64 {
        self.total
    }
}

struct AddGet(u64);
impl Message<AddGet> for Summer {
    type Reply = u64;
    async fn handle(&mut self, AddGet(n): AddGet, _ctx: &mut Context<Self, Self::Reply>) -> u64 {
        self.total = self.total.wrapping_add(n);
        self.total
    }
}

/// W1: `tell(Add(i)).await` ×n (waits for mailbox space), then `ask(Total)`.
pub async fn tell(n: u64) -> Duration {
    let summer = Summer::spawn(Summer::default());
    let start = Instant::now();
    for i in 0..n {
        summer.tell(Add(i)).await.expect("tell");
    }
    let sum = summer.ask(Total).await.expect("ask");
    let elapsed = start.elapsed();
    assert_eq!(sum, expected_sum(n));
    let _ = summer.stop_gracefully().await;
    summer.wait_for_shutdown().await;
    elapsed
}

/// W2: `ask(AddGet(i)).await` ×n.
pub async fn ask(n: u64) -> AskRun {
    let summer = Summer::spawn(Summer::default());
    let run = time_asks(n, |i| {
        let summer = &summer;
        async move { summer.ask(AddGet(i)).await.expect("ask") }
    })
    .await;
    let _ = summer.stop_gracefully().await;
    summer.wait_for_shutdown().await;
    run
}

// ---- W3 ----

#[derive(Actor, Default)]
struct Idle {
    _state: u64,
}

/// W3: `Idle::spawn` ×n, `stop_gracefully().await` each, then
/// `wait_for_shutdown().await` each.
pub async fn spawn_stop(n: u64) -> Duration {
    let mut refs = Vec::with_capacity(n as usize);
    let start = Instant::now();
    for _ in 0..n {
        refs.push(Idle::spawn(Idle::default()));
    }
    for actor in &refs {
        actor.stop_gracefully().await.expect("stop");
    }
    for actor in &refs {
        actor.wait_for_shutdown().await;
    }
    start.elapsed()
}

// ---- W4 ----

#[derive(Actor)]
struct RingNode {
    next: Option<ActorRef<RingNode>>,
    done: Arc<Notify>,
}

struct Link(ActorRef<RingNode>);
impl Message<Link> for RingNode {
    type Reply = ();
    async fn handle(&mut self, Link(next): Link, _ctx: &mut Context<Self, Self::Reply>) {
        self.next = Some(next);
    }
}

struct Token(u64);
impl Message<Token> for RingNode {
    type Reply = ();
    async fn handle(&mut self, Token(left): Token, _ctx: &mut Context<Self, Self::Reply>) {
        if left == 0 {
            self.done.notify_one();
        } else if let Some(next) = &self.next {
            next.tell(Token(left - 1)).await.expect("ring tell");
        }
    }
}

/// W4: each node's handler does `next.tell(Token(left - 1)).await`.
pub async fn ring(actors: usize, hops: u64) -> Duration {
    let done = Arc::new(Notify::new());
    let nodes: Vec<_> =
        (0..actors).map(|_| RingNode::spawn(RingNode { next: None, done: done.clone() })).collect();
    for (i, node) in nodes.iter().enumerate() {
        node.ask(Link(nodes[(i + 1) % actors].clone())).await.expect("link");
    }
    let start = Instant::now();
    nodes[0].tell(Token(hops)).await.expect("first tell");
    done.notified().await;
    let elapsed = start.elapsed();
    for node in &nodes {
        node.kill();
    }
    for node in &nodes {
        node.wait_for_shutdown().await;
    }
    elapsed
}

// ---- W5 ----

#[derive(Clone)]
struct Tick(#[allow(dead_code)] u64);

#[derive(Actor)]
struct Subscriber {
    counter: Counter,
}

impl Message<Tick> for Subscriber {
    type Reply = ();
    async fn handle(&mut self, _event: Tick, _ctx: &mut Context<Self, Self::Reply>) {
        self.counter.record();
    }
}

/// W5: kameo_actors' `PubSub<Tick>` used as a plain object owned by the
/// publisher (its cheapest form: no extra actor hop), with
/// `DeliveryStrategy::Guaranteed` (each delivery is a `tell(..).await`
/// into the subscriber's bounded mailbox, so nothing is dropped).
pub async fn fanout(subscribers: usize, events: u64) -> (Duration, FanOut) {
    let tally = Tally::new(subscribers, events);
    let mut pubsub = PubSub::<Tick>::new(DeliveryStrategy::Guaranteed);
    let subs: Vec<_> =
        (0..subscribers).map(|i| Subscriber::spawn(Subscriber { counter: tally.counter(i) })).collect();
    for sub in &subs {
        pubsub.subscribe(sub.clone());
    }
    let start = Instant::now();
    for i in 0..events {
        pubsub.publish(Tick(i)).await;
    }
    let outcome = tally.wait().await;
    let elapsed = start.elapsed();
    drop(pubsub);
    for sub in &subs {
        sub.kill();
    }
    for sub in &subs {
        sub.wait_for_shutdown().await;
    }
    (elapsed, outcome)
}

// ---- W6 ----

struct Counted {
    started: Arc<AtomicUsize>,
}
impl Actor for Counted {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _actor_ref: ActorRef<Self>) -> Result<Self, Infallible> {
        state.started.fetch_add(1, Ordering::Release);
        Ok(state)
    }
}

/// W6: `Counted::spawn` ×n idle actors, each with one pointer of state.
pub async fn idle(n: usize) -> Memory {
    let started = Arc::new(AtomicUsize::new(0));
    let before = resident_bytes();
    let mut refs = Vec::with_capacity(n);
    for _ in 0..n {
        refs.push(Counted::spawn(Counted { started: started.clone() }));
    }
    wait_count(&started, n, "kameo idle").await;
    let after = resident_bytes();
    for r in &refs {
        r.kill();
    }
    drop(refs);
    Memory { before, after }
}
