//! The workloads with ractor 0.16, as its README writes them: one message
//! enum per actor, `Actor::spawn(None, ..).await` (unbounded mailbox),
//! `cast`, `call!` with an `RpcReplyPort`, `stop(None)` + the join handle,
//! and `OutputPort` for pub/sub.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ractor::concurrency::JoinHandle;
use ractor::{call, Actor, ActorProcessingErr, ActorRef, OutputPort, RpcReplyPort};
use tokio::sync::Notify;

use crate::common::{
    expected_sum, resident_bytes, time_asks, wait_count, AskRun, Counter, FanOut, Memory, Tally,
};

// ---- W1 / W2 ----

struct Summer;

enum SumMsg {
    Add(u64),
    Total(RpcReplyPort<u64>),
    AddGet(u64, RpcReplyPort<u64>),
}

impl Actor for Summer {
    type Msg = SumMsg;
    type State = u64;
    type Arguments = ();

    async fn pre_start(&self, _myself: ActorRef<SumMsg>, _: ()) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(
        &self,
        _myself: ActorRef<SumMsg>,
        msg: SumMsg,
        total: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SumMsg::Add(n) => *total = total.wrapping_add(n),
            SumMsg::Total(reply) => {
                let _ = reply.send(*total);
            }
            SumMsg::AddGet(n, reply) => {
                *total = total.wrapping_add(n);
                let _ = reply.send(*total);
            }
        }
        Ok(())
    }
}

async fn stop(actor: ActorRef<SumMsg>, handle: JoinHandle<()>) {
    actor.stop(None);
    handle.await.expect("actor task");
}

/// W1: `cast(SumMsg::Add(i))` ×n (unbounded mailbox: never waits), then
/// `call!(Total)`.
pub async fn tell(n: u64) -> Duration {
    let (summer, handle) = Actor::spawn(None, Summer, ()).await.expect("spawn");
    let start = Instant::now();
    for i in 0..n {
        summer.cast(SumMsg::Add(i)).expect("cast");
    }
    let sum = call!(summer, SumMsg::Total).expect("call");
    let elapsed = start.elapsed();
    assert_eq!(sum, expected_sum(n));
    stop(summer, handle).await;
    elapsed
}

/// W2: `call!(summer, SumMsg::AddGet, i)` ×n.
pub async fn ask(n: u64) -> AskRun {
    let (summer, handle) = Actor::spawn(None, Summer, ()).await.expect("spawn");
    let run = time_asks(n, |i| {
        let summer = &summer;
        async move { call!(summer, SumMsg::AddGet, i).expect("call") }
    })
    .await;
    stop(summer, handle).await;
    run
}

// ---- W3 ----

struct Idle;

impl Actor for Idle {
    type Msg = ();
    type State = u64;
    type Arguments = ();

    async fn pre_start(&self, _myself: ActorRef<()>, _: ()) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }
}

/// W3: `Actor::spawn(None, Idle, ()).await` ×n (each returns once
/// `pre_start` has run), `stop(None)` each, then await every join handle.
pub async fn spawn_stop(n: u64) -> Duration {
    let mut actors = Vec::with_capacity(n as usize);
    let start = Instant::now();
    for _ in 0..n {
        actors.push(Actor::spawn(None, Idle, ()).await.expect("spawn"));
    }
    for (actor, _) in &actors {
        actor.stop(None);
    }
    for (_, handle) in actors {
        handle.await.expect("actor task");
    }
    start.elapsed()
}

// ---- W4 ----

struct RingNode {
    done: Arc<Notify>,
}

enum RingMsg {
    Link(ActorRef<RingMsg>, RpcReplyPort<()>),
    Token(u64),
}

impl Actor for RingNode {
    type Msg = RingMsg;
    type State = Option<ActorRef<RingMsg>>;
    type Arguments = ();

    async fn pre_start(&self, _myself: ActorRef<RingMsg>, _: ()) -> Result<Self::State, ActorProcessingErr> {
        Ok(None)
    }

    async fn handle(
        &self,
        _myself: ActorRef<RingMsg>,
        msg: RingMsg,
        next: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            RingMsg::Link(to, reply) => {
                *next = Some(to);
                let _ = reply.send(());
            }
            RingMsg::Token(0) => self.done.notify_one(),
            RingMsg::Token(left) => {
                if let Some(next) = next {
                    next.cast(RingMsg::Token(left - 1))?;
                }
            }
        }
        Ok(())
    }
}

