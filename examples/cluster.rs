//! A bank service in a cluster of processes, reached through the same
//! `ActorRef` API as local actors.
//!
//! `cargo run --example cluster` starts three nodes as child processes of
//! itself. Each runs a small service tree: an account and a keeper. The
//! keepers agree (through a cluster-wide name, first claim wins) on which
//! node serves "bank"; the others watch it. Then the serving node is killed
//! with SIGKILL: the other keepers are told (`NodeDown`), and one of them
//! takes the service over — an application-level restart, since OTP-style
//! supervision stays local and remote failure is observed by watch.
//!
//! Other roles run alone:
//!
//! ```text
//! cargo run --example cluster -- node NAME 127.0.0.1:7400 [SEED]  # one node of the three-node demo
//! cargo run --example cluster -- service 127.0.0.1:7400           # prints "listening on ..."
//! cargo run --example cluster -- client 127.0.0.1:7400 [count]    # tells and asks the service
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
use actor_core::supervision::{ChildSpec, Strategy, Supervisor};
use actor_remote::facts::{NameLost, NodeUp};
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

/// Finds (or takes over) the bank for the rest of the node: see the
/// module's docs. A child of the node's service tree.
struct Keeper {
    name: String,
    node: Node,
    local: Option<ActorRef<Account>>,
    serving: bool,
}

impl Actor for Keeper {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        // After a partition heals, one of two nodes serving the bank gives
        // the name up: then this keeper looks for the bank again.
        ctx.subscribe::<NameLost>();
        Ok(())
    }

    async fn on_terminated(&mut self, ctx: &mut Context<Self>, gone: Terminated) {
        println!("{}: the bank on node {} stopped: {}", self.name, gone.id.node(), gone.reason);
        ctx.myself().try_tell(Find).ok();
    }
}

impl Handler<NameLost> for Keeper {
    async fn handle(&mut self, lost: NameLost, ctx: &mut Context<Self>) {
        println!("{}: no longer serving {:?}: node {} holds it", self.name, lost.name, lost.holder);
        self.serving = false;
        ctx.myself().try_tell(Find).ok();
    }
}

/// "Serve with this account if nobody else does": from `main`, once the
/// tree is up.
struct Serve(ActorRef<Account>);
impl Message for Serve {
    type Reply = ();
}

/// "Find the bank, or serve it."
struct Find;
impl Message for Find {
    type Reply = ();
}

impl Handler<Serve> for Keeper {
    async fn handle(&mut self, Serve(account): Serve, ctx: &mut Context<Self>) {
        self.local = Some(account);
        ctx.myself().try_tell(Find).ok();
    }
}

impl Handler<Find> for Keeper {
    async fn handle(&mut self, _: Find, ctx: &mut Context<Self>) {
        if self.serving {
            return;
        }
        // Nobody serving it (yet, or any more) is not an error here.
        if let Ok(bank) = self.node.lookup::<Account>("bank").await {
            println!("{}: the bank is served by node {}", self.name, bank.id().node());
            ctx.watch(&bank);
            return;
        }
        let Some(account) = &self.local else { return };
        match self.node.expose("bank", account).await {
            Ok(()) => {
                self.serving = true;
                println!("{}: serving the bank", self.name);
            }
            // Another node was first: look again shortly.
            Err(_) => {
                ctx.send_after(Find, Duration::from_millis(100));
            }
        }
    }
}

/// One node of the three-node demo: its service tree, then it waits until
/// stdin closes (or it is killed).
async fn member(name: &str, listen: &str, seed: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    let system = ActorSystem::new();
    let mut builder = Node::builder(&system)
        .listen(listen)
        .secret(secret())
        // Decide about a dead node within ~2.5 s instead of the default ~6.5 s.
        .heartbeat_interval(Duration::from_millis(200))
        .acceptable_pause(Duration::from_secs(1))
        .suspect_timeout(Duration::from_secs(1));
    if let Some(seed) = seed {
        builder = builder.seed(seed);
    }
    let detection = builder.detection_time();
    let mut joined = system.events().subscribe::<NodeUp>();
    let node = builder.start().await?;
    let me = name.to_owned();
    tokio::spawn(async move {
        while let Some(up) = joined.recv().await {
            println!("{me}: member {} is up", up.node);
        }
    });
    println!(
        "{name}: node {} listening on {} (detects a dead member in ~{detection:?})",
        node.id(),
        node.local_addr().ok_or("no address")?
    );
    let keeper_node = node.clone();
    let keeper_name = name.to_owned();
    let tree = Supervisor::builder()
        .name("services")
        .strategy(Strategy::OneForOne)
        .child(ChildSpec::new("account", Account::default))
        .child(ChildSpec::new("keeper", move || Keeper {
            name: keeper_name.clone(),
            node: keeper_node.clone(),
            local: None,
            serving: false,
        }))
        .spawn(&system)
        .await?;
    let account = tree.child::<Account>("account").await?;
    tree.child::<Keeper>("keeper").await?.tell(Serve(account)).await?;
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = stdin.next_line().await {}
    node.leave().await;
    system.shutdown().await;
    Ok(())
}

