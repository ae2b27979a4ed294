use actor_core::prelude::*;

#[derive(Actor)]
struct Worker;

#[actor(mailbox = 16)]
impl Worker {
    #[message]
    fn work(&mut self) {}
}

fn main() {}
