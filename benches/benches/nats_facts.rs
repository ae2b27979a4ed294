//! Durable facts on JetStream (actor-nats): publish-with-ack throughput
//! (facts published on a system's event stream until JetStream has
//! acknowledged every one, `persist_events` with 256 publishes in flight),
//! one-at-a-time acknowledged publishes (`Facts::publish`), and replay
//! throughput (a durable subscriber that starts after all facts are stored
//! and handles each in an actor, acknowledging after its handler). Needs
//! `ACTOR_NATS_URL` (prints one line and exits otherwise). A plain harness:
//! one line per run, the median of the rounds. Each round uses a stream of
//! its own (file storage), deleted afterwards.
//!
//! ```text
//! ACTOR_NATS_URL=nats://127.0.0.1:4222 cargo bench -p benches --bench nats_facts
//! ACTOR_NATS_URL=... cargo bench -p benches --bench nats_facts -- --facts 1000000 --rounds 1
//! ACTOR_NATS_URL=... cargo bench -p benches --bench nats_facts -- --in-flight 1 --facts 20000
//! ```
//!
//! Figures: `docs/benchmarks.md`, section "Durable facts on JetStream".
#![allow(clippy::print_stdout)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actor_core::events::Overflow;
use actor_core::prelude::*;
use actor_core::remote::RemoteMessage;
use actor_nats::{Durable, DurableOptions, FactsConfig, Nats, PersistOptions};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Paid {
    order: u64,
    cents: u64,
}
impl Event for Paid {}
impl Message for Paid {
    type Reply = ();
}
impl RemoteMessage for Paid {
    const NAME: &'static str = "bench.paid.v1";
}

struct Counter(Arc<AtomicU64>);
impl Actor for Counter {}
impl Handler<Durable<Paid>> for Counter {
    async fn handle(&mut self, _fact: Durable<Paid>, _ctx: &mut Context<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn token() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    format!("{}_{}", std::process::id(), nanos.as_nanos())
}

/// Waits until `done`, polling every millisecond, for at most `limit`.
async fn until(limit: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "no progress within {limit:?}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// (persist with ack, replay, one-at-a-time) durations.
async fn round(url: &str, facts: u64, single: u64, in_flight: usize) -> (Duration, Duration, Duration) {
    let nats = Nats::connect(url).await.expect("connect").with_prefix(&format!("bench{}", token()));
    let stream = nats.facts(FactsConfig::new(&format!("bench_{}", token()))).await.expect("stream");
    let system = ActorSystem::new();

    // A buffer that holds every fact: the publisher below never waits.
    let options = PersistOptions::new().buffer(facts as usize + 1, Overflow::DropOldest).in_flight(in_flight);
    let persisting = stream.persist_events_with::<Paid>(&system, options);
    let start = Instant::now();
    let publisher = system.events().publisher::<Paid>();
    for order in 0..facts {
        publisher.publish(Paid { order, cents: 1 });
        if order % 4096 == 0 {
            tokio::task::yield_now().await;
        }
    }
    until(Duration::from_secs(900), || persisting.persisted() + persisting.failed() == facts).await;
    let persist = start.elapsed();
    assert_eq!(persisting.failed(), 0);

    let count = Arc::new(AtomicU64::new(0));
    let counter = system.spawn(Counter(count.clone()));
    let start = Instant::now();
    let options = DurableOptions::new().max_ack_pending(1024);
    let sub = stream.subscribe_with::<Paid>("replay", counter.recipient(), options).await.expect("subscribe");
    until(Duration::from_secs(900), || sub.acked() == facts).await;
    let replay = start.elapsed();
    assert_eq!(count.load(Ordering::Relaxed), facts);

    let start = Instant::now();
    for order in 0..single {
        stream.publish(&Paid { order, cents: 1 }, Duration::from_secs(10)).await.expect("publish");
    }
    let one_by_one = start.elapsed();

    sub.stop();
    sub.stopped().await;
    system.shutdown().await;
    stream.delete().await.expect("delete the stream");
    (persist, replay, one_by_one)
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn main() {
    let Ok(url) = std::env::var("ACTOR_NATS_URL") else {
        println!("durable facts on JetStream: skipped (ACTOR_NATS_URL is not set)");
        return;
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|at| args.get(at + 1))
            .map(|v| v.replace('_', "").parse().unwrap_or_else(|_| panic!("{name} takes a number")))
            .unwrap_or(default)
    };
    let rounds = number("--rounds", 3) as usize;
    let facts = number("--facts", 200_000);
    let single = number("--single", 5_000);
    let in_flight = number("--in-flight", 256) as usize;
    let rt = benches::runtime();
    let (mut persist, mut replay, mut one) = (Vec::new(), Vec::new(), Vec::new());
    let rate = |n: u64, d: Duration| n as f64 / d.as_secs_f64();
    for r in 0..rounds {
        let (p, rp, o) = rt.block_on(round(&url, facts, single, in_flight));
        println!(
            "round {r}: {facts} facts persisted with ack in {p:.2?} ({:.0}/s), replayed in {rp:.2?} ({:.0}/s); \
             {single} one-at-a-time publishes in {o:.2?} ({:.0}/s)",
            rate(facts, p),
            rate(facts, rp),
            rate(single, o)
        );
        persist.push(rate(facts, p));
        replay.push(rate(facts, rp));
        one.push(rate(single, o));
    }
    println!("\nmedian of {rounds} rounds ({facts} facts)");
    println!("persist with ack ({in_flight:>4} in flight) {:>12.0} facts/s", median(persist));
    println!("replay to an actor               {:>12.0} facts/s", median(replay));
    println!("publish one at a time            {:>12.0} facts/s", median(one));
}
