use actor_core::prelude::*;
use serde::{Deserialize, Serialize};

const NAME: &str = "bank.transfer.v1";

#[derive(Message, Serialize, Deserialize)]
#[message(remote = NAME)]
struct Transfer {
    cents: u64,
}

fn main() {
    let _ = (Transfer { cents: 1 }.cents, NAME);
}
