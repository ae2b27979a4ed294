//! Several `ActorSystem`s in one process share nothing; `shutdown` stops
//! every actor of its own system and returns once all have stopped.

use std::pin::pin;

use actor_core::prelude::*;

use crate::common::{block, is_pending, Handled, Log, Ping, Worker};

#[tokio::test]
async fn two_systems_hand_out_ids_on_different_nodes() {
    let (a, b) = (ActorSystem::new(), ActorSystem::new());
    assert_ne!(a.node_id(), b.node_id());
    let (wa, wb) = (a.spawn(Worker::default()), b.spawn(Worker::default()));
    assert_eq!(wa.id().node(), a.node_id());
    assert_eq!(wb.id().node(), b.node_id());
    assert_eq!(wa.id().sequence(), wb.id().sequence(), "each system counts from its own start");
    assert_ne!(wa.id(), wb.id(), "... yet the ids differ, by node");
    assert_ne!(wa.id().to_string(), wb.id().to_string());
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn registry_names_do_not_clash_across_systems() {
    let (a, b) = (ActorSystem::new(), ActorSystem::new());
    let (wa, wb) = (a.spawn(Worker::default()), b.spawn(Worker::default()));
    a.register("db", &wa).unwrap();
    b.register("db", &wb).unwrap();
    assert_eq!(a.lookup::<Worker>("db").unwrap(), wa);
    assert_eq!(b.lookup::<Worker>("db").unwrap(), wb);
    a.unregister("db");
    assert!(a.lookup::<Worker>("db").is_err());
    assert_eq!(b.lookup::<Worker>("db").unwrap(), wb);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn shutting_down_one_system_leaves_the_other_running() {
    let (a, b) = (ActorSystem::new(), ActorSystem::new());
    let log = Log::default();
    let in_a: Vec<_> = (0..3).map(|_| a.spawn(Worker::new("a", &log))).collect();
    let in_b: Vec<_> = (0..2).map(|_| b.spawn(Worker::new("b", &log))).collect();
    assert_eq!((a.actor_count(), b.actor_count()), (3, 2));

    a.shutdown().await;
    assert_eq!((a.actor_count(), b.actor_count()), (0, 2));
    assert!(in_a.iter().all(|w| !w.is_alive()));
    for w in &in_b {
        assert!(w.is_alive());
        assert_eq!(w.ask(Ping(2)).await, Ok(2));
    }
    assert!(log.entries().iter().all(|e| e.starts_with("a ")), "{:?}", log.entries());
    b.shutdown().await;
    assert_eq!(b.actor_count(), 0);
}

#[tokio::test]
async fn dead_letters_are_counted_per_system() {
    let (a, b) = (ActorSystem::new(), ActorSystem::new());
    let wa = a.spawn(Worker::default());
    let wb = b.spawn(Worker::default());
    wa.stop();
    wa.wait_for_stop().await;
    let _ = wa.tell(Ping(1)).await;
    assert_eq!((a.dead_letter_count(), b.dead_letter_count()), (1, 0));
    assert_eq!(wb.ask(Ping(1)).await, Ok(1));
    b.shutdown().await;
}

/// Spawns one child, so shutdown has a tree to take down.
struct WithChild {
    label: &'static str,
    log: Log,
}
impl Actor for WithChild {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let label = if self.label == "root 1" { "child of 1" } else { "child of 2" };
        ctx.spawn_child(Worker::new(label, &self.log));
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("{} on_stop: {reason}", self.label));
    }
}

#[tokio::test]
async fn shutdown_stops_everything_newest_root_first_and_waits_for_all() {
    let system = ActorSystem::new();
    let log = Log::default();
    let root1 = system.spawn(WithChild { label: "root 1", log: log.clone() });
    let root2 = system.spawn(WithChild { label: "root 2", log: log.clone() });
    let plain = system.clone().spawn(Worker::new("plain", &log)); // a clone is the same system
    plain.ask(Ping(0)).await.unwrap();

    system.shutdown().await;

    assert_eq!(system.actor_count(), 0);
    for reason in [root1.wait_for_stop().await, root2.wait_for_stop().await, plain.wait_for_stop().await] {
        assert_eq!(reason, StopReason::Shutdown);
    }
    assert_eq!(
        log.entries(),
        [
            "plain on_stop: shutdown",
            "child of 2 on_stop: shutdown",
            "root 2 on_stop: shutdown",
            "child of 1 on_stop: shutdown",
            "root 1 on_stop: shutdown",
        ]
    );
}

#[tokio::test]
async fn shutdown_lets_a_busy_actor_finish_its_message_first() {
    let system = ActorSystem::new();
    let log = Log::default();
    let w = system.spawn(Worker::new("busy", &log));
    let release = block(&w).await;
    let mut shutdown = pin!(system.shutdown());
    assert!(is_pending(shutdown.as_mut()));
    assert!(w.is_alive());
    release.send(()).unwrap();
    shutdown.await;
    assert_eq!(w.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(log.entries(), ["busy on_stop: shutdown"]);
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn actors_spawned_after_shutdown_stop_at_once() {
    let system = ActorSystem::new();
    system.shutdown().await; // nothing to stop: returns at once
    let late = system.spawn(Worker::default());
    assert_eq!(late.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(system.actor_count(), 0);
    assert!(late.ask(Handled).await.is_err());
}
