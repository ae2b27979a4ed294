use actor_core::prelude::*;

#[derive(Message)]
#[actor(mailbox = 4)]
struct Count;

fn main() {}
