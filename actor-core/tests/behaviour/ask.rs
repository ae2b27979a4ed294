//! `ask`: replies, `.timeout(d)`, `.no_wait()`, and the promise that an ask
//! never hangs on an actor that stops or panics.

use std::future::IntoFuture;
use std::pin::pin;
use std::time::Duration;

use actor_core::prelude::*;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::common::{block, is_pending, Boom, Handled, Log, Ping, Worker};

fn worker() -> Worker {
    Worker::new("w", &Log::default())
}

/// Sleeps for the given time, then answers.
struct Slow(Duration);
impl Message for Slow {
    type Reply = &'static str;
}
impl Handler<Slow> for Worker {
    async fn handle(&mut self, msg: Slow, _ctx: &mut Context<Self>) -> &'static str {
        tokio::time::sleep(msg.0).await;
        "slept"
    }
}

/// Says it has started, then never answers.
struct Forever(oneshot::Sender<()>);
impl Message for Forever {
    type Reply = u64;
}
impl Handler<Forever> for Worker {
    async fn handle(&mut self, msg: Forever, _ctx: &mut Context<Self>) -> u64 {
        let _ = msg.0.send(());
        std::future::pending().await
    }
}

#[tokio::test]
async fn ask_returns_the_handlers_reply() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    assert_eq!(w.ask(Ping(41)).await, Ok(41));
    assert_eq!(w.ask(Ping(7)).await, Ok(7));
    assert_eq!(w.ask(Handled).await, Ok(2));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn ask_timeout_gives_up_on_a_slow_handler_and_the_actor_carries_on() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let start = Instant::now();
    let res = w.ask(Slow(Duration::from_secs(3600))).timeout(Duration::from_secs(1)).await;
    assert_eq!(res, Err(AskError::Timeout));
    let waited = start.elapsed();
    assert!(waited >= Duration::from_secs(1) && waited < Duration::from_secs(2), "waited {waited:?}");
    // The slow handler still finishes; the actor then answers as usual.
    assert_eq!(w.ask(Ping(3)).await, Ok(3));
    assert!(start.elapsed() >= Duration::from_secs(3600));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn ask_timeout_returns_the_reply_when_it_comes_in_time() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let res = w.ask(Slow(Duration::from_secs(1))).timeout(Duration::from_secs(2)).await;
    assert_eq!(res, Ok("slept"));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn ask_timeout_includes_time_spent_waiting_for_mailbox_space() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(1));
    let release = block(&w).await;
    w.try_tell(Ping(0)).unwrap(); // mailbox now full
    let start = Instant::now();
    let res = w.ask(Ping(1)).timeout(Duration::from_secs(5)).await;
    assert_eq!(res, Err(AskError::Timeout));
    assert!(start.elapsed() >= Duration::from_secs(5));
    release.send(()).unwrap();
    // The timed-out ask was never queued: only the filler was handled.
    assert_eq!(w.ask(Handled).await, Ok(1));
    system.shutdown().await;
}

#[tokio::test]
async fn ask_no_wait_on_a_full_mailbox_is_mailbox_full() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(2));
    let release = block(&w).await;
    w.try_tell(Ping(0)).unwrap();
    w.try_tell(Ping(1)).unwrap();
    assert_eq!(w.ask(Ping(2)).no_wait().await, Err(AskError::MailboxFull));
    assert_eq!(system.dead_letter_count(), 0, "a full mailbox is not a dead letter");
    release.send(()).unwrap();
    assert_eq!(w.ask(Handled).await, Ok(2));
    // With space, no_wait asks go through as usual.
    assert_eq!(w.ask(Ping(5)).no_wait().await, Ok(5));
    system.shutdown().await;
}

