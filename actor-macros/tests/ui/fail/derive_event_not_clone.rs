use actor_core::prelude::*;

#[derive(Debug, Event)]
struct OrderPlaced {
    order: u64,
}

fn main() {
    let _ = OrderPlaced { order: 1 };
}
