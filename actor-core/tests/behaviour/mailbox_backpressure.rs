//! Bounded mailboxes: exactly `capacity` messages get in while the actor is
//! busy, `try_tell` hands the next one back, `tell` waits for space.
//! Capacity per actor type (`Actor::MAILBOX`) and per spawn (`SpawnOptions`).

use std::pin::pin;
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::DEFAULT_MAILBOX_CAPACITY;
use futures_util::FutureExt;

use crate::common::{block, is_pending, Block, Handled, Log, Ping, Worker};

fn worker() -> Worker {
    Worker::new("w", &Log::default())
}

/// An actor whose type asks for a mailbox of 3.
#[derive(Default)]
struct Small {
    handled: usize,
}
impl Actor for Small {
    const MAILBOX: MailboxCapacity = MailboxCapacity::Bounded(3);
}

/// An actor whose type asks for an unbounded mailbox.
#[derive(Default)]
struct Endless {
    handled: usize,
}
impl Actor for Endless {
    const MAILBOX: MailboxCapacity = MailboxCapacity::Unbounded;
}

macro_rules! counting_handlers {
    ($actor:ty) => {
        impl Handler<Ping> for $actor {
            async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
                self.handled += 1;
                msg.0
            }
        }
        impl Handler<Handled> for $actor {
            async fn handle(&mut self, _: Handled, _ctx: &mut Context<Self>) -> usize {
                self.handled
            }
        }
        impl Handler<Block> for $actor {
            async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
                msg.run().await;
            }
        }
    };
}
counting_handlers!(Small);
counting_handlers!(Endless);

/// Blocks `actor`, then counts how many `try_tell`s get in before the first
/// `Full` (giving up at `limit`). Releases the actor and checks that exactly
/// the accepted messages were handled.
async fn accepted_while_blocked<A>(actor: &ActorRef<A>, limit: u64) -> u64
where
    A: Handler<Block> + Handler<Ping> + Handler<Handled>,
{
    let release = block(actor).await;
    let mut accepted = 0;
    while accepted < limit {
        match actor.try_tell(Ping(accepted)) {
            Ok(()) => accepted += 1,
            Err(SendError::Full(Ping(n))) => {
                assert_eq!(n, accepted, "Full hands back the refused message");
                break;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    release.send(()).unwrap();
    assert_eq!(actor.ask(Handled).await, Ok(accepted as usize));
    accepted
}

#[tokio::test]
async fn a_blocked_actor_takes_exactly_capacity_messages_then_try_tell_is_full() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(3));
    let release = block(&w).await;
    for i in 0..3 {
        w.try_tell(Ping(i)).unwrap();
    }
    assert_eq!(w.mailbox_len(), Some(3));
    let err = w.try_tell(Ping(99)).unwrap_err();
    assert!(err.is_full() && !err.is_closed());
    assert_eq!(err.to_string(), "mailbox full");
    assert_eq!(err.into_inner().0, 99);
    assert!(matches!(w.recipient::<Ping>().try_tell(Ping(100)), Err(SendError::Full(Ping(100)))));
    assert_eq!(system.dead_letter_count(), 0, "Full is not a dead letter");
    release.send(()).unwrap();
    assert_eq!(w.ask(Handled).await, Ok(3), "refused messages are not delivered");
    assert_eq!(w.mailbox_len(), Some(0));
    system.shutdown().await;
}

#[tokio::test]
async fn tell_waits_while_the_mailbox_is_full_and_completes_once_the_actor_drains() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(2));
    let release = block(&w).await;
    w.tell(Ping(0)).await.unwrap();
    w.tell(Ping(1)).await.unwrap();
    let mut tell = pin!(w.tell(Ping(2)));
    assert!(is_pending(tell.as_mut()));
    let recipient = w.recipient::<Ping>();
    let mut via_recipient = pin!(recipient.tell(Ping(3)));
    assert!(is_pending(via_recipient.as_mut()));
    assert!(is_pending(tell.as_mut()), "still full: nothing was handled");
    release.send(()).unwrap();
    tell.await.unwrap();
    via_recipient.await.unwrap();
    assert_eq!(w.ask(Handled).await, Ok(4));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_tell_given_up_while_waiting_for_space_sends_nothing() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(1));
    let release = block(&w).await;
    w.tell(Ping(0)).await.unwrap();
    let waited = tokio::time::timeout(Duration::from_secs(10), w.tell(Ping(1))).await;
    assert!(waited.is_err(), "tell must wait while the mailbox is full");
    release.send(()).unwrap();
    assert_eq!(w.ask(Handled).await, Ok(1), "the cancelled tell queued nothing");
    system.shutdown().await;
}

