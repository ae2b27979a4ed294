use actor_core::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.transfer.v1")]
struct Transfer;

#[derive(Actor)]
#[actor(remote = Transfer)]
struct Bank;

impl Handler<Transfer> for Bank {
    async fn handle(&mut self, _msg: Transfer, _ctx: &mut Context<Self>) {}
}

fn main() {
    let _ = Bank::MAILBOX;
}
