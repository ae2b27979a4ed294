//! Where and how an event-sourced actor persists.

use std::fmt;
use std::sync::Arc;

use actor_core::{ActorRef, ActorSystem};

use super::{EventSourced, EventSourcedActor};
use crate::journal::{Journal, SnapshotStore};

/// What happens to old facts and snapshots once a snapshot is saved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retention {
    /// Keep every fact and every snapshot (the default).
    #[default]
    KeepAll,
    /// Keep every fact and the latest `n` snapshots (at least 1).
    KeepSnapshots(usize),
    /// Delete the facts the new snapshot covers and every older snapshot.
    /// Projections must have read those facts first: use it only for ids
    /// no projection follows, or whose projections keep up.
    PruneFacts,
}

/// Where event-sourced actors persist (a journal and a snapshot store)
/// and how (snapshot interval, retention, replay chunk). Cheap to clone;
/// one value serves many actors.
///
/// ```
/// use actor_persistence::prelude::*;
/// let persistence = Persistence::new(InMemoryJournal::new())
///     .snapshot_every(1_000)
///     .retention(Retention::KeepSnapshots(2));
/// # let _ = persistence;
/// ```
#[derive(Clone)]
pub struct Persistence {
    pub(crate) journal: Arc<dyn Journal>,
    pub(crate) snapshots: Arc<dyn SnapshotStore>,
    pub(crate) snapshot_every: Option<u64>,
    pub(crate) retention: Retention,
    pub(crate) replay_chunk: usize,
}

impl Persistence {
    /// Facts and snapshots in `store` (any backend of
    /// [`journal`](crate::journal)); no snapshots until
    /// [`snapshot_every`](Self::snapshot_every).
    pub fn new<S: Journal + SnapshotStore + Clone>(store: S) -> Self {
        Self::with_stores(Arc::new(store.clone()), Arc::new(store))
    }

    /// Facts in `journal`, snapshots in `snapshots`.
    pub fn with_stores(journal: Arc<dyn Journal>, snapshots: Arc<dyn SnapshotStore>) -> Self {
        Persistence {
            journal,
            snapshots,
            snapshot_every: None,
            retention: Retention::KeepAll,
            replay_chunk: 4096,
        }
    }

    /// Saves a snapshot each time an actor's sequence number passes a
    /// multiple of `facts` (0 turns snapshots off). Replay starts from the
    /// latest snapshot.
    pub fn snapshot_every(mut self, facts: u64) -> Self {
        self.snapshot_every = (facts > 0).then_some(facts);
        self
    }

    /// What to do with old facts and snapshots (default
    /// [`Retention::KeepAll`]).
    pub fn retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// How many facts a replay reads per journal call (default 4096).
    pub fn replay_chunk(mut self, facts: usize) -> Self {
        self.replay_chunk = facts.max(1);
        self
    }

    /// The journal.
    pub fn journal(&self) -> &Arc<dyn Journal> {
        &self.journal
    }

    /// An actor for `persistence_id` that starts from `initial` and
    /// replays the journal in its `on_start`: give it to `system.spawn`,
    /// or return it from a supervisor's child factory so every restart
    /// replays.
    pub fn actor<E: EventSourced>(
        &self,
        persistence_id: impl Into<Arc<str>>,
        initial: E,
    ) -> EventSourcedActor<E> {
        EventSourcedActor::new(persistence_id.into(), initial, self.clone())
    }

    /// Spawns [`actor`](Self::actor) on `system`.
    pub fn spawn<E: EventSourced>(
        &self,
        system: &ActorSystem,
        persistence_id: impl Into<Arc<str>>,
        initial: E,
    ) -> ActorRef<EventSourcedActor<E>> {
        system.spawn(self.actor(persistence_id, initial))
    }
}

impl fmt::Debug for Persistence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Persistence")
            .field("snapshot_every", &self.snapshot_every)
            .field("retention", &self.retention)
            .field("replay_chunk", &self.replay_chunk)
            .finish_non_exhaustive()
    }
}
