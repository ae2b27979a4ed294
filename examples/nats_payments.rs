//! The payment case with durable facts: the facts live in a JetStream
//! stream, so a service that starts late misses nothing.
//!
//! 1. The order service publishes `OrderPlaced` on the event stream, as in
//!    `orders.rs`; `persist_events` writes every one to JetStream.
//! 2. The payment service is a durable subscriber of `OrderPlaced`: it
//!    charges each order and publishes `PaymentCompleted` (persisted too).
//! 3. The audit actor starts after all that, and replays every fact it
//!    missed, in order, before the live ones.
//!
//! Needs a NATS server with JetStream: `ACTOR_NATS_URL=nats://127.0.0.1:4222
//! cargo run --example nats_payments` (start one with `nats-server -js`).
//! Without `ACTOR_NATS_URL` it prints one line and exits. Each run uses a
//! subject prefix and stream of its own, deleted at the end.
#![allow(clippy::print_stdout)] // an example talks to its user

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::RemoteMessage;
use actor_nats::{Durable, DurableSubscription, FactsConfig, Nats, Persisting};
use serde::{Deserialize, Serialize};

// ---- the facts: durable because they have a stable name and serde ----

#[derive(Clone, Debug, Serialize, Deserialize)]
struct OrderPlaced {
    order: u64,
    cents: u64,
}
impl Event for OrderPlaced {}
impl Message for OrderPlaced {
    type Reply = ();
}
impl RemoteMessage for OrderPlaced {
    const NAME: &'static str = "shop.order-placed.v1";
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PaymentCompleted {
    order: u64,
    cents: u64,
}
impl Event for PaymentCompleted {}
impl Message for PaymentCompleted {
    type Reply = ();
}
impl RemoteMessage for PaymentCompleted {
    const NAME: &'static str = "shop.payment-completed.v1";
}

// ---- the services ----

/// Takes orders and publishes the fact; knows nothing of who listens.
#[derive(Actor)]
struct Orders;

#[actor]
impl Orders {
    #[message]
    async fn place(&mut self, order: u64, cents: u64, ctx: &mut Context<Self>) {
        println!("orders:   placed order {order} ({cents} cents)");
        ctx.system().events().publish(OrderPlaced { order, cents });
    }
}

/// Charges every order placed, once each even across restarts (it skips a
/// redelivered order it has already charged).
struct Payments {
    charged_up_to: u64,
}
impl Actor for Payments {}
impl Handler<Durable<OrderPlaced>> for Payments {
    async fn handle(&mut self, placed: Durable<OrderPlaced>, ctx: &mut Context<Self>) {
        if placed.stream_seq <= self.charged_up_to {
            return; // already charged: a redelivery
        }
        let OrderPlaced { order, cents } = placed.fact;
        println!("payments: charged order {order} ({cents} cents)");
        ctx.system().events().publish(PaymentCompleted { order, cents });
        self.charged_up_to = placed.stream_seq;
    }
}

/// Starts late and reads the whole history.
struct Audit;
impl Actor for Audit {}
impl Handler<Durable<OrderPlaced>> for Audit {
    async fn handle(&mut self, d: Durable<OrderPlaced>, _ctx: &mut Context<Self>) {
        println!("audit:    #{} order {} placed ({} cents)", d.stream_seq, d.fact.order, d.fact.cents);
    }
}
impl Handler<Durable<PaymentCompleted>> for Audit {
    async fn handle(&mut self, d: Durable<PaymentCompleted>, _ctx: &mut Context<Self>) {
        println!("audit:    #{} order {} paid ({} cents)", d.stream_seq, d.fact.order, d.fact.cents);
    }
}

/// Waits (at most ten seconds) until `done`.
async fn wait_until(what: &str, done: impl Fn() -> bool) -> Result<(), Box<dyn std::error::Error>> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("timed out waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var("ACTOR_NATS_URL") else {
        println!(
            "nats_payments: set ACTOR_NATS_URL (e.g. nats://127.0.0.1:4222, a server with -js) to run it"
        );
        return Ok(());
    };
    examples::init_tracing();
    let run = std::process::id();
    let nats = Nats::connect(&url).await?.with_prefix(&format!("shop{run}"));
    let facts = nats.facts(FactsConfig::new(&format!("SHOP_{run}"))).await?;
    let system = ActorSystem::new();
    let placed: Persisting = facts.persist_events::<OrderPlaced>(&system);
    let paid: Persisting = facts.persist_events::<PaymentCompleted>(&system);

    let orders = system.spawn(Orders);
    let payments = system.spawn(Payments { charged_up_to: 0 });
    let charging = facts.subscribe::<OrderPlaced>("payments", payments.recipient()).await?;

    for (order, cents) in [(1, 1999), (2, 500), (3, 12_000)] {
        orders.place(order, cents).await?;
    }
    wait_until("three payments", || paid.persisted() == 3).await?;
    println!("-- the audit actor starts now, after every fact above --");

    let audit = system.spawn(Audit);
    let audit_orders: DurableSubscription =
        facts.subscribe::<OrderPlaced>("audit-orders", audit.recipient()).await?;
    let audit_payments = facts.subscribe::<PaymentCompleted>("audit-payments", audit.recipient()).await?;
    wait_until("the audit's replay", || audit_orders.acked() == 3 && audit_payments.acked() == 3).await?;

    println!("-- a live order --");
    orders.place(4, 250).await?;
    wait_until("the live facts", || audit_orders.acked() == 4 && audit_payments.acked() == 4).await?;
    println!(
        "{} orders placed, {} paid; payments handled {}, audit saw {} + {}",
        placed.persisted(),
        paid.persisted(),
        charging.acked(),
        audit_orders.acked(),
        audit_payments.acked()
    );

    system.shutdown().await;
    facts.delete().await?;
    Ok(())
}
