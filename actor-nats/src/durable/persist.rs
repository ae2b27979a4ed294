//! Persisting the facts of an actor system: a task that subscribes to one
//! fact type on the local event stream and publishes each fact to the
//! stream with a message id, keeping a bounded number of publishes in
//! flight and retrying those JetStream did not acknowledge.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actor_core::events::{Overflow, SubscribeOptions};
use actor_core::remote::RemoteMessage;
use actor_core::{ActorSystem, Event};
use async_nats::jetstream::message::PublishMessage as Publish;
use bytes::Bytes;
use futures_util::stream::{FuturesOrdered, StreamExt};
use tokio_util::sync::CancellationToken;

use super::codec::CONTENT_TYPE;
use super::{DurableError, Facts};

/// Settings of [`Facts::persist_events_with`].
#[derive(Clone, Debug)]
pub struct PersistOptions {
    buffer: usize,
    overflow: Overflow,
    in_flight: usize,
    retry_for: Duration,
}

impl PersistOptions {
    /// A local buffer of 65 536 facts that drops the oldest when full
    /// (reported as an `EventsDropped` fact, as for any subscriber), 256
    /// publishes in flight, each retried for up to a minute.
    pub fn new() -> PersistOptions {
        PersistOptions {
            buffer: 65_536,
            overflow: Overflow::DropOldest,
            in_flight: 256,
            retry_for: Duration::from_secs(60),
        }
    }

    /// The buffer between the system's publishers and the task that writes
    /// to JetStream, and what happens when it is full. With
    /// [`Overflow::Block`], publishers that use `publish_wait` wait for
    /// room instead of losing facts (plain `publish` never waits).
    pub fn buffer(mut self, facts: usize, overflow: Overflow) -> Self {
        self.buffer = facts;
        self.overflow = overflow;
        self
    }

    /// How many publishes may await JetStream's acknowledgement at once
    /// (at least 1). 1 keeps the stream in publish order even when the
    /// server fails mid-way; more is faster (see the ordering note in
    /// `docs/nats.md`).
    pub fn in_flight(mut self, publishes: usize) -> Self {
        self.in_flight = publishes.max(1);
        self
    }

    /// How long one fact's publish is retried (same message id) before it
    /// is given up and counted in [`Persisting::failed`].
    pub fn retry_for(mut self, duration: Duration) -> Self {
        self.retry_for = duration;
        self
    }
}

impl Default for PersistOptions {
    fn default() -> Self {
        PersistOptions::new()
    }
}

/// The task persisting one fact type; from [`Facts::persist_events`].
/// Dropping it leaves the task running until the system shuts down.
#[derive(Debug, Clone)]
pub struct Persisting {
    counters: Arc<Counters>,
    stop: CancellationToken,
    done: CancellationToken,
}

#[derive(Debug, Default)]
struct Counters {
    persisted: AtomicU64,
    failed: AtomicU64,
}

impl Persisting {
    /// Facts JetStream acknowledged so far (stored; a duplicate dropped by
    /// its message id counts too).
    pub fn persisted(&self) -> u64 {
        self.counters.persisted.load(Ordering::Acquire)
    }

    /// Facts given up after retrying (see [`PersistOptions::retry_for`]),
    /// or that could not be encoded. Each is also reported through
    /// `tracing`.
    pub fn failed(&self) -> u64 {
        self.counters.failed.load(Ordering::Acquire)
    }

