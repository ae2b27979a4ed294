//! Actors as subscribers: events through `Handler<E>`, subscriptions that
//! end with the actor, and the runtime's own lifecycle facts.

use actor_core::events::{ActorStarted, ActorStopped, DeadLetter};
use actor_core::prelude::*;

#[derive(Clone, Debug, PartialEq)]
struct PaymentCompleted {
    order: u64,
}
impl Event for PaymentCompleted {}
impl Message for PaymentCompleted {
    type Reply = ();
}

/// Records the orders it hears about.
#[derive(Default)]
struct Ledger {
    orders: Vec<u64>,
}

impl Actor for Ledger {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.subscribe::<PaymentCompleted>();
        Ok(())
    }
}

impl Handler<PaymentCompleted> for Ledger {
    async fn handle(&mut self, event: PaymentCompleted, _ctx: &mut Context<Self>) {
        self.orders.push(event.order);
    }
}

/// Returns the orders seen so far.
struct Orders;
impl Message for Orders {
    type Reply = Vec<u64>;
}

impl Handler<Orders> for Ledger {
    async fn handle(&mut self, _: Orders, _ctx: &mut Context<Self>) -> Vec<u64> {
        self.orders.clone()
    }
}

async fn wait_for_orders(ledger: &ActorRef<Ledger>, count: usize) -> Vec<u64> {
    loop {
        let orders = ledger.ask(Orders).await.unwrap();
        if orders.len() >= count {
            return orders;
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn actors_receive_events_through_their_handler_in_order() {
    let system = ActorSystem::new();
    let a = system.spawn(Ledger::default());
    let b = system.spawn(Ledger::default());
    // An ask answered means on_start (and so the subscription) is done.
    a.ask(Orders).await.unwrap();
    b.ask(Orders).await.unwrap();
    for order in 1..=100 {
        system.events().publish(PaymentCompleted { order });
    }
    let expected: Vec<u64> = (1..=100).collect();
    assert_eq!(wait_for_orders(&a, 100).await, expected);
    assert_eq!(wait_for_orders(&b, 100).await, expected);
    system.shutdown().await;
}

#[tokio::test]
async fn a_stopped_actor_is_unsubscribed_and_makes_no_dead_letters() {
    let system = ActorSystem::new();
    let mut dead = system.events().subscribe::<DeadLetter>();
    let ledger = system.spawn(Ledger::default());
    ledger.ask(Orders).await.unwrap();
    ledger.stop();
    ledger.wait_for_stop().await;
    for order in 0..10 {
        system.events().publish(PaymentCompleted { order });
    }
    // A fresh subscriber proves publishing still works; the stopped actor
    // got nothing and nothing became a dead letter.
    let mut probe = system.events().subscribe::<PaymentCompleted>();
    system.events().publish(PaymentCompleted { order: 99 });
    assert_eq!(probe.recv().await.unwrap().order, 99);
    assert_eq!(dead.try_recv(), None);
    assert_eq!(system.dead_letter_count(), 0);
}

#[tokio::test]
async fn events_and_messages_interleave_without_starving_either() {
    let system = ActorSystem::new();
    let ledger = system.spawn(Ledger::default());
    ledger.ask(Orders).await.unwrap();
    for order in 0..500 {
        system.events().publish(PaymentCompleted { order });
    }
    // Asks answered while 500 events are pending: the mailbox is not
    // starved, and the events all arrive too.
    let first = ledger.ask(Orders).await.unwrap();
    assert!(first.len() < 500, "the ask was not served before all events");
    assert_eq!(wait_for_orders(&ledger, 500).await.len(), 500);
    system.shutdown().await;
}

struct Quiet;
impl Actor for Quiet {}
struct Ping;
impl Message for Ping {
    type Reply = ();
}
impl Handler<Ping> for Quiet {
    async fn handle(&mut self, _: Ping, _ctx: &mut Context<Self>) {}
}

#[tokio::test]
async fn the_runtime_publishes_lifecycle_facts() {
    let system = ActorSystem::new();
    let mut started = system.events().subscribe::<ActorStarted>();
    let mut stopped = system.events().subscribe::<ActorStopped>();
    let mut dead = system.events().subscribe::<DeadLetter>();

    let quiet = system.spawn_with(Quiet, SpawnOptions::new().name("quiet"));
    let fact = started.recv().await.unwrap();
    assert_eq!((fact.id, fact.actor_type, fact.name.as_deref()), (quiet.id(), "Quiet", Some("quiet")));

    quiet.stop();
    let fact = stopped.recv().await.unwrap();
    assert_eq!((fact.id, fact.reason), (quiet.id(), StopReason::Normal));

    assert!(quiet.try_tell(Ping).is_err());
    let fact = dead.recv().await.unwrap();
    assert_eq!(fact.to, quiet.id());
    assert!(fact.message_type.ends_with("Ping"), "{}", fact.message_type);
    assert_eq!(dead.try_recv(), None, "exactly one dead letter per message");
}
