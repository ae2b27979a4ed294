//! The errors of starting a node, connecting, exposing and looking up.

use crate::wire::WireError;

/// A node that could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// No cluster secret was given: nodes do not run unauthenticated.
    #[error("a node needs a cluster secret (NodeBuilder::secret)")]
    NoSecret,
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The TLS configuration was refused.
    #[error("TLS configuration: {0}")]
    Tls(String),
}

/// A connection to a peer that was not established.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The TCP (or TLS) connection failed.
    #[error("cannot connect to {addr}: {source}")]
    Io {
        /// The address dialed.
        addr: String,
        /// The error.
        source: std::io::Error,
    },
    /// The peer did not finish the handshake in time.
    #[error("handshake with {addr} timed out")]
    Timeout {
        /// The address dialed.
        addr: String,
    },
    /// The handshake failed; the text says why (a wrong secret, another
    /// protocol version, a peer that is not a node).
    #[error("handshake with {addr} failed: {reason}")]
    Handshake {
        /// The other end's address.
        addr: String,
        /// Why.
        reason: HandshakeError,
    },
    /// The node that answered left the cluster (it is shutting down): a
    /// node that left never links again.
    #[error("the node at {addr} ({node}) left the cluster")]
    Departed {
        /// The address dialed.
        addr: String,
        /// The node that answered there.
        node: actor_core::NodeId,
    },
    /// The node is shutting down.
    #[error("the node is shutting down")]
    ShuttingDown,
}

/// Why a handshake failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The bytes were not the protocol's (or not the expected step).
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The peer's proof of the cluster secret was wrong.
    #[error("the peer does not know the cluster secret")]
    BadProof,
    /// The peer refused us, and said why.
    #[error("refused by the peer: {0}")]
    RefusedByPeer(String),
    /// The peer closed the connection during the handshake.
    #[error("the peer closed the connection during the handshake")]
    Closed,
    /// The peer is this node itself.
    #[error("the peer is this node itself")]
    SelfConnection,
    /// Reading or writing failed.
    #[error("i/o: {0}")]
    Io(String),
    /// TLS failed (a plain-text peer against a TLS node, a bad certificate).
    #[error("TLS: {0}")]
    Tls(String),
}

/// A name that could not be exposed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExposeError {
    /// Another actor is exposed under this name on this node.
    #[error("the name {0:?} is already exposed on this node")]
    NameTaken(String),
    /// Another node of the cluster exposed this name first.
    #[error("the name {name:?} is already exposed by node {holder}")]
    NameHeldBy {
        /// The name.
        name: String,
        /// The node that holds it.
        holder: actor_core::NodeId,
    },
    /// The actor has stopped.
    #[error("the actor has stopped")]
    Stopped,
}

/// A name that did not resolve to an address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// No node that answered exposes the name.
    #[error("no connected node exposes {0:?}")]
    NotFound(String),
    /// The actor exposed under the name does not handle messages the
    /// looked-up type sends.
    #[error("the actor exposed as {name:?} does not handle {missing:?}")]
    WrongType {
        /// The name looked up.
        name: String,
        /// The wire names it lacks.
        missing: Vec<String>,
    },
    /// The name is exposed on this node by an actor of another type.
    #[error("{name:?} is exposed on this node by a {actual}")]
    LocalType {
        /// The name looked up.
        name: String,
        /// The exposed actor's type.
        actual: &'static str,
    },
}
