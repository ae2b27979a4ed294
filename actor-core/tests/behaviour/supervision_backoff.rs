//! Exponential back-off between restarts of one child, measured with
//! paused time: restarts wait `min`, `2·min`, ... at most `max`; messages
//! sent meanwhile wait in the mailbox; a quiet run resets the delay.

use std::time::Duration;

use actor_core::events::{ActorRestarted, Subscription};
use actor_core::prelude::*;
use actor_core::supervision::{Backoff, ChildSpec, Supervisor};
use tokio::time::Instant;

use crate::common::flaky::{flaky, Flaky, Incarnation};
use crate::common::svc::{svc, Items, Push, Svc};
use crate::common::{Boom, Log};

const MS: Duration = Duration::from_millis(1);

/// A supervisor over a plain sibling "a" and "x" with the given back-off.
async fn with_backoff(
    system: &ActorSystem,
    log: &Log,
    backoff: Backoff,
) -> (ActorRef<Supervisor>, ActorRef<Svc>, Subscription<ActorRestarted>) {
    let sup = Supervisor::builder()
        .max_restarts(100, Duration::from_secs(60))
        .child(ChildSpec::new("a", svc("a", log)))
        .child(ChildSpec::new("x", svc("x", log)).backoff(backoff))
        .spawn(system)
        .await
        .expect("supervisor starts");
    let x = sup.child::<Svc>("x").await.unwrap();
    (sup, x, system.events().subscribe::<ActorRestarted>())
}

/// Fails `x` and returns how long its restart took.
async fn fail_and_time(x: &ActorRef<Svc>, facts: &mut Subscription<ActorRestarted>) -> Duration {
    let failed_at = Instant::now();
    x.tell(Boom("again")).await.unwrap();
    facts.recv().await.expect("restarted");
    failed_at.elapsed()
}

fn assert_about(took: Duration, expected: Duration) {
    assert!(took >= expected && took < expected + 5 * MS, "waited {took:?}, expected {expected:?}");
}

