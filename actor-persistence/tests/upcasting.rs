//! Versioned facts: old versions are upcast on replay; a fact that cannot
//! be decoded stops the actor with a clear reason instead of being skipped.

use actor_persistence::journal::{Journal, NewFact};
use actor_persistence::prelude::*;
use actor_persistence::ReplayError;
use serde::{Deserialize, Serialize};

/// Version 1 stored `{"amount": units}`; version 2 stores cents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Fact2 {
    Deposited { cents: u64 },
}

impl Fact for Fact2 {
    const VERSION: u32 = 2;
    fn name(&self) -> &'static str {
        "wallet.deposited"
    }
}

#[derive(Deserialize)]
struct DepositedV1 {
    amount: u64,
}

#[derive(Default, Serialize, Deserialize)]
struct Wallet {
    cents: u64,
}

impl EventSourced for Wallet {
    type Command = u64;
    type Fact = Fact2;
    type Rejection = ();
    fn handle(&self, cents: u64) -> Result<Vec<Fact2>, ()> {
        Ok(vec![Fact2::Deposited { cents }])
    }
    fn apply(&mut self, Fact2::Deposited { cents }: &Fact2) {
        self.cents += cents;
    }
    fn upcasters() -> Upcasters<Fact2> {
        Upcasters::new()
            .upcast("wallet.deposited", 1, |old: DepositedV1| Fact2::Deposited { cents: old.amount * 100 })
    }
}

fn raw(version: u32, payload: &str) -> NewFact {
    NewFact { name: "wallet.deposited", version, tags: &[], payload: payload.as_bytes().to_vec() }
}

#[tokio::test]
async fn old_versions_are_upcast_on_replay() {
    let journal = InMemoryJournal::new();
    journal.append("w", 0, vec![raw(1, r#"{"amount":2}"#), raw(1, r#"{"amount":1}"#)]).await.unwrap();
    let system = ActorSystem::new();
    let wallet = Persistence::new(journal.clone()).spawn(&system, "w", Wallet::default());
    assert_eq!(wallet.read(|w| w.cents).await.unwrap(), 300);
    // New facts are written at the current version.
    assert_eq!(wallet.execute(5).await.unwrap(), 3);
    let written = journal.facts("w");
    assert_eq!((&*written[2].name, written[2].version), ("wallet.deposited", 2));
    system.shutdown().await;
}

/// Spawns the wallet on `journal`, expects it to fail replaying fact 2;
/// returns the stop reason's text and the stored version of that fact.
async fn start_failure(journal: InMemoryJournal) -> (String, u32) {
    let system = ActorSystem::new();
    let wallet = Persistence::new(journal).spawn(&system, "w", Wallet::default());
    let reason = wallet.wait_for_stop().await;
    let StopReason::StartFailed(error) = &reason else { panic!("expected a start failure, got {reason}") };
    let text = reason.to_string();
    let replay = error.source().downcast_ref::<ReplayError>().expect("a ReplayError");
    let ReplayError::Undecodable { persistence_id, sequence, version, .. } = replay else {
        panic!("{replay}")
    };
    assert_eq!((persistence_id.as_str(), *sequence), ("w", 2));
    assert!(text.contains("cannot replay `w`: fact 2 (`wallet.deposited` version"), "{text}");
    system.shutdown().await;
    (text, *version)
}

#[tokio::test]
async fn a_version_without_an_upcaster_stops_the_actor() {
    let journal = InMemoryJournal::new();
    journal.append("w", 0, vec![raw(2, r#"{"Deposited":{"cents":1}}"#), raw(7, "{}")]).await.unwrap();
    let (text, version) = start_failure(journal).await;
    assert_eq!(version, 7);
    assert!(text.contains("version 7"), "{text}");
}

#[tokio::test]
async fn a_payload_that_does_not_parse_stops_the_actor() {
    let journal = InMemoryJournal::new();
    journal.append("w", 0, vec![raw(2, r#"{"Deposited":{"cents":1}}"#), raw(2, "garbage")]).await.unwrap();
    assert_eq!(start_failure(journal).await.1, 2);
}
