//! The actor that runs an [`EventSourced`] type: replay on start, then
//! commands in, batches to the journal, replies and publications out.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use actor_core::events::Publisher;
use actor_core::{Actor, ActorError, ActorRef, Context, Deferred, Handler, Message, StopReason};
use tokio::sync::oneshot;

use super::{CommandError, EventSourced, Execute, Persisted, Persistence, Read, ReplayError, Retention};
use crate::fact::{Fact, Upcasters};
use crate::journal::{JournalError, NewFact, Snapshot};

/// What a waiting caller is told once the facts it depends on are
/// persisted (`Ok`) or the journal failed (`Err`).
type Completion = Box<dyn FnOnce(Result<(), Arc<JournalError>>) + Send>;

/// A batch in the journal: its facts (published once confirmed) and where
/// the journal's answer arrives.
struct InFlight<F> {
    facts: Vec<F>,
    outcome: oneshot::Receiver<Result<u64, JournalError>>,
}

impl<F> InFlight<F> {
    async fn outcome(self) -> (Vec<F>, Result<u64, JournalError>) {
        let outcome = self.outcome.await.unwrap_or_else(|_| {
            Err(JournalError::backend("append", "the append task ended without an answer"))
        });
        (self.facts, outcome)
    }
}

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
/// their facts belong to. A graceful stop writes what was decided and
/// answers those callers. If the journal fails, every waiting caller gets
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
    in_flight: Option<InFlight<E::Fact>>,
    /// An append failed: nothing more is written by this incarnation.
    failed: bool,
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
            failed: false,
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
    /// there (then they go when it returns). The append runs as a task of
    /// its own, so it finishes even if the actor stops meanwhile; it wakes
    /// `me` with [`Appended`] when done.
    fn flush(&mut self, me: Option<&ActorRef<Self>>) {
        if self.failed || self.in_flight.is_some() || self.next.is_empty() {
            return;
        }
        let facts = std::mem::take(&mut self.next);
        let (answer, outcome) = oneshot::channel();
        self.in_flight = Some(InFlight { facts: std::mem::take(&mut self.next_facts), outcome });
        let journal = self.persistence.journal.clone();
        let id = self.id.clone();
        let expected = self.committed;
        let me = me.cloned();
        tokio::spawn(async move {
            let _ = answer.send(journal.append(&id, expected, facts).await);
            if let Some(me) = me {
                let _ = me.tell(Appended).await;
            }
        });
    }

    /// Settles the batch that was in the journal: replies and publications
    /// on success; on failure, tells every waiting caller and returns the
    /// text to stop with.
    fn settle(&mut self, facts: Vec<E::Fact>, outcome: Result<u64, JournalError>) -> Result<(), String> {
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
                Ok(())
            }
            Err(error) => {
                self.failed = true;
                let message = format!("journal append for `{}` failed: {error}", self.id);
                tracing::error!(persistence_id = &*self.id, %error, "journal append failed; stopping");
                let error = Arc::new(error);
                for (_, done) in self.waiting.drain(..) {
                    done(Err(error.clone()));
                }
                Err(message)
            }
        }
    }

    /// The due snapshot, if its sequence number is confirmed.
    async fn save_due_snapshot(&mut self) {
        if self.pending_snapshot.as_ref().is_some_and(|s| s.sequence <= self.committed) {
            if let Some(snapshot) = self.pending_snapshot.take() {
                Self::save_snapshot(self.persistence.clone(), snapshot).await;
            }
        }
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

    /// A graceful stop (or a panic elsewhere) still writes what was
    /// decided: the batch in the journal is awaited, the next one is
    /// written, and their callers get their replies. Not after a journal
    /// failure, and not on `kill` (no `on_stop`): then the replay tells.
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        loop {
            if let Some(in_flight) = self.in_flight.take() {
                let (facts, outcome) = in_flight.outcome().await;
                if self.settle(facts, outcome).is_err() {
                    return;
                }
            }
            if self.failed || self.next.is_empty() {
                break;
            }
            self.flush(None);
        }
        self.save_due_snapshot().await;
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
        self.flush(Some(ctx.myself()));
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

/// Wakes the actor: the batch in the journal has its answer.
#[doc(hidden)]
#[derive(Debug)]
pub struct Appended;

impl Message for Appended {
    type Reply = ();
}

impl<E: EventSourced> Handler<Appended> for EventSourcedActor<E> {
    async fn handle(&mut self, _: Appended, ctx: &mut Context<Self>) {
        // A wake from an earlier incarnation (same mailbox after a restart)
        // may find no batch, or this one's batch not done yet: then it
        // waits for it, and the batch's own wake finds nothing.
        let Some(in_flight) = self.in_flight.take() else { return };
        let (facts, outcome) = in_flight.outcome().await;
        if let Err(message) = self.settle(facts, outcome) {
            std::panic::panic_any(message);
        }
        // The next batch goes to the journal first, so the snapshot's write
        // overlaps it.
        self.flush(Some(ctx.myself()));
        self.save_due_snapshot().await;
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
