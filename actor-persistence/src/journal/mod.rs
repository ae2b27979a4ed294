//! Where facts and snapshots are kept: the [`Journal`], [`SnapshotStore`]
//! and [`OffsetStore`] traits, the rows they exchange, and their backends.
//!
//! | backend | type | feature | use it for |
//! |---|---|---|---|
//! | in memory | [`InMemoryJournal`] | always | tests; fault injection |
//! | SQLite | [`SqliteJournal`] | `sqlite` (default) | one machine: a file, nothing to run |
//! | PostgreSQL | `PostgresJournal` | `postgres` | deployments that outgrow one machine |
//! | NATS JetStream | `JetStreamJournal` | `jetstream` | deployments that already run NATS |
//!
//! Each backend implements all three traits on one handle (clone it into
//! a [`Persistence`](crate::Persistence) and a projection). The traits are
//! dyn-compatible (methods return boxed futures): a journal call carries a
//! whole batch, so one allocation per call is noise.

mod error;
#[cfg(feature = "jetstream")]
mod jetstream;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::sync::Arc;

pub use futures_util::future::BoxFuture;
use tokio::sync::watch;

pub use error::JournalError;
#[cfg(feature = "jetstream")]
pub use jetstream::{JetStreamJournal, JetStreamStorage};
pub use memory::{Fault, InMemoryJournal};
#[cfg(feature = "postgres")]
pub use postgres::PostgresJournal;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteJournal;

/// A fact on its way into the journal.
#[derive(Clone, Debug)]
pub struct NewFact {
    /// The fact's stable name ([`Fact::name`](crate::Fact::name)).
    pub name: &'static str,
    /// The fact type's version ([`Fact::VERSION`](crate::Fact::VERSION)).
    pub version: u32,
    /// The fact's tags ([`Fact::tags`](crate::Fact::tags)).
    pub tags: &'static [&'static str],
    /// The encoded fact (JSON).
    pub payload: Vec<u8>,
}

/// A fact as the journal keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredFact {
    /// Position in the whole journal (1, 2, ...): what projections follow.
    /// Increases in commit order; may have gaps.
    pub offset: u64,
    /// The actor whose fact this is.
    pub persistence_id: Arc<str>,
    /// Position in that actor's history (1, 2, ... without gaps).
    pub sequence: u64,
    /// The stable name.
    pub name: Arc<str>,
    /// The version the fact was written with.
    pub version: u32,
    /// The tags, comma-separated (empty if none).
    pub tags: Arc<str>,
    /// The encoded fact.
    pub payload: Arc<[u8]>,
}

impl StoredFact {
    /// A stored fact without tags at offset `sequence`, for examples and
    /// tests of decoders and projections.
    pub fn for_test(persistence_id: &str, sequence: u64, name: &str, version: u32, payload: &[u8]) -> Self {
        StoredFact {
            offset: sequence,
            persistence_id: persistence_id.into(),
            sequence,
            name: name.into(),
            version,
            tags: "".into(),
            payload: payload.into(),
        }
    }

    /// True if `tag` is one of the fact's tags.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.split(',').any(|t| t == tag)
    }
}

/// A snapshot of one actor's state after `sequence` facts.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The actor.
    pub persistence_id: String,
    /// The state includes facts `1..=sequence`.
    pub sequence: u64,
    /// The encoded state (JSON).
    pub payload: Vec<u8>,
}

/// The append-only store of facts, per persistence id and globally ordered.
pub trait Journal: Send + Sync + 'static {
    /// Appends `facts` to `persistence_id`'s history, all or none, if that
    /// history currently ends at `expected` (optimistic concurrency).
    /// Returns the sequence number of the last fact appended.
    ///
    /// # Errors
    ///
    /// [`JournalError::Conflict`] if the history does not end at
    /// `expected` (another writer got there first; nothing was written);
    /// [`JournalError::Backend`] if the store failed (nothing or everything
    /// may have been written: a later replay tells).
    fn append<'a>(
        &'a self,
        persistence_id: &'a str,
        expected: u64,
        facts: Vec<NewFact>,
    ) -> BoxFuture<'a, Result<u64, JournalError>>;

    /// Up to `max` facts of `persistence_id` with sequence `>= from`, in
    /// order.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn replay<'a>(
        &'a self,
        persistence_id: &'a str,
        from: u64,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredFact>, JournalError>>;

    /// The sequence number of `persistence_id`'s last fact, pruned or not
    /// (0 for a new id).
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn highest_sequence<'a>(&'a self, persistence_id: &'a str) -> BoxFuture<'a, Result<u64, JournalError>>;

    /// Deletes `persistence_id`'s facts with sequence `<= to` (pruning
    /// after a snapshot). The highest sequence number is kept.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn delete_up_to<'a>(
        &'a self,
        persistence_id: &'a str,
        to: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>>;

    /// Up to `max` facts of every id with offset `> after`, in offset
    /// order: what projections read.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn read_all(&self, after: u64, max: usize) -> BoxFuture<'_, Result<Vec<StoredFact>, JournalError>>;

    /// The highest offset appended through this handle (and its clones):
    /// projections wait on it instead of polling. Facts appended by other
    /// processes show up on the next change or poll.
    fn appended(&self) -> watch::Receiver<u64>;
}

/// Where snapshots are kept.
pub trait SnapshotStore: Send + Sync + 'static {
    /// Saves a snapshot (replacing one at the same sequence).
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn save_snapshot(&self, snapshot: Snapshot) -> BoxFuture<'_, Result<(), JournalError>>;

    /// The snapshot with the highest sequence for `persistence_id`.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn latest_snapshot<'a>(
        &'a self,
        persistence_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Snapshot>, JournalError>>;

    /// Deletes `persistence_id`'s snapshots with sequence `< before`.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn delete_snapshots_before<'a>(
        &'a self,
        persistence_id: &'a str,
        before: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>>;
}

/// Where projections keep the offset they have processed up to.
pub trait OffsetStore: Send + Sync + 'static {
    /// The stored offset of `projection` (0 if none).
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn load_offset<'a>(&'a self, projection: &'a str) -> BoxFuture<'a, Result<u64, JournalError>>;

    /// Stores `offset` for `projection`.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the store failed.
    fn save_offset<'a>(&'a self, projection: &'a str, offset: u64)
        -> BoxFuture<'a, Result<(), JournalError>>;
}

/// Joins tags the way [`StoredFact::tags`] holds them.
pub(crate) fn join_tags(tags: &[&str]) -> String {
    tags.join(",")
}
