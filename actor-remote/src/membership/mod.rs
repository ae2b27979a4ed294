//! What this node knows of the cluster, shared by its tasks: the members
//! and their state, one failure detector per member, and the inbox of the
//! gossip task (which owns the SWIM state machine, see `gossip`).

mod identity;
pub(crate) mod phi;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use actor_core::NodeId;
use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

pub(crate) use identity::MemberId;
use phi::{Detector, PhiSettings};

/// Packets and requests waiting for the gossip task; beyond this many,
/// gossip packets are dropped (SWIM tolerates loss; a flood does not grow
/// memory).
const INBOX: usize = 1024;

/// A member of the cluster as this node sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Member {
    /// The member's node id.
    pub node: NodeId,
    /// Its incarnation (a new one each time it starts).
    pub incarnation: u64,
    /// Where it accepts links, if it listens.
    pub addr: Option<String>,
    /// Whether it looks alive from here.
    pub state: MemberState,
}

/// How a member looks from this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberState {
    /// Alive: its heartbeats arrive.
    Up,
    /// Its heartbeats are overdue beyond the detector's threshold; it is
    /// declared down after the suspect timeout unless it shows up again.
    Suspect,
}

/// What the gossip task is asked to do.
pub(crate) enum Input {
    /// A SWIM packet from a peer.
    Swim(Bytes),
    /// A link to this node came up: introduce ourselves.
    Linked(MemberId),
    /// The node left on purpose (its `Leave` frame arrived).
    Left(NodeId),
    /// Leave the cluster; answered once the goodbye is queued.
    Leave(oneshot::Sender<()>),
}

/// What a check of the detectors found.
pub(crate) struct Verdicts {
    /// Newly suspected: node, incarnation, phi.
    pub(crate) suspect: Vec<(NodeId, u64, f64)>,
    /// Reachable again: node, incarnation.
    pub(crate) back: Vec<(NodeId, u64)>,
}

struct Watched {
    incarnation: u64,
    detector: Detector,
    suspected: bool,
}

/// The cluster as this node knows it.
pub(crate) struct Membership {
    pub(crate) settings: PhiSettings,
    inbox: mpsc::Sender<Input>,
    members: RwLock<BTreeMap<NodeId, Member>>,
    detectors: Mutex<HashMap<NodeId, Watched>>,
    /// Members that said they leave: their going down is a leave.
    left: Mutex<HashSet<(NodeId, u64)>>,
    /// Members that left: never linked again (a leaving node still answers
    /// while it shuts down, and a dial may reach it there).
    departed: Mutex<Departed>,
    /// Nodes being dialed by the gossip task now.
    pub(crate) dialing: Mutex<HashSet<NodeId>>,
}

impl Membership {
    pub(crate) fn new(settings: PhiSettings) -> (Membership, mpsc::Receiver<Input>) {
        let (inbox, rx) = mpsc::channel(INBOX);
        let membership = Membership {
            settings,
            inbox,
            members: RwLock::new(BTreeMap::new()),
            detectors: Mutex::new(HashMap::new()),
            left: Mutex::new(HashSet::new()),
            departed: Mutex::new(Departed::default()),
            dialing: Mutex::new(HashSet::new()),
        };
        (membership, rx)
    }

    /// Hands `input` to the gossip task; false if its inbox is full or it ended.
    pub(crate) fn send(&self, input: Input) -> bool {
        self.inbox.try_send(input).is_ok()
    }