    /// Stops taking new facts; those taken are still written (each within
    /// its retry time). Await [`stopped`](Self::stopped) for the end.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Waits until the task has ended (after [`stop`](Self::stop) or the
    /// system's shutdown) and every fact it took is written or given up.
    pub async fn stopped(&self) {
        self.done.cancelled().await;
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A message id unique to this process run: a random token per process
/// and a counter.
pub(crate) fn message_id() -> String {
    static PROCESS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let process = PROCESS.get_or_init(crate::network::random_token);
    format!("{process}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

fn message(payload: Bytes, id: &str, content_type: &'static str) -> Publish {
    Publish::build().payload(payload).message_id(id).header(CONTENT_TYPE, content_type)
}

/// Publishes one message and waits for its acknowledgement, retrying with
/// the same message id (JetStream stores it once) until `retry_for`.
pub(crate) async fn publish_retrying(
    facts: &Facts,
    subject: String,
    payload: Bytes,
    id: &str,
    retry_for: Duration,
) -> Result<u64, DurableError> {
    let content_type = facts.config.encoding.content_type();
    let deadline = tokio::time::Instant::now() + retry_for;
    let mut pause = Duration::from_millis(20);
    loop {
        let attempt = async {
            let ack = facts
                .jetstream()
                .send_publish(subject.clone(), message(payload.clone(), id, content_type))
                .await
                .map_err(|e| DurableError::js("publish", e))?;
            ack.await.map_err(|e| DurableError::js("publish acknowledgement", e))
        };
        let error = match tokio::time::timeout_at(deadline, attempt).await {
            Ok(Ok(ack)) => return Ok(ack.sequence),
            Ok(Err(error)) => error,
            Err(_) => DurableError::js("publish", "no acknowledgement within the retry time"),
        };
        if tokio::time::Instant::now() + pause >= deadline {
            return Err(error);
        }
        tracing::debug!(%error, %id, "durable fact not acknowledged; retrying");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

pub(super) fn start<E: Event + RemoteMessage>(
    facts: Facts,
    system: &ActorSystem,
    options: PersistOptions,
) -> Persisting {
    let subscription = system
        .events()
        .subscribe_with(SubscribeOptions::<E>::new().buffer(options.buffer).overflow(options.overflow));
    let handle = Persisting {
        counters: Arc::default(),
        stop: CancellationToken::new(),
        done: CancellationToken::new(),
    };
    let task = handle.clone();
    tokio::spawn(async move {
        run::<E>(&facts, subscription, &options, &task).await;
        task.done.cancel();
    });
    handle
}

async fn run<E: Event + RemoteMessage>(
    facts: &Facts,
    mut subscription: actor_core::events::Subscription<E>,
    options: &PersistOptions,
    task: &Persisting,
) {
    let subject = facts.subject::<E>();
    let encoding = facts.config.encoding;
    let counters = &task.counters;
    let mut in_flight = FuturesOrdered::new();
    let mut taking = true;
    while taking || !in_flight.is_empty() {
        tokio::select! {
            biased;
            () = task.stop.cancelled(), if taking => taking = false,
            Some(result) = in_flight.next(), if !in_flight.is_empty() => match result {
                Ok(_) => { counters.persisted.fetch_add(1, Ordering::AcqRel); }
                Err(error) => {
                    counters.failed.fetch_add(1, Ordering::AcqRel);
                    tracing::warn!(%error, event = E::NAME, "durable fact given up");
                }
            },
            fact = subscription.recv(), if taking && in_flight.len() < options.in_flight => {
                let Some(fact) = fact else {
                    taking = false;
                    continue;
                };
                let payload = match encoding.encode(&fact) {
                    Ok(payload) => payload,
                    Err(error) => {
                        counters.failed.fetch_add(1, Ordering::AcqRel);
                        tracing::warn!(%error, event = E::NAME, "durable fact not encodable");
                        continue;
                    }
                };
                let id = message_id();
                // Sent now, in order; only the acknowledgement is awaited
                // in the set (and a retry, if it fails).
                let first = facts
                    .jetstream()
                    .send_publish(subject.clone(), message(payload.clone(), &id, encoding.content_type()))
                    .await;
                let (facts, subject, retry_for) = (facts.clone(), subject.clone(), options.retry_for);
                in_flight.push_back(async move {
                    if let Ok(ack) = first {
                        if let Ok(ack) = ack.await {
                            return Ok(ack.sequence);
                        }
                    }
                    publish_retrying(&facts, subject, payload, &id, retry_for).await
                });
            }
        }
    }
}
