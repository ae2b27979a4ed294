//! The introspection API tools read (`ActorSystem::actors`,
//! `ActorSystem::supervisors`, `EventStream::topics`): what a handler that
//! waits, a queued mailbox, a child and an actor subscriber look like.

use std::time::Duration;

use actor_core::events::{Overflow, SubscribeOptions};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Supervisor};
use actor_core::MailboxCapacity;
use tokio::sync::oneshot;

/// Waits in its handler until told to go on.
struct Gate;
impl Actor for Gate {}

struct Hold(oneshot::Receiver<()>, Option<oneshot::Sender<()>>);
impl Message for Hold {
    type Reply = ();
}
impl Handler<Hold> for Gate {
    async fn handle(&mut self, msg: Hold, _: &mut Context<Self>) {
        if let Some(entered) = msg.1 {
            let _ = entered.send(());
        }
        let _ = msg.0.await;
    }
}

#[derive(Clone, Debug)]
struct Tick;
impl Event for Tick {}
impl Message for Tick {
    type Reply = ();
}

struct Listener;
impl Actor for Listener {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.subscribe_with::<Tick>(SubscribeOptions::new().buffer(4).overflow(Overflow::DropNewest));
        Ok(())
    }
}
impl Handler<Tick> for Listener {
    async fn handle(&mut self, _: Tick, _: &mut Context<Self>) {}
}

#[tokio::test(start_paused = true)]
async fn a_waiting_handler_and_its_queue_show_in_the_actor_list() {
    let system = ActorSystem::new();
    let gate = system.spawn_with(Gate, SpawnOptions::new().name("gate").capacity(4));
    let (release, held) = oneshot::channel();
    let (entered, entering) = oneshot::channel();
    gate.tell(Hold(held, Some(entered))).await.unwrap();
    entering.await.unwrap();
    let mut later = Vec::new();
    for _ in 0..2 {
        let (tx, rx) = oneshot::channel();
        gate.tell(Hold(rx, None)).await.unwrap();
        later.push(tx);
    }
    tokio::time::advance(Duration::from_millis(250)).await;

    let info = system.actors().into_iter().find(|a| a.id == gate.id()).expect("listed");
    assert_eq!(info.name.as_deref(), Some("gate"));
    assert_eq!(info.actor_type, "Gate");
    assert!(info.top_level);
    assert_eq!(info.mailbox_len, Some(2));
    assert_eq!(info.mailbox_capacity, Some(MailboxCapacity::Bounded(4)));
    assert_eq!(info.handled, Some(0));
    let (message, elapsed) = info.handling.expect("handling");
    assert!(message.ends_with("Hold"), "{message}");
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");

    let _ = release.send(());
    for tx in later {
        let _ = tx.send(());
    }
    // One more, already released (its sender dropped): answered once the
    // three before it have been handled.
    let (gone, released) = oneshot::channel();
    drop(gone);
    gate.ask(Hold(released, None)).await.unwrap();
    let info = system.actors().into_iter().find(|a| a.id == gate.id()).expect("listed");
    assert_eq!(info.handled, Some(4));
    assert_eq!(info.handling, None);
    system.shutdown().await;
}

#[tokio::test]
async fn supervisors_lists_the_roots_only_and_children_are_not_top_level() {
    let system = ActorSystem::new();
    let root = Supervisor::builder()
        .child(ChildSpec::supervisor("inner", || {
            Supervisor::builder().child(ChildSpec::new("gate", || Gate))
        }))
        .spawn(&system)
        .await
        .unwrap();
    let roots = system.supervisors();
    assert_eq!(roots.iter().map(|r| r.id()).collect::<Vec<_>>(), [root.id()]);
    let actors = system.actors();
    assert_eq!(actors.len(), 3);
    assert_eq!(actors.iter().map(|a| a.top_level).collect::<Vec<_>>(), [true, false, false]);
    assert_eq!(
        actors.iter().map(|a| a.name.as_deref()).collect::<Vec<_>>(),
        [None, Some("inner"), Some("gate")]
    );
    system.shutdown().await;
}

#[tokio::test]
async fn topics_name_an_actor_subscriber_and_count_its_drops() {
    let system = ActorSystem::new();
    let listener = system.spawn(Listener);
    // Subscribed in on_start: an ask after it has run.
    let _ = listener.ask(Tick).await;
    let tick = system.events().topics().into_iter().find(|t| t.event_type == "Tick").expect("a Tick topic");
    assert_eq!(tick.subscribers.len(), 1);
    let subscriber = &tick.subscribers[0];
    assert_eq!(subscriber.actor, Some(listener.id()));
    assert_eq!((subscriber.capacity, subscriber.overflow, subscriber.dropped), (4, Overflow::DropNewest, 0));
    system.shutdown().await;
}