/// A node of the demo, as a child process, and its output lines.
struct Child {
    process: tokio::process::Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    /// Lines read but not matched yet.
    unread: std::collections::VecDeque<String>,
}

fn start_member(me: &std::path::Path, args: &[&str]) -> Result<Child, Box<dyn std::error::Error>> {
    let mut process = Command::new(me)
        .arg("node")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut out = BufReader::new(process.stdout.take().ok_or("no stdout")?).lines();
    let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = out.next_line().await {
            println!("  | {line}");
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok(Child { process, lines, unread: Default::default() })
}

/// Waits for a line containing `text` from `child` (30 s at most).
async fn expect_line(child: &mut Child, text: &str) -> Result<String, Box<dyn std::error::Error>> {
    if let Some(at) = child.unread.iter().position(|line| line.contains(text)) {
        return Ok(child.unread.remove(at).unwrap_or_default());
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, child.lines.recv()).await {
            Ok(Some(line)) if line.contains(text) => return Ok(line),
            Ok(Some(line)) => child.unread.push_back(line),
            _ => return Err(format!("no line with {text:?} came").into()),
        }
    }
}

/// Three nodes; the one serving the bank is killed; another takes over.
async fn three() -> Result<(), Box<dyn std::error::Error>> {
    let me = std::env::current_exe()?;
    println!("1. three nodes join through the first one's address");
    let mut a = start_member(&me, &["A", "127.0.0.1:0"])?;
    let first = expect_line(&mut a, "listening on").await?;
    let seed = first.split(' ').nth(5).ok_or("no address")?.to_owned();
    let mut b = start_member(&me, &["B", "127.0.0.1:0", &seed])?;
    let mut c = start_member(&me, &["C", "127.0.0.1:0", &seed])?;
    // Every node sees the two others (the gossip reached everyone) and
    // knows where the bank is.
    for node in [&mut a, &mut b, &mut c] {
        expect_line(node, "is up").await?;
        expect_line(node, "is up").await?;
    }
    expect_line(&mut b, "the bank is served by").await?;
    expect_line(&mut c, "the bank is served by").await?;

    println!("2. the node serving the bank is killed (SIGKILL: no goodbye)");
    let killed = Instant::now();
    a.process.start_kill()?;
    a.process.wait().await?;
    expect_line(&mut b, "stopped: node down").await?;
    expect_line(&mut c, "stopped: node down").await?;
    println!("   both watchers told after {:?}", killed.elapsed());

    println!("3. one keeper takes the bank over; the other finds it");
    let (mut taker, mut finder) = (None, None);
    for line in b.unread.drain(..) {
        sort_line(line, "B", &mut taker, &mut finder);
    }
    for line in c.unread.drain(..) {
        sort_line(line, "C", &mut taker, &mut finder);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while taker.is_none() || finder.is_none() {
        tokio::select! {
            Some(line) = b.lines.recv() => sort_line(line, "B", &mut taker, &mut finder),
            Some(line) = c.lines.recv() => sort_line(line, "C", &mut taker, &mut finder),
            () = tokio::time::sleep_until(deadline) => return Err("the service was not recovered".into()),
        }
    }
    println!(
        "   {} serves the bank, {} uses it: recovered {:?} after the kill",
        taker.unwrap_or("?"),
        finder.unwrap_or("?"),
        killed.elapsed()
    );
    for mut child in [b, c] {
        drop(child.process.stdin.take()); // the node leaves when its stdin closes
        child.process.wait().await?;
    }
    println!("all nodes are done");
    Ok(())
}

fn sort_line(
    line: String,
    who: &'static str,
    taker: &mut Option<&'static str>,
    finder: &mut Option<&'static str>,
) {
    if line.contains("serving the bank") {
        *taker = Some(who);
    } else if line.contains("the bank is served by") {
        *finder = Some(who);
    }
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
        [] => three().await,
        ["two"] => both().await,
        ["node", name, listen] => member(name, listen, None).await,
        ["node", name, listen, seed] => member(name, listen, Some(seed)).await,
        ["service", listen] => service(listen).await,
        ["client", addr] => client(addr, 10_000).await,
        ["client", addr, count] => client(addr, count.parse()?).await,
        _ => Err("usage: cluster [two | node NAME ADDR [SEED] | service ADDR | client ADDR [COUNT]]".into()),
    }
}
