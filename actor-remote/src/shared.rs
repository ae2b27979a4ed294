//! What a node's tasks share: its identity, settings, peers and exposed
//! actors.

use std::collections::HashMap;
use std::sync::Arc;

use actor_core::dev::Endpoint;
use actor_core::{ActorSystem, NodeId};
use parking_lot::RwLock;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::exposed::Exposed;
use crate::facts::PeerDown;
use crate::intents::Intents;
use crate::membership::Membership;
use crate::peer::{LinkState, Peer};
use crate::shared_events::SharedEvents;
use crate::tls::Tls;
use crate::wire::handshake::{Hello, Me};

pub(crate) struct Shared {
    pub(crate) system: ActorSystem,
    pub(crate) config: Config,
    pub(crate) me: Me,
    pub(crate) tls: Option<Tls>,
    pub(crate) peers: RwLock<HashMap<NodeId, Arc<Peer>>>,
    pub(crate) exposed: Exposed,
    /// Cancelled when the node shuts down: every task of the node ends.
    pub(crate) shutdown: CancellationToken,
    pub(crate) tasks: TaskTracker,
    /// Counts links coming up and going down, for those who wait for one.
    pub(crate) links: tokio::sync::watch::Sender<u64>,
    /// The cluster as this node knows it.
    pub(crate) membership: Membership,
    /// The fact types shared with the cluster.
    pub(crate) shared_events: SharedEvents,
    /// The address the node listens on, if it does.
    pub(crate) local: Option<std::net::SocketAddr>,
    /// What carries the links.
    pub(crate) network: Arc<dyn crate::net::Network>,
    /// One dial at a time per address: a seed's redial, a lost member's
    /// redial and gossip may all decide to dial one address at once.
    pub(crate) dialing: parking_lot::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Handshakes in flight, per peer: which of two links dialed at once wins.
    pub(crate) intents: Intents,
}

impl Shared {
    pub(crate) fn node(&self) -> NodeId {
        self.me.node
    }

    /// The turn to dial `addr`: held while dialing it.
    pub(crate) fn dial_turn(&self, addr: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.dialing.lock().entry(addr.to_owned()).or_default().clone()
    }

    /// Forgets `addr`'s turn when nobody else waits for it.
    pub(crate) fn dial_done(&self, addr: &str, turn: Arc<tokio::sync::Mutex<()>>) {
        let mut dialing = self.dialing.lock();
        // Two holders: the table and `turn`.
        if Arc::strong_count(&turn) == 2 {
            dialing.remove(addr);
        }
    }

    /// A peer with a live link that this node reached at `addr`.
    pub(crate) fn linked_at(&self, addr: &str) -> Option<Arc<Peer>> {
        self.peers.read().values().find(|peer| !peer.is_gone() && peer.linked_at(addr)).cloned()
    }

    /// Gives `peer` up for down: what waits for it fails, its watchers are
    /// told, and it leaves the peer table.
    pub(crate) fn peer_gone(&self, peer: &Arc<Peer>) {
        let notify = |watcher: &dyn Endpoint, signal| {
            let _ = watcher.signal(signal);
        };
        let Some(unsent) = peer.gone(notify) else { return };
        {
            let mut peers = self.peers.write();
            if peers.get(&peer.node).is_some_and(|p| Arc::ptr_eq(p, peer)) {
                peers.remove(&peer.node);
            }
        }
        tracing::info!(peer = %peer.node, incarnation = peer.incarnation, unsent, "peer is down");
        self.system.events().publish(PeerDown { node: peer.node, incarnation: peer.incarnation, unsent });
    }

    /// Ends the node at once: its tasks are told to stop, exposed names
    /// go, and every peer is given up (waiting senders get `Closed`,
    /// pending asks `Unreachable`, remote handles `NodeDown`).
    pub(crate) fn close(&self) {
        self.shutdown.cancel();
        self.exposed.clear();
        let peers: Vec<_> = self.peers.read().values().cloned().collect();
        for peer in peers {
            self.peer_gone(&peer);
        }
        self.tasks.close();
    }

    /// A link came up or went down.
    pub(crate) fn links_changed(&self) {
        self.links.send_modify(|n| *n += 1);
    }

    /// Whether any peer has a live link now.
    pub(crate) fn has_live_peer(&self) -> bool {
        self.peers.read().values().any(|peer| matches!(peer.state(), LinkState::Up(_)))
    }

    /// Who dialed this node's live link to the node incarnation that said
    /// `hello`, if it has one.
    pub(crate) fn live_link(&self, hello: &Hello) -> Option<NodeId> {
        let peer = self.peer(hello.node)?;
        let live = peer.incarnation == hello.incarnation
            && !peer.is_gone()
            && matches!(peer.state(), LinkState::Up(_));
        if live {
            peer.link_dialer()
        } else {
            None
        }
    }

    pub(crate) fn peer(&self, node: NodeId) -> Option<Arc<Peer>> {
        self.peers.read().get(&node).cloned()
    }
}
