//! Deferred replies (`Context::defer`, `Deferred::channel`): the mailbox
//! keeps moving while a reply is pending; an actor that stops drops the
//! pending work and the asker gets `AskError::Stopped`.

use std::pin::pin;

use actor_core::prelude::*;
use actor_core::ReplyTo;
use tokio::sync::oneshot;

use crate::common::{is_pending, Handled, Log, Ping, Worker};

/// Doubles a number that arrives later, off the mailbox.
struct Fetch(oneshot::Receiver<u32>);
impl Message for Fetch {
    type Reply = Deferred<u32>;
}
impl Handler<Fetch> for Worker {
    async fn handle(&mut self, msg: Fetch, ctx: &mut Context<Self>) -> Deferred<u32> {
        ctx.defer(async move { msg.0.await.expect("the test sends or the work is dropped") * 2 })
    }
}

/// Answers later, from whichever message fulfils the stored `ReplyTo`.
#[derive(Default)]
struct Desk {
    pending: Option<ReplyTo<String>>,
}
impl Actor for Desk {}

struct Later;
impl Message for Later {
    type Reply = Deferred<String>;
}
impl Handler<Later> for Desk {
    async fn handle(&mut self, _: Later, _ctx: &mut Context<Self>) -> Deferred<String> {
        let (reply_to, deferred) = Deferred::channel();
        self.pending = Some(reply_to);
        deferred
    }
}

/// Fulfils the pending reply; says whether the asker was still there.
struct Fulfil(&'static str);
impl Message for Fulfil {
    type Reply = Result<(), String>;
}
impl Handler<Fulfil> for Desk {
    async fn handle(&mut self, msg: Fulfil, _ctx: &mut Context<Self>) -> Result<(), String> {
        let reply_to = self.pending.take().expect("a pending reply");
        let was_closed = reply_to.is_closed();
        let sent = reply_to.send(msg.0.to_owned());
        assert_eq!(was_closed, sent.is_err());
        sent
    }
}

#[tokio::test]
async fn the_mailbox_keeps_moving_while_a_deferred_reply_is_pending() {
    let system = ActorSystem::new();
    let w = system.spawn(Worker::new("w", &Log::default()));
    let (gate, gated) = oneshot::channel();
    let mut deferred = pin!(w.ask(Fetch(gated)).await.unwrap());
    assert!(is_pending(deferred.as_mut()));
    for i in 0..3 {
        assert_eq!(w.ask(Ping(i)).await, Ok(i), "the actor answers meanwhile");
    }
    assert!(is_pending(deferred.as_mut()), "still waiting for its work");
    gate.send(21).unwrap();
    assert_eq!(deferred.await, Ok(42));
    assert_eq!(w.ask(Handled).await, Ok(3));
    system.shutdown().await;
}

#[tokio::test]
async fn deferred_replies_complete_independently_of_each_other() {
    let system = ActorSystem::new();
    let w = system.spawn(Worker::default());
    let (gate1, gated1) = oneshot::channel();
    let (gate2, gated2) = oneshot::channel();
    let mut first = pin!(w.ask(Fetch(gated1)).await.unwrap());
    let second = w.ask(Fetch(gated2)).await.unwrap();
    gate2.send(5).unwrap();
    assert_eq!(second.await, Ok(10));
    assert!(is_pending(first.as_mut()));
    gate1.send(1).unwrap();
    assert_eq!(first.await, Ok(2));
    system.shutdown().await;
}

#[tokio::test]
async fn stopping_the_actor_drops_deferred_work_and_the_asker_gets_stopped() {
    let system = ActorSystem::new();
    let w = system.spawn(Worker::default());
    let (gate, gated) = oneshot::channel::<u32>();
    let deferred = w.ask(Fetch(gated)).await.unwrap();
    w.stop();
    assert_eq!(w.wait_for_stop().await, StopReason::Normal);
    assert_eq!(deferred.await, Err(AskError::Stopped(None)));
    assert!(gate.is_closed(), "the deferred work was dropped");
}

#[tokio::test]
async fn killing_the_actor_drops_deferred_work_too() {
    let system = ActorSystem::new();
    let w = system.spawn(Worker::default());
    let (gate, gated) = oneshot::channel::<u32>();
    let deferred = w.ask(Fetch(gated)).await.unwrap();
    w.kill();
    assert_eq!(w.wait_for_stop().await, StopReason::Killed);
    assert_eq!(deferred.await, Err(AskError::Stopped(None)));
    assert!(gate.is_closed());
}

#[tokio::test]
async fn a_reply_kept_in_state_is_fulfilled_by_a_later_message() {
    let system = ActorSystem::new();
    let desk = system.spawn(Desk::default());
    let mut deferred = pin!(desk.ask(Later).await.unwrap());
    assert!(is_pending(deferred.as_mut()));
    assert_eq!(desk.ask(Fulfil("done")).await, Ok(Ok(())));
    assert_eq!(deferred.await, Ok("done".to_owned()));
    system.shutdown().await;
}

#[tokio::test]
async fn a_reply_kept_in_state_gives_stopped_when_the_actor_stops() {
    let system = ActorSystem::new();
    let desk = system.spawn(Desk::default());
    let deferred = desk.ask(Later).await.unwrap();
    desk.stop();
    desk.wait_for_stop().await;
    assert_eq!(deferred.await, Err(AskError::Stopped(None)));
}

#[tokio::test]
async fn fulfilling_a_reply_nobody_waits_for_hands_the_value_back() {
    let system = ActorSystem::new();
    let desk = system.spawn(Desk::default());
    let deferred = desk.ask(Later).await.unwrap();
    drop(deferred); // the asker gave up
    assert_eq!(desk.ask(Fulfil("unwanted")).await, Ok(Err("unwanted".to_owned())));
    assert!(desk.is_alive());
    system.shutdown().await;
}
