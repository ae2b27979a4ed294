//! The cluster's behaviour on both transports: the same scenarios (tell,
//! ask, watch, shared events, names, membership) run once over the TCP
//! cluster and once over NATS. The NATS runs need a server
//! (`ACTOR_NATS_URL`, e.g. `nats://127.0.0.1:4222`); without one they
//! print one line and pass.

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_nats::{Nats, NatsNodeBuilder};
use actor_remote::facts::{NodeDown, NodeLeft, NodeUp};
use actor_remote::{Node, NodeBuilder};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(20);
const SECRET: &str = "transport-test-secret";

#[derive(Clone, Copy, Debug)]
enum Transport {
    Tcp,
    Nats,
}

/// One test's cluster: nodes on one transport, the first the others' seed
/// (TCP) or all under one fresh subject prefix (NATS).
struct Cluster {
    transport: Transport,
    nats: Option<(String, String)>,
    first: Option<String>,
}

impl Cluster {
    /// `None` (after saying so) when the transport needs a server that is
    /// not configured.
    fn new(transport: Transport) -> Option<Cluster> {
        let nats = match transport {
            Transport::Tcp => None,
            Transport::Nats => match std::env::var("ACTOR_NATS_URL") {
                Ok(url) => Some((url, format!("t{}", std::process::id() as u64 * 1_000_003 + unique()))),
                Err(_) => {
                    eprintln!("ACTOR_NATS_URL is not set: the NATS transport scenarios were not run");
                    return None;
                }
            },
        };
        Some(Cluster { transport, nats, first: None })
    }

    async fn node(&mut self) -> (ActorSystem, Node) {
        let system = ActorSystem::new();
        let builder = fast(Node::builder(&system).secret(SECRET));
        let node = match self.transport {
            Transport::Tcp => {
                let builder = builder.listen("127.0.0.1:0");
                let builder = match &self.first {
                    Some(seed) => builder.seed(seed.clone()),
                    None => builder,
                };
                let node = builder.start().await.expect("node starts");
                self.first.get_or_insert_with(|| node.local_addr().unwrap().to_string());
                node
            }
            Transport::Nats => {
                let (url, prefix) = self.nats.as_ref().unwrap();
                // Each node its own connection, as separate processes would have.
                let nats = Nats::connect(url).await.expect("NATS reachable").with_prefix(prefix);
                builder.nats(&nats).start().await.expect("node starts")
            }
        };
        (system, node)
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    NEXT.fetch_add(1, Ordering::Relaxed) * 1_000_000_007 + u64::from(nanos)
}

/// A detector that decides within a couple of seconds.
fn fast(builder: NodeBuilder) -> NodeBuilder {
    builder
        .heartbeat_interval(Duration::from_millis(100))
        .acceptable_pause(Duration::from_millis(600))
        .suspect_timeout(Duration::from_millis(500))
        .lookup_timeout(Duration::from_secs(2))
}

/// Waits until every node sees `n` other members, each with a live link.
async fn converge(nodes: &[&Node], n: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !nodes.iter().all(|node| node.members().len() == n && node.peers().len() == n) {
        assert!(tokio::time::Instant::now() < deadline, "the cluster never converged");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn next<E: Event>(events: &mut actor_core::events::Subscription<E>) -> E {
    tokio::time::timeout(WAIT, events.recv()).await.expect("the fact comes").expect("stream open")
}

/// Records what it receives, in order.
#[derive(Default)]
struct Ledger {
    entries: Vec<u64>,
}
impl Actor for Ledger {}

#[derive(Debug, Serialize, Deserialize)]
struct Record(u64);
impl Message for Record {
    type Reply = ();
}
impl RemoteMessage for Record {
    const NAME: &'static str = "transports.record.v1";
}
#[derive(Debug, Serialize, Deserialize)]
struct Entries;
impl Message for Entries {
    type Reply = Vec<u64>;
}
impl RemoteMessage for Entries {
    const NAME: &'static str = "transports.entries.v1";
}
impl Handler<Record> for Ledger {
    async fn handle(&mut self, Record(n): Record, _: &mut Context<Self>) {
        self.entries.push(n);
    }
}
impl Handler<Entries> for Ledger {
    async fn handle(&mut self, _: Entries, _: &mut Context<Self>) -> Vec<u64> {
        self.entries.clone()
    }
}
impl RemoteActor for Ledger {
    fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
        handlers.handler::<Record>();
        handlers.handler::<Entries>();
    }
}

/// Watches what it is told to and reports every notice.
struct Watcher {
    notices: mpsc::UnboundedSender<Terminated>,
}
impl Actor for Watcher {
    async fn on_terminated(&mut self, _: &mut Context<Self>, terminated: Terminated) {
        let _ = self.notices.send(terminated);
    }
}
struct WatchIt(ActorRef<Ledger>);
impl Message for WatchIt {
    type Reply = ();
}
impl Handler<WatchIt> for Watcher {
    async fn handle(&mut self, WatchIt(target): WatchIt, ctx: &mut Context<Self>) {
        ctx.watch(&target);
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Tick {
    from: u64,
    n: u64,
}
impl Event for Tick {}
impl Message for Tick {
    type Reply = ();
}
impl RemoteMessage for Tick {
    const NAME: &'static str = "transports.tick.v1";
}

/// Runs a scenario once per transport.
macro_rules! on_both_transports {
    ($($name:ident),* $(,)?) => {
        mod tcp {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(cluster) = super::Cluster::new(super::Transport::Tcp) {
                        super::$name(cluster).await;
                    }
                }
            )*
        }
        mod nats {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(cluster) = super::Cluster::new(super::Transport::Nats) {
                        super::$name(cluster).await;
                    }
                }
            )*
        }
    };
}

