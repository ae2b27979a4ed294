//! Event-sourced actors: the [`EventSourced`] trait the user implements,
//! the [`Persistence`] settings, and the actor that runs one
//! ([`EventSourcedActor`]).
//!
//! The path of a command: [`execute`](EventSourcedRef::execute) asks the
//! actor; [`EventSourced::handle`] validates it against the state and
//! returns facts or a rejection; the facts are applied and join the batch
//! for the journal; once the journal confirms the batch, each command's
//! caller gets its reply, and the facts are published on the event stream
//! as [`Persisted`].

mod actor;
mod error;
mod settings;

use actor_core::{ActorRef, AskError, Deferred, Message, SendError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::fact::{Fact, Upcasters};

pub use actor::EventSourcedActor;
pub use error::{CommandError, ReplayError};
pub use settings::{Persistence, Retention};

/// A type whose state is the sequence of facts that produced it.
///
/// Commands ("do this") go to [`handle`](Self::handle), which validates
/// them against the current state and returns the facts to persist, or a
/// rejection for the caller; it cannot change the state.
/// [`apply`](Self::apply) is the only way the state changes: the runtime
/// calls it for each fact, live and on replay, so the state after a replay
/// equals the state the actor had.
///
/// The state is also what a snapshot stores, hence `Serialize +
/// DeserializeOwned` (skip fields that are not state with
/// `#[serde(skip)]`).
///
/// ```
/// use actor_persistence::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, Serialize, Deserialize)]
/// enum CounterFact { Added(u64) }
/// impl Fact for CounterFact {
///     fn name(&self) -> &'static str { "counter.added" }
/// }
///
/// #[derive(Default, Serialize, Deserialize)]
/// struct Counter { total: u64 }
///
/// #[derive(Debug)]
/// struct TooBig;
///
/// impl EventSourced for Counter {
///     type Command = u64;
///     type Fact = CounterFact;
///     type Rejection = TooBig;
///
///     fn handle(&self, add: u64) -> Result<Vec<CounterFact>, TooBig> {
///         if add > 100 { return Err(TooBig); }
///         Ok(vec![CounterFact::Added(add)])
///     }
///     fn apply(&mut self, fact: &CounterFact) {
///         match fact { CounterFact::Added(n) => self.total += n }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let system = ActorSystem::new();
/// let persistence = Persistence::new(InMemoryJournal::new());
/// let counter = persistence.spawn(&system, "counter-1", Counter::default());
/// assert_eq!(counter.execute(5).await?, 1);            // the sequence number of its last fact
/// assert!(matches!(counter.execute(500).await, Err(CommandError::Rejected(TooBig))));
/// assert_eq!(counter.read(|c| c.total).await?, 5);
///
/// // A new incarnation replays the journal.
/// counter.stop();
/// counter.wait_for_stop().await;
/// let again = persistence.spawn(&system, "counter-1", Counter::default());
/// assert_eq!(again.read(|c| c.total).await?, 5);
/// # system.shutdown().await;
/// # Ok(()) }
/// ```
pub trait EventSourced: Serialize + DeserializeOwned + Send + Sized + 'static {
    /// What the actor is asked to do.
    type Command: Send + 'static;
    /// What it persists.
    type Fact: Fact;
    /// Why it refuses a command.
    type Rejection: Send + 'static;

    /// Validates `command` against the state: the facts to persist (none
    /// is fine), or a rejection. Persists nothing by itself.
    ///
    /// # Errors
    ///
    /// The rejection goes to the caller as [`CommandError::Rejected`].
    fn handle(&self, command: Self::Command) -> Result<Vec<Self::Fact>, Self::Rejection>;

    /// Changes the state by one fact. Must not fail: a fact is something
    /// that happened.
    fn apply(&mut self, fact: &Self::Fact);

    /// How old versions of [`Fact`](Self::Fact) are read (default: none;
    /// only the current version decodes).
    fn upcasters() -> Upcasters<Self::Fact> {
        Upcasters::new()
    }
}

