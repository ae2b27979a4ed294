//! `Strategy::RestForOne`: the failed child and those started after it are
//! stopped (newest first) and started again in order; the ones started
//! before it are left alone.

use std::time::Duration;

use actor_core::events::{ActorRestarted, Subscription};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Strategy, Supervisor};
use actor_core::ActorId;

use crate::common::svc::{svc, Items, Push, Svc};
use crate::common::{Boom, Log};

/// A rest-for-one supervisor over "a", "b", "c", "d", each holding one item.
async fn abcd(system: &ActorSystem, log: &Log) -> (ActorRef<Supervisor>, Vec<ActorRef<Svc>>) {
    let mut builder =
        Supervisor::builder().strategy(Strategy::RestForOne).max_restarts(10, Duration::from_secs(60));
    for name in ["a", "b", "c", "d"] {
        builder = builder.child(ChildSpec::new(name, svc(name, log)));
    }
    let sup = builder.spawn(system).await.expect("supervisor starts");
    let mut refs = Vec::new();
    for (n, name) in ["a", "b", "c", "d"].into_iter().enumerate() {
        let child = sup.child::<Svc>(name).await.unwrap();
        child.tell(Push(n as u64 + 1)).await.unwrap();
        // Handled before the test goes on: a stop signal would overtake it.
        assert_eq!(child.ask(Items).await, Ok(vec![n as u64 + 1]));
        refs.push(child);
    }
    (sup, refs)
}

async fn restarted(facts: &mut Subscription<ActorRestarted>, n: usize) -> Vec<ActorId> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(facts.recv().await.expect("a restart fact").id);
    }
    ids
}

async fn items(refs: &[ActorRef<Svc>]) -> Vec<Vec<u64>> {
    let mut all = Vec::new();
    for child in refs {
        all.push(child.ask(Items).await.unwrap());
    }
    all
}

#[tokio::test]
async fn the_failed_child_and_those_after_it_restart() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, refs) = abcd(&system, &log).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    assert_eq!(
        refs[1].ask(Boom("b fails")).await,
        Err(AskError::Failed(StopReason::Panicked("b fails".into())))
    );
    assert_eq!(restarted(&mut facts, 3).await, [refs[1].id(), refs[2].id(), refs[3].id()]);
    assert_eq!(
        log.entries()[4..],
        [
            "b stop: panicked: b fails",
            "d stop: shutdown",
            "c stop: shutdown",
            "b start",
            "c start",
            "d start"
        ]
    );
    assert_eq!(items(&refs).await, [vec![1], vec![], vec![], vec![]], "a was left alone");
    sup.snapshot().await.unwrap();
    assert!(facts.try_recv().is_none());
    let counts: Vec<u32> = sup.snapshot().await.unwrap().children.iter().map(|c| c.restarts).collect();
    assert_eq!(counts, [0, 1, 1, 1]);
    system.shutdown().await;
}

#[tokio::test]
async fn the_last_child_failing_restarts_only_itself() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, refs) = abcd(&system, &log).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    let _ = refs[3].ask(Boom("d fails")).await;
    assert_eq!(restarted(&mut facts, 1).await, [refs[3].id()]);
    sup.snapshot().await.unwrap();
    assert!(facts.try_recv().is_none());
    assert_eq!(items(&refs).await, [vec![1], vec![2], vec![3], vec![]]);
    assert_eq!(log.entries()[4..], ["d stop: panicked: d fails", "d start"]);
    system.shutdown().await;
}

#[tokio::test]
async fn the_first_child_failing_restarts_everyone() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, refs) = abcd(&system, &log).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    let _ = refs[0].ask(Boom("a fails")).await;
    let ids: Vec<ActorId> = refs.iter().map(ActorRef::id).collect();
    assert_eq!(restarted(&mut facts, 4).await, ids);
    assert_eq!(
        log.entries()[4..],
        [
            "a stop: panicked: a fails",
            "d stop: shutdown",
            "c stop: shutdown",
            "b stop: shutdown",
            "a start",
            "b start",
            "c start",
            "d start"
        ]
    );
    assert_eq!(items(&refs).await, [vec![], vec![], vec![], vec![]]);
    system.shutdown().await;
}

#[tokio::test]
async fn the_start_order_survives_restarts() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, refs) = abcd(&system, &log).await;
    let mut facts = system.events().subscribe::<ActorRestarted>();

    let _ = refs[2].ask(Boom("c fails")).await;
    restarted(&mut facts, 2).await;
    let _ = refs[1].ask(Boom("b fails")).await;
    restarted(&mut facts, 3).await;
    let before_stop = log.entries().len();
    sup.stop();
    assert_eq!(sup.wait_for_stop().await, StopReason::Normal);
    assert_eq!(
        log.entries()[before_stop..],
        ["d stop: shutdown", "c stop: shutdown", "b stop: shutdown", "a stop: shutdown"],
        "still stopped in reverse start order"
    );
    system.shutdown().await;
}
