//! Two nodes, two processes: a bank service on one, a client on the other,
//! talking through the same `ActorRef` API as local actors.
//!
//! `cargo run --example cluster` starts both as child processes of itself
//! and prints what the client saw. Each role also runs alone:
//!
//! ```text
//! cargo run --example cluster -- service 127.0.0.1:7400        # prints "listening on ..."
//! cargo run --example cluster -- client 127.0.0.1:7400 [count]
//! ```
//!
//! Both need the same secret (`ACTOR_CLUSTER_SECRET`, or the example's
//! default) and the same message names: the names, not the Rust paths, go
//! on the wire.
#![allow(clippy::print_stdout)] // an example talks to its user

use std::process::Stdio;
use std::time::{Duration, Instant};

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_remote::Node;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The bank: one account's balance, in cents.
#[derive(Default)]
struct Account {
    cents: u64,
}

impl Actor for Account {}

/// "Deposit this": a command that needs no answer.
#[derive(Serialize, Deserialize)]
struct Deposit {
    cents: u64,
}
impl Message for Deposit {
    type Reply = ();
}
impl RemoteMessage for Deposit {
    const NAME: &'static str = "bank.deposit.v1";
}

/// "Withdraw this": refused (with the reason) if the balance is short.
#[derive(Serialize, Deserialize)]
struct Withdraw {
    cents: u64,
}
impl Message for Withdraw {
    type Reply = Result<u64, String>;
}
impl RemoteMessage for Withdraw {
    const NAME: &'static str = "bank.withdraw.v1";
}

/// "What is the balance?"
#[derive(Serialize, Deserialize)]
struct Balance;
impl Message for Balance {
    type Reply = u64;
}
impl RemoteMessage for Balance {
    const NAME: &'static str = "bank.balance.v1";
}

impl Handler<Deposit> for Account {
    async fn handle(&mut self, msg: Deposit, _ctx: &mut Context<Self>) {
        self.cents += msg.cents;
    }
}

impl Handler<Withdraw> for Account {
    async fn handle(&mut self, msg: Withdraw, _ctx: &mut Context<Self>) -> Result<u64, String> {
        if msg.cents > self.cents {
            return Err(format!("balance {} is short of {}", self.cents, msg.cents));
        }
        self.cents -= msg.cents;
        Ok(self.cents)
    }
}

impl Handler<Balance> for Account {
    async fn handle(&mut self, _: Balance, _ctx: &mut Context<Self>) -> u64 {
        self.cents
    }
}

/// The messages other nodes may send an `Account` (with the macros:
/// `#[derive(Actor)] #[actor(remote(Deposit, Withdraw, Balance))]`).
impl RemoteActor for Account {
    fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
        handlers.handler::<Deposit>();
        handlers.handler::<Withdraw>();
        handlers.handler::<Balance>();
    }
}

fn secret() -> String {
    std::env::var("ACTOR_CLUSTER_SECRET").unwrap_or_else(|_| "example-secret-change-me".into())
}

/// Hosts the bank until stdin closes (its parent went away) or Ctrl-C.
async fn service(listen: &str) -> Result<(), Box<dyn std::error::Error>> {
    let system = ActorSystem::new();
    let node = Node::builder(&system).listen(listen).secret(secret()).start().await?;
    let account = system.spawn(Account::default());
    node.expose("bank", &account).await?;
    println!("listening on {}", node.local_addr().ok_or("no address")?);
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { while let Ok(Some(_)) = stdin.next_line().await {} } => {}
    }
    node.shutdown().await;
    system.shutdown().await;
    Ok(())
}

/// Uses the bank from another node: tells, asks and a refused withdrawal.
async fn client(addr: &str, count: u64) -> Result<(), Box<dyn std::error::Error>> {
    let system = ActorSystem::new();
    let node = Node::builder(&system).secret(secret()).start().await?;
    let peer = node.connect(addr).await?;
    println!("connected to node {peer} at {addr}");
    let bank = node.lookup::<Account>("bank").await?;
    println!("found \"bank\": actor {} on node {}", bank.id(), bank.id().node());

    let start = Instant::now();
    for _ in 0..count {
        bank.tell(Deposit { cents: 1 }).await?;
    }
    let balance = bank.ask(Balance).await?;
    println!("{count} deposits told, then asked: balance {balance} ({:?} in all)", start.elapsed());
    assert_eq!(balance, count, "every deposit arrived once, before the ask");

    let mut round_trips = Vec::new();
    for _ in 0..200 {
        let asked = Instant::now();
        bank.ask(Balance).await?;
        round_trips.push(asked.elapsed());
    }
    round_trips.sort();
    println!("ask round trip over 200 asks: p50 {:?}, p99 {:?}", round_trips[100], round_trips[198]);

    match bank.ask(Withdraw { cents: count + 1 }).await? {
        Err(refused) => println!("withdraw {} refused by the bank: {refused}", count + 1),
        Ok(left) => return Err(format!("an overdraft went through, leaving {left}").into()),
    }
    println!("withdraw 1: balance now {:?}", bank.ask(Withdraw { cents: 1 }).await?);
    node.shutdown().await;
    system.shutdown().await;
    Ok(())
}

/// Starts the service and the client as child processes of this program.
async fn both() -> Result<(), Box<dyn std::error::Error>> {
    let me = std::env::current_exe()?;
    let mut service = Command::new(&me)
        .args(["service", "127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(service.stdout.take().ok_or("no stdout")?).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await??;
    let addr =
        first.as_deref().and_then(|l| l.strip_prefix("listening on ")).ok_or("the service did not start")?;
    println!("service process {} listening on {addr}", service.id().unwrap_or(0));
    let client = Command::new(&me).args(["client", addr, "10000"]).status().await?;
    drop(service.stdin.take()); // the service stops when its stdin closes
    service.wait().await?;
    if !client.success() {
        return Err(format!("the client failed: {client}").into());
    }
    println!("both processes are done");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => both().await,
        ["service", listen] => service(listen).await,
        ["client", addr] => client(addr, 10_000).await,
        ["client", addr, count] => client(addr, count.parse()?).await,
        _ => Err("usage: cluster [service ADDR | client ADDR [COUNT]]".into()),
    }
}
