//! The SQLite journal end to end: facts, snapshots and sequence numbers
//! survive closing and reopening the file.

mod common;

use actor_persistence::journal::{Journal, SnapshotStore};
use actor_persistence::prelude::*;
use common::{Account, Command};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.db");
    let live = {
        let system = ActorSystem::new();
        let persistence = Persistence::new(SqliteJournal::open(&path).unwrap()).snapshot_every(50);
        let account = persistence.spawn(&system, "acct", Account::default());
        for cents in 1..=120 {
            account.send(Command::Deposit(cents)).await.unwrap();
        }
        account.send(Command::Withdraw(7)).await.unwrap();
        let live = account.read(Account::clone).await.unwrap();
        system.shutdown().await;
        live
    };
    let journal = SqliteJournal::open(&path).unwrap();
    assert_eq!(journal.highest_sequence("acct").await.unwrap(), 121);
    assert!(journal.latest_snapshot("acct").await.unwrap().unwrap().sequence >= 100);
    let system = ActorSystem::new();
    let account = Persistence::new(journal).spawn(&system, "acct", Account::default());
    assert_eq!(account.read(Account::clone).await.unwrap(), live);
    assert_eq!(account.execute(Command::Deposit(1)).await.unwrap(), 122);
    system.shutdown().await;
}
