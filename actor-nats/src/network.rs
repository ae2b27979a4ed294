//! A node's links over NATS: [`NatsNetwork`] opens and accepts
//! [streams](crate::stream) by address, and finds other nodes through a
//! discovery subject.
//!
//! Subjects, under the connection's prefix `P`:
//! * `P.n.<addr>` — a node's listener: a request there (payload: a fresh
//!   stream id) opens a stream; the reply says it is accepted.
//! * `P.s.<id>.a` / `P.s.<id>.c` — the stream's two directions (to the
//!   acceptor, to the connector).
//! * `P.discover` — every listener answers a request there (except its
//!   own) with its address: how a node finds its first peer.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use actor_core::dev::BoxFuture;
use actor_remote::net::{Connection, Listener, Network};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::client::Nats;
use crate::stream::{self, Subjects};

/// The address that means "any other node of the cluster": given as a
/// seed, the node asks the discovery subject who is there and dials the
/// first to answer; SWIM gossip then introduces the rest.
pub const ANY_NODE: &str = "nats:any";

/// How long a discovery request waits for an answer.
const DISCOVERY_WAIT: Duration = Duration::from_millis(500);
/// How many opens may wait for the node to accept them.
const BACKLOG: usize = 128;

/// Streams over a NATS connection: a node's links, and discovery of a
/// first peer (see the crate docs and `docs/nats.md` for the subjects).
#[derive(Clone, Debug)]
pub struct NatsNetwork {
    nats: Nats,
    /// The node's own address, which its discovery requests carry so that
    /// its own listener does not answer them.
    me: String,
}

impl NatsNetwork {
    /// Links over `nats` for a node listening at `addr` (a subject token:
    /// letters, digits, `-`, `_`). [`NatsNodeBuilder::nats`](crate::NatsNodeBuilder::nats)
    /// makes one with a fresh address and sets up discovery; this is for
    /// doing it by hand (`NodeBuilder::network`, `listen` and `advertise`
    /// with the same address).
    pub fn new(nats: &Nats, addr: &str) -> Self {
        NatsNetwork { nats: nats.clone(), me: addr.to_owned() }
    }

    async fn open(&self, addr: &str) -> io::Result<Connection> {
        check_token(addr)?;
        let id = random_token();
        let inbound =
            self.nats.client().subscribe(self.nats.subject(&format!("s.{id}.c"))).await.map_err(other)?;
        let request = async_nats::Request::new().payload(Bytes::from(id.clone()));
        let listener = self.nats.subject(&format!("n.{addr}"));
        self.nats.client().send_request(listener, request).await.map_err(|e| match e.kind() {
            async_nats::RequestErrorKind::NoResponders => {
                io::Error::new(io::ErrorKind::ConnectionRefused, format!("no node listens at {addr} on NATS"))
            }
            async_nats::RequestErrorKind::TimedOut => {
                io::Error::new(io::ErrorKind::TimedOut, format!("the node at {addr} did not answer on NATS"))
            }
            _ => other(e),
        })?;
        let subjects = Subjects { out: self.nats.subject(&format!("s.{id}.a")) };
        Ok(Connection { stream: Box::new(stream::open(&self.nats, subjects, inbound)), peer: None })
    }

    /// Asks who else is there; the first answer's address.
    async fn discover(&self) -> io::Result<String> {
        let request =
            async_nats::Request::new().payload(Bytes::from(self.me.clone())).timeout(Some(DISCOVERY_WAIT));
        let answer =
            self.nats.client().send_request(self.nats.subject("discover"), request).await.map_err(|e| {
                io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    format!("no other node answered on NATS: {e}"),
                )
            })?;
        let addr = std::str::from_utf8(&answer.payload)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a discovery answer that is not text"))?;
        check_token(addr)?;
        Ok(addr.to_owned())
    }
}

impl Network for NatsNetwork {
    fn connect<'a>(&'a self, addr: &'a str) -> BoxFuture<'a, io::Result<Connection>> {
        Box::pin(async move {
            if addr == ANY_NODE {
                let found = self.discover().await?;
                return self.open(&found).await;
            }
            self.open(addr).await
        })
    }

