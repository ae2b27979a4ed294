//! `Context::watch` / `unwatch`: the watcher's `on_terminated` runs exactly
//! once with the reason; late watches notify at once; unwatch means no
//! notice, even one already on its way.

use actor_core::prelude::*;
use actor_core::ActorId;
use tokio::sync::oneshot;

use crate::common::{block, Block, Boom, Log, Worker};

/// Records every `on_terminated` it gets.
#[derive(Default)]
struct Watcher {
    notices: Vec<(ActorId, StopReason)>,
}

impl Actor for Watcher {
    async fn on_terminated(&mut self, _ctx: &mut Context<Self>, terminated: Terminated) {
        self.notices.push((terminated.id, terminated.reason));
    }
}

struct Watch(ActorRef<Worker>);
impl Message for Watch {
    type Reply = ();
}
impl Handler<Watch> for Watcher {
    async fn handle(&mut self, msg: Watch, ctx: &mut Context<Self>) {
        ctx.watch(&msg.0);
    }
}

/// Watches the same actor twice in one go.
struct WatchTwice(ActorRef<Worker>);
impl Message for WatchTwice {
    type Reply = ();
}
impl Handler<WatchTwice> for Watcher {
    async fn handle(&mut self, msg: WatchTwice, ctx: &mut Context<Self>) {
        ctx.watch(&msg.0);
        ctx.watch(&msg.0);
    }
}

struct Unwatch(ActorRef<Worker>);
impl Message for Unwatch {
    type Reply = ();
}
impl Handler<Unwatch> for Watcher {
    async fn handle(&mut self, msg: Unwatch, ctx: &mut Context<Self>) {
        ctx.unwatch(&msg.0);
    }
}

/// Waits for `release`, then unwatches `target`.
struct UnwatchLater {
    entered: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
    target: ActorRef<Worker>,
}
impl Message for UnwatchLater {
    type Reply = ();
}
impl Handler<UnwatchLater> for Watcher {
    async fn handle(&mut self, msg: UnwatchLater, ctx: &mut Context<Self>) {
        let _ = msg.entered.send(());
        let _ = msg.release.await;
        ctx.unwatch(&msg.target);
    }
}

/// The notices received so far. Signals are handled before the next
/// message, so every notice pushed before this ask is counted.
struct Notices;
impl Message for Notices {
    type Reply = Vec<(ActorId, StopReason)>;
}
impl Handler<Notices> for Watcher {
    async fn handle(&mut self, _: Notices, _ctx: &mut Context<Self>) -> Vec<(ActorId, StopReason)> {
        self.notices.clone()
    }
}

impl Handler<Block> for Watcher {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
    }
}

fn target(system: &ActorSystem) -> ActorRef<Worker> {
    system.spawn(Worker::new("target", &Log::default()))
}

#[tokio::test]
async fn the_watcher_is_told_once_with_each_reason() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let (stopped, killed, panicked) = (target(&system), target(&system), target(&system));
    for t in [&stopped, &killed, &panicked] {
        watcher.ask(Watch(t.clone())).await.unwrap();
    }
    assert_eq!(watcher.ask(Notices).await.unwrap(), []);

    stopped.stop();
    stopped.wait_for_stop().await;
    killed.kill();
    killed.wait_for_stop().await;
    let _ = panicked.ask(Boom("watched boom")).await;
    panicked.wait_for_stop().await;

    assert_eq!(
        watcher.ask(Notices).await.unwrap(),
        [
            (stopped.id(), StopReason::Normal),
            (killed.id(), StopReason::Killed),
            (panicked.id(), StopReason::Panicked("watched boom".into())),
        ]
    );
    system.shutdown().await;
}

#[tokio::test]
async fn watching_an_actor_that_already_stopped_notifies_at_once() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let t = target(&system);
    t.kill();
    t.wait_for_stop().await;
    watcher.ask(Watch(t.clone())).await.unwrap();
    assert_eq!(watcher.ask(Notices).await.unwrap(), [(t.id(), StopReason::Killed)]);
    system.shutdown().await;
}

