//! One member of a cluster, as a process: what the real-host scripts
//! (`.ci/netns-cluster`, `scripts/soak-cluster`) start several of, and a
//! small picture of a cluster application.
//!
//! A node may serve a counter under a cluster-wide name (`--serve NAME`),
//! ask the services of other nodes in a loop (`--ask NAME`, repeatable),
//! watch every service it found (a remote watch: one notice, with
//! `NodeDown` if the service's node dies or is cut off), and share a fact
//! type, `Beacon`, that every member publishes and sees.
//!
//! ```text
//! cargo run --example cluster_node -- --name n1 --listen 127.0.0.1:7401 --serve svc
//! cargo run --example cluster_node -- --name n2 --listen 127.0.0.1:7402 \
//!     --seed 127.0.0.1:7401 --ask svc
//! ```
//!
//! Options: `--advertise ADDR` (the address others dial, when not the
//! listen address), `--heartbeat-ms`, `--pause-ms`, `--suspect-ms`, `--phi`
//! (the failure detector), `--ask-every-ms` (default 100), `--in-flight`
//! (asks at once per service, default 1), `--tell` (a tell beside each
//! ask), `--publish-every-ms` (a steady stream of beacons),
//! `--hung-after-ms` (an ask without an answer this long is reported as
//! hung; default 30000). The secret comes from `ACTOR_CLUSTER_SECRET`.
//!
//! Commands, one per line on stdin: `publish BATCH COUNT` (COUNT beacons
//! numbered from 0), `stats`, `stop` (stop asking, wait for the asks in
//! flight, print the stats), `quit` (stop, then shut down) and `leave`
//! (stop, then leave the cluster gracefully). The end of stdin is `quit`.
//!
//! Each thing that happens is one line on stdout, fields separated by
//! spaces, the last field the wall-clock time in milliseconds since the
//! Unix epoch (so lines of processes on one host can be compared):
//!
//! ```text
//! SELF name node incarnation detection-bound-ms ts
//! UP|SUSPECT|REACHABLE|DOWN|LEFT node incarnation ts
//! LINK-UP node incarnation ts       LINK-DOWN node reason ts
//! EXPOSED|EXPOSE-ERR name [error] ts
//! LOOKUP-ERR name error ts          ASK-ERR name error ts       ASK-HUNG name ts
//! WATCH name reason ts              FACT from batch seq ts      DROPPED node count ts
//! STATS name key=value... ts        STOPPED name ts             BYE name ts
//! ```
#![allow(clippy::print_stdout)] // the lines are the program's output

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_core::ActorId;
use actor_remote::facts::{
    NodeDown, NodeLeft, NodeReachable, NodeSuspect, NodeUp, PeerConnected, PeerDisconnected,
    SharedEventsDropped,
};
use actor_remote::{Node, NodeBuilder};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Semaphore;

// ---- The service: a counter other nodes ask and tell. ----

/// Counts what it is told and echoes what it is asked.
#[derive(Default)]
struct Counter {
    added: u64,
}
impl Actor for Counter {}

/// "Reply with this number": the round trip the askers check.
#[derive(Serialize, Deserialize)]
struct Ping(u64);
impl Message for Ping {
    type Reply = u64;
}
impl RemoteMessage for Ping {
    const NAME: &'static str = "cluster-node.ping.v1";
}

/// "Add this": a tell, no reply.
#[derive(Serialize, Deserialize)]
struct Add(u64);
impl Message for Add {
    type Reply = ();
}
impl RemoteMessage for Add {
    const NAME: &'static str = "cluster-node.add.v1";
}

impl Handler<Ping> for Counter {
    async fn handle(&mut self, Ping(n): Ping, _: &mut Context<Self>) -> u64 {
        n
    }
}
impl Handler<Add> for Counter {
    async fn handle(&mut self, Add(n): Add, _: &mut Context<Self>) {
        self.added += n;
    }
}
impl RemoteActor for Counter {
    fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
        handlers.handler::<Ping>();
        handlers.handler::<Add>();
    }
}

// ---- The shared fact. ----

/// A fact every member shares: who published it, in which batch, and its
/// number in that publisher's batch.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Beacon {
    from: String,
    batch: String,
    seq: u64,
}
impl Event for Beacon {}
impl Message for Beacon {
    type Reply = ();
}
impl RemoteMessage for Beacon {
    const NAME: &'static str = "cluster-node.beacon.v1";
}

/// The batches of the steady stream (`--publish-every-ms`) start so:
/// counted, not printed.
const STEADY: &str = "steady";

// ---- The watcher: one notice per service handle it was given. ----

struct Watcher {
    names: HashMap<ActorId, String>,
}
impl Actor for Watcher {
    async fn on_terminated(&mut self, _: &mut Context<Self>, gone: Terminated) {
        let name = self.names.remove(&gone.id).unwrap_or_default();
        say(&format!("WATCH {name} {:?}", gone.reason));
    }
}

