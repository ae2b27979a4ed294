//! The observer on a small shop under load: open the printed address in a
//! browser and watch the tree.
//!
//! ```text
//! shop                one-for-one
//! ├── gateway         takes orders (about 400 a second), publishes OrderPlaced
//! ├── payments        panics on one order in 600: restarted each time
//! ├── audit           a slow consumer: 5 ms an order, now and then 1.5 s
//! └── stats           counts OrderPlaced events (an actor subscriber)
//! ```
//!
//! Beside them, a stream subscription to OrderPlaced that nobody reads
//! drops events (the page counts the drops), and orders to a stopped actor
//! make dead letters.
//!
//! ```text
//! cargo run --example observer                      # until Ctrl-C
//! cargo run --example observer -- --for-secs 10     # stops by itself
//! cargo run --example observer -- --addr 127.0.0.1:7070 --token s3cret
//! ```
#![allow(clippy::print_stdout)] // an example talks to its user

use std::net::SocketAddr;
use std::time::Duration;

use actor_core::events::{Overflow, SubscribeOptions};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Strategy, Supervisor};
use actor_observer::Observer;

#[derive(Clone, Debug)]
struct OrderPlaced {
    order: u64,
}
impl Event for OrderPlaced {}
impl Message for OrderPlaced {
    type Reply = ();
}

struct Order(u64);
impl Message for Order {
    type Reply = ();
}

/// Takes orders and hands them on.
struct Gateway;
impl Actor for Gateway {}
impl Handler<Order> for Gateway {
    async fn handle(&mut self, Order(order): Order, ctx: &mut Context<Self>) {
        let system = ctx.system();
        // Named lookups, as a real gateway would do them; an order in the
        // middle of a restart is lost (a dead letter), as in life.
        if let Ok(payments) = system.lookup::<Payments>("payments") {
            let _ = payments.try_tell(Order(order));
        }
        if let Ok(audit) = system.lookup::<Audit>("audit") {
            let _ = audit.try_tell(Order(order));
        }
        system.events().publish(OrderPlaced { order });
    }
}

/// Panics now and then.
struct Payments;
impl Actor for Payments {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let _ = ctx.system().register("payments", ctx.myself());
        Ok(())
    }
}
impl Handler<Order> for Payments {
    async fn handle(&mut self, Order(order): Order, _: &mut Context<Self>) {
        if order % 600 == 599 {
            panic!("card network timeout on order {order}");
        }
    }
}

/// A slow consumer with a small mailbox.
struct Audit;
impl Actor for Audit {
    const MAILBOX: MailboxCapacity = MailboxCapacity::Bounded(256);

    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let _ = ctx.system().register("audit", ctx.myself());
        Ok(())
    }
}
impl Handler<Order> for Audit {
    async fn handle(&mut self, Order(order): Order, _: &mut Context<Self>) {
        let pause = if order % 500 == 499 { 1500 } else { 5 };
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

/// Counts the orders it hears of.
#[derive(Default)]
struct Stats {
    seen: u64,
}
impl Actor for Stats {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.subscribe::<OrderPlaced>();
        Ok(())
    }
}
impl Handler<OrderPlaced> for Stats {
    async fn handle(&mut self, event: OrderPlaced, _: &mut Context<Self>) {
        self.seen = self.seen.max(event.order);
    }
}

struct Options {
    for_secs: Option<u64>,
    addr: SocketAddr,
    token: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options { for_secs: None, addr: actor_observer::DEFAULT_ADDRESS, token: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--for-secs" => {
                options.for_secs = Some(value()?.parse().map_err(|e| format!("--for-secs: {e}"))?)
            }
            "--addr" => options.addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--token" => options.token = Some(value()?),
            other => {
                return Err(format!("unknown argument {other}; use --for-secs N, --addr ADDR, --token TOKEN"))
            }
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_tracing();
    actor_core::silence_caught_panics();
    let options = options()?;
    let system = ActorSystem::new();
    let shop = Supervisor::builder()
        .name("shop")
        .strategy(Strategy::OneForOne)
        .max_restarts(1000, Duration::from_secs(60))
        .child(ChildSpec::new("gateway", || Gateway))
        .child(ChildSpec::new("payments", || Payments))
        .child(ChildSpec::new("audit", || Audit))
        .child(ChildSpec::new("stats", Stats::default))
        .spawn(&system)
        .await?;
    let gateway = shop.child::<Gateway>("gateway").await?;
    // A subscriber that never reads: its buffer fills and it drops.
    let _unread = system
        .events()
        .subscribe_with::<OrderPlaced>(SubscribeOptions::new().buffer(64).overflow(Overflow::DropOldest));

    let mut observer = Observer::builder(&system).bind(options.addr);
    if let Some(token) = &options.token {
        observer = observer.token(token.clone());
    }
    let observer = observer.serve().await?;
    match &options.token {
        Some(token) => println!("observer: http://{}/?token={token}", observer.local_addr()),
        None => println!("observer: http://{}/", observer.local_addr()),
    }

    // The load: about 400 orders a second, and now and then an event to an
    // actor that has stopped (a dead letter).
    let closed = system.spawn(Stats::default());
    closed.stop();
    closed.wait_for_stop().await;
    let load = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_micros(2500));
        let mut order = 0u64;
        loop {
            ticks.tick().await;
            let _ = gateway.try_tell(Order(order));
            if order % 400 == 399 {
                let _ = closed.try_tell(OrderPlaced { order });
            }
            order += 1;
        }
    });

    match options.for_secs {
        Some(secs) => tokio::time::sleep(Duration::from_secs(secs)).await,
        None => tokio::signal::ctrl_c().await?,
    }
    load.abort();
    observer.shutdown().await;
    system.shutdown_timeout(Duration::from_secs(2)).await;
    println!("observer: stopped");
    Ok(())
}