#[tokio::test]
async fn watching_twice_notifies_once() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let t = target(&system);
    watcher.ask(Watch(t.clone())).await.unwrap();
    watcher.ask(Watch(t.clone())).await.unwrap();
    t.stop();
    t.wait_for_stop().await;
    assert_eq!(watcher.ask(Notices).await.unwrap(), [(t.id(), StopReason::Normal)]);
    system.shutdown().await;
}

#[tokio::test]
async fn watching_a_stopped_actor_twice_before_the_notice_notifies_once() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let t = target(&system);
    t.stop();
    t.wait_for_stop().await;
    watcher.ask(WatchTwice(t.clone())).await.unwrap();
    assert_eq!(watcher.ask(Notices).await.unwrap(), [(t.id(), StopReason::Normal)]);
    system.shutdown().await;
}

#[tokio::test]
async fn every_watcher_is_told() {
    let system = ActorSystem::new();
    let watchers: Vec<_> = (0..3).map(|_| system.spawn(Watcher::default())).collect();
    let t = target(&system);
    for w in &watchers {
        w.ask(Watch(t.clone())).await.unwrap();
    }
    t.stop();
    t.wait_for_stop().await;
    for w in &watchers {
        assert_eq!(w.ask(Notices).await.unwrap(), [(t.id(), StopReason::Normal)]);
    }
    system.shutdown().await;
}

#[tokio::test]
async fn unwatch_before_the_stop_means_no_notice() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let (dropped, kept) = (target(&system), target(&system));
    watcher.ask(Watch(dropped.clone())).await.unwrap();
    watcher.ask(Watch(kept.clone())).await.unwrap();
    watcher.ask(Unwatch(dropped.clone())).await.unwrap();
    dropped.stop();
    dropped.wait_for_stop().await;
    kept.stop();
    kept.wait_for_stop().await;
    // Only the still-watched actor is reported.
    assert_eq!(watcher.ask(Notices).await.unwrap(), [(kept.id(), StopReason::Normal)]);
    system.shutdown().await;
}

#[tokio::test]
async fn unwatch_discards_a_notice_already_on_its_way() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let t = target(&system);
    watcher.ask(Watch(t.clone())).await.unwrap();
    let (entered_tx, entered_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel();
    watcher.tell(UnwatchLater { entered: entered_tx, release: release_rx, target: t.clone() }).await.unwrap();
    entered_rx.await.unwrap();
    // The target stops while the watcher is busy: its notice is queued.
    t.stop();
    t.wait_for_stop().await;
    release_tx.send(()).unwrap(); // now the watcher unwatches
    assert_eq!(watcher.ask(Notices).await.unwrap(), []);
    system.shutdown().await;
}

#[tokio::test]
async fn watch_again_after_unwatch_notifies_once() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let t = target(&system);
    watcher.ask(Watch(t.clone())).await.unwrap();
    watcher.ask(Unwatch(t.clone())).await.unwrap();
    watcher.ask(Watch(t.clone())).await.unwrap();
    t.stop();
    t.wait_for_stop().await;
    assert_eq!(watcher.ask(Notices).await.unwrap(), [(t.id(), StopReason::Normal)]);
    system.shutdown().await;
}

#[tokio::test]
async fn a_notice_reaches_a_watcher_that_is_busy_when_the_target_stops() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let t = target(&system);
    watcher.ask(Watch(t.clone())).await.unwrap();
    let release = block(&watcher).await;
    t.stop();
    t.wait_for_stop().await;
    release.send(()).unwrap();
    assert_eq!(watcher.ask(Notices).await.unwrap(), [(t.id(), StopReason::Normal)]);
    system.shutdown().await;
}

#[tokio::test]
async fn a_stopped_watcher_does_not_disturb_the_target() {
    let system = ActorSystem::new();
    let watcher = system.spawn(Watcher::default());
    let t = target(&system);
    watcher.ask(Watch(t.clone())).await.unwrap();
    watcher.stop();
    watcher.wait_for_stop().await;
    assert_eq!(t.ask(crate::common::Ping(5)).await, Ok(5));
    t.stop();
    assert_eq!(t.wait_for_stop().await, StopReason::Normal);
}
