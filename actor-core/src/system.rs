//! `ActorSystem`: the handle that owns a group of actors: their table, the
//! registry of names, the event stream and the node identity. No globals:
//! systems are independent of each other.
//!
//! This module holds what a system *is*; spawning (which needs the actor
//! runner) is added by [`runtime`](crate::runtime), and typed lookups (which
//! need addresses) by the address layer.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::actor::StopReason;
use crate::endpoint::{Endpoint, Signal};
use crate::events::{DeadLetter, EventStream};
use crate::id::{ActorId, NodeId};
use crate::mailbox::MailboxCapacity;
use crate::registry::Registry;

/// A group of actors with their own registry, node identity and shutdown.
///
/// Cheap to clone (a reference count). Actors run as tasks on the ambient
/// tokio runtime; many systems can live in one process without sharing
/// anything, so tests run in parallel.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
/// struct Quiet;
/// impl Actor for Quiet {}
///
/// let a = ActorSystem::new();
/// let b = ActorSystem::new();
/// a.spawn(Quiet);
/// assert_eq!((a.actor_count(), b.actor_count()), (1, 0));
/// a.shutdown().await;                   // stops every actor of `a`
/// assert_eq!(a.actor_count(), 0);
/// # }
/// ```
#[derive(Clone)]
pub struct ActorSystem {
    inner: Arc<Inner>,
}

struct Inner {
    node: NodeId,
    next_seq: AtomicU64,
    actors: Mutex<Table>,
    /// Woken when the last live actor leaves the table.
    emptied: Notify,
    registry: Registry,
    events: EventStream,
    dead_letters: AtomicU64,
}

slotmap::new_key_type! {
    /// Where an actor sits in its system's table.
    pub(crate) struct TableSlot;
}

/// Live actors: a slot map (32 bytes an actor, O(1) in and out) rather than
/// an ordered map (about 60 bytes an actor); shutdown sorts the few roots
/// by spawn order itself.
#[derive(Default)]
struct Table {
    live: slotmap::SlotMap<TableSlot, Tracked>,
    shutting_down: bool,
}

/// One live actor in the table.
struct Tracked {
    actor: Arc<dyn Endpoint>,
    /// Spawned by the system rather than by another actor: shutdown stops
    /// it (its parent stops the others).
    root: bool,
}

impl ActorSystem {
    /// A new system with a fresh random node id.
    pub fn new() -> Self {
        ActorSystem {
            inner: Arc::new(Inner {
                node: NodeId::random(),
                next_seq: AtomicU64::new(1),
                actors: Mutex::new(Table::default()),
                emptied: Notify::new(),
                registry: Registry::default(),
                events: EventStream::new(),
                dead_letters: AtomicU64::new(0),
            }),
        }
    }

    /// This system's node id; every [`ActorId`] it hands out carries it.
    pub fn node_id(&self) -> NodeId {
        self.inner.node
    }

    /// Stops every actor and returns once all have stopped.
    ///
    /// Top-level actors are stopped newest first, one after the other, each
    /// stopping its children (newest first) before itself; each finishes
    /// its current message, runs `on_stop`, and stops with
    /// [`StopReason::Shutdown`]. Actors spawned after shutdown began stop at
    /// once. Finally every event-stream subscription ends.
    pub async fn shutdown(&self) {
        let mut roots: Vec<Arc<dyn Endpoint>> = {
            let mut table = self.inner.actors.lock();
            table.shutting_down = true;
            table.live.values().filter(|t| t.root).map(|t| t.actor.clone()).collect()
        };
        roots.sort_unstable_by_key(|actor| actor.id().sequence());
        for actor in roots.iter().rev() {
            let _ = actor.signal(Signal::Stop(StopReason::Shutdown));
            actor.wait_for_stop().await;
        }
        // Actors spawned while the roots were stopping stop at once (see
        // `track`); wait for them too.
        loop {
            let emptied = self.inner.emptied.notified();
            if self.actor_count() == 0 {
                break;
            }
            emptied.await;
        }
        self.inner.events.close();
    }

    /// This system's event stream: publish facts, subscribe by type.
    pub fn events(&self) -> &EventStream {
        &self.inner.events
    }

    /// How many actors of this system are running.
    pub fn actor_count(&self) -> usize {
        self.inner.actors.lock().live.len()
    }

    /// How many messages this system could not deliver: sent to a stopped
    /// actor, or still queued when their actor stopped. Each one is also
    /// published as a [`DeadLetter`](crate::events::DeadLetter) fact.
    pub fn dead_letter_count(&self) -> u64 {
        self.inner.dead_letters.load(Ordering::Relaxed)
    }

    // ---- crate-internal ----

    pub(crate) fn next_actor_id(&self) -> ActorId {
        ActorId::new(self.inner.node, self.inner.next_seq.fetch_add(1, Ordering::Relaxed))
    }

    /// Adds a new actor to the table; its key comes back for `untrack`. A
    /// top-level actor spawned while the system shuts down is told to stop
    /// at once.
    pub(crate) fn track(&self, actor: Arc<dyn Endpoint>, root: bool) -> TableSlot {
        let mut table = self.inner.actors.lock();
        if table.shutting_down && root {
            let _ = actor.signal(Signal::Stop(StopReason::Shutdown));
        }
        table.live.insert(Tracked { actor, root })
    }

    pub(crate) fn untrack(&self, slot: TableSlot) {
        let mut table = self.inner.actors.lock();
        table.live.remove(slot);
        if table.live.is_empty() {
            self.inner.emptied.notify_waiters();
        }
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    pub(crate) fn dead_letter(&self, to: ActorId, message_type: &'static str) {
        self.inner.dead_letters.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(%to, message_type, "dead letter");
        self.inner.events.dead_letter(|| DeadLetter { to, message_type });
    }
}

impl Default for ActorSystem {
    fn default() -> Self {
        ActorSystem::new()
    }
}

impl fmt::Debug for ActorSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorSystem").field("node", &self.inner.node).finish_non_exhaustive()
    }
}

/// Options for one spawn: a name and the mailbox capacity.
///
/// The name shows in traces, `Debug` output and (later) tree snapshots; it
/// need not be unique. To find an actor by name, [`register`](ActorSystem::register) it.
#[derive(Clone, Debug, Default)]
pub struct SpawnOptions {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) capacity: Option<MailboxCapacity>,
}

impl SpawnOptions {
    /// Defaults: no name, the actor type's [`Actor::MAILBOX`](crate::Actor::MAILBOX).
    pub fn new() -> Self {
        SpawnOptions::default()
    }

    /// Names the actor.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(Arc::from(name.into()));
        self
    }

    /// A bounded mailbox of `capacity` messages (0 is treated as 1, and
    /// anything above [`MAX_MAILBOX_CAPACITY`](crate::MAX_MAILBOX_CAPACITY) as that).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = Some(MailboxCapacity::Bounded(capacity));
        self
    }

    /// An unbounded mailbox: senders never wait.
    pub fn unbounded(mut self) -> Self {
        self.capacity = Some(MailboxCapacity::Unbounded);
        self
    }
}
