//! The PostgreSQL journal against a real server: `ACTOR_PG_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`). Without it, one line says
//! what was not run. Everything runs in one test, in a schema of its own
//! that is dropped at the end.
#![cfg(feature = "postgres")]

mod common;

use std::io::Write;

use actor_persistence::journal::{
    Journal, JournalError, NewFact, OffsetStore, PostgresJournal, SnapshotStore, StoredFact,
};
use actor_persistence::prelude::*;
use actor_persistence::projection::ProjectionError;
use common::{Account, Command};

#[derive(Default)]
struct Offsets(Vec<u64>);

impl Projection for Offsets {
    async fn handle(&mut self, facts: &[StoredFact]) -> Result<(), ProjectionError> {
        self.0.extend(facts.iter().map(|f| f.offset));
        Ok(())
    }
    async fn reset(&mut self) -> Result<(), ProjectionError> {
        self.0.clear();
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_journal() {
    let Ok(url) = std::env::var("ACTOR_PG_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "actor-persistence: PostgreSQL tests not run (set ACTOR_PG_URL to run them)"
        );
        return;
    };
    actor_core::silence_caught_panics();
    let schema = format!("actor_persistence_test_{}", std::process::id());
    let journal = PostgresJournal::connect_in_schema(&url, &schema).await.expect("connect to ACTOR_PG_URL");

    // Optimistic concurrency: of two writers expecting 0, one wins.
    let fact = || vec![NewFact { name: "n", version: 1, tags: &[], payload: b"{}".to_vec() }];
    let (a, b) = tokio::join!(journal.append("race", 0, fact()), journal.append("race", 0, fact()));
    let lost = if a.is_ok() { b } else { a };
    assert!(matches!(lost, Err(JournalError::Conflict { expected: 0, actual: 1, .. })), "{lost:?}");
    assert_eq!(journal.highest_sequence("race").await.unwrap(), 1);

    // An actor with snapshots; a second incarnation replays the same state.
    let system = ActorSystem::new();
    let persistence = Persistence::new(journal.clone()).snapshot_every(20);
    let account = persistence.spawn(&system, "acct", Account::default());
    for cents in 1..=50 {
        account.send(Command::Deposit(cents)).await.unwrap();
    }
    assert!(matches!(account.execute(Command::Withdraw(10_000)).await, Err(CommandError::Rejected(_))));
    let live = account.read(Account::clone).await.unwrap();
    account.stop();
    account.wait_for_stop().await;
    assert!(journal.latest_snapshot("acct").await.unwrap().unwrap().sequence >= 40);
    let again = persistence.spawn(&system, "acct", Account::default());
    assert_eq!(again.read(Account::clone).await.unwrap(), live);
    assert_eq!(again.execute(Command::Deposit(1)).await.unwrap(), 51);

    // A projection catches up, stores its offset, and a new one resumes.
    let projector =
        Projector::new("offsets", Offsets::default(), journal.clone()).tag("account").spawn(&system);
    let end = journal.read_all(0, 1_000).await.unwrap().last().unwrap().offset;
    projector.wait_for(end).await.unwrap();
    assert_eq!(projector.inspect(|o| o.0.len()).await.unwrap(), 51);
    projector.stop();
    projector.wait_for_stop().await;
    assert_eq!(journal.load_offset("offsets").await.unwrap(), end);
    again.execute(Command::Deposit(2)).await.unwrap();
    let resumed =
        Projector::new("offsets", Offsets::default(), journal.clone()).tag("account").spawn(&system);
    resumed.wait_for(end + 1).await.unwrap();
    assert_eq!(resumed.inspect(|o| o.0.len()).await.unwrap(), 1);
    system.shutdown().await;

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).await.unwrap();
}
