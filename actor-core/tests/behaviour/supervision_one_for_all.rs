//! `Strategy::OneForAll`: when one child stops, the others are stopped in
//! reverse start order, then all start again in order. Temporary siblings
//! are not restarted (and are forgotten); a stop that needs no restart
//! touches no one.

use std::time::Duration;

use actor_core::events::ActorRestarted;
use actor_core::events::Subscription;
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Restart, Shutdown, Strategy, Supervisor, SupervisorError};
use actor_core::ActorId;

use crate::common::svc::{svc, Items, Push, Svc};
use crate::common::{block, Boom, Log};

fn builder() -> actor_core::supervision::SupervisorBuilder {
    Supervisor::builder().strategy(Strategy::OneForAll).max_restarts(10, Duration::from_secs(60))
}

/// The ids of the next `n` restart facts.
async fn restarted(facts: &mut Subscription<ActorRestarted>, n: usize) -> Vec<ActorId> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(facts.recv().await.expect("a restart fact").id);
    }
    ids
}

async fn children(sup: &ActorRef<Supervisor>, names: &[&str]) -> Vec<ActorRef<Svc>> {
    let mut refs = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let child = sup.child::<Svc>(name).await.unwrap();
        child.tell(Push(n as u64 + 1)).await.unwrap();
        // Handled before the test goes on: a stop signal would overtake it.
        assert_eq!(child.ask(Items).await, Ok(vec![n as u64 + 1]));
        refs.push(child);
    }
    refs
}

#[tokio::test]
async fn others_stop_newest_first_then_all_start_in_order() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = builder()
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(ChildSpec::new("b", svc("b", &log)))
        .child(ChildSpec::new("c", svc("c", &log)))
        .child(ChildSpec::new("d", svc("d", &log)))
        .spawn(&system)
        .await
        .unwrap();
    let refs = children(&sup, &["a", "b", "c", "d"]).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    assert_eq!(
        refs[1].ask(Boom("b fails")).await,
        Err(AskError::Failed(StopReason::Panicked("b fails".into())))
    );
    let ids: Vec<ActorId> = refs.iter().map(ActorRef::id).collect();
    assert_eq!(restarted(&mut facts, 4).await, ids, "all four restarted, in start order");
    assert_eq!(
        log.entries()[4..],
        [
            "b stop: panicked: b fails",
            "d stop: shutdown",
            "c stop: shutdown",
            "a stop: shutdown",
            "a start",
            "b start",
            "c start",
            "d start"
        ]
    );
    for (child, id) in refs.iter().zip(&ids) {
        assert_eq!(child.id(), *id, "same addresses");
        assert_eq!(child.ask(Items).await, Ok(vec![]), "every child is fresh");
    }
    let counts: Vec<u32> = sup.snapshot().await.unwrap().children.iter().map(|c| c.restarts).collect();
    assert_eq!(counts, [1, 1, 1, 1]);
    system.shutdown().await;
}

#[tokio::test]
async fn the_first_or_the_last_child_failing_restarts_all_too() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = builder()
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(ChildSpec::new("b", svc("b", &log)))
        .child(ChildSpec::new("c", svc("c", &log)))
        .spawn(&system)
        .await
        .unwrap();
    let refs = children(&sup, &["a", "b", "c"]).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    let _ = refs[2].ask(Boom("last")).await;
    restarted(&mut facts, 3).await;
    let _ = refs[0].ask(Boom("first")).await;
    restarted(&mut facts, 3).await;
    assert_eq!(
        log.entries()[3..],
        [
            "c stop: panicked: last",
            "b stop: shutdown",
            "a stop: shutdown",
            "a start",
            "b start",
            "c start",
            "a stop: panicked: first",
            "c stop: shutdown",
            "b stop: shutdown",
            "a start",
            "b start",
            "c start",
        ]
    );
    system.shutdown().await;
}

