//! Nodes for [actor-core](actor_core): the same `ActorRef` API across
//! processes and machines.
//!
//! A [`Node`] joins an [`ActorSystem`](actor_core::ActorSystem) to others
//! over TCP (optionally mutual TLS), after a handshake in which both sides
//! prove they know the cluster's secret. A node [exposes](Node::expose)
//! local actors by name; another [looks them up](Node::lookup) and gets an
//! ordinary [`ActorRef`](actor_core::ActorRef) whose `tell`, `try_tell` and
//! `ask` cross the link, with the local semantics: per-pair order,
//! back-pressure from a slow actor, and an ask that always ends in its reply
//! or an [`AskError`](actor_core::AskError).
//!
//! Messages that cross nodes implement
//! [`RemoteMessage`](actor_core::remote::RemoteMessage) (serde, plus a
//! stable wire name), and an actor that can be reached lists them with
//! [`RemoteActor`](actor_core::remote::RemoteActor); see `docs/remote.md`
//! in the repository for the model, the guarantees and how to version
//! messages.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use actor_core::prelude::*;
//! use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
//! use actor_remote::Node;
//! use serde::{Deserialize, Serialize};
//!
//! struct Greeter;
//! impl Actor for Greeter {}
//!
//! #[derive(Serialize, Deserialize)]
//! struct Greet(String);
//! impl Message for Greet { type Reply = String; }
//! impl RemoteMessage for Greet { const NAME: &'static str = "demo.greet.v1"; }
//!
//! impl Handler<Greet> for Greeter {
//!     async fn handle(&mut self, Greet(name): Greet, _: &mut Context<Self>) -> String {
//!         format!("hello, {name}")
//!     }
//! }
//! impl RemoteActor for Greeter {
//!     fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
//!         handlers.handler::<Greet>();
//!     }
//! }
//!
//! // Two nodes; in real use, two processes or machines.
//! let (here, there) = (ActorSystem::new(), ActorSystem::new());
//! let server = Node::builder(&there).listen("127.0.0.1:0").secret("s3cret").start().await?;
//! server.expose("greeter", &there.spawn(Greeter)).await?;
//!
//! let client = Node::builder(&here).secret("s3cret").start().await?;
//! client.connect(&server.local_addr().unwrap().to_string()).await?;
//! let greeter: ActorRef<Greeter> = client.lookup("greeter").await?;
//! assert_eq!(greeter.ask(Greet("node".into())).await?, "hello, node");
//! # client.shutdown().await; server.shutdown().await;
//! # here.shutdown().await; there.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Modules, bottom up
//!
//! `codec` (payloads) → `wire` (frames, envelope header, handshake
//! messages: every decoder of network bytes) → `peer` (one peer
//! incarnation: its outbound buffer, pending answers, credits, inbound
//! queues) → `exposed` (local actors by name, their decoders) → `tls`
//! (the byte stream under a link) → `intents` (handshakes in flight, and
//! which of two simultaneous links wins) → `shared` (what a node's tasks share) →
//! `link` (dial, accept, handshake, the reader and writer tasks, reconnect)
//! → `endpoint` (a remote actor behind an `ActorRef`) → `node` (the public
//! face).
#![deny(missing_docs)]

mod claims;
pub mod codec;
mod config;
mod endpoint;
mod error;
mod exposed;
pub mod facts;
mod gossip;
mod intents;
mod link;
mod membership;
pub mod net;
mod node;
mod peer;
mod shared;
mod shared_events;
mod tls;
mod watched;
mod wire;

pub use codec::{Codec, CodecError, Postcard};
pub use config::{
    DEFAULT_ACCEPTABLE_PAUSE, DEFAULT_DOWN_AFTER, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_LOOKUP_TIMEOUT, DEFAULT_MAX_FRAME, DEFAULT_OUTBOUND_BUFFER, DEFAULT_PHI_THRESHOLD,
    DEFAULT_SUSPECT_TIMEOUT, DEFAULT_WINDOW, DEFAULT_WRITE_TIMEOUT,
};
pub use error::{ConnectError, ExposeError, HandshakeError, LookupError, NodeError};
pub use membership::{Member, MemberState};
pub use node::{Node, NodeBuilder};
pub use tls::TlsConfig;
pub use wire::WireError;

/// The wire decoders, for the fuzz targets in `fuzz/` and for tests that
/// speak to a node byte by byte. Not a public API.
#[doc(hidden)]
pub use wire::fuzzing as __fuzzing;
