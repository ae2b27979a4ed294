//! The seed's bank, event-sourced, end to end: commands and facts kept
//! apart, a read model built from the facts, a supervised restart that
//! replays.
//!
//! * **Write side.** Each account is an event-sourced actor. Commands
//!   (`Deposit`, `Withdraw`, `Transfer`: "do this") are validated against
//!   the account's state; the facts they produce (`Deposited`,
//!   `Withdrawn`: "this happened") go into a SQLite journal, and `apply` is
//!   the only place the balance changes.
//! * **Transfers.** `Transfer` withdraws from the source with the target
//!   named in the fact; a `TransferDesk` projection reads those facts from
//!   the journal (from its stored offset, so a crash never loses one) and
//!   deposits into the target, which ignores a deposit it already has.
//! * **Read side.** A `Balances` projection keeps a `balances` table in a
//!   second SQLite file, idempotent by offset; the query side reads that
//!   table and never talks to the accounts.
//! * **Supervision.** The accounts run under a supervisor; one is killed
//!   and comes back behind the same address with its state replayed.
//!
//! Run with `cargo run --example bank_es` (the databases go to a
//! temporary directory, removed at the end).
#![allow(clippy::print_stdout)] // an example talks to its user

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actor_core::supervision::{ChildSpec, Supervisor};
use actor_persistence::journal::{Journal, StoredFact};
use actor_persistence::prelude::*;
use actor_persistence::projection::ProjectionError;
use serde::{Deserialize, Serialize};

// ---- commands: "do this", to one account ----

#[derive(Debug)]
enum AccountCommand {
    Deposit {
        cents: u64,
    },
    Withdraw {
        cents: u64,
    },
    Transfer {
        to: String,
        cents: u64,
    },
    /// A transfer's second half, sent by the transfer desk.
    Receive {
        from: String,
        transfer: u64,
        cents: u64,
    },
}

#[derive(Debug, PartialEq)]
enum Refused {
    InsufficientFunds { balance: u64 },
    ZeroAmount,
}

// ---- facts: "this happened", kept forever ----

#[derive(Clone, Debug, Serialize, Deserialize)]
enum AccountFact {
    /// `transfer` names the source and its withdrawal's sequence number.
    Deposited { cents: u64, transfer: Option<(String, u64)> },
    /// `to` names a transfer's target.
    Withdrawn { cents: u64, to: Option<String> },
}

impl Fact for AccountFact {
    fn name(&self) -> &'static str {
        match self {
            AccountFact::Deposited { .. } => "bank.deposited",
            AccountFact::Withdrawn { .. } => "bank.withdrawn",
        }
    }
    fn tags(&self) -> &'static [&'static str] {
        &["account"]
    }
}

// ---- the write model ----

#[derive(Debug, Default, Serialize, Deserialize)]
struct Account {
    balance: u64,
    /// The last transfer received from each source (deduplication).
    received: HashMap<String, u64>,
}

impl EventSourced for Account {
    type Command = AccountCommand;
    type Fact = AccountFact;
    type Rejection = Refused;

    fn handle(&self, command: AccountCommand) -> Result<Vec<AccountFact>, Refused> {
        use AccountCommand::*;
        match command {
            Deposit { cents: 0 } | Withdraw { cents: 0 } | Transfer { cents: 0, .. } => {
                Err(Refused::ZeroAmount)
            }
            Deposit { cents } => Ok(vec![AccountFact::Deposited { cents, transfer: None }]),
            Withdraw { cents } | Transfer { cents, .. } if cents > self.balance => {
                Err(Refused::InsufficientFunds { balance: self.balance })
            }
            Withdraw { cents } => Ok(vec![AccountFact::Withdrawn { cents, to: None }]),
            Transfer { to, cents } => Ok(vec![AccountFact::Withdrawn { cents, to: Some(to) }]),
            Receive { from, transfer, .. }
                if self.received.get(&from).is_some_and(|&last| last >= transfer) =>
            {
                Ok(vec![]) // already received: at-least-once delivery made idempotent
            }
            Receive { from, transfer, cents } => {
                Ok(vec![AccountFact::Deposited { cents, transfer: Some((from, transfer)) }])
            }
        }
    }

    fn apply(&mut self, fact: &AccountFact) {
        match fact {
            AccountFact::Deposited { cents, transfer } => {
                self.balance += cents;
                if let Some((from, sequence)) = transfer {
                    self.received.insert(from.clone(), *sequence);
                }
            }
            AccountFact::Withdrawn { cents, .. } => self.balance -= cents,
        }
    }
}

type AccountRef = ActorRef<EventSourcedActor<Account>>;

// ---- the transfer desk: withdrawals with a target become deposits ----

struct TransferDesk {
    accounts: HashMap<String, AccountRef>,
}

impl Projection for TransferDesk {
    async fn handle(&mut self, facts: &[StoredFact]) -> Result<(), ProjectionError> {
        let upcasters = Account::upcasters();
        for stored in facts {
            if let AccountFact::Withdrawn { cents, to: Some(to) } = upcasters.decode(stored)? {
                let target = self.accounts.get(&to).ok_or_else(|| format!("no account `{to}`"))?;
                let from = stored.persistence_id.to_string();
                let receive = AccountCommand::Receive { from, transfer: stored.sequence, cents };
                target.execute(receive).await.map_err(|e| format!("deposit into `{to}`: {e}"))?;
            }
        }
        Ok(())
    }
    async fn reset(&mut self) -> Result<(), ProjectionError> {
        Err("the transfer desk acts on the world; it is never rebuilt".into())
    }
}

