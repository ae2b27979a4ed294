//! Prints the sizes of the futures on the send path, ours beside tokio's:
//! handler futures larger than the actor loop's inline slot (128 bytes in
//! `actor-core`'s `INLINE_HANDLER_BYTES`) are boxed once per message, so
//! these sizes decide whether a handler that itself sends allocates.
//!
//! `cargo run --release -p benches --example future_sizes`
#![allow(clippy::print_stdout)]

use std::future::IntoFuture;
use std::mem::size_of_val;

use actor_core::ActorSystem;
use benches::ours::{Add, AddGet, Summer};

fn main() {
    let rt = benches::runtime();
    rt.block_on(async {
        let system = ActorSystem::new();
        let summer = system.spawn(Summer::default());
        let (tx, _rx) = tokio::sync::mpsc::channel::<u64>(benches::CAPACITY);

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
        system.shutdown().await;
    });
}
