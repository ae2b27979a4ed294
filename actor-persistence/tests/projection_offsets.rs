//! Projections: in offset order, selected by tag or name, restart from the
//! stored offset, rebuild from zero.

mod common;

use actor_persistence::journal::{OffsetStore, StoredFact};
use actor_persistence::prelude::*;
use actor_persistence::projection::ProjectionError;
use common::{Account, AccountFact, Command};

/// Records every (offset, fact) it is given.
#[derive(Default)]
struct Recorder {
    seen: Vec<(u64, AccountFact)>,
    resets: u32,
}

impl Projection for Recorder {
    async fn handle(&mut self, facts: &[StoredFact]) -> Result<(), ProjectionError> {
        for stored in facts {
            let fact: AccountFact = Upcasters::new().decode(stored)?;
            self.seen.push((stored.offset, fact));
        }
        Ok(())
    }
    async fn reset(&mut self) -> Result<(), ProjectionError> {
        self.seen.clear();
        self.resets += 1;
        Ok(())
    }
}

fn offsets(recorder: &Recorder) -> Vec<u64> {
    recorder.seen.iter().map(|(o, _)| *o).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projection_restarts_from_its_stored_offset_and_rebuilds_from_zero() {
    let dir = tempfile::tempdir().unwrap();
    let journal = SqliteJournal::open(dir.path().join("j.db")).unwrap();
    let system = ActorSystem::new();
    let account = Persistence::new(journal.clone()).spawn(&system, "p", Account::default());
    for cents in 1..=5 {
        account.execute(Command::Deposit(cents)).await.unwrap();
    }
    let projector =
        Projector::new("recorder", Recorder::default(), journal.clone()).tag("account").spawn(&system);
    assert_eq!(projector.wait_for(5).await.unwrap(), 5);
    assert_eq!(projector.inspect(offsets).await.unwrap(), [1, 2, 3, 4, 5]);
    projector.stop();
    projector.wait_for_stop().await;
    assert_eq!(journal.load_offset("recorder").await.unwrap(), 5);

    // Facts written while it is down are the only ones the next one sees.
    account.execute(Command::Withdraw(3)).await.unwrap();
    account.execute(Command::Deposit(9)).await.unwrap();
    let again =
        Projector::new("recorder", Recorder::default(), journal.clone()).tag("account").spawn(&system);
    assert_eq!(again.wait_for(7).await.unwrap(), 7);
    assert_eq!(
        again.inspect(|r| r.seen.clone()).await.unwrap(),
        [(6, AccountFact::Withdrawn { cents: 3 }), (7, AccountFact::Deposited { cents: 9 })]
    );

    // Live: a new fact wakes it without polling.
    account.execute(Command::Deposit(1)).await.unwrap();
    assert_eq!(again.wait_for(8).await.unwrap(), 8);

    // Rebuild: reset, then everything from offset 0.
    assert_eq!(again.rebuild().await.unwrap(), 8);
    assert_eq!(again.inspect(offsets).await.unwrap(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(again.inspect(|r| r.resets).await.unwrap(), 1);
    system.shutdown().await;
}

#[tokio::test]
async fn a_projection_selects_by_name() {
    let journal = InMemoryJournal::new();
    let system = ActorSystem::new();
    let account = Persistence::new(journal.clone()).spawn(&system, "p", Account::default());
    account.execute(Command::Deposit(4)).await.unwrap();
    account.execute(Command::Withdraw(1)).await.unwrap();
    account.execute(Command::Deposit(2)).await.unwrap();
    let withdrawals = Projector::new("withdrawals", Recorder::default(), journal.clone())
        .names(&["test.withdrawn"])
        .spawn(&system);
    withdrawals.wait_for(3).await.unwrap();
    assert_eq!(
        withdrawals.inspect(|r| r.seen.clone()).await.unwrap(),
        [(2, AccountFact::Withdrawn { cents: 1 })]
    );
    system.shutdown().await;
}

/// Fails on the first batch that contains offset 3, once.
struct FailsOnce {
    inner: Recorder,
    failed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Projection for FailsOnce {
    async fn handle(&mut self, facts: &[StoredFact]) -> Result<(), ProjectionError> {
        if facts.iter().any(|f| f.offset == 3) && !self.failed.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return Err("the read model is down".into());
        }
        self.inner.handle(facts).await
    }
    async fn reset(&mut self) -> Result<(), ProjectionError> {
        self.inner.reset().await
    }
}

#[tokio::test]
async fn a_failing_projection_stops_with_a_clear_reason_and_resumes_from_its_offset() {
    actor_core::silence_caught_panics();
    let journal = InMemoryJournal::new();
    let system = ActorSystem::new();
    let account = Persistence::new(journal.clone()).spawn(&system, "p", Account::default());
    account.execute(Command::Deposit(1)).await.unwrap();
    account.execute(Command::Deposit(2)).await.unwrap();
    let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let make = || FailsOnce { inner: Recorder::default(), failed: failed.clone() };
    let projector = Projector::new("f", make(), journal.clone()).batch(1).spawn(&system);
    projector.wait_for(2).await.unwrap();
    account.execute(Command::Deposit(3)).await.unwrap();
    let reason = projector.wait_for_stop().await;
    assert!(
        matches!(&reason, StopReason::Panicked(m) if m.contains("projection `f` failed to handle facts after offset 2")),
        "{reason}"
    );
    let again = Projector::new("f", make(), journal.clone()).batch(1).spawn(&system);
    again.wait_for(3).await.unwrap();
    assert_eq!(again.inspect(|p| offsets(&p.inner)).await.unwrap(), [3]);
    system.shutdown().await;
}
