//! Children added and removed at runtime (`start_child`, `terminate_child`),
//! typed lookup errors, pool supervisors (`Supervisor::pool` +
//! `spawn_pooled`), and snapshots of the tree.

use std::collections::HashSet;
use std::time::Duration;

use actor_core::events::{ActorRestarted, SupervisorEscalated};
use actor_core::prelude::*;
use actor_core::supervision::{Backoff, ChildSpec, Supervisor, SupervisorError};
use actor_testkit::EventProbe;
use tokio::time::Instant;

use crate::common::svc::{svc, Items, Push, Svc};
use crate::common::{block, Boom, Log};

/// Another actor type, for wrong-type lookups.
struct Other;
impl Actor for Other {}

/// Fails to start.
struct NoStart;
impl Actor for NoStart {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        Err(ActorError::msg("refused"))
    }
}

/// Takes a second of (paused) time in `on_stop`.
struct SlowStop {
    log: Log,
}
impl Actor for SlowStop {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.log.push("stopped");
    }
}

#[tokio::test]
async fn start_child_adds_a_supervised_child_that_stops_first() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder().child(ChildSpec::new("a", svc("a", &log))).spawn(&system).await.unwrap();
    sup.start_child(ChildSpec::new("b", svc("b", &log))).await.unwrap();
    let b = sup.child::<Svc>("b").await.unwrap();
    b.tell(Push(1)).await.unwrap();
    assert_eq!(b.ask(Items).await, Ok(vec![1]));

    let mut facts = EventProbe::new(&system).subscribe::<ActorRestarted>();
    let _ = b.ask(Boom("dynamic")).await;
    assert_eq!(facts.expect_event::<ActorRestarted>().await.id, b.id(), "supervised like the others");
    assert_eq!(b.ask(Items).await, Ok(vec![]));

    sup.stop();
    sup.wait_for_stop().await;
    assert_eq!(
        log.entries(),
        [
            "a start",
            "b start",
            "b stop: panicked: dynamic",
            "b start",
            "b stop: shutdown",
            "a stop: shutdown"
        ]
    );
}

#[tokio::test]
async fn start_child_refuses_a_name_taken_and_reports_a_failed_start() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder().child(ChildSpec::new("a", svc("a", &log))).spawn(&system).await.unwrap();
    let a = sup.child::<Svc>("a").await.unwrap();

    assert_eq!(
        sup.start_child(ChildSpec::new("a", svc("a2", &log))).await,
        Err(SupervisorError::NameTaken("a".into()))
    );
    assert_eq!(sup.child::<Svc>("a").await.unwrap(), a, "the first one stays");

    assert_eq!(
        sup.start_child(ChildSpec::new("n", || NoStart)).await,
        Err(SupervisorError::ChildStartFailed {
            name: "n".into(),
            reason: StopReason::StartFailed(ActorError::msg("refused"))
        })
    );
    assert!(sup.is_alive(), "a child failing to start at runtime does not stop the supervisor");
    assert_eq!(sup.child::<NoStart>("n").await.unwrap_err(), SupervisorError::NoSuchChild("n".into()));
    sup.start_child(ChildSpec::new("n", svc("n", &log))).await.expect("the name is still free");
    assert_eq!(log.entries(), ["a start", "n start"], "a2 was never made");
    system.shutdown().await;
}

