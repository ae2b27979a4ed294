//! Durable facts: the facts of an actor system kept in a JetStream stream,
//! and durable subscriptions that deliver them to actors at least once, in
//! order, across restarts of the subscriber, the publisher and the server.
//!
//! A fact of type `E` ([`Event`] + [`RemoteMessage`], which gives it a
//! stable name) lives on the subject `<prefix>.facts.<E::NAME>` of one
//! stream (subjects `<prefix>.facts.>`). Each message carries the fact in
//! the stream's [`Encoding`] (postcard by default, JSON as an option), a
//! `Content-Type` header naming that encoding, and a `Nats-Msg-Id` header
//! for JetStream's de-duplication of retried publishes.

mod codec;
mod persist;
mod subscribe;

use std::fmt;
use std::time::Duration;

use actor_core::remote::RemoteMessage;
use actor_core::{ActorSystem, Event, Message, Recipient};
use async_nats::jetstream::{self, stream};

use crate::Nats;

pub use codec::Encoding;
pub use persist::{PersistOptions, Persisting};
pub use subscribe::{DurableOptions, DurableSubscription};

/// What goes wrong with durable facts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DurableError {
    /// A JetStream request (stream, consumer, publish) failed; the text
    /// says which and why.
    #[error("JetStream {what}: {reason}")]
    JetStream {
        /// The operation.
        what: &'static str,
        /// What the client or the server reported.
        reason: String,
    },
    /// A fact could not be encoded or decoded.
    #[error("fact encoding: {0}")]
    Encoding(String),
}

impl DurableError {
    pub(crate) fn js(what: &'static str, error: impl fmt::Display) -> DurableError {
        DurableError::JetStream { what, reason: error.to_string() }
    }
}

/// A durable fact as delivered to a subscribing actor: the fact, and how
/// it came. Handle it with `Handler<Durable<E>>`; the fact is acknowledged
/// when the handler returns.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Durable<E> {
    /// The fact.
    pub fact: E,
    /// How many times it was delivered to this durable subscription before
    /// (0 the first time). Above 0 the fact may have been handled already:
    /// a handler that panicked, an acknowledgement lost with a broken
    /// connection, or a fact that was in flight when an earlier one failed
    /// (it is handed back so that the order holds). 0 is not a promise:
    /// a server killed before it wrote its acknowledgements forgets them,
    /// and a subscription started after that gets those facts as new (see
    /// `docs/nats.md`, "Where it can repeat"); skip by `stream_seq` where a
    /// repeat must not happen.
    pub redelivered: u64,
    /// Its sequence number in the stream: increasing in stream order, the
    /// same on every delivery, so it can serve to skip duplicates.
    pub stream_seq: u64,
}

impl<E> Durable<E> {
    /// A durable fact as a subscription delivers it: for tests of a
    /// handler.
    pub fn new(fact: E, redelivered: u64, stream_seq: u64) -> Durable<E> {
        Durable { fact, redelivered, stream_seq }
    }
}

impl<E: Send + 'static> Message for Durable<E> {
    type Reply = ();
}

/// Where the facts are kept: the stream's name and settings.
#[derive(Clone, Debug)]
pub struct FactsConfig {
    name: String,
    encoding: Encoding,
    memory: bool,
    max_age: Duration,
    duplicate_window: Duration,
    replicas: usize,
}

impl FactsConfig {
    /// A stream named `name` (letters, digits, `-`, `_`), file storage,
    /// postcard encoding, facts kept forever, a two-minute de-duplication
    /// window, one replica.
    pub fn new(name: &str) -> FactsConfig {
        FactsConfig {
            name: name.to_owned(),
            encoding: Encoding::Postcard,
            memory: false,
            max_age: Duration::ZERO,
            duplicate_window: Duration::from_secs(120),
            replicas: 1,
        }
    }

    /// The encoding facts are written in (readers follow each message's
    /// `Content-Type` header, so a stream may hold both).
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Keeps the stream in the server's memory rather than on disk: gone
    /// when the server stops. For tests and caches.
    pub fn in_memory(mut self) -> Self {
        self.memory = true;
        self
    }

    /// Drops facts older than `age` (zero: keep forever).
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }

    /// How long JetStream remembers message ids to drop a retried publish.
    pub fn duplicate_window(mut self, window: Duration) -> Self {
        self.duplicate_window = window;
        self
    }

    /// Copies of the stream in a clustered JetStream (1 to 5).
    pub fn replicas(mut self, replicas: usize) -> Self {
        self.replicas = replicas;
        self
    }
}

/// A stream of durable facts on a NATS server; from [`Nats::facts`].
/// Cheap to clone.
#[derive(Clone)]
pub struct Facts {
    nats: Nats,
    js: jetstream::Context,
    config: FactsConfig,
}

impl fmt::Debug for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Facts")
            .field("stream", &self.config.name)
            .field("prefix", &self.nats.prefix())
            .finish()
    }
}