    /// Leave the cluster: waits until the gossip task queued the goodbye.
    pub(crate) async fn leave(&self) {
        let (tx, rx) = oneshot::channel();
        if self.inbox.send(Input::Leave(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// The members, sorted by node id.
    pub(crate) fn members(&self) -> Vec<Member> {
        self.members.read().values().cloned().collect()
    }

    pub(crate) fn member(&self, node: NodeId) -> Option<Member> {
        self.members.read().get(&node).cloned()
    }

    /// The member (other than `not`) that advertises `addr`, if any: an
    /// address a dead member had may belong to its successor now.
    pub(crate) fn member_at(&self, addr: &str, not: NodeId) -> Option<NodeId> {
        self.members
            .read()
            .values()
            .find(|m| m.node != not && m.addr.as_deref() == Some(addr))
            .map(|m| m.node)
    }

    /// A member came up: its detector starts now.
    pub(crate) fn up(&self, member: Member) {
        self.detectors.lock().insert(
            member.node,
            Watched {
                incarnation: member.incarnation,
                detector: Detector::new(self.settings, Instant::now()),
                suspected: false,
            },
        );
        self.members.write().insert(member.node, member);
    }

    /// A member went down (or left): true if it said it leaves.
    pub(crate) fn down(&self, node: NodeId, incarnation: u64) -> bool {
        {
            let mut detectors = self.detectors.lock();
            if detectors.get(&node).is_some_and(|w| w.incarnation == incarnation) {
                detectors.remove(&node);
            }
        }
        {
            let mut members = self.members.write();
            if members.get(&node).is_some_and(|m| m.incarnation == incarnation) {
                members.remove(&node);
            }
        }
        let left = self.left.lock().remove(&(node, incarnation));
        if left {
            self.departed.lock().insert(node, incarnation);
        }
        left
    }

    /// True if `node` (this incarnation) left the cluster: it must not be
    /// linked again.
    pub(crate) fn has_departed(&self, node: NodeId, incarnation: u64) -> bool {
        self.departed.lock().contains(node, incarnation)
    }

    /// True if `node` (this incarnation) said it leaves.
    pub(crate) fn is_leaving(&self, node: NodeId, incarnation: u64) -> bool {
        self.left.lock().contains(&(node, incarnation))
    }

    /// `node` (this incarnation) said it leaves.
    pub(crate) fn leaving(&self, node: NodeId, incarnation: u64) {
        self.left.lock().insert((node, incarnation));
    }

    /// True if `node` (this incarnation) looks alive from here: its
    /// heartbeats arrive and it is not suspected.
    pub(crate) fn looks_alive(&self, node: NodeId, incarnation: u64, now: Instant) -> bool {
        self.detectors.lock().get(&node).is_some_and(|w| {
            w.incarnation == incarnation && !w.suspected && w.detector.phi(now) < self.settings.threshold
        })
    }

    /// A heartbeat from `node` arrived.
    pub(crate) fn heartbeat(&self, node: NodeId) {
        if let Some(watched) = self.detectors.lock().get_mut(&node) {
            watched.detector.heartbeat(Instant::now());
        }
    }

    /// Checks every detector at `now`: the members that became suspect
    /// (with their phi) and those that are reachable again.
    pub(crate) fn check(&self, now: Instant) -> Verdicts {
        let (mut suspect, mut back) = (Vec::new(), Vec::new());
        for (node, watched) in self.detectors.lock().iter_mut() {
            let phi = watched.detector.phi(now);
            let over = phi > self.settings.threshold;
            if over && !watched.suspected {
                watched.suspected = true;
                suspect.push((*node, watched.incarnation, phi));
            } else if !over && watched.suspected {
                watched.suspected = false;
                back.push((*node, watched.incarnation));
            }
        }
        if !suspect.is_empty() || !back.is_empty() {
            let mut members = self.members.write();
            for (node, ..) in &suspect {
                if let Some(m) = members.get_mut(node) {
                    m.state = MemberState::Suspect;
                }
            }
            for (node, _) in &back {
                if let Some(m) = members.get_mut(node) {
                    m.state = MemberState::Up;
                }
            }
        }
        Verdicts { suspect, back }
    }
}

/// The members that left, the most recent [`DEPARTED`] of them: a node
/// that left never comes back (a restart is a new node id), so only the
/// moments after its leave matter, while it still answers.
#[derive(Default)]
struct Departed {
    set: HashSet<(NodeId, u64)>,
    order: VecDeque<(NodeId, u64)>,
}

/// How many departed members are remembered.
const DEPARTED: usize = 1024;

impl Departed {
    fn insert(&mut self, node: NodeId, incarnation: u64) {
        if self.set.insert((node, incarnation)) {
            self.order.push_back((node, incarnation));
            if self.order.len() > DEPARTED {
                if let Some(oldest) = self.order.pop_front() {
                    self.set.remove(&oldest);
                }
            }
        }
    }

    fn contains(&self, node: NodeId, incarnation: u64) -> bool {
        self.set.contains(&(node, incarnation))
    }
}

/// The time from a member's last heartbeat to its suspicion, with these
/// settings and regular heartbeats.
pub(crate) fn time_to_suspect(settings: &PhiSettings) -> Duration {
    phi::time_to_suspect(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departed_members_are_remembered_up_to_the_bound() {
        let mut departed = Departed::default();
        let nodes: Vec<NodeId> = (0..=DEPARTED as u128).map(NodeId::from_u128).collect();
        for node in &nodes {
            departed.insert(*node, 7);
            departed.insert(*node, 7); // twice: once
        }
        assert_eq!(departed.order.len(), DEPARTED);
        assert!(!departed.contains(nodes[0], 7), "the oldest is forgotten");
        assert!(departed.contains(nodes[DEPARTED], 7));
        assert!(!departed.contains(nodes[DEPARTED], 8), "another incarnation did not leave");
    }
}
