//! `EventProbe`: the application's events and the runtime's facts, and
//! what a failed expectation shows.

use std::time::Duration;

use actor_core::events::{ActorRestarted, ActorStarted, DeadLetter};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Supervisor};
use actor_testkit::EventProbe;

use crate::common::{panic_text, Boom, Fragile};

#[derive(Clone, Debug, PartialEq, Event)]
struct Paid {
    order: u64,
}

#[tokio::test(start_paused = true)]
async fn events_of_each_type_are_taken_in_publish_order() {
    let system = ActorSystem::new();
    let mut events = EventProbe::new(&system).subscribe::<Paid>().subscribe::<DeadLetter>();
    for order in 1..=3 {
        system.events().publish(Paid { order });
    }
    assert_eq!(events.expect_event::<Paid>().await, Paid { order: 1 });
    assert_eq!(events.expect_event_matching::<Paid>(|p| p.order == 3).await, Paid { order: 3 });
    assert_eq!(events.try_event::<Paid>(), None, "the event passed over is gone");
    events.expect_no_event::<Paid>(Duration::from_secs(10)).await;

    // A runtime fact: a message to a stopped actor.
    let idle = system.spawn(Fragile);
    idle.stop();
    idle.wait_for_stop().await;
    let _ = idle.tell(Boom("late")).await;
    let dead = events.expect_event::<DeadLetter>().await;
    assert_eq!(dead.to, idle.id());
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_supervisors_restart_is_seen_as_a_fact() {
    let system = ActorSystem::new();
    let mut events = EventProbe::new(&system).subscribe::<ActorRestarted>();
    let sup =
        Supervisor::builder().child(ChildSpec::new("w", Fragile::default)).spawn(&system).await.unwrap();
    let worker = sup.child::<Fragile>("w").await.unwrap();
    worker.tell(Boom("once")).await.unwrap();
    let restarted = events.expect_event::<ActorRestarted>().await;
    assert_eq!((restarted.id, restarted.attempt), (worker.id(), 1));
    assert_eq!(restarted.reason, StopReason::Panicked("once".into()));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn failures_show_what_was_published_instead() {
    let system = ActorSystem::new();
    let mut events = EventProbe::new(&system)
        .with_timeout(Duration::from_millis(500))
        .subscribe::<Paid>()
        .subscribe::<ActorStarted>();
    system.events().publish(Paid { order: 1 });
    let text = panic_text(events.expect_event_matching::<Paid>(|p| p.order == 2)).await;
    assert!(text.contains("no match within 500ms; passed over: [Paid { order: 1 }]"), "{text}");
    assert!(text.contains("tests/kit/event_probe.rs:"), "names the caller: {text}");

    system.spawn(Fragile);
    let text = panic_text(events.expect_event::<Paid>()).await;
    assert!(text.contains("EventProbe::expect_event::<"), "{text}");
    assert!(text.contains("none within 500ms"), "{text}");
    assert!(text.contains("ActorStarted`: [\"ActorStarted {"), "{text}");

    system.events().publish(Paid { order: 9 });
    let text = panic_text(events.expect_no_event::<Paid>(Duration::from_secs(1))).await;
    assert!(text.contains("expected none for 1s, got Paid { order: 9 }"), "{text}");
    system.shutdown().await;
}

#[tokio::test]
async fn an_unsubscribed_type_is_a_clear_mistake() {
    let system = ActorSystem::new();
    let mut events = EventProbe::new(&system);
    let text = panic_text(events.expect_event::<Paid>()).await;
    assert!(text.contains("the probe is not subscribed to"), "{text}");
    assert!(text.contains("call `.subscribe::<"), "{text}");
    system.shutdown().await;
}
