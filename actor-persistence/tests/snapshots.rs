//! Snapshots every N facts, replay from the latest one, and retention.

mod common;

use std::sync::Arc;

use actor_persistence::journal::{Journal, SnapshotStore};
use actor_persistence::prelude::*;
use common::{Account, Command};

async fn run(persistence: &Persistence, system: &ActorSystem, deposits: u64) -> Account {
    let account = persistence.spawn(system, "s", Account::default());
    for cents in 1..=deposits {
        account.send(Command::Deposit(cents)).await.unwrap();
    }
    let state = account.read(Account::clone).await.unwrap();
    account.stop();
    account.wait_for_stop().await;
    state
}

#[tokio::test]
async fn snapshot_plus_replay_equals_full_replay() {
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone()).snapshot_every(10);
    let live = run(&persistence, &system, 95).await;

    let snapshot = journal.latest_snapshot("s").await.unwrap().expect("a snapshot");
    assert!(snapshot.sequence >= 90, "the latest snapshot is at {}", snapshot.sequence);
    let from_snapshot = persistence.spawn(&system, "s", Account::default());
    let full = Persistence::with_stores(Arc::new(journal.clone()), Arc::new(InMemoryJournal::new())).spawn(
        &system,
        "s",
        Account::default(),
    );
    assert_eq!(from_snapshot.read(Account::clone).await.unwrap(), live);
    assert_eq!(full.read(Account::clone).await.unwrap(), live);
    assert_eq!(live.balance, (1..=95).sum::<u64>());
    system.shutdown().await;
}

#[tokio::test]
async fn prune_facts_keeps_only_what_the_latest_snapshot_does_not_cover() {
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone()).snapshot_every(10).retention(Retention::PruneFacts);
    let live = run(&persistence, &system, 25).await;
    let snapshot = journal.latest_snapshot("s").await.unwrap().expect("a snapshot");
    let kept = journal.facts("s");
    assert!(kept.iter().all(|f| f.sequence > snapshot.sequence), "facts up to the snapshot are pruned");
    assert_eq!(kept.len() as u64, 25 - snapshot.sequence);
    assert_eq!(journal.highest_sequence("s").await.unwrap(), 25);
    // Replay from the snapshot still gives the whole state, and new facts
    // continue the sequence.
    let again = persistence.spawn(&system, "s", Account::default());
    assert_eq!(again.read(Account::clone).await.unwrap(), live);
    assert_eq!(again.execute(Command::Deposit(1)).await.unwrap(), 26);
    system.shutdown().await;
}

#[tokio::test]
async fn keep_snapshots_keeps_the_latest_n() {
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence =
        Persistence::new(journal.clone()).snapshot_every(5).retention(Retention::KeepSnapshots(2));
    let account = persistence.spawn(&system, "s", Account::default());
    for _ in 0..40 {
        // One at a time, so every multiple of 5 gets its snapshot.
        account.execute(Command::Deposit(1)).await.unwrap();
    }
    account.read(|_| ()).await.unwrap();
    assert_eq!(journal.snapshot_sequences("s"), [35, 40]);
    assert_eq!(journal.facts("s").len(), 40, "facts are kept");
    system.shutdown().await;
}

#[tokio::test]
async fn a_snapshot_that_no_longer_decodes_falls_back_to_the_facts() {
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone()).snapshot_every(3);
    let live = run(&persistence, &system, 7).await;
    journal
        .save_snapshot(actor_persistence::journal::Snapshot {
            persistence_id: "s".into(),
            sequence: 7,
            payload: b"not json".to_vec(),
        })
        .await
        .unwrap();
    let again = persistence.spawn(&system, "s", Account::default());
    assert_eq!(again.read(Account::clone).await.unwrap(), live);
    system.shutdown().await;
}
