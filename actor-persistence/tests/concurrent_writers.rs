//! Two writers for one persistence id cannot interleave facts: the one
//! that appends second gets a conflict, and nothing of it is written.

mod common;

use actor_persistence::journal::{Journal, JournalError, NewFact};
use actor_persistence::prelude::*;
use common::{Account, Command};

fn fact() -> Vec<NewFact> {
    vec![NewFact { name: "n", version: 1, tags: &[], payload: b"{}".to_vec() }]
}

async fn race(journal: impl Journal + Clone) {
    // Both writers expect the history to end at 0; exactly one wins.
    let (a, b) = tokio::join!(journal.append("id", 0, fact()), journal.append("id", 0, fact()));
    let (won, lost) = if a.is_ok() { (a, b) } else { (b, a) };
    assert_eq!(won.unwrap(), 1);
    assert!(matches!(lost, Err(JournalError::Conflict { expected: 0, actual: 1, .. })), "{lost:?}");
    assert_eq!(journal.replay("id", 1, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn in_memory_journal_refuses_the_second_writer() {
    race(InMemoryJournal::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_journal_refuses_the_second_writer() {
    let dir = tempfile::tempdir().unwrap();
    race(SqliteJournal::open(dir.path().join("j.db")).unwrap()).await;
}

#[tokio::test]
async fn two_actors_for_one_id_the_loser_gets_an_error() {
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone());
    let first = persistence.spawn(&system, "same", Account::default());
    let second = persistence.spawn(&system, "same", Account::default());
    // Both have replayed the empty history.
    first.read(|_| ()).await.unwrap();
    second.read(|_| ()).await.unwrap();
    assert_eq!(first.execute(Command::Deposit(1)).await.unwrap(), 1);
    let lost = second.execute(Command::Deposit(2)).await;
    match lost {
        Err(CommandError::Journal(error)) => {
            assert!(matches!(*error, JournalError::Conflict { .. }), "{error}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(second.wait_for_stop().await.is_abnormal());
    // The loser's restart would see the winner's fact.
    let again = persistence.spawn(&system, "same", Account::default());
    assert_eq!(again.read(|a| a.balance).await.unwrap(), 1);
    assert_eq!(journal.facts("same").len(), 1);
    system.shutdown().await;
}
