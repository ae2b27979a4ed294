use actor_core::prelude::*;

#[derive(Actor)]
#[actor(mailbx = 16)]
struct Worker;

fn main() {
    let _ = Worker::MAILBOX;
}
