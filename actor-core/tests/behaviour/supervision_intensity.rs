//! Restart intensity, a sliding window: more than `max` restarts within
//! `within` stops every child (newest first) and then the supervisor, with
//! `StopReason::Escalated` and a `SupervisorEscalated` fact. Restarts older
//! than the window are forgotten; a group restart counts once; each failed
//! restart attempt counts again.

use std::time::Duration;

use actor_core::events::{ActorRestarted, SupervisorEscalated};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Strategy, Supervisor, SupervisorError};
use actor_testkit::EventProbe;

use crate::common::flaky::{flaky, Flaky, Incarnation};
use crate::common::svc::{svc, Svc};
use crate::common::{Boom, Log};

/// One-for-one over "a", "b", "c", at most `max` restarts within 10 s.
async fn abc(system: &ActorSystem, log: &Log, max: u32) -> (ActorRef<Supervisor>, [ActorRef<Svc>; 3]) {
    let sup = Supervisor::builder()
        .max_restarts(max, Duration::from_secs(10))
        .child(ChildSpec::new("a", svc("a", log)))
        .child(ChildSpec::new("b", svc("b", log)))
        .child(ChildSpec::new("c", svc("c", log)))
        .spawn(system)
        .await
        .expect("supervisor starts");
    let a = sup.child::<Svc>("a").await.unwrap();
    let b = sup.child::<Svc>("b").await.unwrap();
    let c = sup.child::<Svc>("c").await.unwrap();
    (sup, [a, b, c])
}

#[tokio::test(start_paused = true)]
async fn more_than_max_restarts_escalates_stopping_children_newest_first() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, [a, b, c]) = abc(&system, &log, 2).await;
    let mut restarts = EventProbe::new(&system).subscribe::<ActorRestarted>();
    let mut escalations = EventProbe::new(&system).subscribe::<SupervisorEscalated>();

    for n in 1..=2 {
        let _ = b.ask(Boom("b fails")).await;
        assert_eq!(
            restarts.expect_event::<ActorRestarted>().await.attempt,
            n,
            "restart {n} is within the intensity"
        );
    }
    assert!(sup.is_alive());
    let _ = b.ask(Boom("once too often")).await;

    assert_eq!(sup.wait_for_stop().await, StopReason::Escalated);
    let fact = escalations.expect_event::<SupervisorEscalated>().await;
    assert_eq!((fact.id, fact.reason), (sup.id(), StopReason::Panicked("once too often".into())));
    assert!(restarts.try_event::<ActorRestarted>().is_none(), "no third restart");
    assert_eq!(
        log.entries()[7..],
        ["b stop: panicked: once too often", "c stop: shutdown", "a stop: shutdown"],
        "the others stopped newest first"
    );
    assert_eq!(a.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(b.wait_for_stop().await, StopReason::Panicked("once too often".into()));
    assert_eq!(c.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(system.actor_count(), 0);
    assert_eq!(sup.child::<Svc>("a").await.unwrap_err(), SupervisorError::Stopped);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn zero_restarts_allowed_escalates_on_the_first_failure() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, [_a, b, _c]) = abc(&system, &log, 0).await;
    let mut escalations = EventProbe::new(&system).subscribe::<SupervisorEscalated>();
    b.stop(); // even a normal stop of a permanent child needs a restart
    assert_eq!(sup.wait_for_stop().await, StopReason::Escalated);
    assert_eq!(escalations.expect_event::<SupervisorEscalated>().await.reason, StopReason::Normal);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn restarts_older_than_the_window_are_forgotten() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, [_a, b, _c]) = abc(&system, &log, 2).await;
    let mut restarts = EventProbe::new(&system).subscribe::<ActorRestarted>();

    // One failure every 6 s: never more than two within 10 s.
    for n in 1..=6 {
        let _ = b.ask(Boom("steady")).await;
        assert_eq!(restarts.expect_event::<ActorRestarted>().await.attempt, n);
        tokio::time::advance(Duration::from_secs(6)).await;
    }
    assert!(sup.is_alive(), "six restarts, but at most two in any 10 s");
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_window_slides_with_each_restart() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, [_a, b, _c]) = abc(&system, &log, 2).await;
    let mut restarts = EventProbe::new(&system).subscribe::<ActorRestarted>();

    // At 8, 12 and 16 s: a window fixed at 0-10 s, 10-20 s would see at
    // most two; the sliding one sees three within 10 s.
    tokio::time::advance(Duration::from_secs(8)).await;
    let _ = b.ask(Boom("at 8 s")).await;
    restarts.expect_event::<ActorRestarted>().await;
    tokio::time::advance(Duration::from_secs(4)).await;
    let _ = b.ask(Boom("at 12 s")).await;
    restarts.expect_event::<ActorRestarted>().await;
    tokio::time::advance(Duration::from_secs(4)).await;
    let _ = b.ask(Boom("at 16 s")).await;
    assert_eq!(sup.wait_for_stop().await, StopReason::Escalated, "three restarts within 10 s");
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_group_restart_counts_once() {
    for strategy in [Strategy::OneForAll, Strategy::RestForOne] {
        let system = ActorSystem::new();
        let log = Log::default();
        let sup = Supervisor::builder()
            .strategy(strategy)
            .max_restarts(1, Duration::from_secs(10))
            .child(ChildSpec::new("a", svc("a", &log)))
            .child(ChildSpec::new("b", svc("b", &log)))
            .child(ChildSpec::new("c", svc("c", &log)))
            .spawn(&system)
            .await
            .unwrap();
        let a = sup.child::<Svc>("a").await.unwrap();
        let mut restarts = EventProbe::new(&system).subscribe::<ActorRestarted>();

        let _ = a.ask(Boom("first")).await;
        for _ in 0..3 {
            restarts.expect_event::<ActorRestarted>().await;
        }
        sup.snapshot().await.expect("three children restarted, one restart counted");
        assert!(sup.is_alive(), "{strategy:?}");

        let _ = a.ask(Boom("second")).await;
        assert_eq!(
            sup.wait_for_stop().await,
            StopReason::Escalated,
            "{strategy:?}: the second one exceeds 1"
        );
        system.shutdown().await;
    }
}