    fn bind<'a>(&'a self, addr: &'a str) -> BoxFuture<'a, io::Result<Box<dyn Listener>>> {
        Box::pin(async move {
            check_token(addr)?;
            let client = self.nats.client();
            let opens = client.subscribe(self.nats.subject(&format!("n.{addr}"))).await.map_err(other)?;
            let discovery = client.subscribe(self.nats.subject("discover")).await.map_err(other)?;
            let stop = CancellationToken::new();
            let (accepted, incoming) = mpsc::channel(BACKLOG);
            tokio::spawn(accept(self.nats.clone(), opens, accepted, stop.clone()));
            tokio::spawn(answer_discovery(client.clone(), addr.to_owned(), discovery, stop.clone()));
            Ok(Box::new(NatsListener { incoming, _stop: stop.drop_guard() }) as Box<dyn Listener>)
        })
    }
}

/// A node's listener on NATS; its tasks end when it is dropped.
struct NatsListener {
    incoming: mpsc::Receiver<Connection>,
    _stop: DropGuard,
}

impl Listener for NatsListener {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "a NATS listener has no socket address"))
    }

    fn accept(&mut self) -> BoxFuture<'_, io::Result<Connection>> {
        Box::pin(async move {
            self.incoming
                .recv()
                .await
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "the NATS subscription ended"))
        })
    }
}

/// Takes opens: subscribes to the new stream's inbound subject, then
/// replies (so the connector's first bytes find the subscription there).
async fn accept(
    nats: Nats,
    mut opens: async_nats::Subscriber,
    accepted: mpsc::Sender<Connection>,
    stop: CancellationToken,
) {
    loop {
        let open = tokio::select! {
            () = stop.cancelled() => break,
            open = opens.next() => match open {
                Some(open) => open,
                None => break,
            },
        };
        let (Some(reply), Ok(id)) = (open.reply, std::str::from_utf8(&open.payload)) else {
            tracing::debug!("ignored a malformed open on NATS");
            continue;
        };
        if check_token(id).is_err() {
            tracing::debug!("ignored an open with a malformed stream id on NATS");
            continue;
        }
        let inbound = match nats.client().subscribe(nats.subject(&format!("s.{id}.a"))).await {
            Ok(inbound) => inbound,
            Err(e) => {
                tracing::warn!(error = %e, "cannot subscribe for a NATS stream");
                continue;
            }
        };
        let subjects = Subjects { out: nats.subject(&format!("s.{id}.c")) };
        let stream = stream::open(&nats, subjects, inbound);
        if nats.client().publish(reply, Bytes::new()).await.is_err() {
            continue;
        }
        let connection = Connection { stream: Box::new(stream), peer: None };
        tokio::select! {
            () = stop.cancelled() => break,
            sent = accepted.send(connection) => if sent.is_err() { break },
        }
    }
    let _ = opens.unsubscribe().await;
}

/// Answers discovery requests from other nodes with this node's address.
async fn answer_discovery(
    client: async_nats::Client,
    addr: String,
    mut requests: async_nats::Subscriber,
    stop: CancellationToken,
) {
    loop {
        let request = tokio::select! {
            () = stop.cancelled() => break,
            request = requests.next() => match request {
                Some(request) => request,
                None => break,
            },
        };
        let Some(reply) = request.reply else { continue };
        // A node's own request is not answered: it looks for others.
        if request.payload.as_ref() == addr.as_bytes() {
            continue;
        }
        let _ = client.publish(reply, Bytes::from(addr.clone())).await;
    }
    let _ = requests.unsubscribe().await;
}

/// A fresh random token for addresses and stream ids: 16 hex digits.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS's random source failed: fall back to the clock, which is
        // unique enough within one process for a stream id.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        bytes = (nanos.as_nanos() as u64).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Addresses and ids become subject tokens: no dots, wildcards or spaces.
fn check_token(token: &str) -> io::Result<()> {
    let fine = !token.is_empty()
        && token.len() <= 64
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fine {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{token:?} is not a NATS node address")))
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}
