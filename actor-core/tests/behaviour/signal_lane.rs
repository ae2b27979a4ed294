//! The signal lane: stop, kill and watch notices never wait behind user
//! messages, even when the mailbox is full.

use actor_core::prelude::*;

use crate::common::{block, Block, Log, Ping};

/// Logs the messages, notices and stop it sees.
struct Busy {
    log: Log,
}

impl Actor for Busy {
    const MAILBOX: MailboxCapacity = MailboxCapacity::Bounded(4);

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("on_stop: {reason}"));
    }

    async fn on_terminated(&mut self, _ctx: &mut Context<Self>, terminated: Terminated) {
        self.log.push(format!("terminated: {}", terminated.reason));
    }
}

impl Handler<Ping> for Busy {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        self.log.push(format!("ping {}", msg.0));
        msg.0
    }
}

impl Handler<Block> for Busy {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
    }
}

/// An actor whose `on_start` waits for the test's go-ahead.
struct SlowStart {
    go: Option<tokio::sync::oneshot::Receiver<()>>,
    log: Log,
}
impl Actor for SlowStart {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if let Some(go) = self.go.take() {
            let _ = go.await;
        }
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("on_stop: {reason}"));
    }
}
impl Handler<Ping> for SlowStart {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        self.log.push(format!("ping {}", msg.0));
        msg.0
    }
}

/// Watches the given actor.
struct Watch(ActorRef<Busy>);
impl Message for Watch {
    type Reply = ();
}
impl Handler<Watch> for Busy {
    async fn handle(&mut self, msg: Watch, ctx: &mut Context<Self>) {
        ctx.watch(&msg.0);
    }
}

/// Blocks `busy` and fills its mailbox to the brim.
async fn blocked_and_full(busy: &ActorRef<Busy>) -> tokio::sync::oneshot::Sender<()> {
    let release = block(busy).await;
    for i in 0..4 {
        busy.try_tell(Ping(i)).unwrap();
    }
    assert!(busy.try_tell(Ping(99)).unwrap_err().is_full());
    release
}

#[tokio::test]
async fn stop_with_a_full_mailbox_is_handled_before_the_queued_messages() {
    let system = ActorSystem::new();
    let log = Log::default();
    let busy = system.spawn(Busy { log: log.clone() });
    let release = blocked_and_full(&busy).await;
    busy.stop();
    release.send(()).unwrap();
    assert_eq!(busy.wait_for_stop().await, StopReason::Normal);
    assert_eq!(log.entries(), ["on_stop: normal"], "no queued ping was handled");
    assert_eq!(system.dead_letter_count(), 4);
}

#[tokio::test]
async fn kill_with_a_full_mailbox_takes_effect_without_the_handler_finishing() {
    let system = ActorSystem::new();
    let log = Log::default();
    let busy = system.spawn(Busy { log: log.clone() });
    let _release = blocked_and_full(&busy).await; // never sent
    busy.kill();
    assert_eq!(busy.wait_for_stop().await, StopReason::Killed);
    assert!(log.entries().is_empty());
    assert_eq!(system.dead_letter_count(), 4);
}

#[tokio::test]
async fn system_shutdown_reaches_an_actor_with_a_full_mailbox() {
    let system = ActorSystem::new();
    let log = Log::default();
    let busy = system.spawn(Busy { log: log.clone() });
    let release = blocked_and_full(&busy).await;
    let (_, ()) = tokio::join!(system.shutdown(), async { release.send(()).unwrap() });
    assert_eq!(busy.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(log.entries(), ["on_stop: shutdown"]);
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn a_watch_notice_overtakes_a_full_mailbox() {
    let system = ActorSystem::new();
    let log = Log::default();
    let watcher = system.spawn(Busy { log: log.clone() });
    let target = system.spawn(Busy { log: Log::default() });
    watcher.ask(Watch(target.clone())).await.unwrap();
    let release = blocked_and_full(&watcher).await;
    target.stop();
    target.wait_for_stop().await;
    release.send(()).unwrap();
    watcher.ask(Ping(100)).await.unwrap();
    assert_eq!(log.entries(), ["terminated: normal", "ping 0", "ping 1", "ping 2", "ping 3", "ping 100"]);
    system.shutdown().await;
}

#[tokio::test]
async fn a_stop_sent_during_on_start_overtakes_the_messages_queued_meanwhile() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (go, gate) = tokio::sync::oneshot::channel();
    let slow = system.spawn(SlowStart { go: Some(gate), log: log.clone() });
    for i in 0..3 {
        slow.tell(Ping(i)).await.unwrap();
    }
    slow.stop();
    go.send(()).unwrap();
    assert_eq!(slow.wait_for_stop().await, StopReason::Normal);
    assert_eq!(log.entries(), ["on_stop: normal"]);
    assert_eq!(system.dead_letter_count(), 3);
}
