use actor_core::prelude::*;

#[derive(Message)]
#[reply(u64)]
#[reply(u32)]
struct Count;

fn main() {}
