use actor_core::prelude::*;

#[derive(Message)]
#[message]
struct Transfer {
    cents: u64,
}

fn main() {
    let _ = Transfer { cents: 1 }.cents;
}
