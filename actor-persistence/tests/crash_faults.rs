//! A crash at each step of persist, apply and reply: nothing acknowledged
//! is lost, nothing rejected is persisted, and the restarted actor's state
//! is exactly what the journal kept.

mod common;

use std::time::Duration;

use actor_core::supervision::{ChildSpec, Supervisor};
use actor_persistence::journal::Fault;
use actor_persistence::prelude::*;
use common::{Account, AccountFact, Command, Rejection};

async fn balance(account: &ActorRef<EventSourcedActor<Account>>) -> u64 {
    account.read(|a| a.balance).await.expect("running")
}

#[tokio::test]
async fn a_rejected_command_persists_nothing() {
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let account = Persistence::new(journal.clone()).spawn(&system, "a", Account::default());
    assert_eq!(account.execute(Command::Deposit(5)).await.unwrap(), 1);
    let rejected = account.execute(Command::Withdraw(9)).await;
    assert!(matches!(rejected, Err(CommandError::Rejected(Rejection::Insufficient { balance: 5 }))));
    assert!(matches!(
        account.execute(Command::Deposit(0)).await,
        Err(CommandError::Rejected(Rejection::Zero))
    ));
    assert_eq!(journal.facts("a").len(), 1);
    system.shutdown().await;
}

#[tokio::test]
async fn crash_before_persist_loses_the_command_and_keeps_the_journal() {
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone());
    let account = persistence.spawn(&system, "a", Account::default());
    account.execute(Command::Deposit(5)).await.unwrap();
    journal.inject(Fault::FailBeforeWrite);
    let failed = account.execute(Command::Deposit(7)).await;
    assert!(matches!(failed, Err(CommandError::Journal(_))), "{failed:?}");
    let reason = account.wait_for_stop().await;
    assert!(
        matches!(&reason, StopReason::Panicked(m) if m.contains("journal append for `a` failed")),
        "{reason}"
    );

    let again = persistence.spawn(&system, "a", Account::default());
    assert_eq!(balance(&again).await, 5);
    assert_eq!(journal.facts("a").len(), 1);
    system.shutdown().await;
}

#[tokio::test]
async fn crash_between_persist_and_reply_loses_no_fact() {
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone());
    let account = persistence.spawn(&system, "a", Account::default());
    journal.inject(Fault::FailAfterWrite);
    let failed = account.execute(Command::DepositTwice(4)).await;
    assert!(matches!(failed, Err(CommandError::Journal(_))), "{failed:?}");
    account.wait_for_stop().await;

    let again = persistence.spawn(&system, "a", Account::default());
    assert_eq!(balance(&again).await, 8, "both facts were persisted and replay");
    assert_eq!(again.execute(Command::Deposit(1)).await.unwrap(), 3);
    system.shutdown().await;
}

#[tokio::test]
async fn crash_during_apply_persists_nothing_of_that_command() {
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone());
    let account = persistence.spawn(&system, "a", Account::default());
    account.execute(Command::Deposit(3)).await.unwrap();
    let crashed = account.execute(Command::Explode).await;
    assert!(matches!(crashed, Err(CommandError::Unavailable(_))), "{crashed:?}");
    assert!(matches!(account.wait_for_stop().await, StopReason::Panicked(_)));
    assert_eq!(journal.facts("a").len(), 1, "the exploding fact never reached the journal");
    let again = persistence.spawn(&system, "a", Account::default());
    assert_eq!(balance(&again).await, 3);
    system.shutdown().await;
}

#[tokio::test]
async fn a_caller_that_stops_waiting_still_gets_its_fact_persisted() {
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone());
    let account = persistence.spawn(&system, "a", Account::default());
    // The reply has nowhere to go: the caller dropped it.
    let abandoned = account.execute(Command::Deposit(6));
    let _ = tokio::time::timeout(Duration::ZERO, abandoned).await;
    account.send(Command::Deposit(1)).await.unwrap();
    assert_eq!(balance(&account).await, 7);
    assert_eq!(journal.facts("a").len(), 2);
    system.shutdown().await;
}

#[tokio::test]
async fn a_supervised_restart_replays_behind_the_same_address() {
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone());
    let factory = persistence.clone();
    let supervisor = Supervisor::builder()
        .max_restarts(5, Duration::from_secs(10))
        .child(ChildSpec::new("account", move || factory.actor("a", Account::default())))
        .spawn(&system)
        .await
        .expect("started");
    let account: ActorRef<EventSourcedActor<Account>> = supervisor.child("account").await.expect("a child");
    account.execute(Command::Deposit(10)).await.unwrap();
    journal.inject(Fault::FailAfterWrite);
    assert!(account.execute(Command::Withdraw(4)).await.is_err());
    // Same address, new incarnation, state replayed (the withdrawal was
    // persisted before the failure).
    assert_eq!(account.execute(Command::Deposit(1)).await.unwrap(), 3);
    assert_eq!(balance(&account).await, 7);
    let facts: Vec<AccountFact> =
        journal.facts("a").iter().map(|f| serde_json::from_slice(&f.payload).unwrap()).collect();
    assert_eq!(
        facts,
        [
            AccountFact::Deposited { cents: 10 },
            AccountFact::Withdrawn { cents: 4 },
            AccountFact::Deposited { cents: 1 }
        ]
    );
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_writes_what_was_decided_and_answers_its_callers() {
    let system = ActorSystem::new();
    let dir = tempfile::tempdir().unwrap();
    let journal = SqliteJournal::open(dir.path().join("j.db")).unwrap();
    let persistence = Persistence::new(journal.clone());
    let account = persistence.spawn(&system, "g", Account::default());
    let callers: Vec<_> = (0..200)
        .map(|_| {
            let account = account.clone();
            tokio::spawn(async move { account.execute(Command::Deposit(1)).await })
        })
        .collect();
    // Stop while commands are being decided and batches are in the journal.
    account.read(|_| ()).await.unwrap();
    account.stop();
    assert_eq!(account.wait_for_stop().await, StopReason::Normal);
    let mut acknowledged = 0;
    for caller in callers {
        match caller.await.unwrap() {
            Ok(_) => acknowledged += 1,
            Err(CommandError::Unavailable(_)) => {} // never handled: a dead letter
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    let kept = actor_persistence::journal::Journal::highest_sequence(&journal, "g").await.unwrap();
    assert_eq!(kept, acknowledged, "every acknowledged command is in the journal, and only those");
    system.shutdown().await;
}