#[tokio::test]
async fn a_stop_while_tell_waits_for_space_hands_that_message_back_too() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(1));
    let release = block(&w).await;
    w.tell(Ping(0)).await.unwrap();
    let mut tell = pin!(w.tell(Ping(7)));
    assert!(is_pending(tell.as_mut()));
    w.stop();
    release.send(()).unwrap();
    match tell.await {
        Err(SendError::Closed(Ping(7))) => {}
        other => panic!("expected Closed(Ping(7)), got {other:?}"),
    }
    w.wait_for_stop().await;
    // The queued Ping(0) and the refused Ping(7): nothing silently lost.
    assert_eq!(system.dead_letter_count(), 2);
}

#[tokio::test]
async fn capacity_comes_from_the_actor_type() {
    let system = ActorSystem::new();
    let small = system.spawn(Small::default());
    assert_eq!(accepted_while_blocked(&small, 100).await, 3);
    system.shutdown().await;
}

#[tokio::test]
async fn spawn_options_capacity_overrides_the_actor_type() {
    let system = ActorSystem::new();
    let bigger = system.spawn_with(Small::default(), SpawnOptions::new().capacity(5));
    assert_eq!(accepted_while_blocked(&bigger, 100).await, 5);
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(7));
    assert_eq!(accepted_while_blocked(&w, 100).await, 7);
    system.shutdown().await;
}

#[tokio::test]
async fn capacity_zero_is_treated_as_one() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(0));
    assert_eq!(accepted_while_blocked(&w, 100).await, 1);
    system.shutdown().await;
}

#[tokio::test]
async fn the_default_capacity_is_default_mailbox_capacity() {
    assert_eq!(MailboxCapacity::default(), MailboxCapacity::Bounded(DEFAULT_MAILBOX_CAPACITY));
    assert_eq!(MailboxCapacity::DEFAULT, MailboxCapacity::Bounded(DEFAULT_MAILBOX_CAPACITY));
    let system = ActorSystem::new();
    let w = system.spawn(worker());
    let limit = DEFAULT_MAILBOX_CAPACITY as u64 * 2;
    assert_eq!(accepted_while_blocked(&w, limit).await, DEFAULT_MAILBOX_CAPACITY as u64);
    let named = system.spawn_with(worker(), SpawnOptions::new().name("only a name"));
    assert_eq!(accepted_while_blocked(&named, limit).await, DEFAULT_MAILBOX_CAPACITY as u64);
    system.shutdown().await;
}

#[tokio::test]
async fn an_unbounded_spawn_never_refuses_and_tell_never_waits() {
    let system = ActorSystem::new();
    let w = system.spawn_with(Small::default(), SpawnOptions::new().unbounded());
    assert_eq!(w.mailbox_len(), Some(0));
    let release = block(&w).await;
    let many = DEFAULT_MAILBOX_CAPACITY as u64 * 4;
    for i in 0..many {
        w.try_tell(Ping(i)).unwrap();
    }
    // tell completes on its first poll.
    assert!(matches!(w.tell(Ping(many)).now_or_never(), Some(Ok(()))));
    release.send(()).unwrap();
    assert_eq!(w.ask(Handled).await, Ok(many as usize + 1));
    system.shutdown().await;
}

#[tokio::test]
async fn an_actor_type_can_ask_for_an_unbounded_mailbox() {
    let system = ActorSystem::new();
    let e = system.spawn(Endless::default());
    assert_eq!(e.mailbox_len(), Some(0));
    let limit = DEFAULT_MAILBOX_CAPACITY as u64 * 3;
    assert_eq!(accepted_while_blocked(&e, limit).await, limit);
    // ... and a spawn can bound it again.
    let bounded = system.spawn_with(Endless::default(), SpawnOptions::new().capacity(2));
    assert_eq!(accepted_while_blocked(&bounded, limit).await, 2);
    system.shutdown().await;
}

#[tokio::test]
async fn a_huge_capacity_is_accepted_like_any_other() {
    let system = ActorSystem::new();
    // Documented as "a bounded mailbox of `capacity` messages"; no upper
    // limit or panic is mentioned, and 0 is clamped, so huge values should be too.
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(usize::MAX));
    assert_eq!(w.ask(Ping(1)).await, Ok(1));
    system.shutdown().await;
}