#[tokio::test]
async fn two_children_of_one_name_fail_the_spawn() {
    let system = ActorSystem::new();
    let log = Log::default();
    let err = Supervisor::builder()
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(ChildSpec::new("a", svc("a2", &log)))
        .spawn(&system)
        .await
        .unwrap_err();
    assert_eq!(err, SupervisorError::NameTaken("a".into()));
    assert_eq!(log.entries(), ["a start", "a stop: shutdown"]);
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn terminate_child_stops_it_for_good_and_forgets_it() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(ChildSpec::new("b", svc("b", &log)))
        .spawn(&system)
        .await
        .unwrap();
    let b = sup.child::<Svc>("b").await.unwrap();
    let mut facts = EventProbe::new(&system).subscribe::<ActorRestarted>();

    sup.terminate_child("b").await.unwrap();
    assert!(!b.is_alive(), "stopped by the time terminate_child returns");
    assert_eq!(b.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(log.entries()[2..], ["b stop: shutdown"], "stopped gracefully");
    assert!(
        facts.try_event::<ActorRestarted>().is_none(),
        "a permanent child terminated on purpose is not restarted"
    );
    assert_eq!(sup.child::<Svc>("b").await.unwrap_err(), SupervisorError::NoSuchChild("b".into()));
    assert_eq!(sup.terminate_child("b").await, Err(SupervisorError::NoSuchChild("b".into())));
    assert_eq!(sup.terminate_child("nobody").await, Err(SupervisorError::NoSuchChild("nobody".into())));
    sup.start_child(ChildSpec::new("b", svc("b", &log))).await.expect("the name is free again");
    system.shutdown().await;
}

#[tokio::test]
async fn child_lookups_fail_clearly() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(ChildSpec::supervisor("inner", Supervisor::builder))
        .spawn(&system)
        .await
        .unwrap();
    let err = sup.child::<Other>("a").await.unwrap_err();
    assert_eq!(err, SupervisorError::WrongType { name: "a".into(), expected: "Other", found: "Svc" });
    assert!(err.to_string().contains("Svc") && err.to_string().contains("Other"), "{err}");
    assert!(matches!(
        sup.child::<Svc>("inner").await,
        Err(SupervisorError::WrongType { found: "Supervisor", .. })
    ));
    assert_eq!(sup.child::<Svc>("zzz").await.unwrap_err(), SupervisorError::NoSuchChild("zzz".into()));
    assert_eq!(sup.spawn_pooled::<Svc>().await.unwrap_err(), SupervisorError::NotAPool);

    sup.stop();
    sup.wait_for_stop().await;
    assert_eq!(sup.child::<Svc>("a").await.unwrap_err(), SupervisorError::Stopped);
    assert_eq!(sup.start_child(ChildSpec::new("x", svc("x", &log))).await, Err(SupervisorError::Stopped));
    assert_eq!(sup.terminate_child("a").await, Err(SupervisorError::Stopped));
    assert!(sup.snapshot().await.is_err());
}

#[tokio::test]
async fn a_pool_spawns_many_children_of_one_spec_restarted_one_for_one() {
    let system = ActorSystem::new();
    let log = Log::default();
    let pool = Supervisor::pool(ChildSpec::new("worker", svc("worker", &log))).spawn(&system).await.unwrap();
    assert!(pool.snapshot().await.unwrap().children.is_empty(), "no children at first");

    let mut workers = Vec::new();
    for n in 0..20 {
        let worker = pool.spawn_pooled::<Svc>().await.unwrap();
        worker.tell(Push(n)).await.unwrap();
        workers.push(worker);
    }
    let ids: HashSet<_> = workers.iter().map(ActorRef::id).collect();
    assert_eq!(ids.len(), 20, "twenty distinct children");
    let snap = pool.snapshot().await.unwrap();
    let names: HashSet<_> = snap.children.iter().filter_map(|c| c.name.clone()).collect();
    assert_eq!(names.len(), 20, "each with a name of its own: {names:?}");
    assert!(names.iter().all(|n| n.starts_with("worker")), "{names:?}");
    assert_eq!(pool.child::<Svc>(workers[3].name().unwrap()).await.unwrap(), workers[3]);

    let mut facts = EventProbe::new(&system).subscribe::<ActorRestarted>();
    let _ = workers[7].ask(Boom("one of many")).await;
    assert_eq!(facts.expect_event::<ActorRestarted>().await.id, workers[7].id());
    pool.snapshot().await.unwrap();
    assert!(facts.try_event::<ActorRestarted>().is_none(), "only the failed worker restarted");
    for (n, worker) in workers.iter().enumerate() {
        let expected = if n == 7 { vec![] } else { vec![n as u64] };
        assert_eq!(worker.ask(Items).await, Ok(expected));
    }
    system.shutdown().await;
    assert!(workers.iter().all(|w| !w.is_alive()));
}

