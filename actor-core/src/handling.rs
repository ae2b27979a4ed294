//! Handlers that take long: what an actor is handling once its handler
//! has had to wait, and the system's watch over those that run past their
//! threshold (a warning when they pass it, another when they end).
//!
//! Nothing here runs for a handler that finishes on its first poll (the
//! common case): tracking starts only when a handler returns `Pending`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

use crate::id::ActorId;

/// The default threshold for a slow-handler warning: 1 second.
pub const DEFAULT_SLOW_HANDLER: Duration = Duration::from_secs(1);

/// One handler that has had to wait.
#[derive(Debug)]
pub(crate) struct Handling {
    pub(crate) actor: ActorId,
    pub(crate) actor_type: &'static str,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) message_type: &'static str,
    pub(crate) since: Instant,
    /// Warn once it has run this long (`None`: never).
    pub(crate) threshold: Option<Duration>,
    warned: AtomicBool,
}

impl Handling {
    pub(crate) fn new(
        actor: ActorId,
        actor_type: &'static str,
        name: Option<Arc<str>>,
        message_type: &'static str,
        threshold: Option<Duration>,
    ) -> Self {
        Handling {
            actor,
            actor_type,
            name,
            message_type,
            since: Instant::now(),
            threshold,
            warned: AtomicBool::new(false),
        }
    }
}

impl Handling {
    /// One `warn` trace about this handler: who, what, and for how long.
    fn warn(&self, what: &str) {
        tracing::warn!(
            actor = %self.actor,
            actor_type = self.actor_type,
            name = self.name.as_deref().unwrap_or(""),
            message_type = self.message_type,
            elapsed = ?self.since.elapsed(),
            threshold = ?self.threshold.unwrap_or_default(),
            "{what}"
        );
    }
}

/// The handlers of one system that are waiting, and the task that warns
/// about those running past their threshold.
#[derive(Default)]
pub(crate) struct SlowWatch {
    busy: Mutex<HashMap<ActorId, Arc<Handling>>>,
    watching: AtomicBool,
}

/// How often the watch looks at the waiting handlers.
const TICK: Duration = Duration::from_millis(100);

impl SlowWatch {
    /// A handler began to wait; the watch starts if it is not running.
    pub(crate) fn begin(self: &Arc<Self>, handling: Arc<Handling>) {
        self.busy.lock().insert(handling.actor, handling);
        if !self.watching.swap(true, Ordering::AcqRel) {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(watch(Arc::downgrade(self)));
            } else {
                self.watching.store(false, Ordering::Release);
            }
        }
    }

    /// The handler of `actor` ended (or its actor stopped).
    pub(crate) fn end(&self, actor: ActorId) {
        let Some(handling) = self.busy.lock().remove(&actor) else { return };
        if handling.warned.load(Ordering::Acquire) {
            handling.warn("slow handler finished");
        }
    }

    /// What `actor` is handling and for how long, if its handler waits.
    pub(crate) fn handling(&self, actor: ActorId) -> Option<(&'static str, Duration)> {
        self.busy.lock().get(&actor).map(|h| (h.message_type, h.since.elapsed()))
    }

    /// Warns about every handler past its threshold, once each; false once
    /// no waiting handler has a warning still to come.
    fn look(&self) -> bool {
        let due: Vec<Arc<Handling>> = {
            let busy = self.busy.lock();
            busy.values()
                .filter(|h| h.threshold.is_some_and(|t| h.since.elapsed() >= t))
                .filter(|h| !h.warned.swap(true, Ordering::AcqRel))
                .cloned()
                .collect()
        };
        for handling in due {
            handling.warn("handler still running past its threshold (a stuck await, an ask cycle?)");
        }
        self.warnings_to_come()
    }

    /// True while a waiting handler may still be warned about. Once every
    /// one has been (or has no threshold), the watch stops ticking: a
    /// handler that waits for an hour of paused time then costs a few
    /// ticks, not 36,000 steps of the clock.
    fn warnings_to_come(&self) -> bool {
        self.busy.lock().values().any(|h| h.threshold.is_some() && !h.warned.load(Ordering::Acquire))
    }
}

/// Looks every tick while a waiting handler may still pass its threshold;
/// ends when none may (the next one to wait starts it again) or the system
/// is gone.
async fn watch(slow: Weak<SlowWatch>) {
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(slow) = slow.upgrade() else { return };
        if !slow.look() {
            slow.watching.store(false, Ordering::Release);
            // One more look: a handler that began meanwhile saw the watch
            // still running and did not start another.
            if !slow.warnings_to_come() || slow.watching.swap(true, Ordering::AcqRel) {
                return;
            }
        }
    }
}
