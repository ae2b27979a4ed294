//! The in-memory journal: for tests, with fault injection.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::watch;

use super::{
    join_tags, BoxFuture, Journal, JournalError, NewFact, OffsetStore, Snapshot, SnapshotStore, StoredFact,
};

/// A fault the [`InMemoryJournal`] applies to the next append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The append fails and writes nothing (a crash before persisting).
    FailBeforeWrite,
    /// The append writes the facts, then reports a failure (a crash after
    /// persisting, before the writer heard back).
    FailAfterWrite,
}

/// A journal, snapshot store and offset store in memory. Cheap to clone;
/// clones share the data. Lost when the last clone is dropped.
///
/// [`inject`](Self::inject) queues faults for the next appends, so tests
/// can crash a writer at each step.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_persistence::journal::{Fault, InMemoryJournal, Journal, NewFact};
///
/// let journal = InMemoryJournal::new();
/// let fact = || vec![NewFact { name: "n", version: 1, tags: &[], payload: b"1".to_vec() }];
/// assert_eq!(journal.append("a", 0, fact()).await.unwrap(), 1);
/// assert!(journal.append("a", 0, fact()).await.is_err());    // a conflict: "a" is at 1
/// journal.inject(Fault::FailAfterWrite);
/// assert!(journal.append("a", 1, fact()).await.is_err());    // written, but reported as failed
/// assert_eq!(journal.highest_sequence("a").await.unwrap(), 2);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct InMemoryJournal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    appended: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct State {
    /// Index `offset - 1`; `None` once pruned.
    all: Vec<Option<StoredFact>>,
    streams: HashMap<Arc<str>, Stream>,
    faults: VecDeque<Fault>,
    snapshots: HashMap<String, BTreeMap<u64, Snapshot>>,
    offsets: HashMap<String, u64>,
}

#[derive(Debug, Default)]
struct Stream {
    highest: u64,
    /// Facts not pruned, in sequence order.
    facts: Vec<StoredFact>,
}

impl InMemoryJournal {
    /// An empty journal.
    pub fn new() -> Self {
        InMemoryJournal {
            inner: Arc::new(Inner { state: Mutex::default(), appended: watch::Sender::new(0) }),
        }
    }

    /// Queues `fault` for the next append that has none queued before it.
    pub fn inject(&self, fault: Fault) {
        self.inner.state.lock().faults.push_back(fault);
    }

    /// Every fact of `persistence_id` still kept, in order.
    pub fn facts(&self, persistence_id: &str) -> Vec<StoredFact> {
        self.inner.state.lock().streams.get(persistence_id).map(|s| s.facts.clone()).unwrap_or_default()
    }

    /// The sequence numbers of `persistence_id`'s snapshots, oldest first.
    pub fn snapshot_sequences(&self, persistence_id: &str) -> Vec<u64> {
        self.inner
            .state
            .lock()
            .snapshots
            .get(persistence_id)
            .map(|s| s.keys().copied().collect())
            .unwrap_or_default()
    }

    fn append_now(
        &self,
        persistence_id: &str,
        expected: u64,
        facts: Vec<NewFact>,
    ) -> Result<u64, JournalError> {
        let mut state = self.inner.state.lock();
        let fault = state.faults.pop_front();
        if fault == Some(Fault::FailBeforeWrite) {
            return Err(JournalError::backend("append", "injected fault before the write"));
        }
        let State { all, streams, .. } = &mut *state;
        let actual = streams.get(persistence_id).map_or(0, |s| s.highest);
        if actual != expected {
            return Err(JournalError::Conflict {
                persistence_id: persistence_id.to_owned(),
                expected,
                actual,
            });
        }
        let id: Arc<str> = persistence_id.into();
        let stream = streams.entry(id.clone()).or_default();
        for fact in facts {
            stream.highest += 1;
            let stored = StoredFact {
                offset: all.len() as u64 + 1,
                persistence_id: id.clone(),
                sequence: stream.highest,
                name: fact.name.into(),
                version: fact.version,
                tags: join_tags(fact.tags).into(),
                payload: fact.payload.into(),
            };
            all.push(Some(stored.clone()));
            stream.facts.push(stored);
        }
        let highest = stream.highest;
        let offset = all.len() as u64;
        drop(state);
        self.inner.appended.send_replace(offset);
        if fault == Some(Fault::FailAfterWrite) {
            return Err(JournalError::backend("append", "injected fault after the write"));
        }
        Ok(highest)
    }
}

