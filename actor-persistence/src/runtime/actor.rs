//! The actor that runs an [`EventSourced`] type: replay on start, then
//! commands in, batches to the journal, replies and publications out.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use actor_core::events::Publisher;
use actor_core::{Actor, ActorError, Context, Deferred, Handler, Message};
use futures_util::stream;

use super::{CommandError, EventSourced, Execute, Persisted, Persistence, Read, ReplayError, Retention};
use crate::fact::{Fact, Upcasters};
use crate::journal::{JournalError, NewFact, Snapshot};

/// What a waiting caller is told once the facts it depends on are
/// persisted (`Ok`) or the journal failed (`Err`).
type Completion = Box<dyn FnOnce(Result<(), Arc<JournalError>>) + Send>;

/// The actor behind an [`EventSourced`] type (make one with
/// [`Persistence::actor`] or [`Persistence::spawn`]); send it commands
/// with [`EventSourcedRef`](super::EventSourcedRef).
///
/// One tokio task, like any actor. Commands are validated one at a time
/// against the state; their facts are applied at once (so the next command
/// sees them) and written in batches: while one batch is in the journal,
/// the facts of the commands that arrive meanwhile gather into the next.
/// Nothing leaves the actor before the journal confirms: replies, reads,
/// publications on the event stream and snapshots all wait for the batch
/// their facts belong to. If the journal fails, every waiting caller gets
/// [`CommandError::Journal`] and the actor stops (a panic, so a supervisor
/// restarts it); the new incarnation replays what the journal kept.
pub struct EventSourcedActor<E: EventSourced> {
    id: Arc<str>,
    state: E,
    persistence: Persistence,
    upcasters: Upcasters<E::Fact>,
    publisher: Option<Publisher<Persisted<E::Fact>>>,
    /// Sequence number of the last fact applied (persisted or not).
    decided: u64,
    /// Sequence number of the last fact the journal confirmed.
    committed: u64,
    /// The batch in the journal now, if any.
    in_flight: Option<Vec<E::Fact>>,
    /// Facts decided while a batch was in flight: the next batch.
    next: Vec<NewFact>,
    next_facts: Vec<E::Fact>,
    /// Callers waiting for a sequence number to be confirmed, in order.
    waiting: VecDeque<(u64, Completion)>,
    /// The sequence number at which the last snapshot was taken.
    snapshot_mark: u64,
    /// A snapshot taken at a sequence number not yet confirmed.
    pending_snapshot: Option<Snapshot>,
}

impl<E: EventSourced> EventSourcedActor<E> {
    pub(crate) fn new(id: Arc<str>, state: E, persistence: Persistence) -> Self {
        EventSourcedActor {
            id,
            state,
            persistence,
            upcasters: E::upcasters(),
            publisher: None,
            decided: 0,
            committed: 0,
            in_flight: None,
            next: Vec::new(),
            next_facts: Vec::new(),
            waiting: VecDeque::new(),
            snapshot_mark: 0,
            pending_snapshot: None,
        }
    }

    /// Rebuilds the state: the latest snapshot, then the facts after it.
    async fn replay(&mut self) -> Result<(), ReplayError> {
        let id = &*self.id;
        let store = |source| ReplayError::Store { persistence_id: id.to_owned(), source };
        let mut sequence = 0;
        if let Some(snapshot) = self.persistence.snapshots.latest_snapshot(id).await.map_err(store)? {
            match serde_json::from_slice::<E>(&snapshot.payload) {
                Ok(state) => {
                    self.state = state;
                    sequence = snapshot.sequence;
                }
                Err(error) => tracing::warn!(
                    persistence_id = id,
                    sequence = snapshot.sequence,
                    %error,
                    "snapshot does not decode; replaying every fact instead"
                ),
            }
        }
        let chunk = self.persistence.replay_chunk;
        loop {
            let facts = self.persistence.journal.replay(id, sequence + 1, chunk).await.map_err(store)?;
            let read = facts.len();
            for stored in facts {
                if stored.sequence != sequence + 1 {
                    return Err(ReplayError::Gap {
                        persistence_id: id.to_owned(),
                        expected: sequence + 1,
                        found: stored.sequence,
                    });
                }
                let fact = self.upcasters.decode(&stored).map_err(|source| ReplayError::Undecodable {
                    persistence_id: id.to_owned(),
                    sequence: stored.sequence,
                    name: stored.name.to_string(),
                    version: stored.version,
                    source,
                })?;
                self.state.apply(&fact);
                sequence = stored.sequence;
            }
            if read < chunk {
                break;
            }
        }
        self.decided = sequence;
        self.committed = sequence;
        self.snapshot_mark = sequence;
        Ok(())
    }

