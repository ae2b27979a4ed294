use actor_core::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.transfer.v1")]
struct Transfer;

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.balance.v1")]
#[reply(u64)]
struct Balance;

#[derive(Actor)]
#[actor(remote(Transfer, Balance, Transfer))]
#[actor(remote(Balance))]
struct Bank;

impl Handler<Transfer> for Bank {
    async fn handle(&mut self, _msg: Transfer, _ctx: &mut Context<Self>) {}
}

impl Handler<Balance> for Bank {
    async fn handle(&mut self, _msg: Balance, _ctx: &mut Context<Self>) -> u64 {
        0
    }
}

fn main() {
    let _ = Bank::MAILBOX;
}