/// "Watch this service."
struct WatchService(String, ActorRef<Counter>);
impl Message for WatchService {
    type Reply = ();
}
impl Handler<WatchService> for Watcher {
    async fn handle(&mut self, WatchService(name, service): WatchService, ctx: &mut Context<Self>) {
        self.names.insert(service.id(), name);
        ctx.watch(&service);
    }
}

// ---- Output and counters. ----

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

/// Prints one line, stamped with the wall-clock time.
fn say(line: &str) {
    println!("{line} {}", now_ms());
}

/// What the node counted; printed by `stats`.
#[derive(Default)]
struct Stats {
    asks: AtomicU64,
    ok: AtomicU64,
    err: AtomicU64,
    wrong: AtomicU64,
    hung: AtomicU64,
    tells: AtomicU64,
    tell_err: AtomicU64,
    lookup_err: AtomicU64,
    published: AtomicU64,
    facts: AtomicU64,
    out_of_order: AtomicU64,
    gaps: AtomicU64,
}

impl Stats {
    fn line(&self, name: &str, in_flight: usize) -> String {
        let get = |c: &AtomicU64| c.load(Relaxed);
        format!(
            "STATS {name} asks={} ok={} err={} wrong={} hung={} in_flight={in_flight} tells={} tell_err={} \
             lookup_err={} published={} facts={} out_of_order={} gaps={}",
            get(&self.asks),
            get(&self.ok),
            get(&self.err),
            get(&self.wrong),
            get(&self.hung),
            get(&self.tells),
            get(&self.tell_err),
            get(&self.lookup_err),
            get(&self.published),
            get(&self.facts),
            get(&self.out_of_order),
            get(&self.gaps),
        )
    }
}

// ---- Settings from the command line. ----

struct Args {
    name: String,
    listen: String,
    advertise: Option<String>,
    seeds: Vec<String>,
    serve: Option<String>,
    ask: Vec<String>,
    heartbeat: Option<Duration>,
    pause: Option<Duration>,
    suspect: Option<Duration>,
    phi: Option<f64>,
    ask_every: Duration,
    in_flight: usize,
    tell: bool,
    publish_every: Option<Duration>,
    hung_after: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        name: String::new(),
        listen: "127.0.0.1:0".into(),
        advertise: None,
        seeds: Vec::new(),
        serve: None,
        ask: Vec::new(),
        heartbeat: None,
        pause: None,
        suspect: None,
        phi: None,
        ask_every: Duration::from_millis(100),
        in_flight: 1,
        tell: false,
        publish_every: None,
        hung_after: Duration::from_secs(30),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--tell" {
            args.tell = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let ms = || value.parse::<u64>().map(Duration::from_millis).map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--name" => args.name = value.clone(),
            "--listen" => args.listen = value.clone(),
            "--advertise" => args.advertise = Some(value.clone()),
            "--seed" => args.seeds.push(value.clone()),
            "--serve" => args.serve = Some(value.clone()),
            "--ask" => args.ask.push(value.clone()),
            "--heartbeat-ms" => args.heartbeat = Some(ms()?),
            "--pause-ms" => args.pause = Some(ms()?),
            "--suspect-ms" => args.suspect = Some(ms()?),
            "--phi" => args.phi = Some(value.parse().map_err(|e| format!("--phi: {e}"))?),
            "--ask-every-ms" => args.ask_every = ms()?,
            "--in-flight" => args.in_flight = value.parse().map_err(|e| format!("--in-flight: {e}"))?,
            "--publish-every-ms" => args.publish_every = Some(ms()?),
            "--hung-after-ms" => args.hung_after = ms()?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if args.name.is_empty() {
        return Err("--name is required".into());
    }
    args.in_flight = args.in_flight.max(1);
    Ok(args)
}

fn configure(mut builder: NodeBuilder, args: &Args) -> NodeBuilder {
    builder = builder.listen(args.listen.clone()).lookup_timeout(Duration::from_secs(1));
    if let Some(addr) = &args.advertise {
        builder = builder.advertise(addr.clone());
    }
    for seed in &args.seeds {
        builder = builder.seed(seed.clone());
    }
    if let Some(interval) = args.heartbeat {
        builder = builder.heartbeat_interval(interval);
    }
    if let Some(pause) = args.pause {
        builder = builder.acceptable_pause(pause);
    }
    if let Some(timeout) = args.suspect {
        builder = builder.suspect_timeout(timeout);
    }
    if let Some(phi) = args.phi {
        builder = builder.phi_threshold(phi);
    }
    builder
}

// ---- The node's work. ----

