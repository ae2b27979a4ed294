// A capacity of 0 means 1, as it does everywhere (`MailboxCapacity::Bounded(0)`,
// `SpawnOptions::capacity(0)`): one rule for every way to write it.
use actor_core::prelude::*;

#[derive(Actor)]
#[actor(mailbox = 0)]
struct Worker;

fn main() {
    assert_eq!(Worker::MAILBOX, MailboxCapacity::Bounded(0));
}
