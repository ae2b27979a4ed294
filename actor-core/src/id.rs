//! Actor and node identities.

use std::fmt;

/// The identity of one node incarnation: a random 128-bit id drawn when an
/// [`ActorSystem`](crate::ActorSystem) starts.
///
/// Every system is its own incarnation, so two systems in one process (or the
/// same program started twice) never hand out the same [`ActorId`].
// Two words, high first (so ordering matches the 128-bit value), rather
// than a `u128`: 8-byte alignment keeps `ActorId` at 24 bytes, and with it
// every signal and fact that carries one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId([u64; 2]);

impl NodeId {
    pub(crate) fn random() -> Self {
        NodeId::from_u128(uuid::Uuid::new_v4().as_u128())
    }

    /// The full 128-bit value, for transports that carry it.
    pub fn as_u128(self) -> u128 {
        (u128::from(self.0[0]) << 64) | u128::from(self.0[1])
    }

    /// Rebuilds a node id from its 128-bit value.
    pub fn from_u128(value: u128) -> Self {
        NodeId([(value >> 64) as u64, value as u64])
    }
}

impl fmt::Display for NodeId {
    /// The first eight hex digits: enough to tell nodes apart in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0[0] >> 32)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", uuid::Uuid::from_u128(self.as_u128()))
    }
}

/// The identity of one actor: the node it lives on plus a sequence number
/// local to that node. Unique across nodes and never reused.
///
/// It prints short, as `node.sequence`:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
/// struct Quiet;
/// impl Actor for Quiet {}
/// let system = ActorSystem::new();
/// let a = system.spawn(Quiet);
/// let shown = a.id().to_string();              // e.g. "3f2a9c01.1"
/// assert!(shown.ends_with(".1"));
/// assert_eq!(a.id().node(), system.node_id());
/// system.shutdown().await;
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorId {
    node: NodeId,
    seq: u64,
}

impl ActorId {
    pub(crate) fn new(node: NodeId, seq: u64) -> Self {
        Self::from_parts(node, seq)
    }

    /// Rebuilds an actor id from its [`node`](ActorId::node) and
    /// [`sequence`](ActorId::sequence), for transports that carry the two.
    ///
    /// ```
    /// use actor_core::{ActorId, NodeId};
    /// let node = NodeId::from_u128(0x3f2a_9c01 << 96);
    /// let id = ActorId::from_parts(node, 7);
    /// assert_eq!((id.node(), id.sequence()), (node, 7));
    /// assert_eq!(id.to_string(), "3f2a9c01.7");
    /// assert_eq!(ActorId::from_parts(id.node(), id.sequence()), id);
    /// ```
    pub fn from_parts(node: NodeId, sequence: u64) -> ActorId {
        ActorId { node, seq: sequence }
    }

    /// The node this actor lives on.
    pub fn node(self) -> NodeId {
        self.node
    }

    /// The sequence number of this actor on its node (starts at 1).
    pub fn sequence(self) -> u64 {
        self.seq
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.node, self.seq)
    }
}

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_round_trip_and_print_their_top_digits() {
        let value = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210_u128;
        let node = NodeId::from_u128(value);
        assert_eq!(node.as_u128(), value);
        assert_eq!(node.to_string(), "01234567");
        assert!(NodeId::from_u128(1) < NodeId::from_u128(1 << 64));
        assert_eq!(std::mem::size_of::<ActorId>(), 24);
    }
}
