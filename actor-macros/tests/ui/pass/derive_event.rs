// Rule: #[derive(Event)] on a `Clone` type gives an event that is also a
// message with `Reply = ()`.
use actor_core::prelude::*;

#[derive(Clone, Debug, PartialEq, Event)]
struct OrderPlaced {
    order: u64,
}

#[derive(Clone, Event)]
enum Tick<T: Clone> {
    At(T),
}

fn is_event<E: Event + Message<Reply = ()>>() {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    is_event::<OrderPlaced>();
    is_event::<Tick<u64>>();
    let system = ActorSystem::new();
    let mut orders = system.events().subscribe::<OrderPlaced>();
    system.events().publish(OrderPlaced { order: 1 });
    assert_eq!(orders.recv().await, Some(OrderPlaced { order: 1 }));
    let Tick::At(at) = Tick::At(1u8);
    assert_eq!(at, 1);
    system.shutdown().await;
}