on_both_transports!(
    tell_and_ask_keep_order,
    watch_tells_the_reason_once,
    shared_facts_reach_every_node,
    names_are_cluster_wide,
    members_come_leave_and_fail
);

async fn tell_and_ask_keep_order(mut cluster: Cluster) {
    let (sys_b, b) = cluster.node().await;
    let ledger = sys_b.spawn(Ledger::default());
    b.expose("ledger", &ledger).await.unwrap();
    let (_sys_a, a) = cluster.node().await;
    converge(&[&a, &b], 1).await;
    let remote = a.lookup::<Ledger>("ledger").await.expect("a finds the ledger");
    for n in 0..2_000 {
        remote.tell(Record(n)).await.expect("told");
    }
    let entries = remote.ask(Entries).await.expect("answered");
    assert_eq!(entries, (0..2_000).collect::<Vec<_>>());
    // A big ask: megabytes across the link, within its flow control.
    let big: Vec<u64> = (0..2_000).collect();
    for _ in 0..20 {
        assert_eq!(remote.ask(Entries).await.expect("answered"), big);
    }
    a.shutdown().await;
    b.shutdown().await;
}

async fn watch_tells_the_reason_once(mut cluster: Cluster) {
    let (sys_b, b) = cluster.node().await;
    let (sys_a, a) = cluster.node().await;
    converge(&[&a, &b], 1).await;
    let (one, two) = (sys_b.spawn(Ledger::default()), sys_b.spawn(Ledger::default()));
    b.expose("one", &one).await.unwrap();
    b.expose("two", &two).await.unwrap();
    let (tx, mut notices) = mpsc::unbounded_channel();
    let watcher = sys_a.spawn(Watcher { notices: tx });
    for name in ["one", "two"] {
        let remote = a.lookup::<Ledger>(name).await.expect("found");
        watcher.ask(WatchIt(remote)).await.unwrap();
    }
    // The actor stops: its own reason.
    one.stop();
    let told = tokio::time::timeout(WAIT, notices.recv()).await.expect("a notice").unwrap();
    assert_eq!((told.id, told.reason), (one.id(), StopReason::Normal));
    // Its node goes without a word: NodeDown.
    b.shutdown().await;
    let told = tokio::time::timeout(WAIT, notices.recv()).await.expect("a notice").unwrap();
    assert_eq!((told.id, told.reason), (two.id(), StopReason::NodeDown));
    assert!(
        tokio::time::timeout(Duration::from_millis(300), notices.recv()).await.is_err(),
        "a second notice came"
    );
    a.shutdown().await;
}

async fn shared_facts_reach_every_node(mut cluster: Cluster) {
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(cluster.node().await);
    }
    converge(&nodes.iter().map(|(_, n)| n).collect::<Vec<_>>(), 2).await;
    let mut subscriptions = Vec::new();
    for (system, node) in &nodes {
        node.share_events::<Tick>();
        subscriptions.push(system.events().subscribe::<Tick>());
    }
    for (i, (system, _)) in nodes.iter().enumerate() {
        for n in 0..100 {
            system.events().publish(Tick { from: i as u64, n });
        }
    }
    for subscription in &mut subscriptions {
        let mut seen = [0u64; 3];
        for _ in 0..300 {
            let tick = next(subscription).await;
            assert_eq!(tick.n, seen[tick.from as usize], "per-publisher order");
            seen[tick.from as usize] += 1;
        }
    }
    for (_, node) in &nodes {
        node.shutdown().await;
    }
}

async fn names_are_cluster_wide(mut cluster: Cluster) {
    let (_sys_a, a) = cluster.node().await;
    let (_sys_b, b) = cluster.node().await;
    let (sys_c, c) = cluster.node().await;
    converge(&[&a, &b, &c], 2).await;
    let ledger = sys_c.spawn(Ledger::default());
    c.expose("books", &ledger).await.unwrap();
    for node in [&a, &b] {
        let found = node.lookup::<Ledger>("books").await.expect("found from any node");
        found.tell(Record(7)).await.unwrap();
        found.ask(Entries).await.unwrap(); // after the tell, on the same pair
    }
    assert_eq!(ledger.ask(Entries).await.unwrap(), vec![7, 7]);
    ledger.stop();
    let deadline = tokio::time::Instant::now() + WAIT;
    while a.lookup::<Ledger>("books").await.is_ok() {
        assert!(tokio::time::Instant::now() < deadline, "a stopped actor's name stayed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for node in [a, b, c] {
        node.shutdown().await;
    }
}

async fn members_come_leave_and_fail(mut cluster: Cluster) {
    let (sys_a, a) = cluster.node().await;
    let mut ups = sys_a.events().subscribe::<NodeUp>();
    let mut lefts = sys_a.events().subscribe::<NodeLeft>();
    let mut downs = sys_a.events().subscribe::<NodeDown>();
    let (_sys_b, b) = cluster.node().await;
    let (_sys_c, c) = cluster.node().await;
    let mut joined = [next(&mut ups).await.node, next(&mut ups).await.node];
    joined.sort();
    let mut expected = [b.id(), c.id()];
    expected.sort();
    assert_eq!(joined, expected);
    converge(&[&a, &b, &c], 2).await;
    // b leaves on purpose: a leave, not a failure.
    b.leave().await;
    assert_eq!(next(&mut lefts).await.node, b.id());
    // c goes without a word: down.
    c.shutdown().await;
    assert_eq!(next(&mut downs).await.node, c.id());
    assert!(downs.try_recv().is_none(), "b's leave was reported as a failure");
    a.shutdown().await;
}