/// Prints the membership facts, the links' ups and downs and shared-fact
/// drops as they come.
fn report_membership(system: &ActorSystem) {
    fn each<E: Event>(system: &ActorSystem, line: impl Fn(E) -> String + Send + 'static) {
        let mut facts = system.events().subscribe::<E>();
        tokio::spawn(async move {
            while let Some(fact) = facts.recv().await {
                say(&line(fact));
            }
        });
    }
    each(system, |f: NodeUp| format!("UP {} {}", f.node, f.incarnation));
    each(system, |f: NodeSuspect| format!("SUSPECT {} {}", f.node, f.incarnation));
    each(system, |f: NodeReachable| format!("REACHABLE {} {}", f.node, f.incarnation));
    each(system, |f: NodeDown| format!("DOWN {} {}", f.node, f.incarnation));
    each(system, |f: NodeLeft| format!("LEFT {} {}", f.node, f.incarnation));
    each(system, |f: SharedEventsDropped| format!("DROPPED {} {}", f.node, f.dropped));
    each(system, |f: PeerConnected| format!("LINK-UP {} {}", f.node, f.incarnation));
    each(system, |f: PeerDisconnected| format!("LINK-DOWN {} {}", f.node, one_word(&f.reason)));
}

/// Counts every beacon, checks each publisher's numbers come in order, and
/// prints those of the batches published on command.
fn receive_beacons(system: &ActorSystem, stats: Arc<Stats>) {
    let options = actor_core::events::SubscribeOptions::<Beacon>::new().buffer(1 << 16);
    let mut beacons = system.events().subscribe_with(options);
    tokio::spawn(async move {
        let mut next: HashMap<(String, String), u64> = HashMap::new();
        while let Some(beacon) = beacons.recv().await {
            stats.facts.fetch_add(1, Relaxed);
            let expected = next.entry((beacon.from.clone(), beacon.batch.clone())).or_insert(0);
            if beacon.seq < *expected {
                stats.out_of_order.fetch_add(1, Relaxed);
            } else {
                if beacon.seq > *expected {
                    stats.gaps.fetch_add(1, Relaxed);
                }
                *expected = beacon.seq + 1;
            }
            if !beacon.batch.starts_with(STEADY) {
                say(&format!("FACT {} {} {}", beacon.from, beacon.batch, beacon.seq));
            }
        }
    });
}

