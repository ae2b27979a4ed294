//! A small service tree, a crash on purpose, and a restart behind the same
//! address.
//!
//! ```text
//! api                 one-for-one
//! ├── db              a pool supervisor: conn-1, conn-2, conn-3
//! ├── cache
//! └── mailer
//! ```
//!
//! A query makes `conn-2` panic. Its supervisor, `db`, starts a new
//! incarnation behind the same address and mailbox: the query queued behind
//! the failing one is answered by the new instance, and the snapshots
//! printed before and after show the restart.
//!
//! Run with `cargo run --example service_tree` (add `RUST_LOG=info` to see
//! the supervisors' own traces).
#![allow(clippy::print_stdout)] // an example talks to its user

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actor_core::events::ActorRestarted;
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Strategy, Supervisor, SupervisorBuilder};

// ---- db: one connection per worker, a pool of them ----

/// A database connection. Every incarnation gets a fresh instance number,
/// so the output shows which one answered.
struct DbConn {
    instance: u32,
    served: u64,
}

impl Actor for DbConn {
    async fn on_stop(&mut self, ctx: &mut Context<Self>, reason: &StopReason) {
        println!("  [{} #{}] stopped ({reason})", name(ctx), self.instance);
    }
}

#[derive(Debug)]
struct Answer {
    instance: u32,
    served: u64,
}

#[actor]
impl DbConn {
    /// Runs one statement; the reply says who ran it.
    #[message]
    async fn query(&mut self, sql: &'static str, ctx: &mut Context<Self>) -> Answer {
        println!("  [{} #{}] {sql}", name(ctx), self.instance);
        if sql.starts_with("VACUUM") {
            tokio::time::sleep(Duration::from_millis(100)).await; // slow: a queue forms behind it
        }
        // The bug we crash on: a handler that panics instead of replying.
        assert!(!sql.starts_with("DROP"), "refusing to run `{sql}`");
        self.served += 1;
        Answer { instance: self.instance, served: self.served }
    }
}

/// The db pool supervisor, rebuilt from here if it is ever restarted.
fn db_pool(instances: Arc<AtomicU32>) -> SupervisorBuilder {
    let template = ChildSpec::new("conn", move || DbConn {
        instance: instances.fetch_add(1, Ordering::Relaxed) + 1,
        served: 0,
    });
    Supervisor::pool(template).max_restarts(5, Duration::from_secs(10))
}

// ---- cache and mailer: plain workers ----

#[derive(Default)]
struct Cache {
    entries: HashMap<String, String>,
}

impl Actor for Cache {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        println!("  [cache] stopped ({reason}), {} entries", self.entries.len());
    }
}

#[actor]
impl Cache {
    #[message]
    fn put(&mut self, key: String, value: String) {
        self.entries.insert(key, value);
    }
}

struct Mailer;

impl Actor for Mailer {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        println!("  [mailer] stopped ({reason})");
    }
}

#[actor]
impl Mailer {
    #[message]
    fn welcome(&self, to: &'static str) {
        println!("  [mailer] welcome mail to {to}");
    }
}

fn name<A: Actor>(ctx: &Context<A>) -> String {
    ctx.myself().name().unwrap_or("?").to_owned()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_tracing();
    actor_core::silence_caught_panics(); // conn-2 panics on purpose

    let system = ActorSystem::new();
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    println!("1. start the tree: children in order, spawn returns once all are up");
    let instances = Arc::new(AtomicU32::new(0));
    let api = Supervisor::builder()
        .name("api")
        .strategy(Strategy::OneForOne)
        .max_restarts(3, Duration::from_secs(10))
        .child(ChildSpec::supervisor("db", move || db_pool(instances.clone())))
        .child(ChildSpec::new("cache", Cache::default))
        .child(ChildSpec::new("mailer", || Mailer))
        .spawn(&system)
        .await?;
    let db = api.child::<Supervisor>("db").await?;
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(db.spawn_pooled::<DbConn>().await?);
    }
    let cache = api.child::<Cache>("cache").await?;
    let mailer = api.child::<Mailer>("mailer").await?;

    println!("2. some traffic");
    // `#[actor]` generated the messages (`Query`, `Put`, `Welcome`) and the clients like
    // `conn.query(..)`, which ask; `tell` takes the message struct.
    for conn in &conns {
        conn.query("SELECT * FROM users WHERE id = 7").await?;
    }
    cache.tell(Put { key: "user:7".into(), value: "ada@example.com".into() }).await?;
    mailer.welcome("ada@example.com").await?;

    println!("3. the tree before:\n");
    print!("{}", api.snapshot().await?);
    println!();

    let conn2 = conns[1].clone();
    let id_before = conn2.id();
    println!("4. conn-2 ({id_before}) is kept busy, and two queries queue behind the slow one:");
    println!("   the first makes it panic, the second is an ordinary query");
    conn2.tell(Query { sql: "VACUUM orders" }).await?;
    let (failed, answered) = tokio::join!(
        biased;
        conn2.query("DROP TABLE orders"),
        conn2.query("SELECT count(*) FROM orders"),
    );
    println!("  DROP   -> {failed:?} (the failing message is dropped, its asker told)");
    let answer = answered?;
    println!(
        "  SELECT -> answered by instance #{} (served {} so far: fresh state from the factory)",
        answer.instance, answer.served
    );
    let fact = restarts.recv().await.ok_or("event stream closed")?;
    println!(
        "  fact: ActorRestarted {{ id: {}, attempt: {}, reason: {} }}",
        fact.id, fact.attempt, fact.reason
    );
    let again = db.child::<DbConn>("conn-2").await?;
    println!(
        "  conn-2 is {} before and {} after: same address, same mailbox ({})",
        id_before,
        again.id(),
        if again.id() == id_before { "as promised" } else { "BUG" }
    );

    println!("5. the tree after (conn-2 restarts=1):\n");
    print!("{}", api.snapshot().await?);
    println!();

    println!("6. shutdown: newest first (mailer, cache, then the db pool, whose workers stop together)");
    system.shutdown().await;
    println!("  done: {} actors running", system.actor_count());
    Ok(())
}
