//! Pins the size of an actor's task future: every idle actor pays it.

use crate::actor::Actor;
use crate::address::ActorRef;
use crate::cell::ActorCell;
use crate::context::Context;
use crate::mailbox::MailboxCapacity;
use crate::system::ActorSystem;

struct Idle;
impl Actor for Idle {}

#[tokio::test]
async fn an_idle_actors_task_future_stays_small() {
    let system = ActorSystem::new();
    let cell = ActorCell::<Idle>::new(&system, None, MailboxCapacity::DEFAULT, None);
    let ctx = Context::new(ActorRef::from_cell(cell));
    let task = super::runner::run(Idle, ctx);
    let size = std::mem::size_of_val(&task);
    // 992 bytes before the stop phase and signal handling were boxed, 600
    // before `run`, `incarnation` and `serve` stopped copying their
    // arguments, 392 before the mailbox receiver and parent moved and the
    // inline handler slot went from 128 to 120 bytes (the slot alone is
    // 136). tokio rounds a task up to a multiple of 128 bytes, with 104
    // bytes of its own: up to 280 bytes of future (this ZST actor's 272
    // plus an 8-byte actor state), an idle actor's task is 384 bytes.
    // The `metrics` feature keeps each handler's start time (an `Instant`,
    // 16 bytes) across the handler's await.
    let budget = if cfg!(feature = "metrics") { 272 + 16 } else { 272 };
    assert!(size <= budget, "the actor task future grew to {size} bytes");
}

#[test]
fn a_cell_stays_in_its_allocation_size_class() {
    // 344 bytes (a 368-byte chunk with its Arc header under glibc): the
    // handled count (8 bytes) came with the name behind a thin pointer, as
    // 8 bytes more moved the cell to the next size class and the idle
    // actor's resident memory from 808 to 1000 bytes in the memory probe.
    let size = std::mem::size_of::<ActorCell<Idle>>();
    if !cfg!(feature = "metrics") {
        assert!(size <= 344, "the actor cell grew to {size} bytes");
    }
}
