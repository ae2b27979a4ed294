//! The quick start: actors, tell and ask, back-pressure, and a panic that
//! stays inside the actor that had it.
//!
//! Written with the plain traits; `examples/orders.rs` and `examples/service_tree.rs` use the macros.
//!
//! Run with `cargo run --example quickstart` (add `RUST_LOG=debug` to see the
//! runtime's own lifecycle traces).
#![allow(clippy::print_stdout)] // an example talks to its user

use std::time::Duration;

use actor_core::prelude::*;

/// A counter: the classic actor.
#[derive(Default)]
struct Counter {
    total: u64,
}

impl Actor for Counter {}

/// "Add this": a command whose reply is the new total.
struct Add(u64);
impl Message for Add {
    type Reply = u64;
}

impl Handler<Add> for Counter {
    async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
        self.total += msg.0;
        self.total
    }
}

/// A worker with a bug: it panics on zero.
struct Divider;

impl Actor for Divider {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        println!("  divider: on_stop ran ({reason})");
    }
}

struct Divide(u64, u64);
impl Message for Divide {
    type Reply = u64;
}

impl Handler<Divide> for Divider {
    async fn handle(&mut self, msg: Divide, _ctx: &mut Context<Self>) -> u64 {
        msg.0.checked_div(msg.1).expect("division by zero")
    }
}

/// Watches the divider and reports when it stops.
struct Watchdog {
    target: ActorRef<Divider>,
    /// Tells `main` the notice has been handled.
    reported: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Actor for Watchdog {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.watch(&self.target);
        Ok(())
    }

    async fn on_terminated(&mut self, _ctx: &mut Context<Self>, t: Terminated) {
        println!("  watchdog: actor {} stopped: {}", t.id, t.reason);
        if let Some(reported) = self.reported.take() {
            let _ = reported.send(());
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_tracing();
    actor_core::silence_caught_panics(); // the divider panics on purpose

    let system = ActorSystem::new();

    println!("1. tell and ask");
    let counter = system.spawn(Counter::default());
    for n in 1..=10 {
        counter.tell(Add(n)).await?; // returns once queued
    }
    let total = counter.ask(Add(0)).await?; // waits for the reply, after the ten tells
    println!("  counter {} says total = {total}", counter.id());

    println!("2. back-pressure: a mailbox of 2 refuses a third message with try_tell");
    let small = system.spawn_with(Counter::default(), SpawnOptions::new().name("small").capacity(2));
    let mut refused = 0;
    for n in 0..100 {
        if let Err(SendError::Full(Add(back))) = small.try_tell(Add(n)) {
            refused += 1;
            small.tell(Add(back)).await?; // tell waits for space instead
        }
    }
    println!("  {refused} of 100 try_tells were handed back and re-sent with tell");
    println!("  small's total: {}", small.ask(Add(0)).await?);

    println!("3. a panic stops only the actor that panicked");
    let divider = system.spawn(Divider);
    let (reported, watchdog_reported) = tokio::sync::oneshot::channel();
    system.spawn(Watchdog { target: divider.clone(), reported: Some(reported) });
    println!("  10 / 2 = {}", divider.ask(Divide(10, 2)).await?);
    let failed = divider.ask(Divide(1, 0)).timeout(Duration::from_secs(5)).await;
    println!("  1 / 0 -> {failed:?} (the asker is told at once, it does not hang)");
    println!("  divider stopped: {}", divider.wait_for_stop().await);
    let _ = watchdog_reported.await;
    println!("  counter still alive: {}, total = {}", counter.is_alive(), counter.ask(Add(0)).await?);
    match divider.try_tell(Divide(4, 2)) {
        Err(SendError::Closed(_)) => println!("  sending to the stopped divider hands the message back"),
        other => println!("  unexpected: {other:?}"),
    }

    println!("4. shutdown");
    system.shutdown().await;
    println!(
        "  all actors stopped: {} running, {} dead letters",
        system.actor_count(),
        system.dead_letter_count()
    );
    Ok(())
}
