use actor_core::prelude::*;

#[derive(Message)]
#[actor(remote("bank.transfer.v1"))]
struct Transfer {
    cents: u64,
}

fn main() {
    let _ = Transfer { cents: 1 }.cents;
}
