//! Pins the size of an actor's task future: every idle actor pays it.

use std::sync::Arc;

use crate::runtime::cell::{ActorCell, ActorShared};
use crate::{mailbox, Actor, ActorRef, ActorSystem, Context};

struct Idle;
impl Actor for Idle {}

#[tokio::test]
async fn an_idle_actors_task_future_stays_small() {
    let system = ActorSystem::new();
    let shared = ActorShared::new(system.next_actor_id(), None, "Idle", system.clone());
    let cell = Arc::new(ActorCell { shared, mailbox: mailbox::Mailbox::new(Default::default()) });
    let receiver = mailbox::MailboxReceiver::new();
    let ctx = Context::new(ActorRef::from_cell(cell), None);
    let task = super::run::run(Idle, ctx, receiver);
    let size = std::mem::size_of_val(&task);
    // 992 bytes before the stop phase and signal handling were boxed; the
    // inline handler slot alone is 144.
    assert!(size <= 640, "the actor task future grew to {size} bytes");
}