    /// Runs `done` once everything decided so far is confirmed.
    fn after_decided(&mut self, done: Completion) {
        if self.decided <= self.committed {
            done(Ok(()));
        } else {
            self.waiting.push_back((self.decided, done));
        }
    }

    /// Sends the gathered facts to the journal, unless a batch is already
    /// there (then they go when it returns).
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.in_flight.is_some() || self.next.is_empty() {
            return;
        }
        let facts = std::mem::take(&mut self.next);
        self.in_flight = Some(std::mem::take(&mut self.next_facts));
        let journal = self.persistence.journal.clone();
        let id = self.id.clone();
        let expected = self.committed;
        ctx.add_stream(stream::once(async move { Appended(journal.append(&id, expected, facts).await) }));
    }

    /// Takes a snapshot if `decided` passed a multiple of the interval; it
    /// is saved once that sequence number is confirmed.
    fn maybe_snapshot(&mut self) {
        let Some(every) = self.persistence.snapshot_every else { return };
        if self.decided / every <= self.snapshot_mark / every {
            return;
        }
        self.snapshot_mark = self.decided;
        match serde_json::to_vec(&self.state) {
            Ok(payload) => {
                self.pending_snapshot =
                    Some(Snapshot { persistence_id: self.id.to_string(), sequence: self.decided, payload });
            }
            Err(error) => {
                tracing::warn!(persistence_id = &*self.id, %error, "state does not encode; no snapshot")
            }
        }
    }

    /// Saves a snapshot and applies the retention policy before the actor
    /// handles its next message. A failure is logged, not fatal: the facts
    /// are safe, only the next replay is longer.
    async fn save_snapshot(persistence: Persistence, snapshot: Snapshot) {
        let persistence = &persistence;
        let id = snapshot.persistence_id.clone();
        let sequence = snapshot.sequence;
        if let Err(error) = persistence.snapshots.save_snapshot(snapshot).await {
            tracing::warn!(persistence_id = id, sequence, %error, "snapshot not saved");
            return;
        }
        {
            let pruned = match persistence.retention {
                Retention::KeepAll => Ok(()),
                Retention::KeepSnapshots(n) => {
                    let keep = (n.max(1) as u64 - 1).saturating_mul(persistence.snapshot_every.unwrap_or(1));
                    persistence.snapshots.delete_snapshots_before(&id, sequence.saturating_sub(keep)).await
                }
                Retention::PruneFacts => match persistence.journal.delete_up_to(&id, sequence).await {
                    Ok(()) => persistence.snapshots.delete_snapshots_before(&id, sequence).await,
                    Err(error) => Err(error),
                },
            };
            if let Err(error) = pruned {
                tracing::warn!(persistence_id = id, sequence, %error, "retention not applied");
            }
        }
    }
}

impl<E: EventSourced> Actor for EventSourcedActor<E> {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.publisher = Some(ctx.system().events().publisher());
        self.replay().await?;
        tracing::debug!(persistence_id = &*self.id, sequence = self.committed, "replayed");
        Ok(())
    }
}

