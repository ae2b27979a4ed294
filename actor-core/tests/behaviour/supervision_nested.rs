//! Nested supervisors (`ChildSpec::supervisor`): a supervisor that exceeds
//! its intensity stops with `Escalated`, which its parent handles as a
//! failure of that child: it restarts the nested tree from its builder, or
//! escalates in turn.

use std::time::Duration;

use actor_core::events::{ActorRestarted, SupervisorEscalated};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Shutdown, Supervisor, SupervisorBuilder};
use actor_testkit::EventProbe;

use crate::common::svc::{svc, Items, Push, Svc};
use crate::common::{Boom, Log};

/// An inner supervisor over "w1" and "w2" that allows one restart per minute.
fn inner(log: &Log) -> impl Fn() -> SupervisorBuilder + Send + Sync + 'static {
    let log = log.clone();
    move || {
        Supervisor::builder()
            .max_restarts(1, Duration::from_secs(60))
            .child(ChildSpec::new("w1", svc("w1", &log)))
            .child(ChildSpec::new("w2", svc("w2", &log)))
    }
}

/// root → { leaf, inner → { w1, w2 } }; the root allows `max` restarts.
async fn tree(system: &ActorSystem, log: &Log, max: u32) -> ActorRef<Supervisor> {
    Supervisor::builder()
        .max_restarts(max, Duration::from_secs(60))
        .child(ChildSpec::new("leaf", svc("leaf", log)))
        .child(ChildSpec::supervisor("inner", inner(log)))
        .spawn(system)
        .await
        .expect("the tree starts")
}

#[tokio::test]
async fn a_nested_tree_starts_depth_first_in_order() {
    let system = ActorSystem::new();
    let log = Log::default();
    let root = tree(&system, &log, 5).await;
    assert_eq!(log.entries(), ["leaf start", "w1 start", "w2 start"]);
    let inner = root.child::<Supervisor>("inner").await.unwrap();
    let w2 = inner.child::<Svc>("w2").await.unwrap();
    w2.tell(Push(2)).await.unwrap();
    assert_eq!(w2.ask(Items).await, Ok(vec![2]));
    system.shutdown().await;
}

#[tokio::test]
async fn a_nested_supervisor_restarts_its_own_children_without_the_parent() {
    let system = ActorSystem::new();
    let log = Log::default();
    let root = tree(&system, &log, 5).await;
    let inner = root.child::<Supervisor>("inner").await.unwrap();
    let w2 = inner.child::<Svc>("w2").await.unwrap();
    let mut restarts = EventProbe::new(&system).subscribe::<ActorRestarted>();

    let _ = w2.ask(Boom("once")).await;
    assert_eq!(restarts.expect_event::<ActorRestarted>().await.id, w2.id());
    root.snapshot().await.unwrap();
    assert!(restarts.try_event::<ActorRestarted>().is_none(), "the root had nothing to do");
    let snap = root.snapshot().await.unwrap();
    assert_eq!(snap.children[1].restarts, 0, "inner was not restarted");
    assert_eq!(snap.children[1].children[1].restarts, 1, "w2 was");
    system.shutdown().await;
}

