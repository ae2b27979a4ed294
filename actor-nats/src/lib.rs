//! NATS under actor-core: a node's links through a NATS server instead of
//! TCP, with the same membership, failure detection, remote watch, shared
//! events and names as the framework's own TCP cluster — and no line of
//! actor code changed.
//!
//! ```no_run
//! use actor_nats::{Nats, NatsNodeBuilder};
//! use actor_remote::Node;
//!
//! # async fn run(system: actor_core::ActorSystem) -> Result<(), Box<dyn std::error::Error>> {
//! let nats = Nats::connect("nats://127.0.0.1:4222").await?;
//! let node = Node::builder(&system).secret("cluster secret").nats(&nats).start().await?;
//! // From here on, `node` is used exactly as a TCP node: expose, lookup,
//! // tell, ask, watch, share_events, members.
//! # drop(node); Ok(()) }
//! ```
//!
//! How it works: each link is a byte stream over two NATS subjects (one
//! per direction) with sequence numbers and credit-based flow control; a
//! new node finds a first peer through a discovery subject, and SWIM
//! gossip over the links does the rest. The node's handshake (protocol
//! version, shared-secret proof) runs over the stream as over TCP. See
//! `docs/nats.md` for the subjects, the guarantees and when to pick NATS
//! over the TCP cluster.

#![deny(missing_docs)]

mod client;
mod durable;
mod network;
mod stream;

use actor_remote::{Codec, NodeBuilder};

pub use client::{Nats, NatsError, DEFAULT_PREFIX};
pub use durable::{
    Durable, DurableError, DurableOptions, DurableSubscription, Encoding, Facts, FactsConfig, PersistOptions,
    Persisting,
};
pub use network::{NatsNetwork, ANY_NODE};

/// Re-exported: `ConnectOptions` (credentials, TLS) and the client itself.
pub use async_nats;

/// For the fuzz targets in `fuzz/`; not part of the API.
#[doc(hidden)]
pub mod __fuzzing {
    pub use crate::stream::check_messages;
}

/// Puts a [`NodeBuilder`] on NATS.
pub trait NatsNodeBuilder: Sized {
    /// Carries the node's links over `nats` instead of TCP: the node
    /// listens at a fresh address on NATS (subject `<prefix>.n.<addr>`),
    /// advertises it, and at start dials whichever other node answers on
    /// the discovery subject first ([`ANY_NODE`]; a node alone keeps
    /// asking every few seconds, so nodes started together find each
    /// other). Listen, seed and advertise settings made before are
    /// replaced; seeds added after are dialed as well.
    fn nats(self, nats: &Nats) -> Self;
}

impl<C: Codec> NatsNodeBuilder for NodeBuilder<C> {
    fn nats(self, nats: &Nats) -> Self {
        let addr = network::random_token();
        self.network(NatsNetwork::new(nats, &addr)).listen(addr.clone()).advertise(addr).seed(ANY_NODE)
    }
}