#[tokio::test(start_paused = true)]
async fn a_pool_stops_its_children_in_parallel() {
    let system = ActorSystem::new();
    let log = Log::default();
    let slow = {
        let log = log.clone();
        move || SlowStop { log: log.clone() }
    };
    let pool = Supervisor::pool(ChildSpec::new("slow", slow)).spawn(&system).await.unwrap();
    let mut workers = Vec::new();
    for _ in 0..10 {
        workers.push(pool.spawn_pooled::<SlowStop>().await.unwrap());
    }
    let began = Instant::now();
    pool.stop();
    pool.wait_for_stop().await;
    let took = began.elapsed();
    assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(2), "ten 1 s stops took {took:?}");
    assert_eq!(log.entries().len(), 10, "each ran its on_stop");
    for worker in &workers {
        assert_eq!(worker.wait_for_stop().await, StopReason::Shutdown);
    }
}

#[tokio::test(start_paused = true)]
async fn a_pool_that_exceeds_its_intensity_stops_all_its_children_and_escalates() {
    let system = ActorSystem::new();
    let log = Log::default();
    let slow = {
        let log = log.clone();
        move || SlowStop { log: log.clone() }
    };
    let pool = Supervisor::pool(ChildSpec::new("slow", slow))
        .max_restarts(1, Duration::from_secs(60))
        .spawn(&system)
        .await
        .unwrap();
    let mut workers = Vec::new();
    for _ in 0..5 {
        workers.push(pool.spawn_pooled::<SlowStop>().await.unwrap());
    }
    let mut escalations = EventProbe::new(&system).subscribe::<SupervisorEscalated>();
    let began = Instant::now();
    workers[0].kill(); // restarted
    workers[1].kill(); // one too many
    assert_eq!(pool.wait_for_stop().await, StopReason::Escalated);
    assert_eq!(escalations.expect_event::<SupervisorEscalated>().await.id, pool.id());
    assert!(began.elapsed() < Duration::from_secs(2), "stopped in parallel: {:?}", began.elapsed());
    for worker in &workers {
        assert!(!worker.is_alive());
    }
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn a_snapshot_holds_every_child_with_name_id_type_restarts_and_mailbox() {
    let system = ActorSystem::new();
    let log = Log::default();
    let inner = {
        let log = log.clone();
        move || Supervisor::builder().child(ChildSpec::new("w", svc("w", &log)))
    };
    let root = Supervisor::builder()
        .name("root")
        .child(ChildSpec::new("a", svc("a", &log)))
        .child(ChildSpec::supervisor("inner", inner))
        .spawn(&system)
        .await
        .unwrap();
    let a = root.child::<Svc>("a").await.unwrap();
    let inner = root.child::<Supervisor>("inner").await.unwrap();
    let w = inner.child::<Svc>("w").await.unwrap();
    let mut facts = EventProbe::new(&system).subscribe::<ActorRestarted>();
    let _ = a.ask(Boom("count me")).await;
    facts.expect_event::<ActorRestarted>().await;
    let _ = a.ask(Boom("count me too")).await;
    facts.expect_event::<ActorRestarted>().await;
    let release = block(&w).await;
    w.tell(Push(1)).await.unwrap();
    w.tell(Push(2)).await.unwrap();

    let snap = root.snapshot().await.unwrap();
    assert_eq!((snap.name.as_deref(), snap.id, snap.actor_type), (Some("root"), root.id(), "Supervisor"));
    assert_eq!(snap.children.len(), 2);
    let sa = &snap.children[0];
    assert_eq!(
        (sa.name.as_deref(), sa.id, sa.actor_type, sa.restarts, sa.mailbox_len),
        (Some("a"), a.id(), "Svc", 2, Some(0))
    );
    assert!(sa.children.is_empty());
    let si = &snap.children[1];
    assert_eq!(
        (si.name.as_deref(), si.id, si.actor_type, si.restarts),
        (Some("inner"), inner.id(), "Supervisor", 0)
    );
    assert_eq!(si.children.len(), 1);
    let sw = &si.children[0];
    assert_eq!(
        (sw.name.as_deref(), sw.id, sw.actor_type, sw.restarts, sw.mailbox_len),
        (Some("w"), w.id(), "Svc", 0, Some(2)),
        "w has two messages waiting behind the blocked one"
    );
    let order: Vec<Option<&str>> = snap.iter().map(|n| n.name.as_deref()).collect();
    assert_eq!(order, [Some("root"), Some("a"), Some("inner"), Some("w")], "depth first");

    // Printed as an indented tree.
    let text = snap.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for (line, (indent, name, node)) in
        lines.iter().zip([(0, "root", &snap), (2, "a", sa), (2, "inner", si), (4, "w", sw)])
    {
        let body = &line[indent..];
        assert!(
            line[..indent].chars().all(|c| c == ' ') && !body.starts_with(' '),
            "indent of {name}:\n{text}"
        );
        assert!(body.starts_with(name), "{name}:\n{text}");
        assert!(body.contains(node.actor_type) && body.contains(&node.id.to_string()), "{name}:\n{text}");
    }
    assert!(lines[1].contains("restarts=2"), "{text}");
    assert!(lines[3].contains("mailbox=2"), "{text}");

    // Exported as DOT, with one edge per parent and child.
    let dot = snap.to_dot();
    assert!(dot.starts_with("digraph"), "{dot}");
    for (parent, child) in [(root.id(), a.id()), (root.id(), inner.id()), (inner.id(), w.id())] {
        assert!(dot.contains(&format!("\"{parent}\" -> \"{child}\"")), "edge {parent} -> {child}:\n{dot}");
    }
    assert_eq!(dot.matches("->").count(), 3, "{dot}");
    release.send(()).unwrap();
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]

async fn a_snapshot_does_not_wait_for_a_nested_supervisor_to_restart() {
    let system = ActorSystem::new();
    let log = Log::default();
    let inner = {
        let log = log.clone();
        move || {
            Supervisor::builder()
                .max_restarts(0, Duration::from_secs(60))
                .child(ChildSpec::new("w", svc("w", &log)))
        }
    };
    let hour = Duration::from_secs(3600);
    let root = Supervisor::builder()
        .child(ChildSpec::new("leaf", svc("leaf", &log)))
        .child(ChildSpec::supervisor("inner", inner).backoff(Backoff::exponential(hour, hour)))
        .spawn(&system)
        .await
        .unwrap();
    let w = root.child::<Supervisor>("inner").await.unwrap().child::<Svc>("w").await.unwrap();
    let mut escalations = EventProbe::new(&system).subscribe::<SupervisorEscalated>();
    let _ = w.ask(Boom("inner gives up")).await;
    escalations.expect_event::<SupervisorEscalated>().await;
    // Paused time: every task runs until idle before the clock moves, so
    // the root has taken in the failure and scheduled inner's restart.
    tokio::time::sleep(Duration::from_millis(1)).await;

    let snap = tokio::time::timeout(Duration::from_secs(1), root.snapshot()).await;
    if snap.is_err() {
        // Worse than slow: the root, stuck in the snapshot, never takes in
        // the RestartDue that would restart inner.
        let later = tokio::time::timeout(3 * hour, root.snapshot()).await;
        assert!(later.is_ok(), "deadlock: the root never answers again");
    }
    let snap = snap.expect("the snapshot answers while inner waits an hour for its restart").unwrap();
    assert_eq!(snap.children.len(), 2);
    system.shutdown().await;
}