/// Exposes the counter as `name`, retrying while another node holds the
/// name (e.g. the previous incarnation of this node, not yet declared down).
async fn serve(node: &Node, system: &ActorSystem, name: &str) {
    let counter = system.spawn(Counter::default());
    for _ in 0..60 {
        match node.expose(name, &counter).await {
            Ok(()) => return say(&format!("EXPOSED {name}")),
            Err(e) => say(&format!("EXPOSE-ERR {name} {}", one_word(&e))),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// An error as one field of a line.
fn one_word(e: &dyn std::fmt::Display) -> String {
    e.to_string().replace(' ', "_")
}

/// Asks (and tells) the service `name` every `ask_every` until `stop`: it
/// looks the service up, watches it, and looks it up again after an error.
/// Every ask ends in a reply, an error, or (after `hung_after`) a count of
/// hung asks, which is what the scripts check is zero.
async fn ask_loop(node: Node, name: String, ctx: Arc<Asking>) {
    let mut service: Option<ActorRef<Counter>> = None;
    let mut ticks = tokio::time::interval(ctx.every);
    let stale = Arc::new(AtomicBool::new(false));
    let mut n = 0u64;
    while !ctx.stop.load(Relaxed) {
        ticks.tick().await;
        if stale.swap(false, Relaxed) {
            service = None;
        }
        let target = match &service {
            Some(target) => target.clone(),
            None => match node.lookup::<Counter>(&name).await {
                Ok(found) => {
                    let _ = ctx.watcher.tell(WatchService(name.clone(), found.clone())).await;
                    service = Some(found.clone());
                    found
                }
                Err(e) => {
                    ctx.stats.lookup_err.fetch_add(1, Relaxed);
                    say(&format!("LOOKUP-ERR {name} {}", one_word(&e)));
                    continue;
                }
            },
        };
        let Ok(permit) = ctx.in_flight.clone().acquire_owned().await else { return };
        n += 1;
        ctx.stats.asks.fetch_add(1, Relaxed);
        let (ctx2, name2, stale2) = (ctx.clone(), name.clone(), stale.clone());
        tokio::spawn(async move {
            let _permit = permit;
            if ctx2.tell {
                match target.tell(Add(1)).await {
                    Ok(()) => ctx2.stats.tells.fetch_add(1, Relaxed),
                    Err(_) => ctx2.stats.tell_err.fetch_add(1, Relaxed),
                };
            }
            match tokio::time::timeout(ctx2.hung_after, target.ask(Ping(n))).await {
                Ok(Ok(echo)) if echo == n => ctx2.stats.ok.fetch_add(1, Relaxed),
                Ok(Ok(_)) => ctx2.stats.wrong.fetch_add(1, Relaxed),
                Ok(Err(e)) => {
                    stale2.store(true, Relaxed);
                    say(&format!("ASK-ERR {name2} {}", one_word(&e)));
                    ctx2.stats.err.fetch_add(1, Relaxed)
                }
                Err(_) => {
                    stale2.store(true, Relaxed);
                    say(&format!("ASK-HUNG {name2}"));
                    ctx2.stats.hung.fetch_add(1, Relaxed)
                }
            };
        });
    }
}

/// What the ask loops share.
struct Asking {
    every: Duration,
    hung_after: Duration,
    tell: bool,
    stop: AtomicBool,
    in_flight: Arc<Semaphore>,
    limit: usize,
    stats: Arc<Stats>,
    watcher: ActorRef<Watcher>,
}

impl Asking {
    fn in_flight(&self) -> usize {
        self.limit - self.in_flight.available_permits()
    }

    /// Stops the loops and waits (bounded by the hung limit) for the asks
    /// in flight to end.
    async fn finish(&self) {
        self.stop.store(true, Relaxed);
        let all = u32::try_from(self.limit).unwrap_or(u32::MAX);
        let wait = self.hung_after + Duration::from_secs(2);
        let acquired = tokio::time::timeout(wait, self.in_flight.acquire_many(all)).await;
        // No ask starts after this: a loop that was waiting for a permit
        // gets none (it would otherwise start one as these are returned).
        self.in_flight.close();
        drop(acquired);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_tracing();
    let args = parse_args().map_err(|e| format!("{e}\nsee the top of examples/cluster_node.rs for usage"))?;
    let secret = std::env::var("ACTOR_CLUSTER_SECRET").unwrap_or_else(|_| "example-secret-change-me".into());
    let system = ActorSystem::new();
    let stats = Arc::new(Stats::default());
    // Subscribe before the node starts, so no membership fact is missed.
    report_membership(&system);
    receive_beacons(&system, stats.clone());

    let builder = configure(Node::builder(&system).secret(secret), &args);
    let bound = builder.detection_time();
    let node = builder.start().await?;
    node.share_events::<Beacon>();
    say(&format!("SELF {} {} {} {}", args.name, node.id(), node.incarnation(), bound.as_millis()));

    if let Some(name) = &args.serve {
        serve(&node, &system, name).await;
    }
    let limit = args.in_flight * args.ask.len().max(1);
    let asking = Arc::new(Asking {
        every: args.ask_every,
        hung_after: args.hung_after,
        tell: args.tell,
        stop: AtomicBool::new(false),
        in_flight: Arc::new(Semaphore::new(limit)),
        limit,
        stats: stats.clone(),
        watcher: system.spawn(Watcher { names: HashMap::new() }),
    });
    for name in &args.ask {
        tokio::spawn(ask_loop(node.clone(), name.clone(), asking.clone()));
    }
    let publisher = system.events().publisher::<Beacon>();
    if let Some(every) = args.publish_every {
        let (publisher, from, stats) = (publisher.clone(), args.name.clone(), stats.clone());
        // One batch per process: a restarted node numbers from 0 again.
        let batch = format!("{STEADY}-{}", node.id());
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            for seq in 0.. {
                ticks.tick().await;
                publisher.publish(Beacon { from: from.clone(), batch: batch.clone(), seq });
                stats.published.fetch_add(1, Relaxed);
            }
        });
    }

    // Commands until `quit`, `leave`, Ctrl-C or the end of stdin.
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let leave = loop {
        let line = tokio::select! {
            _ = tokio::signal::ctrl_c() => break false,
            line = stdin.next_line() => match line {
                Ok(Some(line)) => line,
                _ => break false,
            },
        };
        match line.split_whitespace().collect::<Vec<_>>()[..] {
            ["publish", batch, count] => {
                for seq in 0..count.parse::<u64>().unwrap_or(0) {
                    publisher.publish(Beacon { from: args.name.clone(), batch: batch.into(), seq });
                    stats.published.fetch_add(1, Relaxed);
                }
            }
            ["stats"] => say(&stats.line(&args.name, asking.in_flight())),
            ["stop"] => {
                asking.finish().await;
                say(&stats.line(&args.name, asking.in_flight()));
                say(&format!("STOPPED {}", args.name));
            }
            ["quit"] => break false,
            ["leave"] => break true,
            _ => say(&format!("UNKNOWN-COMMAND {}", line.replace(' ', "_"))),
        }
    };
    asking.finish().await;
    say(&stats.line(&args.name, asking.in_flight()));
    if leave {
        node.leave().await;
    } else {
        node.shutdown().await;
    }
    system.shutdown().await;
    say(&format!("BYE {}", args.name));
    Ok(())
}
