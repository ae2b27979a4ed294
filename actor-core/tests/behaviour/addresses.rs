//! Addresses and identities: `ActorId` uniqueness and display, `ActorRef`
//! equality, `Recipient` type erasure, names, weak addresses.

use std::collections::HashSet;

use actor_core::prelude::*;
use actor_core::{ActorId, WeakActorRef};

use crate::common::{Handled, Log, Ping, Worker};

/// A second actor type that also handles `Ping`.
struct Doubler;
impl Actor for Doubler {}
impl Handler<Ping> for Doubler {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        msg.0 * 2
    }
}

fn is_short_form(shown: &str) -> bool {
    let Some((node, seq)) = shown.split_once('.') else { return false };
    node.len() == 8
        && node.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        && !seq.is_empty()
        && seq.chars().all(|c| c.is_ascii_digit())
}

#[tokio::test]
async fn actor_ids_are_unique_and_print_as_node_dot_sequence() {
    let system = ActorSystem::new();
    let actors: Vec<_> = (0..100).map(|_| system.spawn(Worker::default())).collect();
    let ids: HashSet<ActorId> = actors.iter().map(ActorRef::id).collect();
    assert_eq!(ids.len(), 100);
    for (i, a) in actors.iter().enumerate() {
        let id = a.id();
        let shown = id.to_string();
        assert!(is_short_form(&shown), "{shown:?} is not like \"xxxxxxxx.N\"");
        assert_eq!(shown, format!("{}.{}", system.node_id(), id.sequence()));
        assert_eq!(id.sequence(), i as u64 + 1, "sequence numbers follow spawn order from 1");
        assert_eq!(format!("{id:?}"), format!("ActorId({shown})"));
    }
    system.shutdown().await;
}

#[tokio::test]
async fn ids_are_never_reused_after_an_actor_stops() {
    let system = ActorSystem::new();
    let first = system.spawn(Worker::default());
    first.stop();
    first.wait_for_stop().await;
    let second = system.spawn(Worker::default());
    assert_ne!(first.id(), second.id());
    assert!(second.id().sequence() > first.id().sequence());
    system.shutdown().await;
}

#[tokio::test]
#[allow(clippy::mutable_key_type)] // a false positive: ActorRef hashes by its immutable id
async fn actor_refs_compare_and_hash_by_actor() {
    let system = ActorSystem::new();
    let a = system.spawn(Worker::default());
    let b = system.spawn(Worker::default());
    assert_eq!(a, a.clone());
    assert_ne!(a, b);
    let set: HashSet<ActorRef<Worker>> = [a.clone(), a.clone(), b.clone()].into_iter().collect();
    assert_eq!(set.len(), 2);
    system.shutdown().await;
}

#[tokio::test]
async fn a_recipient_hides_the_actor_type() {
    let system = ActorSystem::new();
    let worker = system.spawn(Worker::default());
    let doubler = system.spawn(Doubler);
    let recipients: Vec<Recipient<Ping>> = vec![worker.recipient(), doubler.recipient()];
    let mut replies = Vec::new();
    for r in &recipients {
        replies.push(r.ask(Ping(21)).await.unwrap());
    }
    assert_eq!(replies, [21, 42]);
    assert_eq!(recipients[0].id(), worker.id());
    assert_eq!(recipients[1].id(), doubler.id());
    let cloned = recipients[1].clone();
    assert_eq!(cloned.id(), doubler.id());
    assert!(format!("{cloned:?}").contains(&doubler.id().to_string()));
    system.shutdown().await;
}

#[tokio::test]
async fn a_spawn_name_shows_on_the_address() {
    let system = ActorSystem::new();
    let named = system.spawn_with(Worker::default(), SpawnOptions::new().name("billing"));
    let anonymous = system.spawn(Worker::default());
    assert_eq!(named.name(), Some("billing"));
    assert_eq!(anonymous.name(), None);
    let shown = format!("{named:?}");
    assert!(shown.contains("billing") && shown.contains(&named.id().to_string()), "{shown}");
    // A name is a label, not a registration: it need not be unique.
    let twin = system.spawn_with(Worker::default(), SpawnOptions::new().name("billing"));
    assert_eq!(twin.name(), Some("billing"));
    assert!(system.lookup::<Worker>("billing").is_err());
    system.shutdown().await;
}

#[tokio::test]
async fn a_weak_address_upgrades_while_the_actor_lives() {
    let system = ActorSystem::new();
    let w = system.spawn(Worker::new("w", &Log::default()));
    let weak: WeakActorRef<Worker> = w.downgrade();
    let weak2 = weak.clone();
    let up = weak.upgrade().expect("alive");
    assert_eq!(up, w);
    up.tell(Ping(1)).await.unwrap();
    assert_eq!(w.ask(Handled).await, Ok(1));

    w.kill();
    w.wait_for_stop().await;
    assert!(weak.upgrade().is_none());
    assert!(weak2.upgrade().is_none());
}
