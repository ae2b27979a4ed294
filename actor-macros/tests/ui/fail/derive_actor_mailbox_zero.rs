use actor_core::prelude::*;

#[derive(Actor)]
#[actor(mailbox = 0)]
struct Worker;

fn main() {
    let _ = Worker::MAILBOX;
}
