//! `drain_and_stop` and `shutdown_draining`: stop after the queue, refuse
//! what comes after the request.

use std::future::IntoFuture;
use std::time::Duration;

use actor_core::events::ActorRestarted;
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Restart, Supervisor};

use crate::common::{block, is_pending, Block, Log};

#[derive(Default)]
struct Recorder {
    log: Log,
}
impl Actor for Recorder {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("stopped: {reason}"));
    }
}

struct Note(u32);
impl Message for Note {
    type Reply = u32;
}
impl Handler<Note> for Recorder {
    async fn handle(&mut self, msg: Note, _ctx: &mut Context<Self>) -> u32 {
        self.log.push(format!("note {}", msg.0));
        msg.0
    }
}
impl Handler<Block> for Recorder {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
    }
}

#[tokio::test]
async fn everything_queued_before_the_request_is_handled_and_nothing_after() {
    let log = Log::default();
    let system = ActorSystem::new();
    let recorder = system.spawn(Recorder { log: log.clone() });
    let release = block(&recorder).await;
    for n in 1..=3 {
        recorder.tell(Note(n)).await.unwrap();
    }
    let mut asked = std::pin::pin!(recorder.ask(Note(4)).into_future());
    assert!(is_pending(asked.as_mut())); // queued behind the three notes

    recorder.drain_and_stop();
    assert!(matches!(recorder.try_tell(Note(5)), Err(SendError::Closed(Note(5)))));
    assert_eq!(system.dead_letter_count(), 1);
    drop(release);

    assert_eq!(asked.await, Ok(4));
    assert_eq!(recorder.wait_for_stop().await, StopReason::Normal);
    assert_eq!(log.entries(), ["note 1", "note 2", "note 3", "note 4", "stopped: normal"]);
    system.shutdown().await;
}

#[tokio::test]
async fn a_drained_permanent_child_is_restarted_with_an_open_mailbox() {
    let log = Log::default();
    let system = ActorSystem::new();
    let sup = Supervisor::builder()
        .max_restarts(5, Duration::from_secs(5))
        .child(ChildSpec::new("rec", {
            let log = log.clone();
            move || Recorder { log: log.clone() }
        }))
        .spawn(&system)
        .await
        .unwrap();
    let recorder = sup.child::<Recorder>("rec").await.unwrap();
    let mut restarts = system.events().subscribe::<ActorRestarted>();
    recorder.tell(Note(1)).await.unwrap();
    recorder.drain_and_stop();
    // Refused while it drains (it is not stopping for good: no reason yet).
    assert_eq!(recorder.ask(Note(9)).await, Err(AskError::Stopped(None)));
    // The next incarnation takes messages again.
    let restarted = restarts.recv().await.unwrap();
    assert_eq!((restarted.id, restarted.reason), (recorder.id(), StopReason::Normal));
    assert_eq!(recorder.ask(Note(2)).await, Ok(2));
    assert!(recorder.is_alive());
    assert_eq!(log.entries(), ["note 1", "stopped: normal", "note 2"]);
    system.shutdown().await;
}

#[tokio::test]
async fn a_drained_transient_child_is_not_restarted() {
    let system = ActorSystem::new();
    let sup = Supervisor::builder()
        .child(ChildSpec::new("rec", Recorder::default).restart(Restart::Transient))
        .spawn(&system)
        .await
        .unwrap();
    let recorder = sup.child::<Recorder>("rec").await.unwrap();
    recorder.drain_and_stop();
    assert_eq!(recorder.wait_for_stop().await, StopReason::Normal);
    assert!(matches!(recorder.try_tell(Note(1)), Err(SendError::Closed(_))));
    system.shutdown().await;
}

#[tokio::test]
async fn shutdown_draining_handles_every_queued_message_first() {
    let log = Log::default();
    let system = ActorSystem::new();
    let recorder = system.spawn(Recorder { log: log.clone() });
    let release = block(&recorder).await;
    for n in 1..=50 {
        recorder.tell(Note(n)).await.unwrap();
    }
    let shutting_down = {
        let system = system.clone();
        tokio::spawn(async move { system.shutdown_draining(Duration::from_secs(5)).await })
    };
    // One turn of this current-thread runtime: the shutdown asks for the
    // drain, then waits; from then on sends are refused.
    tokio::task::yield_now().await;
    assert!(matches!(recorder.try_tell(Note(0)), Err(SendError::Closed(_))));
    drop(release);
    shutting_down.await.unwrap();
    let entries = log.entries();
    assert_eq!(entries.len(), 51);
    assert_eq!(entries.last().map(String::as_str), Some("stopped: shutdown"));
    assert_eq!(recorder.wait_for_stop().await, StopReason::Shutdown);
}