/// A persisted fact, as published on the event stream once the journal
/// has confirmed it.
#[derive(Clone, Debug, PartialEq)]
pub struct Persisted<F> {
    /// The actor's persistence id.
    pub persistence_id: std::sync::Arc<str>,
    /// The fact's sequence number in that actor's history.
    pub sequence: u64,
    /// The fact.
    pub fact: F,
}

impl<F: Fact> actor_core::Event for Persisted<F> {}

impl<F: Fact> Message for Persisted<F> {
    type Reply = ();
}

/// A command for an [`EventSourcedActor`]: what
/// [`execute`](EventSourcedRef::execute) sends.
///
/// Its reply is a [`Deferred`]: the actor answers once the journal has
/// confirmed the command's facts, without holding up its mailbox.
pub struct Execute<E: EventSourced>(pub E::Command);

impl<E: EventSourced> Message for Execute<E> {
    type Reply = Deferred<Result<u64, CommandError<E::Rejection>>>;
}

impl<E: EventSourced> std::fmt::Debug for Execute<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Execute").finish_non_exhaustive()
    }
}

/// Reads the state of an [`EventSourcedActor`]: what
/// [`read`](EventSourcedRef::read) sends. The function sees the state
/// after every command sent before it; its result is returned once those
/// commands' facts are persisted.
pub struct Read<F, R>(pub F, std::marker::PhantomData<fn() -> R>);

impl<F, R> Read<F, R> {
    /// A read that runs `f` on the state.
    pub fn new(f: F) -> Self {
        Read(f, std::marker::PhantomData)
    }
}

impl<F: Send + 'static, R: Send + 'static> Message for Read<F, R> {
    type Reply = Deferred<R>;
}

impl<F, R> std::fmt::Debug for Read<F, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Read").finish_non_exhaustive()
    }
}

/// Commands and reads on the address of an [`EventSourcedActor`].
pub trait EventSourcedRef<E: EventSourced> {
    /// Sends `command` and waits until its facts are persisted; returns the
    /// sequence number of the actor's last persisted fact.
    ///
    /// # Errors
    ///
    /// [`CommandError::Rejected`] if [`EventSourced::handle`] refused it
    /// (nothing persisted); [`CommandError::Journal`] if the journal
    /// failed (the actor stops; after its restart the journal tells what
    /// was kept); [`CommandError::Unavailable`] if the actor is not running
    /// or stopped before answering.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not withdraw a command already sent; its
    /// facts may still be persisted.
    fn execute(
        &self,
        command: E::Command,
    ) -> impl std::future::Future<Output = Result<u64, CommandError<E::Rejection>>> + Send;

    /// Sends `command` without waiting for its outcome (back-pressure
    /// only: waits for mailbox space).
    ///
    /// # Errors
    ///
    /// The command back if the actor is not running.
    fn send(
        &self,
        command: E::Command,
    ) -> impl std::future::Future<Output = Result<(), SendError<E::Command>>> + Send;

    /// Runs `f` on the state after every command sent before it, once
    /// those are persisted.
    ///
    /// # Errors
    ///
    /// [`AskError`] if the actor is not running or stopped first.
    fn read<R, F>(&self, f: F) -> impl std::future::Future<Output = Result<R, AskError>> + Send
    where
        R: Send + 'static,
        F: FnOnce(&E) -> R + Send + 'static;
}

impl<E: EventSourced> EventSourcedRef<E> for ActorRef<EventSourcedActor<E>> {
    async fn execute(&self, command: E::Command) -> Result<u64, CommandError<E::Rejection>> {
        let pending = self.ask(Execute::<E>(command)).await.map_err(CommandError::Unavailable)?;
        pending.await.map_err(CommandError::Unavailable)?
    }

    async fn send(&self, command: E::Command) -> Result<(), SendError<E::Command>> {
        self.tell(Execute::<E>(command)).await.map_err(|e| e.map(|Execute(c)| c))
    }

    async fn read<R, F>(&self, f: F) -> Result<R, AskError>
    where
        R: Send + 'static,
        F: FnOnce(&E) -> R + Send + 'static,
    {
        self.ask(Read::new(f)).await?.await
    }
}
