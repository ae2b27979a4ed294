//! Faults of the NATS server under a cluster: a restart while nodes run,
//! and credentials it refuses. Each test starts its own `nats-server` on
//! a free port (the binary from `ACTOR_NATS_SERVER`, or `nats-server` on
//! the PATH); without one they print one line and pass.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_nats::{Nats, NatsError, NatsNodeBuilder};
use actor_remote::facts::{PeerConnected, PeerDisconnected};
use actor_remote::Node;
use serde::{Deserialize, Serialize};

const WAIT: Duration = Duration::from_secs(30);

/// A `nats-server` of the test's own, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    args: Vec<String>,
}

impl Server {
    fn binary() -> Option<String> {
        if let Ok(path) = std::env::var("ACTOR_NATS_SERVER") {
            return Some(path);
        }
        let found = Command::new("nats-server").arg("--version").stdout(Stdio::null()).status();
        found.ok().filter(|s| s.success()).map(|_| "nats-server".to_owned())
    }

    /// Starts a server with `args` on a free port; `None` (after saying so)
    /// without the binary.
    async fn start(args: &[&str]) -> Option<Server> {
        let Some(_) = Self::binary() else {
            eprintln!("no nats-server binary (ACTOR_NATS_SERVER or PATH): the NATS fault tests were not run");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let child = Self::spawn(port, &args).await;
        Some(Server { child, port, args })
    }

    async fn spawn(port: u16, args: &[String]) -> Child {
        let child = Command::new(Self::binary().unwrap())
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        // Ready when it accepts connections.
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "nats-server did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        child
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    async fn restart(&mut self) {
        self.kill();
        self.child = Self::spawn(self.port, &self.args).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

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
    let Some(mut server) = Server::start(&[]).await else { return };
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
    let Some(server) = Server::start(&["--user", "node", "--pass", "right"]).await else { return };
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
