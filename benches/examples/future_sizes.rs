//! Prints the sizes of the futures on the send path, ours beside tokio's:
//! handler futures larger than the actor loop's inline slot (128 bytes in
//! `actor-core`'s `INLINE_HANDLER_BYTES`) are boxed once per message, so
//! these sizes decide whether a handler that itself sends allocates.
//!
//! Then the sizes of the public pieces an idle actor's task holds (its
//! `Context`, the idle actor's state and hook futures, `wait_for_stop`):
//! the parts of the `run` future that can be measured from outside
//! `actor-core`. The whole `run` future's layout comes from
//! `-Zprint-type-sizes` (see docs/benchmarks.md).
//!
//! `cargo run --release -p benches --example future_sizes`
#![allow(clippy::print_stdout)]

use std::future::IntoFuture;
use std::mem::{size_of, size_of_val};

use actor_core::prelude::*;
use actor_core::ActorSystem;
use benches::ours::{Add, AddGet, Counted, Summer};

/// Asks an idle actor to measure its own hook futures (they need its
/// `&mut Context`, which only a handler has).
struct Probe;
impl Message for Probe {
    type Reply = (usize, usize);
}
impl Handler<Probe> for Counted {
    async fn handle(&mut self, _: Probe, ctx: &mut Context<Self>) -> (usize, usize) {
        let start = size_of_val(&Actor::on_start(self, ctx));
        let reason = StopReason::Normal;
        let stop = size_of_val(&Actor::on_stop(self, ctx, &reason));
        (start, stop)
    }
}

fn main() {
    let rt = benches::runtime();
    rt.block_on(async {
        let system = ActorSystem::new();
        let summer = system.spawn(Summer::default());
        let (tx, _rx) = tokio::sync::mpsc::channel::<u64>(benches::CAPACITY);

        println!("send path:");
        let tell = summer.tell(Add(1));
        println!("{:>4} B  ActorRef::tell(8-byte message)", size_of_val(&tell));
        // An async block that awaits a future it captured stores it twice
        // (the captured value and the awaited one): what wrapping a handler
        // future in `async move { fut.await }` costs.
        let wrapped = async move {
            let _ = tell.await;
        };
        println!("{:>4} B  async move {{ tell.await }}", size_of_val(&wrapped));
        drop(wrapped);
        let ask = summer.ask(AddGet(1)).into_future();
        println!("{:>4} B  ActorRef::ask(8-byte message)", size_of_val(&ask));
        drop(ask);
        let send = tx.send(1);
        println!("{:>4} B  tokio mpsc::Sender::send(u64)", size_of_val(&send));
        drop(send);
        let reserve = tx.reserve();
        println!("{:>4} B  tokio mpsc::Sender::reserve()", size_of_val(&reserve));
        drop(reserve);

        println!("pieces of an idle actor's task (the `Counted` actor of the memory probe):");
        let started = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let idle = benches::ours::spawn_idle(&system, 1, &started).pop().expect("one actor");
        println!("{:>4} B  Counted (the actor's state)", size_of::<Counted>());
        println!("{:>4} B  Context<Counted>", size_of::<Context<Counted>>());
        println!("{:>4} B  ActorRef<Counted>", size_of::<ActorRef<Counted>>());
        println!("{:>4} B  StopReason", size_of::<StopReason>());
        let (start, stop) = idle.ask(Probe).await.expect("probe");
        println!("{start:>4} B  Counted::on_start future");
        println!("{stop:>4} B  Counted::on_stop future (the default)");
        let wait = idle.wait_for_stop();
        println!("{:>4} B  ActorRef::wait_for_stop future", size_of_val(&wait));
        drop(wait);
        println!("{:>4} B  tokio Notify::notified()", size_of_val(&tokio::sync::Notify::new().notified()));
        println!("{:>4} B  tokio::task::yield_now()", size_of_val(&tokio::task::yield_now()));
        system.shutdown().await;
    });
}
