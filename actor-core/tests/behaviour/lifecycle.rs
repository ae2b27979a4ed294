//! Start and stop: hook order, graceful `stop`, `Context::stop`,
//! `wait_for_stop`, `is_alive`, and what `Context` tells a handler.

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::{ActorId, NodeId};

use crate::common::{block, Block, Log, Ping};

/// Logs every hook and message it sees.
struct Recorder {
    log: Log,
    stop_in_start: bool,
}

impl Recorder {
    fn new(log: &Log) -> Self {
        Recorder { log: log.clone(), stop_in_start: false }
    }
}

impl Actor for Recorder {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.log.push("on_start");
        if self.stop_in_start {
            ctx.stop();
        }
        Ok(())
    }

    async fn on_stop(&mut self, ctx: &mut Context<Self>, reason: &StopReason) {
        // The mailbox is closed by now.
        let closed = ctx.myself().try_tell(Ping(0)).is_err_and(|e| e.is_closed());
        self.log.push(format!("on_stop: {reason}, mailbox closed: {closed}"));
    }
}

impl Handler<Ping> for Recorder {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        self.log.push(format!("ping {}", msg.0));
        msg.0
    }
}

impl Handler<Block> for Recorder {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
        self.log.push("blocking handler finished");
    }
}

/// Stops the actor from inside a handler.
struct StopMe;
impl Message for StopMe {
    type Reply = ();
}
impl Handler<StopMe> for Recorder {
    async fn handle(&mut self, _: StopMe, ctx: &mut Context<Self>) {
        self.log.push("stop requested");
        ctx.stop();
        self.log.push("handler still runs to its end");
    }
}

/// What the context says about the actor.
struct WhoAmI;
impl Message for WhoAmI {
    type Reply = (ActorId, ActorId, NodeId);
}
impl Handler<WhoAmI> for Recorder {
    async fn handle(&mut self, _: WhoAmI, ctx: &mut Context<Self>) -> (ActorId, ActorId, NodeId) {
        (ctx.id(), ctx.myself().id(), ctx.system().node_id())
    }
}

/// Sends `Ping(n)` to itself through `ctx.myself()`.
struct Echo(u64);
impl Message for Echo {
    type Reply = ();
}
impl Handler<Echo> for Recorder {
    async fn handle(&mut self, msg: Echo, ctx: &mut Context<Self>) {
        ctx.myself().try_tell(Ping(msg.0)).unwrap();
    }
}

#[tokio::test]
async fn on_start_runs_before_the_first_message() {
    let system = ActorSystem::new();
    let log = Log::default();
    let r = system.spawn(Recorder::new(&log));
    r.tell(Ping(1)).await.unwrap();
    r.ask(Ping(2)).await.unwrap();
    assert_eq!(log.entries(), ["on_start", "ping 1", "ping 2"]);
    system.shutdown().await;
}

#[tokio::test]
async fn stop_finishes_the_current_message_runs_on_stop_and_dead_letters_the_queue() {
    let system = ActorSystem::new();
    let log = Log::default();
    let r = system.spawn(Recorder::new(&log));
    let release = block(&r).await;
    for i in 0..3 {
        r.try_tell(Ping(i)).unwrap();
    }
    r.stop();
    assert!(r.is_alive(), "stop waits for the current message");
    release.send(()).unwrap();
    assert_eq!(r.wait_for_stop().await, StopReason::Normal);
    assert!(!r.is_alive());
    assert_eq!(
        log.entries(),
        ["on_start", "blocking handler finished", "on_stop: normal, mailbox closed: true"],
        "queued pings were not handled"
    );
    // Three queued pings plus the try_tell from on_stop.
    assert_eq!(system.dead_letter_count(), 4);
}

#[tokio::test]
async fn ctx_stop_lets_the_handler_finish_then_stops_normally() {
    let system = ActorSystem::new();
    let log = Log::default();
    let r = system.spawn(Recorder::new(&log));
    let release = block(&r).await;
    r.try_tell(StopMe).unwrap();
    r.try_tell(Ping(1)).unwrap();
    release.send(()).unwrap();
    assert_eq!(r.wait_for_stop().await, StopReason::Normal);
    assert_eq!(
        log.entries(),
        [
            "on_start",
            "blocking handler finished",
            "stop requested",
            "handler still runs to its end",
            "on_stop: normal, mailbox closed: true",
        ]
    );
    assert_eq!(system.dead_letter_count(), 2, "Ping(1) and on_stop's own try_tell");
}

#[tokio::test(start_paused = true)]
async fn ctx_stop_in_on_start_stops_the_actor() {
    let system = ActorSystem::new();
    let log = Log::default();
    let r = system.spawn(Recorder { log: log.clone(), stop_in_start: true });
    let stopped = tokio::time::timeout(Duration::from_secs(60), r.wait_for_stop()).await;
    assert_eq!(stopped, Ok(StopReason::Normal), "actor still running 60 s after on_start");
    assert_eq!(log.entries(), ["on_start", "on_stop: normal, mailbox closed: true"]);
}

#[tokio::test]
async fn wait_for_stop_wakes_every_waiter_and_returns_at_once_afterwards() {
    let system = ActorSystem::new();
    let r = system.spawn(Recorder::new(&Log::default()));
    let r2 = r.clone();
    let waiter = tokio::spawn(async move { r2.wait_for_stop().await });
    let release = block(&r).await; // the spawned waiter has had a chance to start waiting
    r.stop();
    release.send(()).unwrap();
    let (a, b) = tokio::join!(r.wait_for_stop(), waiter);
    assert_eq!(a, StopReason::Normal);
    assert_eq!(b.unwrap(), StopReason::Normal);
    assert_eq!(r.wait_for_stop().await, StopReason::Normal);
}

#[tokio::test]
async fn stop_is_idempotent_and_a_later_kill_changes_nothing() {
    let system = ActorSystem::new();
    let log = Log::default();
    let r = system.spawn(Recorder::new(&log));
    r.stop();
    r.stop();
    assert_eq!(r.wait_for_stop().await, StopReason::Normal);
    r.stop();
    r.kill();
    assert_eq!(r.wait_for_stop().await, StopReason::Normal);
    let on_stops = log.entries().iter().filter(|e| e.starts_with("on_stop")).count();
    assert_eq!(on_stops, 1);
}

#[tokio::test]
async fn context_knows_myself_and_the_system() {
    let system = ActorSystem::new();
    let log = Log::default();
    let r = system.spawn(Recorder::new(&log));
    let (ctx_id, myself_id, node) = r.ask(WhoAmI).await.unwrap();
    assert_eq!(ctx_id, r.id());
    assert_eq!(myself_id, r.id());
    assert_eq!(node, system.node_id());
    r.ask(Echo(5)).await.unwrap();
    r.ask(Ping(6)).await.unwrap(); // queued after the echoed Ping(5)
    assert_eq!(log.entries(), ["on_start", "ping 5", "ping 6"]);
    system.shutdown().await;
}

#[tokio::test]
async fn actors_run_without_any_address_held_and_a_weak_one_still_reaches_them() {
    let system = ActorSystem::new();
    let log = Log::default();
    let weak = system.spawn(Recorder::new(&log)).downgrade();
    let strong = weak.upgrade().expect("a running actor upgrades");
    assert_eq!(strong.ask(Ping(3)).await, Ok(3));
    strong.stop();
    strong.wait_for_stop().await;
    assert!(weak.upgrade().is_none(), "upgrade is None after stop, even with a strong ref alive");
    drop(strong);
    assert!(weak.upgrade().is_none());
}
