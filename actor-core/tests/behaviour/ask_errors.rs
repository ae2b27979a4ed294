//! An ask that gets no reply says why: the actor's stop reason, and
//! whether it stopped before the message or failed while handling it.

use std::future::IntoFuture;
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Shutdown, Supervisor};
use tokio::sync::oneshot;

use crate::common::{block, is_pending, Block};

#[derive(Default)]
struct Worker;
impl Actor for Worker {}

struct Boom;
impl Message for Boom {
    type Reply = u32;
}
impl Handler<Boom> for Worker {
    async fn handle(&mut self, _: Boom, _ctx: &mut Context<Self>) -> u32 {
        panic!("bad input");
    }
}

struct Echo(u32);
impl Message for Echo {
    type Reply = u32;
}
impl Handler<Echo> for Worker {
    async fn handle(&mut self, msg: Echo, _ctx: &mut Context<Self>) -> u32 {
        msg.0
    }
}

impl Handler<Block> for Worker {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
    }
}

fn panicked() -> StopReason {
    StopReason::Panicked("bad input".to_owned())
}

#[tokio::test]
async fn a_panic_while_handling_the_ask_is_failed_with_the_panic_text() {
    let system = ActorSystem::new();
    let worker = system.spawn(Worker);
    let err = worker.ask(Boom).await.unwrap_err();
    assert_eq!(err, AskError::Failed(panicked()));
    assert_eq!(err.to_string(), "actor failed while handling the message: panicked: bad input");
    system.shutdown().await;
}

#[tokio::test]
async fn an_ask_to_a_stopped_actor_is_stopped_with_its_reason() {
    let system = ActorSystem::new();
    let worker = system.spawn(Worker);
    worker.stop();
    worker.wait_for_stop().await;
    let err = worker.ask(Echo(1)).await.unwrap_err();
    assert_eq!(err, AskError::Stopped(Some(StopReason::Normal)));
    assert_eq!(err.to_string(), "actor stopped before handling the message (normal)");
    assert_eq!(err.reason(), Some(&StopReason::Normal));
    system.shutdown().await;
}

#[tokio::test]
async fn asks_queued_behind_a_fatal_message_are_stopped_not_failed() {
    let system = ActorSystem::new();
    let worker = system.spawn(Worker);
    let release = block(&worker).await;
    // Polled once, each ask is queued, in this order, behind the blocked
    // handler.
    let mut failing = std::pin::pin!(worker.ask(Boom).into_future());
    assert!(is_pending(failing.as_mut()));
    let mut queued = std::pin::pin!(worker.ask(Echo(7)).into_future());
    assert!(is_pending(queued.as_mut()));
    assert_eq!(worker.mailbox_len(), Some(2), "the two asks wait");
    drop(release);
    assert_eq!(failing.await, Err(AskError::Failed(panicked())));
    assert_eq!(queued.await, Err(AskError::Stopped(Some(panicked()))));
    system.shutdown().await;
}

#[tokio::test]
async fn a_kill_during_the_handler_is_failed_killed() {
    let system = ActorSystem::new();
    let worker = system.spawn(Worker);
    let (started, is_running) = oneshot::channel();
    let (_release, released) = oneshot::channel();
    let asking = tokio::spawn({
        let worker = worker.clone();
        async move { worker.ask(Block { started, release: released }).await }
    });
    is_running.await.unwrap();
    worker.kill();
    assert_eq!(asking.await.unwrap(), Err(AskError::Failed(StopReason::Killed)));
    system.shutdown().await;
}

#[tokio::test]
async fn a_restarted_actor_fails_the_ask_then_answers_the_next() {
    let system = ActorSystem::new();
    let sup = Supervisor::builder().child(ChildSpec::new("w", Worker::default)).spawn(&system).await.unwrap();
    let worker = sup.child::<Worker>("w").await.unwrap();
    assert_eq!(worker.ask(Boom).await, Err(AskError::Failed(panicked())));
    assert_eq!(worker.ask(Echo(3)).await, Ok(3));
    system.shutdown().await;
}

/// Its `on_stop` waits until the test lets it go.
struct SlowStop {
    release: Option<oneshot::Receiver<()>>,
}
impl Actor for SlowStop {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        if let Some(release) = self.release.take() {
            let _ = release.await;
        }
    }
}

#[tokio::test]
async fn a_child_that_will_not_be_restarted_reports_it_while_its_supervisor_escalates() {
    let system = ActorSystem::new();
    let (let_go, release) = oneshot::channel();
    let release = std::sync::Mutex::new(Some(release));
    let sup = Supervisor::builder()
        .max_restarts(0, Duration::from_secs(5))
        .child(ChildSpec::new("worker", Worker::default))
        .child(
            ChildSpec::new("slow", move || SlowStop { release: release.lock().unwrap().take() })
                .shutdown(Shutdown::Infinity),
        )
        .spawn(&system)
        .await
        .unwrap();
    let worker = sup.child::<Worker>("worker").await.unwrap();

    // The worker fails; the supervisor gives up and stops its children,
    // the slow one (started after the worker) waiting in on_stop.
    assert_eq!(worker.ask(Boom).await, Err(AskError::Failed(panicked())));
    assert_eq!(worker.wait_for_stop().await, panicked());

    // Meanwhile the escalation is still under way, and the worker's
    // address already says it is gone.
    assert!(sup.is_alive());
    assert!(!worker.is_alive());
    assert!(matches!(worker.try_tell(Echo(1)), Err(SendError::Closed(Echo(1)))));
    assert_eq!(worker.ask(Echo(1)).await, Err(AskError::Stopped(Some(panicked()))));

    let _ = let_go.send(());
    assert_eq!(sup.wait_for_stop().await, StopReason::Escalated);
    system.shutdown().await;
}
