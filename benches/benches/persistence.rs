//! Event sourcing: persist throughput (facts/s, one actor, commands sent
//! faster than the journal's round trip so the actor batches) and replay
//! speed (facts/s, one actor rebuilding from its journal) for each
//! journal: in memory, SQLite (a file in a temporary directory),
//! PostgreSQL when `ACTOR_PG_URL` is set, and JetStream (file storage)
//! when `ACTOR_NATS_URL` is set. Not criterion: a plain harness
//! that prints one line per run and the median of the rounds.
//!
//! ```text
//! cargo bench -p benches --bench persistence
//! cargo bench -p benches --bench persistence -- --rounds 5 --facts 500000
//! ```
//!
//! Figures: `docs/benchmarks.md`, section "Event sourcing".
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use actor_persistence::journal::{Journal, NewFact, SnapshotStore};
use actor_persistence::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
enum Fact1 {
    Deposited { cents: u64 },
}

impl Fact for Fact1 {
    fn name(&self) -> &'static str {
        "bench.deposited"
    }
}

#[derive(Default, Serialize, Deserialize)]
struct Account {
    balance: u64,
}

impl EventSourced for Account {
    type Command = u64;
    type Fact = Fact1;
    type Rejection = ();
    fn handle(&self, cents: u64) -> Result<Vec<Fact1>, ()> {
        Ok(vec![Fact1::Deposited { cents }])
    }
    fn apply(&mut self, Fact1::Deposited { cents }: &Fact1) {
        self.balance += cents;
    }
}

/// Sends `facts` deposits to one actor without waiting, then one read that
/// waits for all of them to be persisted.
async fn persist(persistence: &Persistence, id: &str, facts: u64) -> Duration {
    let system = ActorSystem::new();
    let account = persistence.spawn(&system, id.to_owned(), Account::default());
    account.read(|_| ()).await.expect("started");
    let start = Instant::now();
    for _ in 0..facts {
        account.send(1).await.expect("running");
    }
    let balance = account.read(|a| a.balance).await.expect("running");
    let elapsed = start.elapsed();
    assert_eq!(balance, facts);
    system.shutdown().await;
    elapsed
}

/// Writes `facts` facts for `id` straight into the journal (untimed), then
/// times an actor's start: its replay.
async fn replay(journal: Arc<dyn Journal>, id: &str, facts: u64) -> Duration {
    let payload = serde_json::to_vec(&Fact1::Deposited { cents: 1 }).expect("encodes");
    let mut written = 0;
    while written < facts {
        let chunk = (facts - written).min(10_000);
        let batch = (0..chunk)
            .map(|_| NewFact { name: "bench.deposited", version: 1, tags: &[], payload: payload.clone() })
            .collect();
        written = journal.append(id, written, batch).await.expect("append");
    }
    let system = ActorSystem::new();
    let no_snapshots = actor_persistence::journal::InMemoryJournal::new();
    let persistence = Persistence::with_stores(journal, Arc::new(no_snapshots) as Arc<dyn SnapshotStore>);
    let start = Instant::now();
    let account = persistence.spawn(&system, id.to_owned(), Account::default());
    let balance = account.read(|a| a.balance).await.expect("replayed");
    let elapsed = start.elapsed();
    assert_eq!(balance, facts);
    system.shutdown().await;
    elapsed
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|at| args.get(at + 1))
            .map(|v| v.replace('_', "").parse().unwrap_or_else(|_| panic!("{name} takes a number")))
            .unwrap_or(default)
    };
    let rounds = number("--rounds", 3) as usize;
    let facts = number("--facts", 200_000);
    let replay_facts = number("--replay-facts", 1_000_000);
    let rt = benches::runtime();
    let dir = std::env::temp_dir().join(format!("persistence-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");

    let mut table: Vec<(String, f64)> = Vec::new();
    let mut measure = |label: &str, count: u64, run: &mut dyn FnMut(usize) -> Duration| {
        let mut rates = Vec::new();
        for round in 0..rounds {
            let elapsed = run(round);
            let rate = count as f64 / elapsed.as_secs_f64();
            println!("{label:<28} round {round}: {count} facts in {elapsed:>10.2?} = {rate:>12.0} facts/s");
            rates.push(rate);
        }
        table.push((label.to_owned(), median(rates)));
    };

    let memory = InMemoryJournal::new();
    measure("persist  in-memory", facts, &mut |round| {
        rt.block_on(persist(&Persistence::new(memory.clone()), &format!("p{round}"), facts))
    });
    measure("replay   in-memory", replay_facts, &mut |round| {
        rt.block_on(replay(Arc::new(InMemoryJournal::new()), &format!("r{round}"), replay_facts))
    });
    let sqlite = SqliteJournal::open(dir.join("bench.db")).expect("open SQLite");
    measure("persist  SQLite", facts, &mut |round| {
        rt.block_on(persist(&Persistence::new(sqlite.clone()), &format!("p{round}"), facts))
    });
    measure("replay   SQLite", replay_facts, &mut |round| {
        rt.block_on(replay(Arc::new(sqlite.clone()), &format!("r{round}"), replay_facts))
    });
    postgres(&rt, &mut measure, facts, replay_facts);
    jetstream(&rt, &mut measure, facts, replay_facts);

    println!("\nmedian of {rounds} rounds");
    for (label, rate) in &table {
        println!("{label:<28} {rate:>12.0} facts/s");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[allow(clippy::type_complexity)]
fn postgres(
    rt: &tokio::runtime::Runtime,
    measure: &mut dyn FnMut(&str, u64, &mut dyn FnMut(usize) -> Duration),
    facts: u64,
    replay_facts: u64,
) {
    let Ok(url) = std::env::var("ACTOR_PG_URL") else {
        println!("PostgreSQL: skipped (ACTOR_PG_URL is not set)");
        return;
    };
    let journal = rt.block_on(actor_persistence::journal::PostgresJournal::connect(&url)).expect("connect");
    let run_id = std::process::id();
    measure("persist  PostgreSQL", facts, &mut |round| {
        rt.block_on(persist(&Persistence::new(journal.clone()), &format!("bench-{run_id}-p{round}"), facts))
    });
    measure("replay   PostgreSQL", replay_facts, &mut |round| {
        rt.block_on(replay(Arc::new(journal.clone()), &format!("bench-{run_id}-r{round}"), replay_facts))
    });
}

#[allow(clippy::type_complexity)]
fn jetstream(
    rt: &tokio::runtime::Runtime,
    measure: &mut dyn FnMut(&str, u64, &mut dyn FnMut(usize) -> Duration),
    facts: u64,
    replay_facts: u64,
) {
    let Ok(url) = std::env::var("ACTOR_NATS_URL") else {
        println!("JetStream: skipped (ACTOR_NATS_URL is not set)");
        return;
    };
    let name = format!("bench_journal_{}", std::process::id());
    let journal =
        rt.block_on(actor_persistence::journal::JetStreamJournal::connect(&url, &name)).expect("connect");
    measure("persist  JetStream", facts, &mut |round| {
        rt.block_on(persist(&Persistence::new(journal.clone()), &format!("p{round}"), facts))
    });
    measure("replay   JetStream", replay_facts, &mut |round| {
        rt.block_on(replay(Arc::new(journal.clone()), &format!("r{round}"), replay_facts))
    });
    rt.block_on(journal.delete()).expect("delete the bench journal");
}
