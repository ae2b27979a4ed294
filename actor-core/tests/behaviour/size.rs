//! Pins the size of addresses: an `ActorRef` is one pointer whatever the
//! actor, a `Recipient` a (fat) pointer whatever the message, and `Option`
//! of either costs nothing extra. A change here is a deliberate decision.

use std::mem::size_of;

use actor_core::prelude::*;
use actor_core::WeakActorRef;

struct Small;
impl Actor for Small {}

/// A big actor: its state must not leak into the size of its address.
struct Big {
    _state: [u8; 4096],
}
impl Actor for Big {}

struct Tiny;
impl Message for Tiny {
    type Reply = ();
}

struct Huge {
    _payload: [u64; 512],
}
impl Message for Huge {
    type Reply = [u64; 512];
}

#[test]
fn an_actor_ref_is_one_pointer() {
    assert_eq!(size_of::<ActorRef<Small>>(), 8);
    assert_eq!(size_of::<ActorRef<Big>>(), 8);
    assert_eq!(size_of::<Option<ActorRef<Small>>>(), 8);
    assert_eq!(size_of::<Option<ActorRef<Big>>>(), 8);
}

#[test]
fn a_weak_actor_ref_is_one_pointer() {
    assert_eq!(size_of::<WeakActorRef<Small>>(), 8);
    assert_eq!(size_of::<WeakActorRef<Big>>(), 8);
}

#[test]
fn a_recipient_is_a_fat_pointer() {
    assert_eq!(size_of::<Recipient<Tiny>>(), 16);
    assert_eq!(size_of::<Recipient<Huge>>(), 16);
    assert_eq!(size_of::<Option<Recipient<Tiny>>>(), 16);
}
