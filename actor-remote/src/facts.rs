//! Facts a node publishes on its system's event stream: links that come
//! up, go down or are refused, and peers given up for down.

use std::net::SocketAddr;

use actor_core::{Event, Message, NodeId};

macro_rules! fact {
    ($t:ty) => {
        impl Event for $t {}
        impl Message for $t {
            type Reply = ();
        }
    };
}

/// A link to a peer passed the handshake: messages flow.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerConnected {
    /// The peer's node id.
    pub node: NodeId,
    /// The peer's incarnation (a new one each time it starts).
    pub incarnation: u64,
    /// The peer's address on this link.
    pub addr: Option<SocketAddr>,
}
fact!(PeerConnected);

/// A link to a peer broke. Asks waiting for a reply on it ended with
/// [`AskError::Unreachable`](actor_core::AskError::Unreachable); messages not
/// yet written wait for the link to come back (within the node's
/// `down_after`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerDisconnected {
    /// The peer's node id.
    pub node: NodeId,
    /// What broke the link.
    pub reason: String,
}
fact!(PeerDisconnected);

/// A peer is gone for good: it stayed unreachable for `down_after`, came
/// back as a new incarnation, or its node shut down. Its actors' handles
/// report [`StopReason::NodeDown`](actor_core::StopReason::NodeDown).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerDown {
    /// The peer's node id.
    pub node: NodeId,
    /// The incarnation that is gone.
    pub incarnation: u64,
    /// Messages that were still waiting to be written to it, now dropped.
    pub unsent: usize,
}
fact!(PeerDown);

/// A connection was refused during the handshake (by this node or by the
/// peer): a wrong secret, a wrong protocol version, bytes that are not the
/// protocol, a timeout. No actor saw anything from it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandshakeFailed {
    /// The other end's address.
    pub addr: Option<SocketAddr>,
    /// Why, as the error says it.
    pub reason: String,
}
fact!(HandshakeFailed);
