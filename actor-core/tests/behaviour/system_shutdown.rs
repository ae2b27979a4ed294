//! `ActorSystem::shutdown` always ends: a stuck actor is killed after the
//! stop timeout, and the others still stop in order with their `on_stop`.

use std::time::Duration;

use actor_core::prelude::*;
use tokio::time::Instant;

use crate::common::Log;

/// Records its `on_stop` in the log.
struct Polite {
    name: &'static str,
    log: Log,
}

impl Actor for Polite {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("{} stopped: {reason}", self.name));
    }
}

/// Its handler never returns.
struct Stuck {
    log: Log,
}

impl Actor for Stuck {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        self.log.push("stuck ran on_stop");
    }
}

struct Hang;
impl Message for Hang {
    type Reply = ();
}
impl Handler<Hang> for Stuck {
    async fn handle(&mut self, _: Hang, _ctx: &mut Context<Self>) {
        std::future::pending::<()>().await;
    }
}

/// Its `on_stop` never returns.
struct SlowToStop;
impl Actor for SlowToStop {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        std::future::pending::<()>().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_never_returns_is_killed_and_the_others_still_stop() {
    let log = Log::default();
    let system = ActorSystem::builder().stop_timeout(Duration::from_secs(2)).build();
    let older = system.spawn(Polite { name: "older", log: log.clone() });
    let stuck = system.spawn(Stuck { log: log.clone() });
    stuck.tell(Hang).await.unwrap();
    let newer = system.spawn(Polite { name: "newer", log: log.clone() });

    let started = Instant::now();
    system.shutdown().await;
    let took = started.elapsed();

    assert!(took >= Duration::from_secs(2), "waited for the timeout, took {took:?}");
    assert!(took <= Duration::from_secs(3), "ended within the bound, took {took:?}");
    assert_eq!(stuck.wait_for_stop().await, StopReason::Killed);
    assert_eq!(newer.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(older.wait_for_stop().await, StopReason::Shutdown);
    // Newest first; the one behind the stuck actor still ran its on_stop.
    assert_eq!(log.entries(), ["newer stopped: shutdown", "older stopped: shutdown"]);
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn an_on_stop_that_never_ends_is_killed_with_its_children() {
    struct Parent {
        log: Log,
    }
    impl Actor for Parent {
        async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
            ctx.spawn_child(SlowToStop);
            ctx.spawn_child(Polite { name: "child", log: self.log.clone() });
            Ok(())
        }
    }
    struct Ready;
    impl Message for Ready {
        type Reply = ();
    }
    impl Handler<Ready> for Parent {
        async fn handle(&mut self, _: Ready, _ctx: &mut Context<Self>) {}
    }

    let log = Log::default();
    let system = ActorSystem::new();
    let parent = system.spawn(Parent { log: log.clone() });
    parent.ask(Ready).await.unwrap();
    assert_eq!(system.actor_count(), 3);

    let started = Instant::now();
    system.shutdown_timeout(Duration::from_millis(500)).await;
    assert!(started.elapsed() <= Duration::from_secs(1), "took {:?}", started.elapsed());
    assert_eq!(parent.wait_for_stop().await, StopReason::Killed);
    assert_eq!(system.actor_count(), 0);
    // The polite child was the newest: stopped before its slow sibling.
    assert_eq!(log.entries(), ["child stopped: shutdown"]);
}

#[tokio::test]
async fn many_top_level_actors_stop_in_groups_newest_group_first() {
    let log = Log::default();
    let system = ActorSystem::new();
    // More than 256: stopped in groups of two, the groups newest first.
    let names: Vec<&'static str> =
        (0..300).map(|i| &*Box::leak(format!("a{i:03}").into_boxed_str())).collect();
    for name in &names {
        system.spawn(Polite { name, log: log.clone() });
    }
    system.shutdown().await;
    let entries = log.entries();
    assert_eq!(entries.len(), 300);
    let position = |name: &str| entries.iter().position(|e| e.starts_with(name)).unwrap();
    // Actors of different groups stop in reverse spawn order.
    assert!(position("a299") < position("a200"));
    assert!(position("a150") < position("a100"));
    assert!(position("a010") < position("a000"));
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn the_default_stop_timeout_is_five_seconds() {
    assert_eq!(actor_core::DEFAULT_STOP_TIMEOUT, Duration::from_secs(5));
}

/// Ticks on an interval until it stops; reports its stop.
struct Ticker {
    stopped: Option<tokio::sync::oneshot::Sender<StopReason>>,
}

struct Tick;
impl Message for Tick {
    type Reply = ();
}

struct OwnSystem;
impl Message for OwnSystem {
    type Reply = ActorSystem;
}

impl Actor for Ticker {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.interval(Duration::from_millis(10), || Tick);
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.send(reason.clone());
        }
    }
}
impl Handler<Tick> for Ticker {
    async fn handle(&mut self, _: Tick, _ctx: &mut Context<Self>) {}
}
impl Handler<OwnSystem> for Ticker {
    async fn handle(&mut self, _: OwnSystem, ctx: &mut Context<Self>) -> ActorSystem {
        ctx.system().clone()
    }
}

#[tokio::test(start_paused = true)]
async fn dropping_the_last_owning_handle_stops_every_actor() {
    let (stopped, on_stop) = tokio::sync::oneshot::channel();
    let system = ActorSystem::new();
    let ticker = system.spawn(Ticker { stopped: Some(stopped) });
    let weak = ticker.downgrade();
    let spare = system.clone();
    // A handle from inside an actor does not own the system.
    let from_inside = ticker.ask(OwnSystem).await.unwrap();

    drop(system);
    tokio::time::sleep(Duration::from_millis(50)).await; // ticks go on: `spare` still owns it
    assert!(ticker.is_alive());

    drop(spare);
    assert_eq!(on_stop.await.unwrap(), StopReason::Shutdown);
    assert_eq!(ticker.wait_for_stop().await, StopReason::Shutdown);
    assert!(weak.upgrade().is_none());
    assert_eq!(from_inside.actor_count(), 0);
}