/// The child "flaky", failing the starts listed in `fail`.
fn flaky_child(fail: &'static [u32]) -> ChildSpec {
    ChildSpec::new("flaky", flaky(fail))
}

#[tokio::test(start_paused = true)]
async fn failed_restart_attempts_are_retried_and_each_counts() {
    let system = ActorSystem::new();
    // A crash and two failed restarts: three restarts, within 3.
    let sup = Supervisor::builder()
        .max_restarts(3, Duration::from_secs(10))
        .child(flaky_child(&[2, 3]))
        .spawn(&system)
        .await
        .unwrap();
    let child = sup.child::<Flaky>("flaky").await.unwrap();
    let mut restarts = EventProbe::new(&system).subscribe::<ActorRestarted>();
    let _ = child.ask(Boom("crash")).await;
    restarts.expect_event::<ActorRestarted>().await;
    assert_eq!(child.ask(Incarnation).await, Ok(4), "retried until a start succeeded");
    assert!(sup.is_alive());
    assert_eq!(sup.snapshot().await.unwrap().children[0].restarts, 3, "three attempts");
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn failed_restart_attempts_can_exceed_the_intensity() {
    let system = ActorSystem::new();
    // A crash and two failed restarts: three restarts, more than 2.
    let sup = Supervisor::builder()
        .max_restarts(2, Duration::from_secs(10))
        .child(flaky_child(&[2, 3]))
        .spawn(&system)
        .await
        .unwrap();
    let child = sup.child::<Flaky>("flaky").await.unwrap();
    let mut escalations = EventProbe::new(&system).subscribe::<SupervisorEscalated>();
    let _ = child.ask(Boom("crash")).await;
    assert_eq!(sup.wait_for_stop().await, StopReason::Escalated);
    let fact = escalations.expect_event::<SupervisorEscalated>().await;
    assert_eq!(fact.reason, StopReason::StartFailed(ActorError::msg("start 3 failed")));
    assert_eq!(child.wait_for_stop().await, StopReason::StartFailed(ActorError::msg("start 3 failed")));
    system.shutdown().await;
}
