//! Which of two links a node pair keeps when both nodes dial each other at
//! once, settled in the handshake, before either link carries anything.
//!
//! A link that replaces another loses what the other still held (at most
//! once), and the asks waiting on it end `Unreachable`. Two nodes that dial
//! each other at once (two seeds of each other, a discovery that answers
//! both ways, gossip meeting a redial) must therefore agree on one link
//! before either is used. Each node notes its handshakes in flight, per
//! peer incarnation: *dialing* once its dial has learned who answered
//! (before it sends its proof), *accepting* once it has taken a dialer's
//! proof (before it welcomes the dialer). Then:
//!
//! * a dial goes on only if the node has no live link to the peer and no
//!   handshake in flight with it; otherwise it withdraws and waits for the
//!   other link;
//! * an accept goes on unless the node is dialing the peer itself, or holds
//!   a live link it dialed, and has the lower node id: its own link wins,
//!   and the peer, accepting that link, lets it through by the same rule.
//!
//! Of two links dialed at once, at most one is welcomed: for both, each
//! acceptor would have had to let the other's dial through, which the rule
//! allows only to the node with the higher id. A live link is replaced only
//! by a dial from a node that no longer holds it (its end broke), as before.

use std::collections::HashMap;

use actor_core::NodeId;
use parking_lot::Mutex;

/// A peer incarnation: node id and incarnation.
pub(crate) type PeerKey = (NodeId, u64);

/// The handshakes in flight with one peer incarnation.
#[derive(Clone, Copy, Default, Debug)]
struct InFlight {
    dialing: bool,
    accepting: bool,
}

/// A node's handshakes in flight, by peer incarnation.
#[derive(Default)]
pub(crate) struct Intents {
    table: Mutex<HashMap<PeerKey, InFlight>>,
}

/// Which handshake a [`Going`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Dialing,
    Accepting,
}

/// A handshake that goes on; its note is removed when this is dropped
/// (once the link is established, or the handshake failed).
#[must_use = "the handshake is noted only while this lives"]
pub(crate) struct Going<'a> {
    intents: &'a Intents,
    peer: PeerKey,
    side: Side,
}

impl Intents {
    /// A dial has learned that `peer` answered; `live` says who dialed this
    /// node's live link to that incarnation, if it has one. `None`: withdraw.
    pub(crate) fn dial(&self, peer: PeerKey, live: impl FnOnce() -> Option<NodeId>) -> Option<Going<'_>> {
        let mut table = self.table.lock();
        let noted = table.get(&peer).copied().unwrap_or_default();
        if noted.dialing || noted.accepting || live().is_some() {
            return None;
        }
        table.entry(peer).or_default().dialing = true;
        Some(Going { intents: self, peer, side: Side::Dialing })
    }

    /// This node (`me`) took the proof of a dialer, `peer`; `live` as for
    /// [`dial`](Self::dial). `None`: refuse it, another link wins.
    pub(crate) fn accept(
        &self,
        me: NodeId,
        peer: PeerKey,
        live: impl FnOnce() -> Option<NodeId>,
    ) -> Option<Going<'_>> {
        let mut table = self.table.lock();
        let noted = table.get(&peer).copied().unwrap_or_default();
        let mine_wins = me < peer.0 && (noted.dialing || live() == Some(me));
        if noted.accepting || mine_wins {
            return None;
        }
        table.entry(peer).or_default().accepting = true;
        Some(Going { intents: self, peer, side: Side::Accepting })
    }
}

impl Drop for Going<'_> {
    fn drop(&mut self) {
        let mut table = self.intents.table.lock();
        if let Some(noted) = table.get_mut(&self.peer) {
            match self.side {
                Side::Dialing => noted.dialing = false,
                Side::Accepting => noted.accepting = false,
            }
            if !noted.dialing && !noted.accepting {
                table.remove(&self.peer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOW: u128 = 1;
    const HIGH: u128 = 2;

    fn id(n: u128) -> NodeId {
        NodeId::from_u128(n)
    }

    /// Both nodes dial each other and each learns the other's id before
    /// either accepts: only the lower node's dial is welcomed.
    #[test]
    fn of_two_dials_at_once_only_the_lower_nodes_is_welcomed() {
        let (low, high) = (Intents::default(), Intents::default());
        let low_dial = low.dial((id(HIGH), 1), || None).expect("nothing in flight");
        let high_dial = high.dial((id(LOW), 1), || None).expect("nothing in flight");
        // The high node accepts the low node's dial; the low node refuses the high one's.
        assert!(high.accept(id(HIGH), (id(LOW), 1), || None).is_some());
        assert!(low.accept(id(LOW), (id(HIGH), 1), || None).is_none());
        drop((low_dial, high_dial));
    }

    /// A node that accepts first makes its own later dial withdraw, and
    /// one that dials while accepting (or linked) withdraws too.
    #[test]
    fn a_dial_withdraws_while_an_accept_or_a_live_link_exists() {
        let node = Intents::default();
        let accepting = node.accept(id(HIGH), (id(LOW), 1), || None).expect("nothing in flight");
        assert!(node.dial((id(LOW), 1), || None).is_none());
        drop(accepting);
        assert!(node.dial((id(LOW), 1), || Some(id(LOW))).is_none(), "a live link");
        assert!(node.dial((id(LOW), 2), || None).is_some(), "another incarnation is another peer");
    }

    /// A live link this node dialed wins over the peer's dial only if this
    /// node has the lower id; any other live link is replaced (its dialer's
    /// end broke, or it is the higher node's).
    #[test]
    fn a_live_link_keeps_the_lower_nodes_dial() {
        let low = Intents::default();
        assert!(low.accept(id(LOW), (id(HIGH), 1), || Some(id(LOW))).is_none());
        assert!(low.accept(id(LOW), (id(HIGH), 1), || Some(id(HIGH))).is_some());
        let high = Intents::default();
        assert!(high.accept(id(HIGH), (id(LOW), 1), || Some(id(HIGH))).is_some());
    }

    /// Notes go when their handshakes end, whichever ends first.
    #[test]
    fn notes_go_with_their_handshakes() {
        let node = Intents::default();
        let dialing = node.dial((id(HIGH), 1), || None).unwrap();
        let higher = id(3);
        let accepting =
            node.accept(higher, (id(HIGH), 1), || None).expect("the higher node lets a dial through");
        drop(dialing);
        assert!(node.dial((id(HIGH), 1), || None).is_none(), "still accepting");
        drop(accepting);
        assert!(node.table.lock().is_empty());
        assert!(node.dial((id(HIGH), 1), || None).is_some());
    }
}
