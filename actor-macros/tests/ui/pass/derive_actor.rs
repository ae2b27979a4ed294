// Rule: #[derive(Actor)] accepts `mailbox = N`, `mailbox = unbounded`, a
// constant expression and `crate = path`, after the derive.
use actor_core::prelude::*;

#[derive(Actor)]
struct Default_;

#[derive(Actor)]
#[actor(mailbox = 64)]
struct Bounded;

#[derive(Actor)]
#[actor(mailbox = unbounded)]
struct Unbounded;

const SIZE: usize = 16;

#[derive(Actor)]
#[actor(mailbox = SIZE * 2, crate = actor_core)]
struct Computed<T> {
    _items: Vec<T>,
}

fn main() {
    assert_eq!(Default_::MAILBOX, MailboxCapacity::DEFAULT);
    assert_eq!(Bounded::MAILBOX, MailboxCapacity::Bounded(64));
    assert_eq!(Unbounded::MAILBOX, MailboxCapacity::Unbounded);
    assert_eq!(Computed::<u8>::MAILBOX, MailboxCapacity::Bounded(32));
}