impl<E: EventSourced> Handler<Execute<E>> for EventSourcedActor<E> {
    async fn handle(
        &mut self,
        Execute(command): Execute<E>,
        ctx: &mut Context<Self>,
    ) -> Deferred<Result<u64, CommandError<E::Rejection>>> {
        let (reply_to, reply) = Deferred::channel();
        let facts = match self.state.handle(command) {
            Ok(facts) => facts,
            Err(rejection) => {
                // Decided against state that may not be confirmed yet: told
                // only once it is, and not at all if it is lost.
                self.after_decided(Box::new(move |outcome| {
                    let _ = reply_to.send(match outcome {
                        Ok(()) => Err(CommandError::Rejected(rejection)),
                        Err(error) => Err(CommandError::Journal(error)),
                    });
                }));
                return reply;
            }
        };
        let mut encoded = Vec::with_capacity(facts.len());
        for fact in &facts {
            match serde_json::to_vec(fact) {
                Ok(payload) => encoded.push(NewFact {
                    name: fact.name(),
                    version: E::Fact::VERSION,
                    tags: fact.tags(),
                    payload,
                }),
                Err(error) => {
                    let _ = reply_to.send(Err(CommandError::Encode(Arc::new(error))));
                    return reply;
                }
            }
        }
        for fact in &facts {
            self.state.apply(fact);
        }
        self.decided += facts.len() as u64;
        self.next.extend(encoded);
        self.next_facts.extend(facts);
        let sequence = self.decided;
        self.after_decided(Box::new(move |outcome| {
            let _ = reply_to.send(outcome.map(|()| sequence).map_err(CommandError::Journal));
        }));
        self.maybe_snapshot();
        self.flush(ctx);
        reply
    }
}

impl<E, F, R> Handler<Read<F, R>> for EventSourcedActor<E>
where
    E: EventSourced,
    F: FnOnce(&E) -> R + Send + 'static,
    R: Send + 'static,
{
    async fn handle(&mut self, Read(read, _): Read<F, R>, _ctx: &mut Context<Self>) -> Deferred<R> {
        let (reply_to, reply) = Deferred::channel();
        let value = read(&self.state);
        self.after_decided(Box::new(move |outcome| {
            if outcome.is_ok() {
                let _ = reply_to.send(value);
            }
        }));
        reply
    }
}

/// The journal's answer to a batch, delivered through the mailbox.
#[doc(hidden)]
pub struct Appended(Result<u64, JournalError>);

impl Message for Appended {
    type Reply = ();
}

impl fmt::Debug for Appended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Appended").field(&self.0).finish()
    }
}

impl<E: EventSourced> Handler<Appended> for EventSourcedActor<E> {
    async fn handle(&mut self, Appended(outcome): Appended, ctx: &mut Context<Self>) {
        let facts = self.in_flight.take().unwrap_or_default();
        match outcome {
            Ok(last) => {
                let first = self.committed + 1;
                self.committed = last;
                while self.waiting.front().is_some_and(|(sequence, _)| *sequence <= last) {
                    if let Some((_, done)) = self.waiting.pop_front() {
                        done(Ok(()));
                    }
                }
                if let Some(publisher) = &self.publisher {
                    for (sequence, fact) in (first..).zip(facts) {
                        publisher.publish(Persisted { persistence_id: self.id.clone(), sequence, fact });
                    }
                }
                // The next batch goes to the journal first, so the snapshot's
                // write overlaps it.
                self.flush(ctx);
                if self.pending_snapshot.as_ref().is_some_and(|s| s.sequence <= last) {
                    if let Some(snapshot) = self.pending_snapshot.take() {
                        Self::save_snapshot(self.persistence.clone(), snapshot).await;
                    }
                }
            }
            Err(error) => {
                let message = format!("journal append for `{}` failed: {error}", self.id);
                tracing::error!(persistence_id = &*self.id, %error, "journal append failed; stopping");
                let error = Arc::new(error);
                for (_, done) in self.waiting.drain(..) {
                    done(Err(error.clone()));
                }
                std::panic::panic_any(message);
            }
        }
    }
}

impl<E: EventSourced> fmt::Debug for EventSourcedActor<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSourcedActor")
            .field("persistence_id", &self.id)
            .field("committed", &self.committed)
            .field("decided", &self.decided)
            .finish_non_exhaustive()
    }
}
