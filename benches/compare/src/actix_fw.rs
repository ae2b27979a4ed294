//! The workloads with actix 0.13, as its README writes them:
//! `impl Actor` with `Context<Self>`, `#[derive(Message)]` + `#[rtype]`,
//! `Handler<M>` (synchronous handlers), `.start()`, `do_send` for
//! fire-and-forget and `send(..).await` for a reply.
//!
//! Actix runs its actors on its own runtime: an `actix_rt::System` whose
//! arbiter is a single-threaded tokio runtime. Every workload here runs in
//! a fresh `System` on the main thread, so sender and actors share one
//! thread, except W1 on the "multi" row, where the actor is started on a
//! second `Arbiter` (its own thread) and the sender stays on the System
//! thread: the closest actix gets to the two tokio workers of the others.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::Notify;

use crate::common::{
    expected_sum, resident_bytes, time_asks, wait_count, AskRun, Counter, FanOut, Latch, Memory, Tally,
};

// ---- W1 / W2 ----

#[derive(Default)]
struct Summer {
    total: u64,
}
impl Actor for Summer {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct Add(u64);
impl Handler<Add> for Summer {
    type Result = ();
    fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self>) {
        self.total = self.total.wrapping_add(n);
    }
}

#[derive(Message)]
#[rtype(result = "u64")]
struct Total;
impl Handler<Total> for Summer {
    type Result = u64;
    fn handle(&mut self, _: Total, _ctx: &mut Context<Self>) -> u64 {
        self.total
    }
}

#[derive(Message)]
#[rtype(result = "u64")]
struct AddGet(u64);
impl Handler<AddGet> for Summer {
    type Result = u64;
    fn handle(&mut self, AddGet(n): AddGet, _ctx: &mut Context<Self>) -> u64 {
        self.total = self.total.wrapping_add(n);
        self.total
    }
}

/// W1: `do_send(Add(i))` ×n (actix's fire-and-forget; it ignores the
/// mailbox bound, so it never waits), then `send(Total).await`. With
/// `own_arbiter`, the actor runs on a second `Arbiter` thread.
pub async fn tell(n: u64, own_arbiter: bool) -> Duration {
    let arbiter = own_arbiter.then(Arbiter::new);
    let summer = match &arbiter {
        Some(arb) => Summer::start_in_arbiter(&arb.handle(), |_| Summer::default()),
        None => Summer::default().start(),
    };
    let start = Instant::now();
    for i in 0..n {
        summer.do_send(Add(i));
    }
    let sum = summer.send(Total).await.expect("send");
    let elapsed = start.elapsed();
    assert_eq!(sum, expected_sum(n));
    drop(summer);
    if let Some(arb) = arbiter {
        arb.stop();
        arb.join().expect("arbiter thread");
    }
    elapsed
}

/// W2: `send(AddGet(i)).await` ×n.
pub async fn ask(n: u64) -> AskRun {
    let summer = Summer::default().start();
    time_asks(n, |i| {
        let summer = &summer;
        async move { summer.send(AddGet(i)).await.expect("send") }
    })
    .await
}

// ---- W3 ----

struct Idle {
    stopped: Arc<Latch>,
}
impl Actor for Idle {
    type Context = Context<Self>;
    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.stopped.arrive();
    }
}

/// W3: `.start()` ×n, then drop every `Addr` (an actix actor stops when
/// its last address is gone), waiting until every `stopped()` hook ran.
pub async fn spawn_stop(n: u64) -> Duration {
    let stopped = Arc::new(Latch::new(n as usize));
    let mut addrs = Vec::with_capacity(n as usize);
    let start = Instant::now();
    for _ in 0..n {
        addrs.push(Idle { stopped: stopped.clone() }.start());
    }
    drop(addrs);
    stopped.wait("actix stop").await;
    start.elapsed()
}

// ---- W4 ----

struct RingNode {
    next: Option<Addr<RingNode>>,
    done: Arc<Notify>,
}
impl Actor for RingNode {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct Link(Addr<RingNode>);
impl Handler<Link> for RingNode {
    type Result = ();
    fn handle(&mut self, Link(next): Link, _ctx: &mut Context<Self>) {
        self.next = Some(next);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Token(u64);
impl Handler<Token> for RingNode {
    type Result = ();
    fn handle(&mut self, Token(left): Token, _ctx: &mut Context<Self>) {
        if left == 0 {
            self.done.notify_one();
        } else if let Some(next) = &self.next {
            next.do_send(Token(left - 1));
        }
    }
}

/// W4: each node's handler does `next.do_send(Token(left - 1))`.
pub async fn ring(actors: usize, hops: u64) -> Duration {
    let done = Arc::new(Notify::new());
    let nodes: Vec<_> = (0..actors).map(|_| RingNode { next: None, done: done.clone() }.start()).collect();
    for (i, node) in nodes.iter().enumerate() {
        node.send(Link(nodes[(i + 1) % actors].clone())).await.expect("link");
    }
    let start = Instant::now();
    nodes[0].do_send(Token(hops));
    done.notified().await;
    start.elapsed()
}

// ---- W5 ----

#[derive(Clone, Message)]
#[rtype(result = "()")]
struct Tick(#[allow(dead_code)] u64);

struct Subscriber {
    counter: Counter,
}
impl Actor for Subscriber {
    type Context = Context<Self>;
}
impl Handler<Tick> for Subscriber {
    type Result = ();
    fn handle(&mut self, _event: Tick, _ctx: &mut Context<Self>) {
        self.counter.record();
    }
}

/// W5: actix has no pub/sub of its own (actix-broker is a separate crate),
/// so the publisher keeps a `Vec<Recipient<Tick>>` and `do_send`s a clone
/// of each event to each recipient.
pub async fn fanout(subscribers: usize, events: u64) -> (Duration, FanOut) {
    let tally = Tally::new(subscribers, events);
    let recipients: Vec<Recipient<Tick>> =
        (0..subscribers).map(|i| Subscriber { counter: tally.counter(i) }.start().recipient()).collect();
    let start = Instant::now();
    for i in 0..events {
        let tick = Tick(i);
        for recipient in &recipients {
            recipient.do_send(tick.clone());
        }
    }
    let outcome = tally.wait().await;
    (start.elapsed(), outcome)
}

// ---- W6 ----

struct Counted {
    started: Arc<AtomicUsize>,
}
impl Actor for Counted {
    type Context = Context<Self>;
    fn started(&mut self, _ctx: &mut Context<Self>) {
        self.started.fetch_add(1, Ordering::Release);
    }
}

/// W6: `.start()` ×n idle actors, each with one pointer of state;
/// addresses kept (an actix actor stops when its last one is dropped).
pub async fn idle(n: usize) -> Memory {
    let started = Arc::new(AtomicUsize::new(0));
    let before = resident_bytes();
    let mut addrs = Vec::with_capacity(n);
    for _ in 0..n {
        addrs.push(Counted { started: started.clone() }.start());
    }
    wait_count(&started, n, "actix idle").await;
    let after = resident_bytes();
    drop(addrs);
    Memory { before, after }
}
