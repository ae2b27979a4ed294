//! `#[derive(Actor)]`, `#[derive(Message)]` and `#[derive(Event)]` end to
//! end, including events through the stream to an actor, and
//! `#[actor(crate = path)]`.

use actor_core::prelude::*;

#[derive(Actor, Default)]
struct Plain;

#[derive(Actor)]
#[actor(mailbox = 8)]
struct Small;

#[derive(Actor)]
#[actor(mailbox = unbounded)]
struct Firehose;

const LANES: usize = 3;

#[derive(Actor)]
#[actor(mailbox = LANES * 4)]
enum Computed {
    #[allow(dead_code)]
    Idle,
}

#[derive(Actor)]
#[actor(mailbox = 2)]
struct Generic<T> {
    items: Vec<T>,
}

#[test]
fn mailbox_comes_from_the_attribute() {
    assert_eq!(Plain::MAILBOX, MailboxCapacity::DEFAULT);
    assert_eq!(Small::MAILBOX, MailboxCapacity::Bounded(8));
    assert_eq!(Firehose::MAILBOX, MailboxCapacity::Unbounded);
    assert_eq!(Computed::MAILBOX, MailboxCapacity::Bounded(12));
    assert_eq!(Generic::<String>::MAILBOX, MailboxCapacity::Bounded(2));
}

#[derive(Message)]
#[reply(u64)]
struct Add(u64);

#[derive(Message)]
struct Reset;

#[derive(Debug, PartialEq)]
struct Overflow;

#[derive(Message)]
#[reply(Result<u64, Overflow>)]
struct CheckedAdd {
    amount: u64,
}

#[derive(Message)]
#[reply(Vec<T>)]
enum Batch<T: Clone> {
    Repeat(T, usize),
    Empty,
}

impl Handler<Add> for Small {
    async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
        msg.0 + 1
    }
}
impl Handler<Reset> for Small {
    async fn handle(&mut self, _msg: Reset, _ctx: &mut Context<Self>) {}
}
impl Handler<CheckedAdd> for Small {
    async fn handle(&mut self, msg: CheckedAdd, _ctx: &mut Context<Self>) -> Result<u64, Overflow> {
        msg.amount.checked_add(u64::MAX).ok_or(Overflow)
    }
}
impl<T: Clone + Send + 'static> Handler<Batch<T>> for Generic<T> {
    async fn handle(&mut self, msg: Batch<T>, _ctx: &mut Context<Self>) -> Vec<T> {
        match msg {
            Batch::Repeat(item, times) => self.items.extend(std::iter::repeat_n(item, times)),
            Batch::Empty => self.items.clear(),
        }
        self.items.clone()
    }
}

#[tokio::test]
async fn derived_messages_with_tell_and_ask() {
    let system = ActorSystem::new();
    let small = system.spawn(Small);
    assert_eq!(small.ask(Add(1)).await.unwrap(), 2);
    small.tell(Reset).await.unwrap();
    assert_eq!(small.ask(CheckedAdd { amount: 0 }).await.unwrap(), Ok(u64::MAX));
    assert_eq!(small.ask(CheckedAdd { amount: 1 }).await.unwrap(), Err(Overflow));

    let generic = system.spawn(Generic::<char> { items: Vec::new() });
    assert_eq!(generic.ask(Batch::Repeat('x', 2)).await.unwrap(), ['x', 'x']);
    assert_eq!(generic.ask(Batch::Empty).await.unwrap(), Vec::<char>::new());
    system.shutdown().await;
}

#[derive(Clone, Debug, PartialEq, Event)]
struct PaymentCompleted {
    order: u64,
}

#[derive(Clone, Debug, PartialEq, Event)]
enum Tick<T: Clone> {
    At(T),
}

#[tokio::test]
async fn derived_events_through_the_stream() {
    let system = ActorSystem::new();
    let mut payments = system.events().subscribe::<PaymentCompleted>();
    let mut ticks = system.events().subscribe::<Tick<u32>>();
    system.events().publish(PaymentCompleted { order: 7 });
    system.events().publish(Tick::At(3u32));
    assert_eq!(payments.recv().await, Some(PaymentCompleted { order: 7 }));
    assert_eq!(ticks.recv().await, Some(Tick::At(3)));
    system.shutdown().await;
}

/// An actor that subscribes through a `#[message]` taking `ctx`, and
/// receives the derived event through `Handler<PaymentCompleted>`.
#[derive(Actor, Default)]
struct Ledger {
    orders: Vec<u64>,
}

#[actor]
impl Ledger {
    #[message]
    fn listen(&mut self, ctx: &mut Context<Self>) {
        ctx.subscribe::<PaymentCompleted>();
    }

    #[message]
    fn orders(&self) -> Vec<u64> {
        self.orders.clone()
    }
}

impl Handler<PaymentCompleted> for Ledger {
    async fn handle(&mut self, event: PaymentCompleted, _ctx: &mut Context<Self>) {
        self.orders.push(event.order);
    }
}

#[tokio::test]
async fn derived_events_reach_subscribed_actors() {
    let system = ActorSystem::new();
    let ledger = system.spawn(Ledger::default());
    ledger.listen().await.unwrap();
    system.events().publish(PaymentCompleted { order: 1 });
    system.events().publish(PaymentCompleted { order: 2 });
    // The same type is also a message: it can be told directly.
    ledger.tell(PaymentCompleted { order: 3 }).await.unwrap();
    let mut orders = ledger.orders().await.unwrap();
    while orders.len() < 3 {
        tokio::task::yield_now().await;
        orders = ledger.orders().await.unwrap();
    }
    orders.sort_unstable();
    assert_eq!(orders, [1, 2, 3]);
    system.shutdown().await;
}

/// A crate that reaches actor-core under another name says so.
mod renamed_crate {
    use actor_core as runtime;
    use runtime::{ActorSystem, MailboxCapacity};

    #[derive(runtime::Actor)]
    #[actor(crate = runtime, mailbox = 4)]
    pub(crate) struct Echo;

    #[derive(runtime::Message)]
    #[actor(crate = runtime)]
    #[reply(String)]
    pub(crate) struct Say(pub(crate) String);

    #[derive(Clone, runtime::Event)]
    #[actor(crate = "runtime")]
    pub(crate) struct Said;

    #[runtime::actor(crate = runtime)]
    impl Echo {
        #[message]
        pub(crate) fn shout(&self, text: String) -> String {
            text.to_uppercase()
        }
    }

    impl runtime::Handler<Say> for Echo {
        async fn handle(&mut self, msg: Say, _ctx: &mut runtime::Context<Self>) -> String {
            msg.0
        }
    }

    pub(crate) async fn run() {
        use runtime::Actor as _;
        fn is_event<E: runtime::Event>() {}
        is_event::<Said>();
        assert_eq!(Echo::MAILBOX, MailboxCapacity::Bounded(4));
        let system = ActorSystem::new();
        let echo = system.spawn(Echo);
        assert_eq!(echo.ask(Say("hi".into())).await.unwrap(), "hi");
        assert_eq!(EchoRef::shout(&echo, "hi".into()).await.unwrap(), "HI");
        system.shutdown().await;
    }
}

#[tokio::test]
async fn crate_path_override() {
    renamed_crate::run().await;
}
