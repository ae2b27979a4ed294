//! Two nodes in one process, and a small bank of remote messages.

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_remote::Node;
use serde::{Deserialize, Serialize};

pub(crate) const SECRET: &str = "test-cluster-secret";

/// Records what it receives, in order.
#[derive(Default)]
pub(crate) struct Ledger {
    pub(crate) entries: Vec<u64>,
}
impl Actor for Ledger {}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Record(pub u64);
impl Message for Record {
    type Reply = ();
}
impl RemoteMessage for Record {
    const NAME: &'static str = "test.record.v1";
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Entries;
impl Message for Entries {
    type Reply = Vec<u64>;
}
impl RemoteMessage for Entries {
    const NAME: &'static str = "test.entries.v1";
}

/// Replies with its argument doubled, or panics on 0.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Double(pub u64);
impl Message for Double {
    type Reply = u64;
}
impl RemoteMessage for Double {
    const NAME: &'static str = "test.double.v1";
}

/// Sleeps this long before returning: a slow actor.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Nap(pub u64);
impl Message for Nap {
    type Reply = ();
}
impl RemoteMessage for Nap {
    const NAME: &'static str = "test.nap.v1";
}

/// A message the ledger handles locally but that has no wire name.
#[derive(Debug)]
pub(crate) struct LocalOnly(pub u64);
impl Message for LocalOnly {
    type Reply = u64;
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
impl Handler<Double> for Ledger {
    async fn handle(&mut self, Double(n): Double, _: &mut Context<Self>) -> u64 {
        assert!(n != 0, "zero is not doubled");
        n * 2
    }
}
impl Handler<Nap> for Ledger {
    async fn handle(&mut self, Nap(ms): Nap, _: &mut Context<Self>) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}
impl Handler<LocalOnly> for Ledger {
    async fn handle(&mut self, LocalOnly(n): LocalOnly, _: &mut Context<Self>) -> u64 {
        n
    }
}
impl RemoteActor for Ledger {
    fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
        handlers.handler::<Record>();
        handlers.handler::<Entries>();
        handlers.handler::<Double>();
        handlers.handler::<Nap>();
    }
}

/// A node of its own system, listening on a free loopback port.
pub(crate) async fn node() -> (ActorSystem, Node) {
    node_with(|b| b).await
}

pub(crate) async fn node_with(
    configure: impl FnOnce(actor_remote::NodeBuilder) -> actor_remote::NodeBuilder,
) -> (ActorSystem, Node) {
    let system = ActorSystem::new();
    let builder = Node::builder(&system).listen("127.0.0.1:0").secret(SECRET);
    let node = configure(builder).start().await.expect("node starts");
    (system, node)
}

/// Two connected nodes; `b` exposes a ledger as "ledger", which `a` looked up.
pub(crate) struct Pair {
    pub(crate) a: Node,
    pub(crate) b: Node,
    pub(crate) sys_a: ActorSystem,
    pub(crate) sys_b: ActorSystem,
    pub(crate) ledger: ActorRef<Ledger>,
    pub(crate) remote: ActorRef<Ledger>,
}

pub(crate) async fn pair() -> Pair {
    pair_with(|b| b, |b| b).await
}

pub(crate) async fn pair_with(
    config_a: impl FnOnce(actor_remote::NodeBuilder) -> actor_remote::NodeBuilder,
    config_b: impl FnOnce(actor_remote::NodeBuilder) -> actor_remote::NodeBuilder,
) -> Pair {
    let (sys_b, b) = node_with(config_b).await;
    let ledger = sys_b.spawn(Ledger::default());
    b.expose("ledger", &ledger).await.unwrap();
    let (sys_a, a) = node_with(config_a).await;
    a.connect(&b.local_addr().unwrap().to_string()).await.expect("a connects to b");
    let remote = a.lookup::<Ledger>("ledger").await.expect("a finds the ledger");
    Pair { a, b, sys_a, sys_b, ledger, remote }
}

impl Pair {
    pub(crate) async fn shutdown(self) {
        self.a.shutdown().await;
        self.b.shutdown().await;
        self.sys_a.shutdown().await;
        self.sys_b.shutdown().await;
    }
}
