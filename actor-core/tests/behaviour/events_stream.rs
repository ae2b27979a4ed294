//! The event stream for plain async code: publish, subscribe, filters,
//! ordering, isolation.

use actor_core::events::{Overflow, SubscribeOptions};
use actor_core::prelude::*;
use futures_util::StreamExt;

#[derive(Clone, Debug, PartialEq)]
struct Tick(u64);
impl Event for Tick {}
impl Message for Tick {
    type Reply = ();
}

#[derive(Clone, Debug, PartialEq)]
struct Other(&'static str);
impl Event for Other {}

#[tokio::test]
async fn publish_with_no_subscriber_is_fine() {
    let system = ActorSystem::new();
    for n in 0..1000 {
        system.events().publish(Tick(n));
    }
    // A subscriber made afterwards sees none of them.
    let mut ticks = system.events().subscribe::<Tick>();
    assert_eq!(ticks.try_recv(), None);
}

#[tokio::test]
async fn subscribers_see_only_later_events_in_publish_order() {
    let system = ActorSystem::new();
    system.events().publish(Tick(0));
    let mut a = system.events().subscribe::<Tick>();
    for n in 1..=100 {
        system.events().publish(Tick(n));
    }
    let mut b = system.events().subscribe::<Tick>();
    system.events().publish(Tick(101));

    let seen_a: Vec<u64> = (&mut a).take(101).map(|t| t.0).collect().await;
    assert_eq!(seen_a, (1..=101).collect::<Vec<_>>());
    assert_eq!(b.recv().await, Some(Tick(101)));
    assert_eq!(b.try_recv(), None);
}

#[tokio::test]
async fn subscription_is_by_type() {
    let system = ActorSystem::new();
    let mut ticks = system.events().subscribe::<Tick>();
    let mut others = system.events().subscribe::<Other>();
    system.events().publish(Other("x"));
    system.events().publish(Tick(1));
    assert_eq!(ticks.recv().await, Some(Tick(1)));
    assert_eq!(others.recv().await, Some(Other("x")));
    assert_eq!((ticks.try_recv(), others.try_recv()), (None, None));
}

#[tokio::test]
async fn filters_run_before_buffering_and_do_not_count_as_drops() {
    let system = ActorSystem::new();
    let mut even = system.events().subscribe_filtered::<Tick>(|t| t.0 % 2 == 0);
    let mut small =
        system.events().subscribe_with(SubscribeOptions::new().buffer(4).filter(|t: &Tick| t.0 < 4));
    for n in 0..10 {
        system.events().publish(Tick(n));
    }
    let evens: Vec<u64> = (&mut even).take(5).map(|t| t.0).collect().await;
    assert_eq!(evens, vec![0, 2, 4, 6, 8]);
    assert_eq!(even.dropped(), 0);
    let smalls: Vec<u64> = (&mut small).take(4).map(|t| t.0).collect().await;
    assert_eq!(smalls, vec![0, 1, 2, 3]);
    assert_eq!(small.dropped(), 0);
}

#[tokio::test]
async fn dropping_a_subscription_unsubscribes() {
    let system = ActorSystem::new();
    let mut drops = system.events().subscribe::<actor_core::events::EventsDropped>();
    let sub = system.events().subscribe_with(SubscribeOptions::<Tick>::new().buffer(1));
    drop(sub);
    for n in 0..10 {
        system.events().publish(Tick(n));
    }
    // Had it stayed subscribed, its 1-slot buffer would have overflowed.
    assert_eq!(drops.try_recv(), None);
}

#[tokio::test]
async fn systems_do_not_share_streams() {
    let a = ActorSystem::new();
    let b = ActorSystem::new();
    let mut on_b = b.events().subscribe::<Tick>();
    a.events().publish(Tick(1));
    b.events().publish(Tick(2));
    assert_eq!(on_b.recv().await, Some(Tick(2)));
    assert_eq!(on_b.try_recv(), None);
}

#[tokio::test]
async fn streams_end_when_the_system_shuts_down() {
    let system = ActorSystem::new();
    let mut ticks = system.events().subscribe::<Tick>();
    system.events().publish(Tick(1));
    system.shutdown().await;
    assert_eq!(ticks.recv().await, Some(Tick(1)), "buffered events are still delivered");
    assert_eq!(ticks.recv().await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_publisher_is_seen_in_order_by_every_subscriber() {
    let system = ActorSystem::new();
    let options = || SubscribeOptions::new().buffer(100_000).overflow(Overflow::DropNewest);
    let mut subs: Vec<_> = (0..3).map(|_| system.events().subscribe_with::<Seq>(options())).collect();
    let publishers: Vec<_> = (0..4u8)
        .map(|p| {
            let events = system.events().publisher::<Seq>();
            tokio::spawn(async move {
                for n in 0..10_000u32 {
                    events.publish(Seq(p, n));
                }
            })
        })
        .collect();
    for p in publishers {
        p.await.unwrap();
    }
    for sub in &mut subs {
        let mut next = [0u32; 4];
        for _ in 0..40_000 {
            let Seq(p, n) = sub.recv().await.unwrap();
            assert_eq!(n, next[p as usize], "publisher {p} out of order");
            next[p as usize] += 1;
        }
        assert_eq!(sub.dropped(), 0);
    }
}

#[derive(Clone, Debug)]
struct Seq(u8, u32);
impl Event for Seq {}