#[tokio::test]
async fn ask_waits_for_mailbox_space_by_default() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(1));
    let release = block(&w).await;
    w.try_tell(Ping(0)).unwrap();
    let mut ask = pin!(w.ask(Ping(9)).into_future());
    assert!(is_pending(ask.as_mut()));
    assert!(is_pending(ask.as_mut()), "still no space while the actor is blocked");
    release.send(()).unwrap();
    assert_eq!(ask.await, Ok(9));
    system.shutdown().await;
}

#[tokio::test]
async fn ask_gets_stopped_when_the_handler_panics() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    assert_eq!(w.ask(Boom("ask boom")).await, Err(AskError::Failed(StopReason::Panicked("ask boom".into()))));
    assert_eq!(w.wait_for_stop().await, StopReason::Panicked("ask boom".into()));
}

#[tokio::test]
async fn asks_queued_behind_a_panic_get_stopped() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let release = block(&w).await;
    let mut boom = pin!(w.ask(Boom("first")).into_future());
    let mut behind = pin!(w.ask(Ping(1)).into_future());
    assert!(is_pending(boom.as_mut()) && is_pending(behind.as_mut()));
    assert_eq!(w.mailbox_len(), Some(2));
    release.send(()).unwrap();
    let panicked = StopReason::Panicked("first".into());
    assert_eq!(boom.await, Err(AskError::Failed(panicked.clone())), "failed while handling it");
    assert_eq!(behind.await, Err(AskError::Stopped(Some(panicked))), "stopped before it was handled");
}

#[tokio::test]
async fn ask_to_an_actor_stopped_before_is_stopped() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    w.stop();
    w.wait_for_stop().await;
    assert_eq!(w.ask(Ping(1)).await, Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(w.ask(Ping(1)).no_wait().await, Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(
        w.ask(Ping(1)).timeout(Duration::from_secs(60)).await,
        Err(AskError::Stopped(Some(StopReason::Normal)))
    );
}

#[tokio::test]
async fn ask_still_queued_when_the_actor_stops_is_stopped() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let release = block(&w).await;
    let mut ask = pin!(w.ask(Ping(1)).into_future());
    assert!(is_pending(ask.as_mut()));
    assert_eq!(w.mailbox_len(), Some(1), "the ask is queued");
    w.stop();
    release.send(()).unwrap();
    assert_eq!(ask.await, Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(w.wait_for_stop().await, StopReason::Normal);
}

#[tokio::test]
async fn ask_waiting_for_space_when_the_actor_stops_is_stopped() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(1));
    let release = block(&w).await;
    w.try_tell(Ping(0)).unwrap();
    let mut ask = pin!(w.ask(Ping(1)).into_future());
    assert!(is_pending(ask.as_mut()), "waiting for space");
    w.stop();
    release.send(()).unwrap();
    assert_eq!(ask.await, Err(AskError::Stopped(Some(StopReason::Normal))));
}

#[tokio::test]
async fn ask_in_progress_when_the_actor_is_killed_is_stopped() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let (started_tx, started_rx) = oneshot::channel();
    let mut ask = pin!(w.ask(Forever(started_tx)).into_future());
    assert!(is_pending(ask.as_mut()));
    started_rx.await.unwrap(); // the handler is running and will never return
    w.kill();
    assert_eq!(ask.await, Err(AskError::Failed(StopReason::Killed)));
    assert_eq!(w.wait_for_stop().await, StopReason::Killed);
}

#[tokio::test]
async fn recipient_ask_and_tell_reach_the_actor() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let r: Recipient<Ping> = w.recipient();
    assert_eq!(r.id(), w.id());
    assert_eq!(r.ask(Ping(12)).await, Ok(12));
    r.tell(Ping(0)).await.unwrap();
    r.try_tell(Ping(0)).unwrap();
    assert_eq!(w.ask(Handled).await, Ok(3));
    assert!(r.is_alive());
    w.stop();
    assert_eq!(r.wait_for_stop().await, StopReason::Normal);
    assert!(!r.is_alive());
    assert_eq!(r.ask(Ping(1)).await, Err(AskError::Stopped(Some(StopReason::Normal))));
}
