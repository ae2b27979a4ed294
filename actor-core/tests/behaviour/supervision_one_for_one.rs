//! `Strategy::OneForOne`: only the child that stopped is restarted; its
//! siblings keep running, with their state, untouched.

use std::time::Duration;

use actor_core::events::ActorRestarted;
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Strategy, Supervisor};

use crate::common::svc::{svc, Items, Push, Svc};
use crate::common::{Boom, Log};

/// A one-for-one supervisor over "a", "b" and "c", each holding one item.
async fn abc(system: &ActorSystem, log: &Log) -> (ActorRef<Supervisor>, [ActorRef<Svc>; 3]) {
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForOne)
        .max_restarts(10, Duration::from_secs(60))
        .child(ChildSpec::new("a", svc("a", log)))
        .child(ChildSpec::new("b", svc("b", log)))
        .child(ChildSpec::new("c", svc("c", log)))
        .spawn(system)
        .await
        .expect("supervisor starts");
    let a = sup.child::<Svc>("a").await.unwrap();
    let b = sup.child::<Svc>("b").await.unwrap();
    let c = sup.child::<Svc>("c").await.unwrap();
    for (n, child) in [&a, &b, &c].into_iter().enumerate() {
        child.tell(Push(n as u64 + 1)).await.unwrap();
        // Handled before the test goes on: a stop signal would overtake it.
        assert_eq!(child.ask(Items).await, Ok(vec![n as u64 + 1]));
    }
    (sup, [a, b, c])
}

#[tokio::test]
async fn only_the_failed_child_is_restarted() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, [a, b, c]) = abc(&system, &log).await;
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    assert_eq!(b.ask(Boom("b fails")).await, Err(AskError::Failed(StopReason::Panicked("b fails".into()))));
    let fact = restarts.recv().await.unwrap();
    assert_eq!((fact.id, fact.attempt), (b.id(), 1));

    assert_eq!(b.ask(Items).await, Ok(vec![]), "b is fresh");
    assert_eq!(a.ask(Items).await, Ok(vec![1]), "a kept its state");
    assert_eq!(c.ask(Items).await, Ok(vec![3]), "c kept its state");
    assert_eq!(log.entries(), ["a start", "b start", "c start", "b stop: panicked: b fails", "b start"]);
    sup.snapshot().await.unwrap(); // the supervisor is done handling the failure
    assert!(restarts.try_recv().is_none(), "only b was restarted");
    let counts: Vec<u32> = sup.snapshot().await.unwrap().children.iter().map(|c| c.restarts).collect();
    assert_eq!(counts, [0, 1, 0]);
    system.shutdown().await;
}

#[tokio::test]
async fn failures_of_different_children_restart_each_alone() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, [a, b, c]) = abc(&system, &log).await;
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    let _ = c.ask(Boom("c fails")).await;
    assert_eq!(restarts.recv().await.unwrap().id, c.id());
    let _ = a.ask(Boom("a fails")).await;
    assert_eq!(restarts.recv().await.unwrap().id, a.id());

    assert_eq!(a.ask(Items).await, Ok(vec![]));
    assert_eq!(b.ask(Items).await, Ok(vec![2]), "b was never touched");
    assert_eq!(c.ask(Items).await, Ok(vec![]));
    assert_eq!(
        log.entries(),
        [
            "a start",
            "b start",
            "c start",
            "c stop: panicked: c fails",
            "c start",
            "a stop: panicked: a fails",
            "a start"
        ]
    );
    assert!(sup.is_alive());
    system.shutdown().await;
}

#[tokio::test]
async fn a_normal_stop_of_a_permanent_child_restarts_only_it() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, [a, b, c]) = abc(&system, &log).await;
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    b.stop();
    let fact = restarts.recv().await.unwrap();
    assert_eq!((fact.id, fact.reason), (b.id(), StopReason::Normal));
    assert_eq!(b.ask(Items).await, Ok(vec![]));
    assert_eq!(a.ask(Items).await, Ok(vec![1]));
    assert_eq!(c.ask(Items).await, Ok(vec![3]));
    assert_eq!(log.entries(), ["a start", "b start", "c start", "b stop: normal", "b start"]);
    system.shutdown().await;
}

#[tokio::test]
async fn siblings_answer_while_a_child_fails_repeatedly() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, [a, b, c]) = abc(&system, &log).await;
    let mut restarts = system.events().subscribe::<ActorRestarted>();
    for round in 1..=5u32 {
        b.tell(Boom("again")).await.unwrap();
        a.tell(Push(u64::from(round) * 10)).await.unwrap();
        assert_eq!(restarts.recv().await.unwrap().attempt, round);
    }
    assert_eq!(a.ask(Items).await, Ok(vec![1, 10, 20, 30, 40, 50]));
    assert_eq!(c.ask(Items).await, Ok(vec![3]));
    assert!(sup.is_alive(), "five restarts are within 10 per minute");
    system.shutdown().await;
}
