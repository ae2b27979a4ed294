//! `tell`, `try_tell` and `blocking_tell`: delivery, and errors that hand the
//! message back and count a dead letter.

use std::panic::{catch_unwind, AssertUnwindSafe};

use actor_core::prelude::*;
use tokio::sync::oneshot;

use crate::common::{Handled, Log, Ping, Worker};

fn worker() -> Worker {
    Worker::new("w", &Log::default())
}

#[tokio::test]
async fn tell_and_try_tell_deliver_every_message() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    for i in 0..5 {
        w.tell(Ping(i)).await.unwrap();
    }
    for i in 0..3 {
        w.try_tell(Ping(i)).unwrap();
    }
    assert_eq!(w.ask(Handled).await, Ok(8));
    assert_eq!(system.dead_letter_count(), 0);
    system.shutdown().await;
}

#[tokio::test]
async fn every_send_to_a_stopped_actor_is_closed_with_the_message_and_a_dead_letter() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    w.stop();
    assert_eq!(w.wait_for_stop().await, StopReason::Normal);
    let before = system.dead_letter_count();

    let err = w.tell(Ping(7)).await.unwrap_err();
    assert!(err.is_closed() && !err.is_full());
    assert_eq!(err.to_string(), "actor stopped");
    assert_eq!(err.into_inner().0, 7);
    assert_eq!(system.dead_letter_count(), before + 1);

    match w.try_tell(Ping(8)) {
        Err(SendError::Closed(Ping(8))) => {}
        other => panic!("expected Closed(Ping(8)), got {other:?}"),
    }
    assert_eq!(system.dead_letter_count(), before + 2);

    let r: Recipient<Ping> = w.recipient();
    assert_eq!(r.tell(Ping(9)).await.unwrap_err().into_inner().0, 9);
    assert_eq!(r.try_tell(Ping(10)).unwrap_err().into_inner().0, 10);
    assert_eq!(system.dead_letter_count(), before + 4);

    assert_eq!(w.ask(Ping(11)).await, Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(system.dead_letter_count(), before + 5);
}

#[tokio::test]
async fn blocking_tell_from_a_plain_thread_waits_for_space_and_loses_nothing() {
    let system = ActorSystem::new();
    // A tiny mailbox, so the thread must block and resume many times.
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(2));
    let (done_tx, done_rx) = oneshot::channel();
    let sender = w.clone();
    std::thread::spawn(move || {
        let sent = (0..200).filter(|&i| sender.blocking_tell(Ping(i)).is_ok()).count();
        let _ = done_tx.send(sent);
    });
    // Awaiting (not joining) keeps this runtime free to run the actor.
    assert_eq!(done_rx.await.unwrap(), 200);
    assert_eq!(w.ask(Handled).await, Ok(200));
    system.shutdown().await;
}

#[tokio::test]
async fn blocking_tell_to_a_stopped_actor_hands_the_message_back() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    w.stop();
    w.wait_for_stop().await;
    let (done_tx, done_rx) = oneshot::channel();
    let sender = w.clone();
    std::thread::spawn(move || {
        let result = sender.blocking_tell(Ping(42)).map_err(|e| (e.is_closed(), e.into_inner().0));
        let _ = done_tx.send(result);
    });
    assert_eq!(done_rx.await.unwrap(), Err((true, 42)));
    assert_eq!(system.dead_letter_count(), 1);
}

#[tokio::test]
async fn blocking_tell_panics_inside_a_runtime_and_sends_nothing() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let outcome = catch_unwind(AssertUnwindSafe(|| w.blocking_tell(Ping(1))));
    let panic = outcome.expect_err("blocking_tell must panic inside a runtime");
    let text = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(text.contains("blocking_tell"), "panic message names the method: {text:?}");
    // The actor is unaffected and got nothing.
    assert!(w.is_alive());
    assert_eq!(w.ask(Handled).await, Ok(0));
    system.shutdown().await;
}

/// `spawn_blocking` is where synchronous code lives in a tokio program; its
/// threads do not run async tasks, so blocking there stalls nothing, and
/// tokio's own `blocking_send` works there.
#[tokio::test]
async fn blocking_tell_works_inside_spawn_blocking() {
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let sender = w.clone();
    let sent = tokio::task::spawn_blocking(move || sender.blocking_tell(Ping(1)).is_ok()).await;
    assert!(matches!(sent, Ok(true)), "blocking_tell inside spawn_blocking: {sent:?}");
    assert_eq!(w.ask(Handled).await, Ok(1));
    system.shutdown().await;
}

#[tokio::test]
async fn send_error_debug_needs_no_debug_on_the_message() {
    struct Opaque; // deliberately not Debug
    impl Message for Opaque {
        type Reply = ();
    }
    impl Handler<Opaque> for Worker {
        async fn handle(&mut self, _: Opaque, _ctx: &mut Context<Self>) {}
    }
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    w.stop();
    w.wait_for_stop().await;
    let err = w.tell(Opaque).await.unwrap_err();
    assert_eq!(format!("{err:?}"), "Closed(..)");
}