impl Nats {
    /// The stream of durable facts `config` names, created with its
    /// settings if it does not exist (an existing stream is used as it is).
    ///
    /// # Errors
    /// [`DurableError::JetStream`] if JetStream is off or refuses the
    /// stream (for instance its subjects overlap another stream's).
    pub async fn facts(&self, config: FactsConfig) -> Result<Facts, DurableError> {
        let js = self.jetstream();
        let stream = stream::Config {
            name: config.name.clone(),
            subjects: vec![self.subject("facts.>")],
            storage: if config.memory { stream::StorageType::Memory } else { stream::StorageType::File },
            max_age: config.max_age,
            duplicate_window: config.duplicate_window,
            num_replicas: config.replicas,
            ..Default::default()
        };
        js.get_or_create_stream(stream).await.map_err(|e| DurableError::js("create stream", e))?;
        Ok(Facts { nats: self.clone(), js, config })
    }

    /// Persists every `E` published on `system`'s event stream to
    /// `facts`: shorthand for [`Facts::persist_events`].
    pub fn persist_events<E: Event + RemoteMessage>(
        &self,
        system: &ActorSystem,
        facts: &Facts,
    ) -> Persisting {
        facts.persist_events::<E>(system)
    }
}

impl Facts {
    /// The subject facts of type `E` live on: `<prefix>.facts.<E::NAME>`.
    pub fn subject<E: RemoteMessage>(&self) -> String {
        self.nats.subject(&format!("facts.{}", E::NAME))
    }

    /// The stream's name.
    pub fn stream_name(&self) -> &str {
        &self.config.name
    }

    /// The encoding this handle writes facts in.
    pub fn encoding(&self) -> Encoding {
        self.config.encoding
    }

    /// Persists every `E` published on `system`'s event stream from now
    /// on, in publish order, until the system shuts down or the returned
    /// handle is stopped (dropping it leaves the task running). See
    /// [`persist_events_with`](Self::persist_events_with).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn persist_events<E: Event + RemoteMessage>(&self, system: &ActorSystem) -> Persisting {
        self.persist_events_with::<E>(system, PersistOptions::new())
    }

    /// As [`persist_events`](Self::persist_events), with the local buffer
    /// and the number of publishes awaiting JetStream's acknowledgement.
    ///
    /// # Panics
    /// Outside a tokio runtime (the task is spawned on the current one).
    pub fn persist_events_with<E: Event + RemoteMessage>(
        &self,
        system: &ActorSystem,
        options: PersistOptions,
    ) -> Persisting {
        persist::start::<E>(self.clone(), system, options)
    }

    /// Writes one fact and waits for JetStream's acknowledgement: once
    /// this returns `Ok`, the fact is stored. Returns its stream sequence.
    /// The publish is retried (same message id, so stored once) until
    /// `timeout`.
    ///
    /// # Errors
    /// [`DurableError::Encoding`] if `fact` cannot be encoded,
    /// [`DurableError::JetStream`] if no acknowledgement came in time.
    ///
    /// # Cancel safety
    /// Not cancel safe: a fact dropped mid-publish may or may not be
    /// stored.
    pub async fn publish<E: RemoteMessage>(&self, fact: &E, timeout: Duration) -> Result<u64, DurableError> {
        let payload = self.config.encoding.encode(fact)?;
        let id = persist::message_id();
        persist::publish_retrying(self, self.subject::<E>(), payload, &id, timeout).await
    }

    /// Delivers the facts of type `E` to `recipient` through the durable
    /// consumer `durable` (letters, digits, `-`, `_`): first those the
    /// consumer has not yet acknowledged, from the start of the stream for
    /// a new consumer, then the live ones. See [`DurableOptions`] for the
    /// delivery guarantees.
    ///
    /// # Errors
    /// [`DurableError::JetStream`] if the consumer cannot be created (for
    /// instance `durable` exists with another filter).
    pub async fn subscribe<E: Event + RemoteMessage>(
        &self,
        durable: &str,
        recipient: Recipient<Durable<E>>,
    ) -> Result<DurableSubscription, DurableError> {
        self.subscribe_with(durable, recipient, DurableOptions::new()).await
    }

    /// As [`subscribe`](Self::subscribe), with explicit options.
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe).
    pub async fn subscribe_with<E: Event + RemoteMessage>(
        &self,
        durable: &str,
        recipient: Recipient<Durable<E>>,
        options: DurableOptions,
    ) -> Result<DurableSubscription, DurableError> {
        subscribe::start::<E>(self.clone(), durable, recipient, options).await
    }

    /// Deletes the durable consumer `durable` (its position is lost).
    ///
    /// # Errors
    /// [`DurableError::JetStream`] if the server refuses.
    pub async fn delete_consumer(&self, durable: &str) -> Result<(), DurableError> {
        let stream = self.stream().await?;
        stream.delete_consumer(durable).await.map_err(|e| DurableError::js("delete consumer", e))?;
        Ok(())
    }

    /// Deletes the stream and every fact in it.
    ///
    /// # Errors
    /// [`DurableError::JetStream`] if the server refuses.
    pub async fn delete(&self) -> Result<(), DurableError> {
        self.js.delete_stream(&self.config.name).await.map_err(|e| DurableError::js("delete stream", e))?;
        Ok(())
    }

    pub(crate) async fn stream(&self) -> Result<stream::Stream, DurableError> {
        self.js.get_stream(&self.config.name).await.map_err(|e| DurableError::js("get stream", e))
    }

    pub(crate) fn jetstream(&self) -> &jetstream::Context {
        &self.js
    }
}