#[tokio::test]
async fn temporary_siblings_are_stopped_and_forgotten_transient_ones_restarted() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = builder()
        .child(ChildSpec::new("tmp", svc("tmp", &log)).restart(Restart::Temporary))
        .child(ChildSpec::new("b", svc("b", &log)))
        .child(ChildSpec::new("tr", svc("tr", &log)).restart(Restart::Transient))
        .spawn(&system)
        .await
        .unwrap();
    let refs = children(&sup, &["tmp", "b", "tr"]).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    let _ = refs[1].ask(Boom("b fails")).await;
    assert_eq!(restarted(&mut facts, 2).await, [refs[1].id(), refs[2].id()]);
    assert_eq!(refs[0].wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(
        sup.child::<Svc>("tmp").await.unwrap_err(),
        SupervisorError::NoSuchChild("tmp".into()),
        "a temporary child is not restarted and its spec is forgotten"
    );
    assert_eq!(refs[2].ask(Items).await, Ok(vec![]), "the transient sibling was restarted");
    assert_eq!(
        log.entries()[3..],
        ["b stop: panicked: b fails", "tr stop: shutdown", "tmp stop: shutdown", "b start", "tr start"]
    );
    system.shutdown().await;
}

#[tokio::test]
async fn a_stop_that_needs_no_restart_leaves_the_others_alone() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = builder()
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(ChildSpec::new("tr", svc("tr", &log)).restart(Restart::Transient))
        .child(ChildSpec::new("c", svc("c", &log)))
        .spawn(&system)
        .await
        .unwrap();
    let refs = children(&sup, &["a", "tr", "c"]).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    refs[1].stop();
    refs[1].wait_for_stop().await;
    sup.snapshot().await.unwrap(); // the supervisor has dealt with it
    assert!(facts.try_recv().is_none(), "nobody restarted");
    assert_eq!(refs[0].ask(Items).await, Ok(vec![1]));
    assert_eq!(refs[2].ask(Items).await, Ok(vec![3]));
    assert_eq!(log.entries()[3..], ["tr stop: normal"]);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_sibling_stuck_in_a_handler_is_killed_after_its_timeout_and_keeps_its_mailbox() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = builder()
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(
            ChildSpec::new("stuck", svc("stuck", &log)).shutdown(Shutdown::Timeout(Duration::from_secs(2))),
        )
        .spawn(&system)
        .await
        .unwrap();
    let refs = children(&sup, &["a", "stuck"]).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    let _never_released = block(&refs[1]).await;
    refs[1].tell(Push(7)).await.unwrap();
    refs[1].tell(Push(8)).await.unwrap();
    let failed_at = tokio::time::Instant::now();
    refs[0].tell(Boom("a fails")).await.unwrap();
    restarted(&mut facts, 2).await;
    let waited = failed_at.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "killed after its 2 s shutdown timeout, waited {waited:?}"
    );
    assert_eq!(
        refs[1].ask(Items).await,
        Ok(vec![7, 8]),
        "messages queued in the stuck sibling reach its new instance"
    );
    assert_eq!(log.entries()[2..], ["a stop: panicked: a fails", "a start", "stuck start"]);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_brutal_sibling_is_killed_at_once_in_a_group_restart() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = builder()
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(ChildSpec::new("brutal", svc("brutal", &log)).shutdown(Shutdown::Brutal))
        .spawn(&system)
        .await
        .unwrap();
    let refs = children(&sup, &["a", "brutal"]).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();
    let _busy = block(&refs[1]).await; // a graceful stop would wait for this
    let failed_at = tokio::time::Instant::now();
    refs[0].tell(Boom("a fails")).await.unwrap();
    restarted(&mut facts, 2).await;
    assert_eq!(failed_at.elapsed(), Duration::ZERO);
    assert_eq!(
        log.entries()[2..],
        ["a stop: panicked: a fails", "a start", "brutal start"],
        "brutal's on_stop did not run"
    );
    system.shutdown().await;
}
