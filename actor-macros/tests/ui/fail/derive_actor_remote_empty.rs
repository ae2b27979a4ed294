use actor_core::prelude::*;

#[derive(Actor)]
#[actor(remote())]
struct Bank;

fn main() {
    let _ = Bank::MAILBOX;
}
