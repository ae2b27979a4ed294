//! Slow subscribers: bounded buffers, overflow policies, counted drops, and
//! a publisher that never waits (unless it asks to).

use actor_core::events::{EventsDropped, Overflow, SubscribeOptions};
use actor_core::prelude::*;

#[derive(Clone, Debug, PartialEq)]
struct Tick(u64);
impl Event for Tick {}

fn options(buffer: usize, overflow: Overflow) -> SubscribeOptions<Tick> {
    SubscribeOptions::new().buffer(buffer).overflow(overflow)
}

#[tokio::test]
async fn a_subscriber_that_never_reads_does_not_slow_the_publisher() {
    let system = ActorSystem::new();
    let stuck = system.events().subscribe::<Tick>(); // default: 1024, DropOldest
    let publisher = system.events().publisher::<Tick>();
    for n in 0..1_000_000 {
        publisher.publish(Tick(n));
    }
    assert_eq!(stuck.dropped(), 1_000_000 - actor_core::events::DEFAULT_EVENT_BUFFER as u64);
}

#[tokio::test]
async fn drop_oldest_keeps_the_newest_and_counts_exactly() {
    let system = ActorSystem::new();
    let mut sub = system.events().subscribe_with(options(10, Overflow::DropOldest));
    for n in 0..25 {
        system.events().publish(Tick(n));
    }
    assert_eq!(sub.dropped(), 15);
    let kept: Vec<u64> = std::iter::from_fn(|| sub.try_recv()).map(|t| t.0).collect();
    assert_eq!(kept, (15..25).collect::<Vec<_>>());
}

#[tokio::test]
async fn drop_newest_keeps_the_oldest_and_counts_exactly() {
    let system = ActorSystem::new();
    let mut sub = system.events().subscribe_with(options(10, Overflow::DropNewest));
    for n in 0..25 {
        system.events().publish(Tick(n));
    }
    assert_eq!(sub.dropped(), 15);
    let kept: Vec<u64> = std::iter::from_fn(|| sub.try_recv()).map(|t| t.0).collect();
    assert_eq!(kept, (0..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn block_makes_publish_wait_until_the_subscriber_reads() {
    let system = ActorSystem::new();
    let mut sub = system.events().subscribe_with(options(2, Overflow::Block));
    let events = system.events().clone();
    let publisher = tokio::spawn(async move {
        for n in 0..5 {
            events.publish_wait(Tick(n)).await;
        }
    });
    // The buffer holds 2; on this single-threaded runtime every yield lets
    // the publisher run, and it still cannot finish until we read.
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(!publisher.is_finished(), "publisher finished without the subscriber reading");
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(sub.recv().await.unwrap().0);
    }
    publisher.await.unwrap();
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    assert_eq!(sub.dropped(), 0, "Block with publish_wait loses nothing");
}

#[tokio::test]
async fn block_with_plain_publish_drops_the_new_event_and_counts_it() {
    let system = ActorSystem::new();
    let sub = system.events().subscribe_with(options(2, Overflow::Block));
    for n in 0..5 {
        system.events().publish(Tick(n)); // never waits
    }
    assert_eq!(sub.dropped(), 3);
}

#[tokio::test]
async fn drops_are_reported_as_facts_rate_limited() {
    let system = ActorSystem::new();
    let mut reports = system.events().subscribe_with(SubscribeOptions::<EventsDropped>::new().buffer(1000));
    let slow = system.events().subscribe_with(options(1, Overflow::DropNewest));
    for n in 0..1001 {
        system.events().publish(Tick(n)); // 1000 drops
    }
    assert_eq!(slow.dropped(), 1000);
    let counts: Vec<u64> = std::iter::from_fn(|| reports.try_recv()).map(|r| r.dropped).collect();
    assert_eq!(counts, vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
}

#[tokio::test]
async fn overflowing_drop_reports_do_not_recurse() {
    let system = ActorSystem::new();
    let reports = system.events().subscribe_with(SubscribeOptions::<EventsDropped>::new().buffer(1));
    let _slow = system.events().subscribe_with(options(1, Overflow::DropNewest));
    for n in 0..100 {
        system.events().publish(Tick(n));
    }
    // 99 drops -> reports at 1, 2, 4, 8, 16, 32, 64; the 1-slot report
    // buffer keeps the newest and counts 6 dropped reports, unreported.
    assert_eq!(reports.dropped(), 6);
}
