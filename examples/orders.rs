//! Commands vs facts, the classic case done both ways.
//!
//! 1. Message-driven: the payment service knows the email service and
//!    *tells* it "send a confirmation". Adding another reaction means
//!    changing the payment service.
//! 2. Event-driven: the payment service *publishes* `PaymentCompleted`;
//!    email, analytics and inventory react without the payment service
//!    knowing they exist. A fraud monitor joins later without any change to
//!    the publisher.
//!
//! Run with `cargo run --example orders` (add `RUST_LOG=debug` to see the
//! runtime's own lifecycle traces).
#![allow(clippy::print_stdout)] // an example talks to its user

use actor_core::events::ActorStarted;
use actor_core::prelude::*;

// ---- the command: a known recipient, "do this" ----

#[derive(Message)]
struct SendConfirmation {
    order: u64,
}

// ---- the fact: "this happened", for whoever cares ----

#[derive(Clone, Debug, Event)]
struct PaymentCompleted {
    order: u64,
    cents: u64,
}

/// Pays, then either tells the mailer (style 1) or publishes a fact (style 2).
#[derive(Actor)]
struct Payments {
    mailer: Option<Recipient<SendConfirmation>>,
}

#[actor]
impl Payments {
    /// Becomes the message `Pay { order, cents }`; `payments.pay(order, cents)` asks it.
    #[message]
    async fn pay(&mut self, order: u64, cents: u64, ctx: &mut Context<Self>) {
        println!("payments: charged order {order} ({cents} cents)");
        match &self.mailer {
            // Style 1: a command to a recipient we know; `ask` waits until
            // it is done (a `tell` would return once it is queued).
            Some(mailer) => {
                let _ = mailer.ask(SendConfirmation { order }).await;
            }
            // Style 2: a fact; we do not know who listens.
            None => ctx.system().events().publish(PaymentCompleted { order, cents }),
        }
    }
}

/// Each reacting service reports its own fact when it is done; `main`
/// waits for them before shutting down (stopping drops what is pending).
#[derive(Clone, Debug, Event)]
struct Reacted;

struct Email;
impl Actor for Email {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.subscribe::<PaymentCompleted>();
        Ok(())
    }
}
impl Handler<SendConfirmation> for Email {
    async fn handle(&mut self, cmd: SendConfirmation, _ctx: &mut Context<Self>) {
        println!("email: confirmation for order {} (told)", cmd.order);
    }
}
impl Handler<PaymentCompleted> for Email {
    async fn handle(&mut self, fact: PaymentCompleted, ctx: &mut Context<Self>) {
        println!("email: confirmation for order {} (heard)", fact.order);
        ctx.system().events().publish(Reacted);
    }
}

#[derive(Default)]
struct Analytics {
    revenue: u64,
}
impl Actor for Analytics {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.subscribe::<PaymentCompleted>();
        Ok(())
    }
}
impl Handler<PaymentCompleted> for Analytics {
    async fn handle(&mut self, fact: PaymentCompleted, ctx: &mut Context<Self>) {
        self.revenue += fact.cents;
        println!("analytics: revenue now {} cents", self.revenue);
        ctx.system().events().publish(Reacted);
    }
}

struct Inventory;
impl Actor for Inventory {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.subscribe::<PaymentCompleted>();
        Ok(())
    }
}
impl Handler<PaymentCompleted> for Inventory {
    async fn handle(&mut self, fact: PaymentCompleted, ctx: &mut Context<Self>) {
        println!("inventory: reserving stock for order {}", fact.order);
        ctx.system().events().publish(Reacted);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_tracing();

    println!("== 1. message-driven: payments commands email");
    let system = ActorSystem::new();
    let email = system.spawn(Email);
    let payments = system.spawn(Payments { mailer: Some(email.recipient()) });
    payments.pay(1, 1200).await?;
    system.shutdown().await;

    println!("== 2. event-driven: payments publishes, three services react");
    let system = ActorSystem::new();
    let mut started = system.events().subscribe::<ActorStarted>();
    system.spawn(Email);
    system.spawn(Analytics::default());
    system.spawn(Inventory);
    for _ in 0..3 {
        started.recv().await; // all three have subscribed
    }
    let mut reactions = system.events().subscribe::<Reacted>();
    let payments = system.spawn(Payments { mailer: None });
    payments.pay(2, 800).await?;
    payments.pay(3, 450).await?;

    println!("== a fraud monitor joins, payments unchanged");
    let mut fraud = system.events().subscribe_filtered::<PaymentCompleted>(|p| p.cents > 500);
    payments.pay(4, 9900).await?;
    let suspicious = fraud.recv().await.expect("stream open");
    println!("fraud: reviewing order {} ({} cents)", suspicious.order, suspicious.cents);

    for _ in 0..9 {
        reactions.recv().await; // three services x three payments
    }
    system.shutdown().await;
    Ok(())
}
