//! Watches of this node's actors by actors of other nodes: each becomes a
//! local watch by a stand-in endpoint that sends the notice back over the
//! link (and again on every new link until the peer acknowledges it).

use std::any::Any;
use std::sync::{Arc, Weak};

use actor_core::dev::{AnyMessage, BoxFuture, Endpoint, Signal};
use actor_core::{ActorId, SendError, StopReason};

use crate::exposed::Exposed;
use crate::peer::Peer;

/// The peer's actor `watcher` asks to be told when local `target` stops.
/// Idempotent: a watch resent after a reconnect registers once.
pub(crate) fn watch(exposed: &Exposed, peer: &Arc<Peer>, target: u64, watcher: u64) {
    if !peer.watched_by.lock().insert((target, watcher)) {
        return;
    }
    let Some(endpoint) = exposed.endpoint_of(target) else {
        // Never exposed here, or stopped long ago: nothing left to say how.
        tracing::debug!(peer = %peer.node, target, "a watch of an actor this node does not know");
        peer.notify_terminated(target, watcher, StopReason::Normal);
        return;
    };
    let stand_in = Arc::new(RemoteWatcher {
        id: ActorId::from_parts(peer.node, watcher),
        peer: Arc::downgrade(peer),
        target,
        watcher,
    });
    if endpoint.signal(Signal::Watch(stand_in)).is_err() {
        // Stopped already: its reason is set before its lane closes.
        peer.notify_terminated(target, watcher, endpoint.stop_reason().unwrap_or(StopReason::Normal));
    }
}

/// The peer's `watcher` no longer watches `target`.
pub(crate) fn unwatch(exposed: &Exposed, peer: &Peer, target: u64, watcher: u64) {
    if peer.watched_by.lock().remove(&(target, watcher)) {
        if let Some(endpoint) = exposed.endpoint_of(target) {
            let _ = endpoint.signal(Signal::Unwatch(ActorId::from_parts(peer.node, watcher)));
        }
    }
}

/// A remote watcher as the watched local actor sees it: it only takes the
/// stop notice, and sends it to the peer.
struct RemoteWatcher {
    id: ActorId,
    peer: Weak<Peer>,
    target: u64,
    watcher: u64,
}

impl Endpoint for RemoteWatcher {
    fn id(&self) -> ActorId {
        self.id
    }

    fn actor_type(&self) -> &'static str {
        "(remote watcher)"
    }

    fn stop_reason(&self) -> Option<StopReason> {
        match self.peer.upgrade() {
            Some(peer) if !peer.is_gone() => None,
            _ => Some(StopReason::NodeDown),
        }
    }

    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        Box::pin(std::future::pending())
    }

    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        match signal {
            Signal::Terminated(notice) => match self.peer.upgrade() {
                Some(peer) => {
                    peer.notify_terminated(self.target, self.watcher, notice.reason);
                    Ok(())
                }
                None => Err(Signal::Terminated(notice)),
            },
            other => Err(other),
        }
    }

    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        Err(SendError::Unsupported(message))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}
