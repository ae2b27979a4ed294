//! Nothing is lost silently: every message is either handled, handed back
//! to its sender, or counted as a dead letter, also on unbounded mailboxes
//! and when actors stop while many senders are busy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actor_core::prelude::*;

use crate::common::{block, Handled, Log, Ping, Worker};

fn worker() -> Worker {
    Worker::new("w", &Log::default())
}

#[tokio::test]
async fn an_unbounded_mailbox_hands_messages_back_once_stopped() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().unbounded());
    w.stop();
    w.wait_for_stop().await;
    match w.try_tell(Ping(5)) {
        Err(SendError::Closed(Ping(5))) => {}
        other => panic!("expected Closed(Ping(5)), got {other:?}"),
    }
    assert_eq!(w.tell(Ping(6)).await.unwrap_err().into_inner().0, 6);
    assert_eq!(w.ask(Ping(7)).await, Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(w.ask(Ping(8)).no_wait().await, Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(system.dead_letter_count(), 4);
}

#[tokio::test]
async fn messages_queued_in_an_unbounded_mailbox_at_stop_are_dead_letters() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().unbounded());
    let release = block(&w).await;
    for i in 0..5 {
        w.try_tell(Ping(i)).unwrap();
    }
    w.stop();
    release.send(()).unwrap();
    w.wait_for_stop().await;
    assert_eq!(system.dead_letter_count(), 5);
}

#[tokio::test]
async fn a_killed_or_failed_actor_dead_letters_its_queue_too() {
    let system = ActorSystem::new();
    let killed = system.spawn(worker());
    let release_killed = block(&killed).await;
    for i in 0..3 {
        killed.try_tell(Ping(i)).unwrap();
    }
    killed.kill();
    killed.wait_for_stop().await;
    drop(release_killed);
    assert_eq!(system.dead_letter_count(), 3);

    let failed = system.spawn(worker());
    let release_failed = block(&failed).await;
    failed.try_tell(crate::common::Boom("dead letter boom")).unwrap();
    failed.try_tell(Ping(1)).unwrap();
    failed.try_tell(Ping(2)).unwrap();
    release_failed.send(()).unwrap();
    assert!(matches!(failed.wait_for_stop().await, StopReason::Panicked(_)));
    assert_eq!(system.dead_letter_count(), 5, "the two pings behind the panic");
}

/// Counts what it handles in a counter the test can read after it stops.
struct Tally(Arc<AtomicU64>);
impl Actor for Tally {}
impl Handler<Ping> for Tally {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed);
        if msg.0.is_multiple_of(7) {
            tokio::task::yield_now().await; // let queues build up
        }
        msg.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_actors_under_busy_senders_accounts_for_every_message() {
    const ACTORS: usize = 16;
    const SENDERS: u64 = 4; // each stops ACTORS / SENDERS actors
    const PER_SENDER: u64 = 2_000;
    let system = ActorSystem::new();
    let handled = Arc::new(AtomicU64::new(0));
    let actors: Vec<_> = (0..ACTORS)
        .map(|_| system.spawn_with(Tally(handled.clone()), SpawnOptions::new().capacity(8)))
        .collect();

    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let actors = actors.clone();
            tokio::spawn(async move {
                for n in 0..PER_SENDER {
                    // Each sender stops four actors along the way, while
                    // the other senders keep sending to them.
                    if n % (PER_SENDER / 4) == PER_SENDER / 8 {
                        let k = (n / (PER_SENDER / 4)) as usize;
                        actors[s as usize * 4 + k].stop();
                    }
                    let to = &actors[((s * PER_SENDER + n) as usize) % ACTORS];
                    // Half tells, half asks: neither may vanish.
                    if n % 2 == 0 {
                        let _ = to.tell(Ping(n)).await;
                    } else {
                        let _ = to.ask(Ping(n)).await;
                    }
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    for actor in &actors {
        assert_eq!(actor.wait_for_stop().await, StopReason::Normal);
    }
    let total = SENDERS * PER_SENDER;
    let handled = handled.load(Ordering::Relaxed);
    assert!(handled > 0, "the actors worked before they were stopped");
    assert_eq!(
        handled + system.dead_letter_count(),
        total,
        "handled {handled} + dead letters {} != sent {total}",
        system.dead_letter_count()
    );
}

#[tokio::test]
async fn a_full_mailbox_refusal_is_not_a_dead_letter() {
    let system = ActorSystem::new();
    let w = system.spawn_with(worker(), SpawnOptions::new().capacity(1));
    let release = block(&w).await;
    w.try_tell(Ping(0)).unwrap();
    for i in 1..=5 {
        assert!(w.try_tell(Ping(i)).unwrap_err().is_full());
    }
    assert_eq!(system.dead_letter_count(), 0);
    release.send(()).unwrap();
    assert_eq!(w.ask(Handled).await, Ok(1));
    system.shutdown().await;
}