// ---- the read model: a balances table, idempotent by offset ----

struct Balances {
    db: Arc<parking_lot::Mutex<rusqlite::Connection>>,
}

impl Balances {
    fn open(path: &Path) -> rusqlite::Result<Self> {
        let db = rusqlite::Connection::open(path)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS balances (
                 account TEXT PRIMARY KEY, cents INTEGER NOT NULL, last_offset INTEGER NOT NULL)",
        )?;
        Ok(Balances { db: Arc::new(parking_lot::Mutex::new(db)) })
    }
}

impl Projection for Balances {
    async fn handle(&mut self, facts: &[StoredFact]) -> Result<(), ProjectionError> {
        let upcasters = Account::upcasters();
        let mut rows = Vec::with_capacity(facts.len());
        for stored in facts {
            let delta = match upcasters.decode(stored)? {
                AccountFact::Deposited { cents, .. } => cents as i64,
                AccountFact::Withdrawn { cents, .. } => -(cents as i64),
            };
            rows.push((stored.persistence_id.to_string(), delta, stored.offset as i64));
        }
        let db = self.db.clone();
        // SQLite blocks: off the async workers.
        tokio::task::spawn_blocking(move || -> rusqlite::Result<()> {
            let mut db = db.lock();
            let tx = db.transaction()?;
            for (account, delta, offset) in rows {
                tx.execute(
                    "INSERT INTO balances (account, cents, last_offset) VALUES (?1, ?2, ?3)
                     ON CONFLICT (account) DO UPDATE SET cents = cents + ?2, last_offset = ?3
                     WHERE last_offset < ?3",
                    rusqlite::params![account, delta, offset],
                )?;
            }
            tx.commit()
        })
        .await??;
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), ProjectionError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.lock().execute("DELETE FROM balances", []).map(drop))
            .await??;
        Ok(())
    }
}

// ---- the query side: reads the table, never the accounts ----

fn query_balances(path: &Path) -> rusqlite::Result<Vec<(String, i64)>> {
    let db = rusqlite::Connection::open(path)?;
    let mut select = db.prepare("SELECT account, cents FROM balances ORDER BY account")?;
    let rows = select.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_tracing();
    let dir = std::env::temp_dir().join(format!("bank_es-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir).await;
    std::fs::remove_dir_all(&dir)?;
    result
}

async fn run(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let system = ActorSystem::new();
    let journal = SqliteJournal::open(dir.join("journal.db"))?;
    let persistence = Persistence::new(journal.clone()).snapshot_every(100);

    // Write side: three accounts under one supervisor.
    let names = ["alice", "bob", "carol"];
    let mut builder = Supervisor::builder().max_restarts(3, Duration::from_secs(10));
    for name in names {
        let persistence = persistence.clone();
        builder = builder.child(ChildSpec::new(name, move || persistence.actor(name, Account::default())));
    }
    let bank = builder.spawn(&system).await?;
    let mut accounts = HashMap::new();
    for name in names {
        accounts.insert(name.to_owned(), bank.child::<EventSourcedActor<Account>>(name).await?);
    }
    let (alice, bob) = (accounts["alice"].clone(), accounts["bob"].clone());

    // Read side and the transfer desk, each following the journal.
    let read_model = dir.join("read-model.db");
    let balances = Projector::new("balances", Balances::open(&read_model)?, journal.clone()).tag("account");
    let balances = balances.spawn(&system);
    let desk = Projector::new("transfer-desk", TransferDesk { accounts: accounts.clone() }, journal.clone())
        .names(&["bank.withdrawn"])
        .spawn(&system);

    // Commands.
    alice.execute(AccountCommand::Deposit { cents: 10_000 }).await?;
    bob.execute(AccountCommand::Deposit { cents: 2_500 }).await?;
    alice.execute(AccountCommand::Withdraw { cents: 1_200 }).await?;
    alice.execute(AccountCommand::Transfer { to: "carol".into(), cents: 3_000 }).await?;
    match bob.execute(AccountCommand::Withdraw { cents: 9_999 }).await {
        Err(CommandError::Rejected(refused)) => {
            println!("bob's withdrawal refused: {refused:?} (nothing persisted)")
        }
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }

    // Supervision: kill alice; she comes back behind the same address and
    // replays her journal.
    let before = alice.read(|a| a.balance).await?;
    alice.kill();
    let after = alice.read(|a| a.balance).await?;
    println!("alice killed and restarted by her supervisor: balance {before} before, {after} after replay");
    assert_eq!(before, after);

    // The query side, once the projections have caught up.
    let end = journal.read_all(0, usize::MAX).await?.last().map_or(0, |f| f.offset);
    desk.wait_for(end).await?;
    let end = journal.read_all(0, usize::MAX).await?.last().map_or(0, |f| f.offset);
    balances.wait_for(end).await?;
    println!("balances (read model, {}):", display(&read_model));
    let table = query_balances(&read_model)?;
    for (account, cents) in &table {
        println!("  {account:<6} {:>8.2}", *cents as f64 / 100.0);
    }
    assert_eq!(table, [("alice".into(), 5_800), ("bob".into(), 2_500), ("carol".into(), 3_000)]);

    // A rebuild from zero gives the same table.
    balances.rebuild().await?;
    assert_eq!(query_balances(&read_model)?, table);
    println!("read model rebuilt from offset 0: same balances");
    system.shutdown().await;
    Ok(())
}

fn display(path: &Path) -> String {
    PathBuf::from(path.file_name().unwrap_or_default()).display().to_string()
}
