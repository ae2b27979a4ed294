//! What the observer's tests share: a known tree and a tiny HTTP client
//! (one request per connection, every step under a timeout).

#![allow(dead_code)] // each test file uses its own part

use std::net::SocketAddr;
use std::time::Duration;

use actor_core::events::ActorRestarted;
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Strategy, Supervisor};
use actor_core::MailboxCapacity;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bounds every step of a test that talks to a server.
pub(crate) const STEP: Duration = Duration::from_secs(10);

/// A worker that counts what it handles and panics on `Crash`.
pub(crate) struct Worker;
impl Actor for Worker {}

pub(crate) struct Work;
impl Message for Work {
    type Reply = ();
}
impl Handler<Work> for Worker {
    async fn handle(&mut self, _: Work, _: &mut Context<Self>) {}
}

pub(crate) struct Crash;
impl Message for Crash {
    type Reply = ();
}
impl Handler<Crash> for Worker {
    async fn handle(&mut self, _: Crash, _: &mut Context<Self>) {
        panic!("crash on purpose");
    }
}

/// A worker with a small mailbox.
pub(crate) struct Db;
impl Actor for Db {
    const MAILBOX: MailboxCapacity = MailboxCapacity::Bounded(16);
}
impl Handler<Work> for Db {
    async fn handle(&mut self, _: Work, _: &mut Context<Self>) {}
}

/// An actor outside every tree.
pub(crate) struct Loner;
impl Actor for Loner {}

#[derive(Clone, Debug)]
pub(crate) struct Tick;
impl Event for Tick {}

/// app (one-for-all) → { db: Db (mailbox 16), web (rest-for-one) → { flaky: Worker } }
pub(crate) async fn known_tree(system: &ActorSystem) -> ActorRef<Supervisor> {
    Supervisor::builder()
        .name("app")
        .strategy(Strategy::OneForAll)
        .max_restarts(100, Duration::from_secs(60))
        .child(ChildSpec::new("db", || Db))
        .child(ChildSpec::supervisor("web", || {
            Supervisor::builder()
                .strategy(Strategy::RestForOne)
                .max_restarts(100, Duration::from_secs(60))
                .child(ChildSpec::new("flaky", || Worker))
        }))
        .spawn(system)
        .await
        .expect("the tree starts")
}

/// Crashes `flaky` once and waits until its supervisor has restarted it.
pub(crate) async fn crash_flaky(system: &ActorSystem, app: &ActorRef<Supervisor>) {
    let mut restarts = system.events().subscribe::<ActorRestarted>();
    let web = app.child::<Supervisor>("web").await.expect("web runs");
    let flaky = web.child::<Worker>("flaky").await.expect("flaky runs");
    let _ = flaky.ask(Crash).await;
    let restarted = tokio::time::timeout(STEP, restarts.recv()).await.expect("restarted in time");
    assert_eq!(restarted.map(|r| r.id), Some(flaky.id()));
}

/// One HTTP/1.1 request; the status, the headers (lower-cased names) and
/// the body.
pub(crate) async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, String) {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("Content-Length: 0\r\n\r\n");
        stream.write_all(head.as_bytes()).await.expect("writes");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("reads");
        raw
    };
    let raw = tokio::time::timeout(STEP, exchange).await.expect("the server answers in time");
    let raw = String::from_utf8(raw).expect("utf-8");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status =
        lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// `GET /api/state`, parsed.
pub(crate) async fn state(addr: SocketAddr) -> serde_json::Value {
    let (status, _, body) = request(addr, "GET", "/api/state", &[]).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("JSON")
}
