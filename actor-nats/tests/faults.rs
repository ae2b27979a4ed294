//! Faults of the NATS server under a cluster: a restart while nodes run,
//! and credentials it refuses. Each test starts its own `nats-server` on
//! a free port (`own_server`: the binary from `ACTOR_NATS_SERVER`, or
//! `nats-server` on the PATH); without one they print one line and pass.

mod own_server;

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_nats::{Nats, NatsError, NatsNodeBuilder};
use actor_remote::facts::{PeerConnected, PeerDisconnected};
use actor_remote::Node;
use own_server::OwnServer;
use serde::{Deserialize, Serialize};

const WAIT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Counter(u64);
impl Actor for Counter {}
#[derive(Debug, Serialize, Deserialize)]
struct Add(u64);
impl Message for Add {
    type Reply = u64;
}
impl RemoteMessage for Add {
    const NAME: &'static str = "faults.add.v1";
}
impl Handler<Add> for Counter {
    async fn handle(&mut self, Add(n): Add, _: &mut Context<Self>) -> u64 {
        self.0 += n;
        self.0
    }
}
impl RemoteActor for Counter {
    fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
        handlers.handler::<Add>();
    }
}

async fn node(url: &str) -> (ActorSystem, Node) {
    let system = ActorSystem::new();
    let nats = Nats::connect(url).await.expect("NATS reachable");
    let node = Node::builder(&system).secret("faults").nats(&nats).start().await.expect("node starts");
    (system, node)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_breaks_the_links_and_they_come_back() {
    let Some(mut server) = OwnServer::start(&[], "NATS fault test: server restart").await else { return };
    let (sys_b, b) = node(&server.url()).await;
    let counter = sys_b.spawn(Counter::default());
    b.expose("counter", &counter).await.unwrap();
    let (sys_a, a) = node(&server.url()).await;
    assert!(a.wait_for_peer(b.id(), WAIT).await, "a links to b");
    let remote = a.lookup::<Counter>("counter").await.expect("found");
    assert_eq!(remote.ask(Add(1)).await, Ok(1));

    let mut downs = sys_a.events().subscribe::<PeerDisconnected>();
    let mut ups = sys_a.events().subscribe::<PeerConnected>();
    server.restart().await;
    let down = tokio::time::timeout(WAIT, downs.recv()).await.expect("the link goes down").unwrap();
    assert_eq!(down.node, b.id());
    let up = tokio::time::timeout(WAIT, ups.recv()).await.expect("the link comes back").unwrap();
    assert_eq!(up.node, b.id());
    // The same handle works again; nothing was answered twice.
    assert_eq!(remote.ask(Add(1)).await, Ok(2));
    a.shutdown().await;
    b.shutdown().await;
    drop((sys_a, sys_b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_are_a_clear_error() {
    let Some(server) =
        OwnServer::start(&["--user", "node", "--pass", "right"], "NATS fault test: credentials").await
    else {
        return;
    };
    let Err(refused) = Nats::connect(&server.url()).await else { panic!("connected without credentials") };
    assert!(matches!(refused, NatsError::Refused { .. }), "{refused:?}");
    let wrong = actor_nats::async_nats::ConnectOptions::with_user_and_password("node".into(), "wrong".into());
    let Err(refused) = Nats::connect_with(&server.url(), wrong).await else {
        panic!("connected with a wrong password")
    };
    assert!(refused.to_string().contains("refused the credentials"), "{refused}");
    let right = actor_nats::async_nats::ConnectOptions::with_user_and_password("node".into(), "right".into());
    assert!(Nats::connect_with(&server.url(), right).await.is_ok());
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let Err(e) = Nats::connect(&format!("nats://127.0.0.1:{port}")).await else {
        panic!("connected to nothing")
    };
    assert!(matches!(e, NatsError::Unreachable { .. }), "{e:?}");
}
