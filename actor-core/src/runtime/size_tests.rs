//! Pins the size of an actor's task future: every idle actor pays it.

use std::sync::Arc;

use crate::runtime::cell::{ActorCell, ActorShared};
use crate::{mailbox, Actor, ActorRef, ActorSystem, Context};

struct Idle;
impl Actor for Idle {}

#[tokio::test]
async fn an_idle_actors_task_future_stays_small() {
    let system = ActorSystem::new();
    let shared = ActorShared::new(system.next_actor_id(), None, "Idle", system.clone(), true);
    let cell = Arc::new(ActorCell { shared, mailbox: mailbox::Mailbox::new(Default::default()) });
    let receiver = mailbox::MailboxReceiver::new();
    let ctx = Context::new(ActorRef::from_cell(cell), None);
    let task = super::run::run(Idle, ctx, receiver);
    let size = std::mem::size_of_val(&task);
    // 992 bytes before the stop phase and signal handling were boxed, 600
    // before `run`, `incarnation` and `serve` stopped copying their
    // arguments; the inline handler slot alone is 144. tokio rounds a task
    // to a multiple of 128 bytes with about 100 bytes of its own: up to 408
    // bytes of future, an idle actor's task is 512 bytes.
    assert!(size <= 408, "the actor task future grew to {size} bytes");
}
