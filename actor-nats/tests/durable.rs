//! Durable facts on a NATS server with JetStream (`ACTOR_NATS_URL`):
//! persisting a system's facts, late and restarted durable subscribers,
//! at-least-once delivery with a redelivery count, and a slow subscriber
//! that does not slow the publisher.

mod durable_support;

use std::sync::Arc;
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Supervisor};
use actor_nats::{DurableOptions, Facts, FactsConfig, Nats};
use durable_support::*;

const WAIT: Duration = Duration::from_secs(20);

async fn facts(url: &str, what: &str) -> Facts {
    let nats = Nats::connect(url).await.expect("connect").with_prefix(&unique(what));
    nats.facts(FactsConfig::new(&unique(what)).in_memory()).await.expect("stream")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_subscriber_replays_what_it_missed_in_order_then_gets_live_facts() {
    let Some(url) = nats_url("durable facts: late subscriber replay") else { return };
    let facts = facts(&url, "late").await;
    let system = ActorSystem::new();
    let persisting = facts.persist_events::<Paid>(&system);
    for order in 0..100 {
        system.events().publish(Paid { order, cents: 10 });
    }
    assert!(until(WAIT, || persisting.persisted() == 100).await, "persisted {}", persisting.persisted());

    // Starts late: replays all 100, in order, each delivered once.
    let seen: Seen = Arc::default();
    let audit = system.spawn(Recorder { seen: seen.clone(), fail_once: None, slow: None });
    let sub = facts.subscribe::<Paid>("audit", audit.recipient()).await.expect("subscribe");
    assert!(until(WAIT, || seen.lock().len() == 100).await);
    // Then the live ones.
    for order in 100..150 {
        system.events().publish(Paid { order, cents: 10 });
    }
    assert!(until(WAIT, || seen.lock().len() == 150).await);
    assert!(until(WAIT, || sub.acked() == 150).await);
    assert_eq!(orders(&seen), (0..150).collect::<Vec<_>>());
    assert!(seen.lock().iter().all(|s| s.1 == 0), "nothing redelivered");
    let seqs: Vec<u64> = seen.lock().iter().map(|s| s.2).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "stream order");

    // The subscriber stops; facts published meanwhile wait for the next
    // incarnation, which gets only those.
    audit.stop();
    sub.stopped().await;
    for order in 150..160 {
        system.events().publish(Paid { order, cents: 10 });
    }
    assert!(until(WAIT, || persisting.persisted() == 160).await);
    let again: Seen = Arc::default();
    let audit = system.spawn(Recorder { seen: again.clone(), fail_once: None, slow: None });
    let sub = facts.subscribe::<Paid>("audit", audit.recipient()).await.expect("subscribe again");
    assert!(until(WAIT, || sub.acked() == 10).await);
    assert_eq!(orders(&again), (150..160).collect::<Vec<_>>());

    persisting.stop();
    persisting.stopped().await;
    assert_eq!(persisting.failed(), 0);
    system.shutdown().await;
    facts.delete().await.expect("delete stream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_gets_its_fact_again_with_a_redelivery_count_and_order_holds() {
    let Some(url) = nats_url("durable facts: redelivery after a panic") else { return };
    actor_core::silence_caught_panics();
    let facts = facts(&url, "panic").await;
    let system = ActorSystem::new();
    for order in 0..20 {
        facts.publish(&Paid { order, cents: 1 }, WAIT).await.expect("publish");
    }
    let seen: Seen = Arc::default();
    let recording = seen.clone();
    let sup = Supervisor::builder()
        .max_restarts(5, Duration::from_secs(10))
        .child(ChildSpec::new("audit", move || Recorder {
            seen: recording.clone(),
            fail_once: Some(7),
            slow: None,
        }))
        .spawn(&system)
        .await
        .expect("supervisor");
    let audit = sup.child::<Recorder>("audit").await.expect("child");
    let sub = facts.subscribe::<Paid>("audit", audit.recipient()).await.expect("subscribe");
    assert!(until(WAIT, || sub.acked() == 20).await, "acked {}", sub.acked());
    let seen = seen.lock().clone();
    // 7 came twice: first with 0, then with 1; everything after 7 that was
    // fetched before the failure was handed back, so the order holds.
    let handled: Vec<u64> = seen.iter().map(|s| s.0).collect();
    let mut expected: Vec<u64> = (0..=7).collect();
    expected.extend(7..20);
    assert_eq!(handled, expected);
    assert_eq!(seen.iter().filter(|s| s.0 == 7).map(|s| s.1).collect::<Vec<_>>(), vec![0, 1]);
    assert!(seen.iter().filter(|s| s.0 < 7).all(|s| s.1 == 0));
    system.shutdown().await;
    facts.delete().await.expect("delete stream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_that_dies_mid_fact_leaves_it_for_the_next_subscriber() {
    let Some(url) = nats_url("durable facts: handing back to a restarted subscriber") else { return };
    actor_core::silence_caught_panics();
    let facts = facts(&url, "dies").await;
    let system = ActorSystem::new();
    for order in 0..5 {
        facts.publish(&Paid { order, cents: 1 }, WAIT).await.expect("publish");
    }
    // Not supervised: the panic on order 2 stops it for good.
    let first: Seen = Arc::default();
    let audit = system.spawn(Recorder { seen: first.clone(), fail_once: Some(2), slow: None });
    let sub = facts.subscribe::<Paid>("audit", audit.recipient()).await.expect("subscribe");
    tokio::time::timeout(WAIT, sub.stopped()).await.expect("the subscription ends with its actor");
    assert_eq!(orders(&first), vec![0, 1, 2]);

    let second: Seen = Arc::default();
    let audit = system.spawn(Recorder { seen: second.clone(), fail_once: None, slow: None });
    let sub = facts.subscribe::<Paid>("audit", audit.recipient()).await.expect("subscribe again");
    assert!(until(WAIT, || sub.acked() == 3).await, "acked {}", sub.acked());
    let second = second.lock().clone();
    assert_eq!(
        second.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![2, 3, 4],
        "{second:?} first {:?}",
        first.lock()
    );
    assert!(second[0].1 >= 1, "the fact that failed says it came before: {second:?}");
    system.shutdown().await;
    facts.delete().await.expect("delete stream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_subscriber_does_not_slow_the_publisher() {
    let Some(url) = nats_url("durable facts: slow subscriber") else { return };
    const N: u64 = 5_000;
    let facts = facts(&url, "slow").await;
    let system = ActorSystem::new();
    let seen: Seen = Arc::default();
    let audit =
        system.spawn(Recorder { seen: seen.clone(), fail_once: None, slow: Some(Duration::from_millis(20)) });
    let options = DurableOptions::new().max_ack_pending(16);
    let sub = facts.subscribe_with::<Paid>("slow", audit.recipient(), options).await.expect("subscribe");
    let persisting = facts.persist_events::<Paid>(&system);
    let started = std::time::Instant::now();
    for order in 0..N {
        system.events().publish(Paid { order, cents: 1 });
    }
    assert!(until(WAIT, || persisting.persisted() == N).await, "persisted {}", persisting.persisted());
    let took = started.elapsed();
    // At 20 ms a fact the subscriber would need 100 s for them all.
    assert!(seen.lock().len() < 1_000, "{} handled while {N} were persisted in {took:?}", seen.lock().len());
    let info = facts_consumer_pending(&facts, "slow").await;
    assert!(info <= 16, "{info} facts in flight to a subscriber allowed 16");
    sub.stop();
    sub.stopped().await;
    system.shutdown().await;
    facts.delete().await.expect("delete stream");
}

async fn facts_consumer_pending(facts: &Facts, durable: &str) -> usize {
    let nats = Nats::connect(&std::env::var("ACTOR_NATS_URL").unwrap()).await.unwrap();
    let mut stream = nats.jetstream().get_stream(facts.stream_name()).await.unwrap();
    let _ = stream.info().await;
    let mut consumer: actor_nats::async_nats::jetstream::consumer::PullConsumer =
        stream.get_consumer(durable).await.unwrap();
    consumer.info().await.unwrap().num_ack_pending
}

/// Slow on the first delivery of order 1 only.
struct SlowOnce(Seen);
impl Actor for SlowOnce {}
impl Handler<actor_nats::Durable<Paid>> for SlowOnce {
    async fn handle(&mut self, d: actor_nats::Durable<Paid>, _ctx: &mut Context<Self>) {
        if d.fact.order == 1 && d.redelivered == 0 {
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        self.0.lock().push((d.fact.order, d.redelivered, d.stream_seq));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_past_its_time_limit_gets_its_fact_again() {
    let Some(url) = nats_url("durable facts: handler timeout") else { return };
    let facts = facts(&url, "timeout").await;
    let system = ActorSystem::new();
    for order in 0..3 {
        facts.publish(&Paid { order, cents: 1 }, WAIT).await.expect("publish");
    }
    let seen: Seen = Arc::default();
    let audit = system.spawn(SlowOnce(seen.clone()));
    let options = DurableOptions::new().handler_timeout(Duration::from_millis(200));
    let sub = facts.subscribe_with::<Paid>("audit", audit.recipient(), options).await.expect("subscribe");
    assert!(until(WAIT, || sub.acked() == 3).await, "acked {}", sub.acked());
    let seen = seen.lock().clone();
    // The slow handler still finished (its result is not waited for);
    // the fact came again, marked, before the facts after it.
    let ones: Vec<u64> = seen.iter().filter(|s| s.0 == 1).map(|s| s.1).collect();
    assert_eq!(ones, vec![0, 1], "{seen:?}");
    let after: Vec<u64> = seen.iter().map(|s| s.0).skip_while(|o| *o != 1).collect();
    assert_eq!(after, vec![1, 1, 2], "{seen:?}");
    system.shutdown().await;
    facts.delete().await.expect("delete stream");
}