/// W4: each node's handler does `next.cast(RingMsg::Token(left - 1))`.
pub async fn ring(actors: usize, hops: u64) -> Duration {
    let done = Arc::new(Notify::new());
    let mut nodes = Vec::with_capacity(actors);
    for _ in 0..actors {
        nodes.push(Actor::spawn(None, RingNode { done: done.clone() }, ()).await.expect("spawn"));
    }
    for i in 0..actors {
        let next = nodes[(i + 1) % actors].0.clone();
        call!(nodes[i].0, RingMsg::Link, next).expect("link");
    }
    let start = Instant::now();
    nodes[0].0.cast(RingMsg::Token(hops)).expect("first cast");
    done.notified().await;
    let elapsed = start.elapsed();
    for (node, _) in &nodes {
        node.stop(None);
    }
    for (_, handle) in nodes {
        handle.await.expect("actor task");
    }
    elapsed
}

// ---- W5 ----

#[derive(Clone)]
struct Tick(#[allow(dead_code)] u64);

struct Subscriber;

enum SubMsg {
    Tick(#[allow(dead_code)] Tick),
}

impl Actor for Subscriber {
    type Msg = SubMsg;
    type State = Counter;
    type Arguments = Counter;

    async fn pre_start(
        &self,
        _myself: ActorRef<SubMsg>,
        counter: Counter,
    ) -> Result<Counter, ActorProcessingErr> {
        Ok(counter)
    }

    async fn handle(
        &self,
        _myself: ActorRef<SubMsg>,
        msg: SubMsg,
        counter: &mut Counter,
    ) -> Result<(), ActorProcessingErr> {
        let SubMsg::Tick(_event) = msg;
        counter.record();
        Ok(())
    }
}

/// W5: one `OutputPort<Tick>`; each subscriber actor subscribes with
/// `port.subscribe(actor, |t| Some(SubMsg::Tick(t)))`; the publisher calls
/// `port.send(Tick(i))`.
///
/// Built with the `ractor-output-port-v2` feature (the default of this
/// crate), ractor's port is its v2: one dispatcher task and an unbounded
/// queue, lossless. Without it (`--no-default-features`), ractor's default
/// v1 port is a 10-slot `broadcast` with one forwarding task per
/// subscriber that skips what it lagged behind on: the run then stalls
/// short of every delivery and reports how many were made.
pub async fn fanout(subscribers: usize, events: u64) -> (Duration, FanOut) {
    let tally = Tally::new(subscribers, events);
    let port = OutputPort::<Tick>::default();
    let mut subs = Vec::with_capacity(subscribers);
    for i in 0..subscribers {
        let (sub, handle) = Actor::spawn(None, Subscriber, tally.counter(i)).await.expect("spawn subscriber");
        port.subscribe(sub.clone(), |t| Some(SubMsg::Tick(t)));
        subs.push((sub, handle));
    }
    let start = Instant::now();
    for i in 0..events {
        port.send(Tick(i));
    }
    let outcome = tally.wait().await;
    let elapsed = start.elapsed();
    drop(port);
    for (sub, _) in &subs {
        sub.stop(None);
    }
    for (_, handle) in subs {
        handle.await.expect("actor task");
    }
    (elapsed, outcome)
}

// ---- W6 ----

struct Counted {
    started: Arc<AtomicUsize>,
}

impl Actor for Counted {
    type Msg = ();
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _myself: ActorRef<()>, _: ()) -> Result<(), ActorProcessingErr> {
        self.started.fetch_add(1, Ordering::Release);
        Ok(())
    }
}

/// W6: `Actor::spawn(None, Counted, ()).await` ×n idle actors, each with
/// one pointer of state; addresses kept, join handles dropped (detached).
pub async fn idle(n: usize) -> Memory {
    let started = Arc::new(AtomicUsize::new(0));
    let before = resident_bytes();
    let mut refs = Vec::with_capacity(n);
    for _ in 0..n {
        let (actor, _handle) =
            Actor::spawn(None, Counted { started: started.clone() }, ()).await.expect("spawn");
        refs.push(actor);
    }
    wait_count(&started, n, "ractor idle").await;
    let after = resident_bytes();
    for r in &refs {
        r.stop(None);
    }
    Memory { before, after }
}