#[tokio::test(start_paused = true)]
async fn restarts_wait_min_then_double_up_to_max() {
    let system = ActorSystem::new();
    let log = Log::default();
    let backoff = Backoff::exponential(100 * MS, Duration::from_secs(1));
    let (_sup, x, mut facts) = with_backoff(&system, &log, backoff).await;
    for expected in [100, 200, 400, 800, 1000, 1000, 1000] {
        let took = fail_and_time(&x, &mut facts).await;
        assert_about(took, expected * MS);
    }
    assert_eq!(x.ask(Items).await, Ok(vec![]));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn messages_sent_during_the_back_off_wait_in_the_mailbox() {
    let system = ActorSystem::new();
    let log = Log::default();
    let backoff = Backoff::exponential(Duration::from_secs(1), Duration::from_secs(10));
    let (sup, x, _facts) = with_backoff(&system, &log, backoff).await;
    let a = sup.child::<Svc>("a").await.unwrap();

    let failed_at = Instant::now();
    x.tell(Boom("down for a while")).await.unwrap();
    for n in 1..=3 {
        x.tell(Push(n)).await.expect("the mailbox stays open");
    }
    tokio::time::sleep(500 * MS).await;
    assert!(x.is_alive());
    assert_eq!(x.mailbox_len(), Some(3), "waiting, not handled, not dropped");
    assert_eq!(log.entries()[2..], ["x stop: panicked: down for a while"], "not restarted yet");
    a.tell(Push(9)).await.unwrap();
    assert_eq!(a.ask(Items).await, Ok(vec![9]), "the sibling serves meanwhile");

    assert_eq!(x.ask(Items).await, Ok(vec![1, 2, 3]), "handled by the new instance, in order");
    assert_about(failed_at.elapsed(), Duration::from_secs(1));
    assert_eq!(system.dead_letter_count(), 0);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_quiet_period_resets_the_delay() {
    let system = ActorSystem::new();
    let log = Log::default();
    let backoff = Backoff::exponential(100 * MS, Duration::from_secs(1)).reset_after(Duration::from_secs(5));
    let (_sup, x, mut facts) = with_backoff(&system, &log, backoff).await;
    assert_about(fail_and_time(&x, &mut facts).await, 100 * MS);
    assert_about(fail_and_time(&x, &mut facts).await, 200 * MS);
    assert_about(fail_and_time(&x, &mut facts).await, 400 * MS);
    tokio::time::sleep(Duration::from_secs(4)).await; // not quiet long enough
    assert_about(fail_and_time(&x, &mut facts).await, 800 * MS);
    tokio::time::sleep(Duration::from_secs(6)).await; // quiet long enough
    assert_about(fail_and_time(&x, &mut facts).await, 100 * MS);
    assert_about(fail_and_time(&x, &mut facts).await, 200 * MS);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn by_default_the_delay_resets_after_twice_max() {
    let system = ActorSystem::new();
    let log = Log::default();
    let backoff = Backoff::exponential(100 * MS, 400 * MS);
    let (_sup, x, mut facts) = with_backoff(&system, &log, backoff).await;
    assert_about(fail_and_time(&x, &mut facts).await, 100 * MS);
    assert_about(fail_and_time(&x, &mut facts).await, 200 * MS);
    tokio::time::sleep(700 * MS).await;
    assert_about(fail_and_time(&x, &mut facts).await, 400 * MS);
    tokio::time::sleep(900 * MS).await;
    assert_about(fail_and_time(&x, &mut facts).await, 100 * MS);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn jitter_only_stretches_the_delay_within_its_fraction() {
    let system = ActorSystem::new();
    let log = Log::default();
    let backoff = Backoff::exponential(Duration::from_secs(1), Duration::from_secs(1)).jitter(0.5);
    let (_sup, x, mut facts) = with_backoff(&system, &log, backoff).await;
    for _ in 0..5 {
        let took = fail_and_time(&x, &mut facts).await;
        assert!(took >= Duration::from_secs(1) && took <= 1500 * MS + 5 * MS, "waited {took:?}");
    }
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_restart_waits_again_with_the_next_delay() {
    let system = ActorSystem::new();
    let factory = flaky(&[2, 3]);
    let sup = Supervisor::builder()
        .max_restarts(10, Duration::from_secs(60))
        .child(
            ChildSpec::new("flaky", factory).backoff(Backoff::exponential(100 * MS, Duration::from_secs(10))),
        )
        .spawn(&system)
        .await
        .unwrap();
    let child = sup.child::<Flaky>("flaky").await.unwrap();
    let mut facts = system.events().subscribe::<ActorRestarted>();
    let failed_at = Instant::now();
    child.tell(Boom("crash")).await.unwrap();
    facts.recv().await.unwrap();
    // 100 ms, start 2 fails; 200 ms, start 3 fails; 400 ms, start 4 runs.
    assert_about(failed_at.elapsed(), 700 * MS);
    assert_eq!(child.ask(Incarnation).await, Ok(4));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]

async fn failed_restarts_after_a_quiet_run_still_double_the_delay() {
    let system = ActorSystem::new();
    let factory = flaky(&[2, 3]);
    let backoff = Backoff::exponential(100 * MS, Duration::from_secs(10)).reset_after(Duration::from_secs(5));
    let sup = Supervisor::builder()
        .max_restarts(10, Duration::from_secs(60))
        .child(ChildSpec::new("flaky", factory).backoff(backoff))
        .spawn(&system)
        .await
        .unwrap();
    let child = sup.child::<Flaky>("flaky").await.unwrap();
    let mut facts = system.events().subscribe::<ActorRestarted>();
    tokio::time::sleep(Duration::from_secs(60)).await; // a long quiet run: the delay starts again from min
    let failed_at = Instant::now();
    child.tell(Boom("crash")).await.unwrap();
    facts.recv().await.unwrap();
    // 100 ms, start 2 fails; 200 ms, start 3 fails; 400 ms, start 4 runs.
    assert_about(failed_at.elapsed(), 700 * MS);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn stopping_the_supervisor_does_not_wait_for_a_pending_restart() {
    let system = ActorSystem::new();
    let log = Log::default();
    let backoff = Backoff::exponential(Duration::from_secs(3600), Duration::from_secs(3600));
    let (sup, x, mut facts) = with_backoff(&system, &log, backoff).await;
    x.tell(Boom("gone")).await.unwrap();
    x.tell(Push(1)).await.unwrap();
    let waiting = x.ask(Items);
    let began = Instant::now();
    let (reply, _) = tokio::join!(waiting, async {
        tokio::time::sleep(Duration::from_secs(1)).await; // within the back-off
        sup.stop();
        sup.wait_for_stop().await
    });
    assert_eq!(
        reply,
        Err(AskError::Stopped(Some(StopReason::Panicked("gone".into())))),
        "the waiting ask is told"
    );
    assert!(began.elapsed() < Duration::from_secs(2), "took {:?}", began.elapsed());
    assert_eq!(x.wait_for_stop().await, StopReason::Panicked("gone".into()));
    assert!(facts.try_recv().is_none(), "never restarted");
    assert_eq!(system.dead_letter_count(), 2, "the queued tell and ask");
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn restarts_behind_a_back_off_still_count_against_the_intensity() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(2, Duration::from_secs(60))
        .child(
            ChildSpec::new("x", svc("x", &log))
                .backoff(Backoff::exponential(100 * MS, Duration::from_secs(1))),
        )
        .spawn(&system)
        .await
        .unwrap();
    let x = sup.child::<Svc>("x").await.unwrap();
    let mut facts = system.events().subscribe::<ActorRestarted>();
    fail_and_time(&x, &mut facts).await;
    fail_and_time(&x, &mut facts).await;
    let failed_at = Instant::now();
    x.tell(Boom("third")).await.unwrap();
    assert_eq!(sup.wait_for_stop().await, StopReason::Escalated);
    assert_eq!(failed_at.elapsed(), Duration::ZERO, "escalated at once, not after a delay");
}
