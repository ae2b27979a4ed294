//! Cluster-wide names: one name, one actor, in the whole cluster. A node
//! that exposes a name claims it from every member it has a link to; of two
//! claims of one name the older wins (claim time, then node id), so the
//! later exposer gets an error. When two parts of a cluster meet again
//! after a partition, each node claims its names again over the new link,
//! and the younger exposure of a name found on both sides is withdrawn
//! (with a [`NameLost`] fact): lookups never get two answers for long.

use std::sync::{Arc, Weak};

use actor_core::{ActorId, NodeId};
use tokio::sync::oneshot;

use crate::facts::NameLost;
use crate::peer::{Answer, LinkState, Peer, PendingAnswer};
use crate::shared::Shared;
use crate::wire::envelope::Header;

/// Answers `from`'s claim of `name` made at `since`: the holder if this
/// node holds it with an older claim, `None` if the claim is granted (and
/// then a younger exposure here is withdrawn).
pub(crate) fn answer(shared: &Shared, from: NodeId, name: &str, since: u64) -> Option<NodeId> {
    let mine = shared.exposed.by_name(name)?;
    let me = shared.node();
    if (mine.since, me) < (since, from) {
        return Some(me);
    }
    lose(shared, name, mine.id, from);
    None
}

fn lose(shared: &Shared, name: &str, id: ActorId, holder: NodeId) {
    if shared.exposed.remove(name, Some(id)) {
        tracing::warn!(name, %holder, "another node holds this name with an older claim; no longer exposed here");
        shared.system.events().publish(NameLost { name: name.to_owned(), holder });
    }
}

/// Claims `name` (claimed at `since`) from every member with a live link;
/// the holder if one refuses, after at most the lookup timeout.
pub(crate) async fn claim(shared: &Shared, name: &str, since: u64) -> Option<NodeId> {
    let peers: Vec<Arc<Peer>> =
        shared.peers.read().values().filter(|p| matches!(p.state(), LinkState::Up(_))).cloned().collect();
    let mut answers = Vec::with_capacity(peers.len());
    for peer in peers {
        let (tx, rx) = oneshot::channel();
        let appended = peer.append::<std::convert::Infallible>(
            |out, corr| {
                Header::Claim { corr, name, since }.encode(out);
                Ok(())
            },
            Some(Box::new(AwaitClaim(Some(tx)))),
        );
        if appended.is_ok() {
            answers.push(rx);
        }
    }
    let deadline = tokio::time::Instant::now() + shared.config.lookup_timeout;
    for answer in answers {
        if let Ok(Ok(Some(holder))) = tokio::time::timeout_at(deadline, answer).await {
            return Some(holder);
        }
    }
    None
}

struct AwaitClaim(Option<oneshot::Sender<Option<NodeId>>>);

impl PendingAnswer for AwaitClaim {
    fn answer(mut self: Box<Self>, answer: Answer<'_>) {
        let holder = match answer {
            Answer::Claimed(holder) => holder,
            _ => None,
        };
        if let Some(tx) = self.0.take() {
            let _ = tx.send(holder);
        }
    }

    fn is_abandoned(&self) -> bool {
        self.0.as_ref().is_none_or(oneshot::Sender::is_closed)
    }
}

/// A new link: claims every name exposed here again from the peer, so
/// that names exposed on both sides of a healed partition are settled.
pub(crate) fn reclaim(shared: &Arc<Shared>, peer: &Peer) {
    for exposure in shared.exposed.all() {
        let (name, since, id) = (exposure.name.clone(), exposure.since, exposure.id);
        let check = Reclaim { shared: Arc::downgrade(shared), name: name.clone(), id };
        let _ = peer.append::<std::convert::Infallible>(
            |out, corr| {
                Header::Claim { corr, name: &name, since }.encode(out);
                Ok(())
            },
            Some(Box::new(check)),
        );
    }
}

/// Withdraws a name if the peer holds it with an older claim.
struct Reclaim {
    shared: Weak<Shared>,
    name: String,
    id: ActorId,
}

impl PendingAnswer for Reclaim {
    fn answer(self: Box<Self>, answer: Answer<'_>) {
        if let (Answer::Claimed(Some(holder)), Some(shared)) = (answer, self.shared.upgrade()) {
            lose(&shared, &self.name, self.id, holder);
        }
    }

    fn is_abandoned(&self) -> bool {
        self.shared.strong_count() == 0
    }
}
