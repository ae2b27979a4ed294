//! The state an actor rebuilds from its journal (with and without
//! snapshots) equals the state it had live, for random command sequences.

mod common;

use std::sync::Arc;

use actor_persistence::prelude::*;
use common::{fold, Account, Command};
use proptest::prelude::*;

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (0u64..50).prop_map(Command::Deposit),
        (0u64..80).prop_map(Command::Withdraw),
        (0u64..20).prop_map(Command::DepositTwice),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime")
}

/// Runs `commands` (half of them fire-and-forget, so batches form), then
/// returns the live state, the state after a full replay, and after a
/// replay from the latest snapshot.
async fn live_and_replayed(commands: Vec<Command>, snapshot_every: u64) -> (Account, Account, Account) {
    let system = ActorSystem::new();
    let journal = InMemoryJournal::new();
    let persistence = Persistence::new(journal.clone()).snapshot_every(snapshot_every);
    let account = persistence.spawn(&system, "acct", Account::default());
    for (i, command) in commands.into_iter().enumerate() {
        if i % 2 == 0 {
            account.send(command).await.expect("running");
        } else {
            let _ = account.execute(command).await;
        }
    }
    let live = account.read(Account::clone).await.expect("running");
    account.stop();
    account.wait_for_stop().await;

    let from_snapshot = persistence.spawn(&system, "acct", Account::default());
    let snapshotted = from_snapshot.read(Account::clone).await.expect("replayed");
    let no_snapshots = Persistence::with_stores(Arc::new(journal), Arc::new(InMemoryJournal::new()));
    let full = no_snapshots.spawn(&system, "acct", Account::default());
    let replayed = full.read(Account::clone).await.expect("replayed");
    system.shutdown().await;
    (live, replayed, snapshotted)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn replay_equals_live_state(commands in proptest::collection::vec(command(), 0..120), every in 1u64..20) {
        let expected = fold(&commands);
        let (live, replayed, snapshotted) = runtime().block_on(live_and_replayed(commands, every));
        prop_assert_eq!(&live, &expected);
        prop_assert_eq!(&replayed, &expected);
        prop_assert_eq!(&snapshotted, &expected);
    }
}