impl Default for InMemoryJournal {
    fn default() -> Self {
        Self::new()
    }
}

impl Journal for InMemoryJournal {
    fn append<'a>(
        &'a self,
        persistence_id: &'a str,
        expected: u64,
        facts: Vec<NewFact>,
    ) -> BoxFuture<'a, Result<u64, JournalError>> {
        let result = self.append_now(persistence_id, expected, facts);
        Box::pin(async move { result })
    }

    fn replay<'a>(
        &'a self,
        persistence_id: &'a str,
        from: u64,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredFact>, JournalError>> {
        let state = self.inner.state.lock();
        let facts = match state.streams.get(persistence_id) {
            Some(stream) => {
                let start = stream.facts.partition_point(|f| f.sequence < from);
                let end = start.saturating_add(max).min(stream.facts.len());
                stream.facts[start..end].to_vec()
            }
            None => Vec::new(),
        };
        Box::pin(async move { Ok(facts) })
    }

    fn highest_sequence<'a>(&'a self, persistence_id: &'a str) -> BoxFuture<'a, Result<u64, JournalError>> {
        let highest = self.inner.state.lock().streams.get(persistence_id).map_or(0, |s| s.highest);
        Box::pin(async move { Ok(highest) })
    }

    fn delete_up_to<'a>(
        &'a self,
        persistence_id: &'a str,
        to: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        let mut state = self.inner.state.lock();
        let State { all, streams, .. } = &mut *state;
        if let Some(stream) = streams.get_mut(persistence_id) {
            let cut = stream.facts.partition_point(|f| f.sequence <= to);
            for fact in stream.facts.drain(..cut) {
                all[fact.offset as usize - 1] = None;
            }
        }
        Box::pin(async { Ok(()) })
    }

    fn read_all(&self, after: u64, max: usize) -> BoxFuture<'_, Result<Vec<StoredFact>, JournalError>> {
        let state = self.inner.state.lock();
        let start = (after as usize).min(state.all.len());
        let facts: Vec<StoredFact> = state.all[start..].iter().flatten().take(max).cloned().collect();
        Box::pin(async move { Ok(facts) })
    }

    fn appended(&self) -> watch::Receiver<u64> {
        self.inner.appended.subscribe()
    }
}

impl SnapshotStore for InMemoryJournal {
    fn save_snapshot(&self, snapshot: Snapshot) -> BoxFuture<'_, Result<(), JournalError>> {
        let mut state = self.inner.state.lock();
        state
            .snapshots
            .entry(snapshot.persistence_id.clone())
            .or_default()
            .insert(snapshot.sequence, snapshot);
        Box::pin(async { Ok(()) })
    }

    fn latest_snapshot<'a>(
        &'a self,
        persistence_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Snapshot>, JournalError>> {
        let state = self.inner.state.lock();
        let latest = state.snapshots.get(persistence_id).and_then(|s| s.values().next_back().cloned());
        Box::pin(async move { Ok(latest) })
    }

    fn delete_snapshots_before<'a>(
        &'a self,
        persistence_id: &'a str,
        before: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        let mut state = self.inner.state.lock();
        if let Some(snapshots) = state.snapshots.get_mut(persistence_id) {
            snapshots.retain(|&sequence, _| sequence >= before);
        }
        Box::pin(async { Ok(()) })
    }
}

impl OffsetStore for InMemoryJournal {
    fn load_offset<'a>(&'a self, projection: &'a str) -> BoxFuture<'a, Result<u64, JournalError>> {
        let offset = self.inner.state.lock().offsets.get(projection).copied().unwrap_or(0);
        Box::pin(async move { Ok(offset) })
    }

    fn save_offset<'a>(
        &'a self,
        projection: &'a str,
        offset: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        self.inner.state.lock().offsets.insert(projection.to_owned(), offset);
        Box::pin(async { Ok(()) })
    }
}