#[tokio::test]
async fn escalation_is_a_child_failure_for_the_parent_which_restarts_the_nested_tree() {
    let system = ActorSystem::new();
    let log = Log::default();
    let root = tree(&system, &log, 5).await;
    let leaf = root.child::<Svc>("leaf").await.unwrap();
    leaf.tell(Push(1)).await.unwrap();
    let inner = root.child::<Supervisor>("inner").await.unwrap();
    let old_w1 = inner.child::<Svc>("w1").await.unwrap();
    let old_w2 = inner.child::<Svc>("w2").await.unwrap();
    let mut restarts = EventProbe::new(&system).subscribe::<ActorRestarted>();
    let mut escalations = EventProbe::new(&system).subscribe::<SupervisorEscalated>();

    let _ = old_w2.ask(Boom("first")).await;
    assert_eq!(restarts.expect_event::<ActorRestarted>().await.id, old_w2.id());
    let _ = old_w2.ask(Boom("second")).await; // more than 1 restart: inner gives up

    let escalated = escalations.expect_event::<SupervisorEscalated>().await;
    assert_eq!((escalated.id, escalated.reason), (inner.id(), StopReason::Panicked("second".into())));
    let restarted = restarts.expect_event::<ActorRestarted>().await;
    assert_eq!(
        (restarted.id, restarted.attempt, restarted.reason),
        (inner.id(), 1, StopReason::Escalated),
        "the root restarted inner"
    );
    assert_eq!(
        log.entries()[3..],
        [
            "w2 stop: panicked: first",
            "w2 start",
            "w2 stop: panicked: second",
            "w1 stop: shutdown",
            "w1 start",
            "w2 start"
        ],
        "inner stopped its children newest first, then was rebuilt from its builder"
    );
    assert!(inner.is_alive(), "inner keeps its address");
    assert_eq!(root.child::<Supervisor>("inner").await.unwrap(), inner);
    let new_w2 = inner.child::<Svc>("w2").await.unwrap();
    assert_ne!(new_w2.id(), old_w2.id(), "the nested tree is new");
    assert_eq!(old_w1.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(old_w2.wait_for_stop().await, StopReason::Panicked("second".into()));
    assert_eq!(new_w2.ask(Items).await, Ok(vec![]));
    assert_eq!(leaf.ask(Items).await, Ok(vec![1]), "the sibling was not touched");
    assert!(root.is_alive());

    // The new inner supervisor has a fresh intensity budget.
    let _ = new_w2.ask(Boom("third")).await;
    assert_eq!(restarts.expect_event::<ActorRestarted>().await.id, new_w2.id());
    assert!(escalations.try_event::<SupervisorEscalated>().is_none());
    system.shutdown().await;
}

#[tokio::test]
async fn escalation_climbs_the_tree_when_the_parent_gives_up_too() {
    let system = ActorSystem::new();
    let log = Log::default();
    let root = tree(&system, &log, 0).await;
    let leaf = root.child::<Svc>("leaf").await.unwrap();
    let inner = root.child::<Supervisor>("inner").await.unwrap();
    let w1 = inner.child::<Svc>("w1").await.unwrap();
    let mut escalations = EventProbe::new(&system).subscribe::<SupervisorEscalated>();
    let mut restarts = EventProbe::new(&system).subscribe::<ActorRestarted>();

    let _ = w1.ask(Boom("first")).await;
    restarts.expect_event::<ActorRestarted>().await;
    let _ = w1.ask(Boom("second")).await;

    assert_eq!(root.wait_for_stop().await, StopReason::Escalated);
    let first = escalations.expect_event::<SupervisorEscalated>().await;
    assert_eq!((first.id, first.reason), (inner.id(), StopReason::Panicked("second".into())));
    let second = escalations.expect_event::<SupervisorEscalated>().await;
    assert_eq!((second.id, second.reason), (root.id(), StopReason::Escalated));
    assert_eq!(inner.wait_for_stop().await, StopReason::Escalated);
    assert_eq!(leaf.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(
        log.entries()[3..],
        [
            "w1 stop: panicked: first",
            "w1 start",
            "w1 stop: panicked: second",
            "w2 stop: shutdown",
            "leaf stop: shutdown"
        ]
    );
    assert_eq!(system.actor_count(), 0);
    system.shutdown().await;
}

#[tokio::test]
async fn stopping_the_root_stops_the_tree_depth_first_newest_first() {
    let system = ActorSystem::new();
    let log = Log::default();
    let root = tree(&system, &log, 5).await;
    let inner = root.child::<Supervisor>("inner").await.unwrap();
    root.stop();
    assert_eq!(root.wait_for_stop().await, StopReason::Normal);
    assert_eq!(inner.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(log.entries()[3..], ["w2 stop: shutdown", "w1 stop: shutdown", "leaf stop: shutdown"]);
    assert_eq!(system.actor_count(), 0);
}

/// Takes its time in `on_stop`.
struct SlowStop {
    log: Log,
    takes: Duration,
}

impl Actor for SlowStop {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        tokio::time::sleep(self.takes).await;
        self.log.push("slow stop done");
    }
}

#[tokio::test(start_paused = true)]
async fn a_nested_supervisor_gets_all_the_time_it_needs_to_stop() {
    let system = ActorSystem::new();
    let log = Log::default();
    let nested = {
        let log = log.clone();
        move || {
            let log = log.clone();
            let slow = move || SlowStop { log: log.clone(), takes: Duration::from_secs(30) };
            Supervisor::builder()
                .child(ChildSpec::new("slow", slow).shutdown(Shutdown::Timeout(Duration::from_secs(60))))
        }
    };
    // Shutdown::Infinity by default for supervisors: the 30 s it takes its
    // child to stop are more than a worker's default 5 s.
    let root =
        Supervisor::builder().child(ChildSpec::supervisor("nested", nested)).spawn(&system).await.unwrap();
    let nested = root.child::<Supervisor>("nested").await.unwrap();
    let began = tokio::time::Instant::now();
    root.stop();
    root.wait_for_stop().await;
    assert!(began.elapsed() >= Duration::from_secs(30));
    assert_eq!(nested.wait_for_stop().await, StopReason::Shutdown, "not killed");
    assert_eq!(log.entries(), ["slow stop done"]);
}
