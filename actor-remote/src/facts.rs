//! Facts a node publishes on its system's event stream: links that come
//! up, go down or are refused, peers given up for down, and the cluster's
//! membership (members up, suspected, down or left).

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

/// A member joined the cluster (or rejoined it after it was declared
/// down): it is in this node's membership view.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeUp {
    /// The member's node id.
    pub node: NodeId,
    /// Its incarnation.
    pub incarnation: u64,
    /// Where it accepts links, if it listens.
    pub addr: Option<String>,
}
fact!(NodeUp);

/// A member's heartbeats are overdue beyond the failure detector's
/// threshold. It is declared down after the suspect timeout unless it
/// shows it is alive ([`NodeReachable`]).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct NodeSuspect {
    /// The member's node id.
    pub node: NodeId,
    /// Its incarnation.
    pub incarnation: u64,
    /// The suspicion level when it was suspected.
    pub phi: f64,
}
fact!(NodeSuspect);

/// A suspected member's heartbeats arrive again.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeReachable {
    /// The member's node id.
    pub node: NodeId,
    /// Its incarnation.
    pub incarnation: u64,
}
fact!(NodeReachable);

/// The cluster declared a member down: it crashed, or was cut off longer
/// than the failure detector allows. Watches of its actors report
/// [`StopReason::NodeDown`](actor_core::StopReason::NodeDown); its names
/// are gone. If it was only cut off, it rejoins later with a [`NodeUp`];
/// handles to its actors taken before stay stopped (look them up again).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeDown {
    /// The member's node id.
    pub node: NodeId,
    /// The incarnation that is down.
    pub incarnation: u64,
}
fact!(NodeDown);

/// A member left the cluster on purpose ([`Node::leave`](crate::Node::leave)).
/// For its actors' watchers it is the same as [`NodeDown`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeLeft {
    /// The member's node id.
    pub node: NodeId,
    /// The incarnation that left.
    pub incarnation: u64,
}
fact!(NodeLeft);

/// Shared facts of one type were not sent to a member, because its link's
/// buffer was full (a slow or cut-off member): the publisher did not wait.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedEventsDropped {
    /// The member that missed them.
    pub node: NodeId,
    /// The fact's wire name.
    pub event: &'static str,
    /// How many were dropped for that member so far.
    pub dropped: u64,
}
fact!(SharedEventsDropped);

/// This node no longer exposes `name`: when two parts of a cluster met
/// again (after a partition) both had exposed it, and the other node's
/// claim was older. The actor itself runs on; it is just not reachable by
/// that name any more.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NameLost {
    /// The name.
    pub name: String,
    /// The node that keeps it.
    pub holder: NodeId,
}
fact!(NameLost);
