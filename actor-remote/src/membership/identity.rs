//! A member's identity in the gossip protocol: the node, its incarnation
//! (a new one each start), where it listens, and a rejoin generation.

use actor_core::NodeId;
use serde::{Deserialize, Serialize};

/// One member as SWIM knows it. Two identities with the same node id are
/// the same member at different times: the later start (or, for one
/// start, the later rejoin) wins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MemberId {
    pub(crate) node: NodeId,
    /// The node's incarnation: the one its links announce in the handshake.
    pub(crate) incarnation: u64,
    /// When the node started (milliseconds since the Unix epoch): orders two
    /// incarnations of one node.
    pub(crate) started: u64,
    /// Bumped each time the node rejoins after the others declared it down.
    pub(crate) generation: u16,
    /// Where the node accepts links (`None` for a node that only dials).
    pub(crate) listen: Option<String>,
}

impl foca::Identity for MemberId {
    type Addr = NodeId;

    fn renew(&self) -> Option<Self> {
        Some(MemberId { generation: self.generation.wrapping_add(1), ..self.clone() })
    }

    fn addr(&self) -> NodeId {
        self.node
    }

    fn win_addr_conflict(&self, adversary: &Self) -> bool {
        (self.started, self.generation) > (adversary.started, adversary.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foca::Identity;

    #[test]
    fn a_later_start_or_rejoin_wins() {
        let id = MemberId {
            node: NodeId::from_u128(7),
            incarnation: 1,
            started: 100,
            generation: 0,
            listen: Some("127.0.0.1:1".into()),
        };
        let rejoined = id.renew().unwrap();
        assert_eq!(rejoined.generation, 1);
        assert_eq!(rejoined.addr(), id.addr());
        assert!(rejoined.win_addr_conflict(&id));
        assert!(!id.win_addr_conflict(&rejoined));
        let restarted = MemberId { incarnation: 2, started: 200, generation: 0, ..id.clone() };
        assert!(restarted.win_addr_conflict(&rejoined));
    }
}
