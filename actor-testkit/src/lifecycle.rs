//! What the endpoints of a probe and of a mock share with real actors: an
//! id of the system's node, a stop reason set once, the watchers told when
//! it is set, and the dead letters of messages sent after it.

use std::sync::Arc;

use actor_core::dev::{self, BoxFuture, Endpoint, Signal};
use actor_core::{ActorId, ActorSystem, StopReason, Terminated};
use parking_lot::Mutex;
use tokio::sync::watch;

/// The life of an endpoint that stands for an actor.
pub(crate) struct Lifecycle {
    id: ActorId,
    system: ActorSystem,
    stopped: watch::Sender<Option<StopReason>>,
    watchers: Mutex<Vec<Arc<dyn Endpoint>>>,
}

impl Lifecycle {
    pub(crate) fn new(system: &ActorSystem) -> Self {
        Lifecycle {
            id: dev::new_actor_id(system),
            system: system.clone(),
            stopped: watch::Sender::new(None),
            watchers: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn id(&self) -> ActorId {
        self.id
    }

    pub(crate) fn stop_reason(&self) -> Option<StopReason> {
        self.stopped.borrow().clone()
    }

    /// Resolves with the stop reason (at once if already stopped); cancel
    /// safe.
    pub(crate) fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        let mut stopped = self.stopped.subscribe();
        Box::pin(async move {
            match stopped.wait_for(Option::is_some).await {
                Ok(reason) => reason.clone().unwrap_or(StopReason::Normal),
                // The sender lives in `self`, which outlives this future.
                Err(_) => StopReason::Normal,
            }
        })
    }

    /// Stops with `reason` and tells every watcher, once: false if it had
    /// stopped already (the first reason stays).
    pub(crate) fn stop(&self, reason: StopReason) -> bool {
        let first = self.stopped.send_if_modified(|stopped| {
            if stopped.is_some() {
                return false;
            }
            *stopped = Some(reason.clone());
            true
        });
        if first {
            let watchers = std::mem::take(&mut *self.watchers.lock());
            for watcher in watchers {
                let _ = watcher.signal(Signal::Terminated(Terminated::new(self.id, reason.clone())));
            }
        }
        first
    }

    /// Adds a watcher (once per watcher id).
    ///
    /// # Errors
    /// The signal back once stopped: the watcher then notifies itself from
    /// [`stop_reason`](Self::stop_reason), as the `Endpoint` contract says.
    pub(crate) fn watch(&self, watcher: Arc<dyn Endpoint>) -> Result<(), Signal> {
        let mut watchers = self.watchers.lock();
        // Checked under the lock `stop` takes after setting the reason:
        // a watcher is either in the list `stop` empties or refused here.
        if self.stop_reason().is_some() {
            return Err(Signal::Watch(watcher));
        }
        if !watchers.iter().any(|w| w.id() == watcher.id()) {
            watchers.push(watcher);
        }
        Ok(())
    }

    pub(crate) fn unwatch(&self, watcher: ActorId) {
        self.watchers.lock().retain(|w| w.id() != watcher);
    }

    /// A message of type `message_type` that will never be handled.
    pub(crate) fn dead_letter(&self, message_type: &'static str) {
        dev::dead_letter(&self.system, self.id, message_type);
    }
}
