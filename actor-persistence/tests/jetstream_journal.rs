//! The JetStream journal against a NATS server with JetStream
//! (`ACTOR_NATS_URL`, e.g. `nats://127.0.0.1:4222`), through the same
//! conformance checks as the in-memory journal: optimistic concurrency,
//! replay, all-or-none appends, global order, pruning, snapshots, offsets,
//! and an event-sourced actor with a projection. Without the URL, the
//! checks run against the in-memory journal only and one line says what
//! was not run. The journal's stream and buckets are deleted at the end.
#![cfg(feature = "jetstream")]

mod common;

use std::io::Write;
use std::time::Duration;

use actor_persistence::journal::{
    JetStreamJournal, JetStreamStorage, Journal, JournalError, NewFact, OffsetStore, Snapshot, SnapshotStore,
    StoredFact,
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

fn fact(payload: &str) -> NewFact {
    NewFact { name: "n", version: 1, tags: &["t"], payload: payload.as_bytes().to_vec() }
}

/// What every journal must do; run against each backend.
async fn conformance<J>(journal: J)
where
    J: Journal + SnapshotStore + OffsetStore + Clone,
{
    // Optimistic concurrency: of two writers expecting 0, one wins.
    let (a, b) =
        tokio::join!(journal.append("race", 0, vec![fact("1")]), journal.append("race", 0, vec![fact("1")]));
    let lost = if a.is_ok() { b } else { a };
    assert!(matches!(lost, Err(JournalError::Conflict { expected: 0, actual: 1, .. })), "{lost:?}");
    assert_eq!(journal.highest_sequence("race").await.unwrap(), 1);
    let stale = journal.append("race", 5, vec![fact("1")]).await;
    assert!(matches!(stale, Err(JournalError::Conflict { expected: 5, actual: 1, .. })), "{stale:?}");

    // Several facts in one append, all in order; replay from the middle.
    assert_eq!(journal.append("multi", 0, vec![fact("1"), fact("2"), fact("3")]).await.unwrap(), 3);
    assert_eq!(journal.append("multi", 3, vec![fact("4")]).await.unwrap(), 4);
    let replayed = journal.replay("multi", 2, 10).await.unwrap();
    assert_eq!(replayed.iter().map(|f| f.sequence).collect::<Vec<_>>(), vec![2, 3, 4]);
    assert_eq!(replayed.iter().map(|f| &*f.payload).collect::<Vec<_>>(), vec![b"2", b"3", b"4"]);
    assert!(replayed.iter().all(|f| &*f.name == "n" && f.version == 1 && f.has_tag("t")));
    let chunk = journal.replay("multi", 1, 2).await.unwrap();
    assert_eq!(chunk.iter().map(|f| f.sequence).collect::<Vec<_>>(), vec![1, 2], "at most max");
    // The next chunk goes on where it stopped, inside an append.
    let chunk = journal.replay("multi", 3, 2).await.unwrap();
    assert_eq!(chunk.iter().map(|f| f.sequence).collect::<Vec<_>>(), vec![3, 4]);
    assert!(journal.replay("multi", 5, 10).await.unwrap().is_empty());
    assert!(journal.replay("nobody", 1, 10).await.unwrap().is_empty());
    assert_eq!(journal.highest_sequence("nobody").await.unwrap(), 0);
    // Ids with any characters stay apart.
    journal.append("a.b c", 0, vec![fact("\"x\"")]).await.unwrap();
    assert_eq!(journal.replay("a.b c", 1, 10).await.unwrap()[0].persistence_id.as_ref(), "a.b c");
    assert!(journal.replay("a", 1, 10).await.unwrap().is_empty());

    // Every fact of every id, in increasing offsets; `after` and `max`.
    let all = journal.read_all(0, 1_000).await.unwrap();
    assert_eq!(all.len(), 1 + 4 + 1);
    assert!(all.windows(2).all(|w| w[0].offset < w[1].offset));
    let rest = journal.read_all(all[1].offset, 2).await.unwrap();
    assert_eq!(rest, all[2..4].to_vec());
    assert_eq!(*journal.appended().borrow(), all.last().unwrap().offset);

    // Pruning keeps the highest sequence number.
    for n in 0..5 {
        journal.append("pruned", n, vec![fact("1")]).await.unwrap();
    }
    journal.delete_up_to("pruned", 3).await.unwrap();
    let left = journal.replay("pruned", 1, 10).await.unwrap();
    assert_eq!(left.iter().map(|f| f.sequence).collect::<Vec<_>>(), vec![4, 5]);
    journal.delete_up_to("pruned", 5).await.unwrap();
    assert_eq!(journal.highest_sequence("pruned").await.unwrap(), 5);
    assert_eq!(journal.append("pruned", 5, vec![fact("1")]).await.unwrap(), 6);

    // Snapshots: the latest wins; deleting older ones keeps it.
    let snapshot = |sequence, payload: &str| Snapshot {
        persistence_id: "snap".into(),
        sequence,
        payload: payload.as_bytes().to_vec(),
    };
    assert_eq!(journal.latest_snapshot("snap").await.unwrap(), None);
    journal.save_snapshot(snapshot(10, "ten")).await.unwrap();
    journal.save_snapshot(snapshot(20, "twenty")).await.unwrap();
    journal.save_snapshot(snapshot(15, "fifteen")).await.unwrap();
    assert_eq!(journal.latest_snapshot("snap").await.unwrap(), Some(snapshot(20, "twenty")));
    journal.delete_snapshots_before("snap", 20).await.unwrap();
    assert_eq!(journal.latest_snapshot("snap").await.unwrap(), Some(snapshot(20, "twenty")));
    journal.delete_snapshots_before("snap", 21).await.unwrap();
    assert_eq!(journal.latest_snapshot("snap").await.unwrap(), None);

    // Offsets.
    assert_eq!(journal.load_offset("p").await.unwrap(), 0);
    journal.save_offset("p", 42).await.unwrap();
    journal.save_offset("p", 43).await.unwrap();
    assert_eq!(journal.load_offset("p").await.unwrap(), 43);

    actor_and_projection(journal.clone()).await;

    // An append of 2.2 MB (more than NATS's default maximum payload) is
    // stored whole and replays in order.
    let big: Vec<NewFact> = (0..20_000).map(|i| fact(&format!("{i:0100}"))).collect();
    assert_eq!(journal.append("big", 0, big).await.unwrap(), 20_000);
    let back = journal.replay("big", 1, 30_000).await.unwrap();
    assert_eq!(back.len(), 20_000);
    assert!(back.iter().enumerate().all(|(i, f)| f.sequence == i as u64 + 1));
    assert_eq!(&*back[12_345].payload, format!("{:0100}", 12_345).as_bytes());
    // In chunks, as an actor replays: the same facts.
    let mut chunked = Vec::new();
    loop {
        let next = journal.replay("big", chunked.len() as u64 + 1, 4_096).await.unwrap();
        if next.is_empty() {
            break;
        }
        chunked.extend(next);
    }
    assert_eq!(chunked, back);
    assert_eq!(
        *journal.appended().borrow(),
        journal.read_all(0, 100_000).await.unwrap().last().unwrap().offset
    );
}

/// An event-sourced actor with snapshots replays the same state in a
/// second incarnation; a projection catches up, stores its offset, and a
/// new one resumes after it.
async fn actor_and_projection<J>(journal: J)
where
    J: Journal + SnapshotStore + OffsetStore + Clone,
{
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let persistence = Persistence::new(journal.clone()).snapshot_every(20);
    let account = persistence.spawn(&system, "acct", Account::default());
    for cents in 1..=50 {
        account.send(Command::Deposit(cents)).await.unwrap();
    }
    account.send(Command::DepositTwice(1)).await.unwrap();
    assert!(matches!(account.execute(Command::Withdraw(10_000)).await, Err(CommandError::Rejected(_))));
    let live = account.read(Account::clone).await.unwrap();
    account.stop();
    account.wait_for_stop().await;
    assert!(journal.latest_snapshot("acct").await.unwrap().unwrap().sequence >= 40);
    let again = persistence.spawn(&system, "acct", Account::default());
    assert_eq!(again.read(Account::clone).await.unwrap(), live);
    assert_eq!(again.execute(Command::Deposit(1)).await.unwrap(), 53);

    let projector =
        Projector::new("offsets", Offsets::default(), journal.clone()).tag("account").spawn(&system);
    let end = journal.read_all(0, 10_000).await.unwrap().last().unwrap().offset;
    tokio::time::timeout(Duration::from_secs(20), projector.wait_for(end)).await.expect("bounded").unwrap();
    assert_eq!(projector.inspect(|o| o.0.len()).await.unwrap(), 53);
    projector.stop();
    projector.wait_for_stop().await;
    assert_eq!(journal.load_offset("offsets").await.unwrap(), end);
    again.execute(Command::Deposit(2)).await.unwrap();
    let next = journal.read_all(end, 10).await.unwrap()[0].offset;
    let resumed =
        Projector::new("offsets", Offsets::default(), journal.clone()).tag("account").spawn(&system);
    tokio::time::timeout(Duration::from_secs(20), resumed.wait_for(next)).await.expect("bounded").unwrap();
    assert_eq!(resumed.inspect(|o| o.0.clone()).await.unwrap(), vec![next]);
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_memory_journal_passes_the_conformance_checks() {
    conformance(InMemoryJournal::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jetstream_journal_passes_the_conformance_checks() {
    let Ok(url) = std::env::var("ACTOR_NATS_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "actor-persistence: JetStream journal tests not run (set ACTOR_NATS_URL to run them)"
        );
        return;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let name = format!("journal_test_{}_{nanos}", std::process::id());
    let client = async_nats::connect(&url).await.expect("connect to ACTOR_NATS_URL");
    let journal = JetStreamJournal::open(client, &name, JetStreamStorage::Memory).await.expect("open");
    conformance(journal.clone()).await;

    // A second handle (another process, say) sees the same journal and
    // loses a race it did not know about.
    let other = JetStreamJournal::connect(&url, &name).await.expect("reopen");
    assert_eq!(other.highest_sequence("acct").await.unwrap(), 54);
    assert_eq!(
        *other.appended().borrow(),
        journal.read_all(0, 100_000).await.unwrap().last().unwrap().offset
    );
    other.append("acct", 54, vec![fact("1")]).await.unwrap();
    let stale = journal.append("acct", 54, vec![fact("1")]).await;
    assert!(matches!(stale, Err(JournalError::Conflict { expected: 54, actual: 55, .. })), "{stale:?}");
    journal.delete().await.expect("delete the journal");
}
