use actor_core::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.transfer.v1")]
#[message(remote = "bank.transfer.v2")]
struct Transfer {
    cents: u64,
}

fn main() {
    let _ = Transfer { cents: 1 }.cents;
}
