//! `kill`: immediate, even mid-handler or mid-hook; reason `Killed`;
//! `on_stop` does not run.

use std::time::Duration;

use actor_core::prelude::*;
use tokio::sync::oneshot;
use tokio::time::timeout;

use crate::common::{Log, Ping};

/// Can be made to hang forever in any hook or handler.
#[derive(Default)]
struct Hanger {
    log: Log,
    hang_in_start: Option<oneshot::Sender<()>>,
    hang_in_stop: Option<oneshot::Sender<()>>,
}

impl Actor for Hanger {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if let Some(started) = self.hang_in_start.take() {
            let _ = started.send(());
            std::future::pending::<()>().await;
        }
        self.log.push("started");
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("on_stop began: {reason}"));
        if let Some(started) = self.hang_in_stop.take() {
            let _ = started.send(());
            std::future::pending::<()>().await;
        }
        self.log.push("on_stop ended");
    }
}

/// Reports that it runs, then waits forever holding `_guard`.
struct HangHere {
    entered: oneshot::Sender<()>,
    _guard: oneshot::Sender<()>,
}
impl Message for HangHere {
    type Reply = ();
}
impl Handler<HangHere> for Hanger {
    async fn handle(&mut self, msg: HangHere, _ctx: &mut Context<Self>) {
        let HangHere { entered, _guard } = msg;
        let _ = entered.send(());
        std::future::pending::<()>().await;
        drop(_guard);
    }
}

impl Handler<Ping> for Hanger {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        self.log.push(format!("ping {}", msg.0));
        msg.0
    }
}

#[tokio::test]
async fn kill_drops_a_handler_awaiting_forever_and_skips_on_stop() {
    let system = ActorSystem::new();
    let log = Log::default();
    let h = system.spawn(Hanger { log: log.clone(), ..Hanger::default() });
    let (entered_tx, entered_rx) = oneshot::channel();
    let (guard_tx, mut guard_rx) = oneshot::channel::<()>();
    h.tell(HangHere { entered: entered_tx, _guard: guard_tx }).await.unwrap();
    entered_rx.await.unwrap();
    h.try_tell(Ping(1)).unwrap();
    h.try_tell(Ping(2)).unwrap();

    h.kill();
    assert_eq!(h.wait_for_stop().await, StopReason::Killed);
    assert!(!h.is_alive());
    assert_eq!(log.entries(), ["started"], "no message after the kill, and no on_stop");
    // The handler's future was dropped, not leaked: its guard is gone.
    assert_eq!(guard_rx.try_recv(), Err(oneshot::error::TryRecvError::Closed));
    assert_eq!(system.dead_letter_count(), 2, "the queued pings");
    assert!(h.try_tell(Ping(3)).unwrap_err().is_closed());
}

#[tokio::test]
async fn kill_an_idle_actor() {
    let system = ActorSystem::new();
    let log = Log::default();
    let h = system.spawn(Hanger { log: log.clone(), ..Hanger::default() });
    h.ask(Ping(1)).await.unwrap();
    h.kill();
    assert_eq!(h.wait_for_stop().await, StopReason::Killed);
    assert_eq!(log.entries(), ["started", "ping 1"]);
}

#[tokio::test]
async fn kill_during_an_on_start_that_never_returns() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (started_tx, started_rx) = oneshot::channel();
    let h = system.spawn(Hanger { log: log.clone(), hang_in_start: Some(started_tx), ..Hanger::default() });
    started_rx.await.unwrap();
    h.try_tell(Ping(1)).unwrap();
    h.kill();
    assert_eq!(h.wait_for_stop().await, StopReason::Killed);
    assert!(log.entries().is_empty(), "neither the rest of on_start, the ping nor on_stop ran");
    assert_eq!(system.dead_letter_count(), 1);
}

#[tokio::test]
async fn kill_during_an_on_stop_that_never_returns() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (stopping_tx, stopping_rx) = oneshot::channel();
    let h = system.spawn(Hanger { log: log.clone(), hang_in_stop: Some(stopping_tx), ..Hanger::default() });
    h.stop();
    stopping_rx.await.unwrap();
    assert!(h.is_alive(), "on_stop is still running");
    h.kill();
    assert_eq!(h.wait_for_stop().await, StopReason::Killed);
    assert_eq!(log.entries(), ["started", "on_stop began: normal"]);
}

#[tokio::test]
async fn killing_one_actor_leaves_the_others_running() {
    let system = ActorSystem::new();
    let a = system.spawn(Hanger::default());
    let b = system.spawn(Hanger::default());
    a.kill();
    assert_eq!(a.wait_for_stop().await, StopReason::Killed);
    assert_eq!(b.ask(Ping(4)).await, Ok(4));
    assert_eq!(system.actor_count(), 1);
    system.shutdown().await;
    assert_eq!(b.wait_for_stop().await, StopReason::Shutdown);
}

/// Tells the test when its `on_stop` runs.
struct Notifier(Option<oneshot::Sender<()>>);
impl Actor for Notifier {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Spawns a `Hanger` child, then a `Notifier` child.
struct Family {
    notify: Option<oneshot::Sender<()>>,
    stuck: Option<ActorRef<Hanger>>,
    log: Log,
}
impl Actor for Family {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.stuck = Some(ctx.spawn_child(Hanger::default()));
        ctx.spawn_child(Notifier(self.notify.take()));
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        self.log.push("family on_stop");
    }
}

struct Stuck;
impl Message for Stuck {
    type Reply = ActorRef<Hanger>;
}
impl Handler<Stuck> for Family {
    async fn handle(&mut self, _: Stuck, _ctx: &mut Context<Self>) -> ActorRef<Hanger> {
        self.stuck.clone().expect("spawned in on_start")
    }
}

#[tokio::test(start_paused = true)]
async fn kill_takes_effect_while_a_stopping_parent_waits_for_a_stuck_child() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (notify_tx, notify_rx) = oneshot::channel();
    let parent = system.spawn(Family { notify: Some(notify_tx), stuck: None, log: log.clone() });
    let stuck = parent.ask(Stuck).await.unwrap();
    let (entered_tx, entered_rx) = oneshot::channel();
    let (guard_tx, _guard_rx) = oneshot::channel();
    stuck.tell(HangHere { entered: entered_tx, _guard: guard_tx }).await.unwrap();
    entered_rx.await.unwrap();

    parent.stop();
    // Children stop newest first: once the notifier has stopped, the parent
    // is waiting for the stuck child, which never finishes its handler.
    notify_rx.await.unwrap();
    parent.kill();
    let parent_reason = timeout(Duration::from_secs(60), parent.wait_for_stop()).await;
    assert_eq!(parent_reason, Ok(StopReason::Killed), "parent still alive 60 s after kill");
    assert_eq!(stuck.wait_for_stop().await, StopReason::Killed, "the kill reaches the children");
    assert!(log.entries().is_empty(), "a killed parent runs no on_stop");
}
