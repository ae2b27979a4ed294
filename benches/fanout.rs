//! Event fan-out: one publisher, many subscribers, through actor-core's
//! event stream (actor subscribers and stream subscribers) and through raw
//! `tokio::sync::broadcast`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actor_core::events::SubscribeOptions;
use actor_core::prelude::*;
use tokio::sync::Notify;

/// Subscribers per fan-out iteration.
pub const SUBSCRIBERS: usize = 100;
/// Events published per fan-out iteration (each reaches every subscriber).
pub const EVENTS: u64 = 20_000;
/// Events published past a subscriber that never reads.
pub const STUCK_EVENTS: u64 = 1_000_000;

/// The event: a small fact.
#[derive(Clone, Debug)]
pub struct Tick(pub u64);
impl Event for Tick {}
impl Message for Tick {
    type Reply = ();
}

/// Counts down to "every subscriber has every event".
#[derive(Clone)]
struct Finish {
    left: Arc<AtomicUsize>,
    done: Arc<Notify>,
}

impl Finish {
    fn new(subscribers: usize) -> Self {
        Finish { left: Arc::new(AtomicUsize::new(subscribers)), done: Arc::new(Notify::new()) }
    }

    fn one_done(&self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.done.notify_one();
        }
    }

    async fn all_done(&self) {
        self.done.notified().await;
    }
}

/// An actor that subscribes to `Tick` with a buffer large enough not to
/// drop, and reports when it has seen `expected` of them.
struct Listener {
    expected: u64,
    seen: u64,
    sum: u64,
    finish: Finish,
}

impl Actor for Listener {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.subscribe_with(SubscribeOptions::<Tick>::new().buffer(self.expected as usize));
        Ok(())
    }
}

impl Handler<Tick> for Listener {
    async fn handle(&mut self, tick: Tick, _ctx: &mut Context<Self>) {
        self.sum = self.sum.wrapping_add(tick.0);
        self.seen += 1;
        if self.seen == self.expected {
            self.finish.one_done();
        }
    }
}

struct Ready;
impl Message for Ready {
    type Reply = ();
}
impl Handler<Ready> for Listener {
    async fn handle(&mut self, _: Ready, _ctx: &mut Context<Self>) {}
}

/// `subscribers` actors subscribed through `ctx.subscribe`; the time from
/// the first publish until every actor has handled every event.
pub async fn ours_actors(subscribers: usize, events: u64) -> Duration {
    let system = ActorSystem::new();
    let finish = Finish::new(subscribers);
    let mut listeners = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let listener = Listener { expected: events, seen: 0, sum: 0, finish: finish.clone() };
        listeners.push(system.spawn(listener));
    }
    for listener in &listeners {
        listener.ask(Ready).await.expect("listener started"); // subscribed
    }
    let publisher = system.events().publisher::<Tick>();
    let start = Instant::now();
    for n in 0..events {
        publisher.publish(Tick(n));
    }
    finish.all_done().await;
    let elapsed = start.elapsed();
    system.shutdown().await;
    elapsed
}

/// `subscribers` tasks, each reading a `Subscription` stream.
pub async fn ours_streams(subscribers: usize, events: u64) -> Duration {
    let system = ActorSystem::new();
    let finish = Finish::new(subscribers);
    let mut tasks = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let mut sub = system.events().subscribe_with(SubscribeOptions::<Tick>::new().buffer(events as usize));
        let finish = finish.clone();
        tasks.push(tokio::spawn(async move {
            let mut sum = 0u64;
            for _ in 0..events {
                sum = sum.wrapping_add(sub.recv().await.expect("stream open").0);
            }
            finish.one_done();
            sum
        }));
    }
    let publisher = system.events().publisher::<Tick>();
    let start = Instant::now();
    for n in 0..events {
        publisher.publish(Tick(n));
    }
    finish.all_done().await;
    let elapsed = start.elapsed();
    for task in tasks {
        task.await.expect("subscriber task");
    }
    elapsed
}

/// The floor: `tokio::sync::broadcast` with room for every event.
pub async fn raw_broadcast(subscribers: usize, events: u64) -> Duration {
    let (tx, _) = tokio::sync::broadcast::channel::<Tick>(events as usize);
    let finish = Finish::new(subscribers);
    let mut tasks = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let mut rx = tx.subscribe();
        let finish = finish.clone();
        tasks.push(tokio::spawn(async move {
            let mut sum = 0u64;
            for _ in 0..events {
                sum = sum.wrapping_add(rx.recv().await.expect("no lag with this capacity").0);
            }
            finish.one_done();
            sum
        }));
    }
    let start = Instant::now();
    for n in 0..events {
        tx.send(Tick(n)).expect("receivers alive");
    }
    finish.all_done().await;
    let elapsed = start.elapsed();
    for task in tasks {
        task.await.expect("subscriber task");
    }
    elapsed
}

/// Publishing `events` with `stuck` subscribers that never read (default
/// buffer, drop-oldest): the publisher's time alone.
pub async fn publish_past_stuck(stuck: usize, events: u64) -> Duration {
    let system = ActorSystem::new();
    let subs: Vec<_> = (0..stuck).map(|_| system.events().subscribe::<Tick>()).collect();
    let publisher = system.events().publisher::<Tick>();
    let start = Instant::now();
    for n in 0..events {
        publisher.publish(Tick(n));
    }
    let elapsed = start.elapsed();
    let expected = events.saturating_sub(actor_core::events::DEFAULT_EVENT_BUFFER as u64);
    assert!(subs.iter().all(|s| s.dropped() == expected), "every drop counted");
    elapsed
}
