//! Durable subscriptions: a JetStream durable pull consumer whose facts are
//! handed to an actor one at a time, in stream order, and acknowledged
//! when its handler returns.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actor_core::remote::RemoteMessage;
use actor_core::{AskError, Event, Recipient};
use async_nats::jetstream::consumer::{self, pull, AckPolicy, DeliverPolicy};
use async_nats::jetstream::{AckKind, Message};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::codec::Encoding;
use super::{Durable, DurableError, Facts};

/// How long after a failed handler the subscription waits to see whether
/// the actor stopped for good (else it was restarted behind its address).
const STOP_SIGNAL: Duration = Duration::from_millis(200);

/// Settings of a durable subscription ([`Facts::subscribe_with`]).
///
/// Delivery is at least once: a fact is acknowledged after the actor's
/// handler for it returns. A handler that panics or times out, or an actor
/// that stops, leaves its fact unacknowledged: it is handed back at once
/// and comes again, first, with [`Durable::redelivered`] above 0 (to the
/// restarted actor, or to the next subscriber of the same durable name).
/// Facts come one at a time, in stream order; the facts fetched behind a
/// failed one are handed back with it, so the order holds. An
/// acknowledgement lost with a broken connection is the exception: that
/// fact (already handled) comes again after [`ack_wait`](Self::ack_wait),
/// marked redelivered, possibly after later facts.
#[derive(Clone, Debug)]
pub struct DurableOptions {
    max_ack_pending: usize,
    ack_wait: Duration,
    handler_timeout: Option<Duration>,
}

impl DurableOptions {
    /// 512 facts fetched ahead, 30 s before an unacknowledged fact is sent
    /// again, no limit on a handler's time.
    pub fn new() -> DurableOptions {
        DurableOptions { max_ack_pending: 512, ack_wait: Duration::from_secs(30), handler_timeout: None }
    }

    /// At most `facts` delivered and not yet acknowledged (at least 1):
    /// JetStream holds the rest, so a slow subscriber never slows the
    /// publisher. Set when the consumer is created; an existing consumer
    /// keeps its settings.
    pub fn max_ack_pending(mut self, facts: usize) -> Self {
        self.max_ack_pending = facts.max(1);
        self
    }

    /// How long JetStream waits for an acknowledgement before sending a
    /// fact again. Set when the consumer is created.
    pub fn ack_wait(mut self, wait: Duration) -> Self {
        self.ack_wait = wait;
        self
    }

    /// A handler that takes longer than `limit` counts as failed: its fact
    /// is handed back (the handler may still finish).
    pub fn handler_timeout(mut self, limit: Duration) -> Self {
        self.handler_timeout = Some(limit);
        self
    }
}

impl Default for DurableOptions {
    fn default() -> Self {
        DurableOptions::new()
    }
}

/// A running durable subscription; from [`Facts::subscribe`]. It ends when
/// its actor stops or [`stop`](Self::stop) is called; dropping the handle
/// does not end it. The consumer (and its position) stays on the server.
#[derive(Clone, Debug)]
pub struct DurableSubscription {
    acked: Arc<AtomicU64>,
    stop: CancellationToken,
    done: CancellationToken,
}

impl DurableSubscription {
    /// Facts handled and acknowledged by this subscription so far.
    pub fn acked(&self) -> u64 {
        self.acked.load(Ordering::Acquire)
    }

    /// Ends the subscription; a fact being handled is handed back.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Waits until the subscription has ended.
    pub async fn stopped(&self) {
        self.done.cancelled().await;
    }
}

pub(super) async fn start<E: Event + RemoteMessage>(
    facts: Facts,
    durable: &str,
    recipient: Recipient<Durable<E>>,
    options: DurableOptions,
) -> Result<DurableSubscription, DurableError> {
    let consumer = consumer_for::<E>(&facts, durable, &options).await?;
    let handle = DurableSubscription {
        acked: Arc::default(),
        stop: CancellationToken::new(),
        done: CancellationToken::new(),
    };
    let task = handle.clone();
    let durable = durable.to_owned();
    tokio::spawn(async move {
        run::<E>(&facts, &durable, consumer, &recipient, &options, &task).await;
        task.done.cancel();
    });
    Ok(handle)
}

async fn consumer_for<E: RemoteMessage>(
    facts: &Facts,
    durable: &str,
    options: &DurableOptions,
) -> Result<consumer::Consumer<pull::Config>, DurableError> {
    let config = pull::Config {
        durable_name: Some(durable.to_owned()),
        filter_subject: facts.subject::<E>(),
        ack_policy: AckPolicy::Explicit,
        deliver_policy: DeliverPolicy::All,
        ack_wait: options.ack_wait,
        max_ack_pending: i64::try_from(options.max_ack_pending).unwrap_or(i64::MAX),
        ..Default::default()
    };
    let stream = facts.stream().await?;
    stream.get_or_create_consumer(durable, config).await.map_err(|e| DurableError::js("create consumer", e))
}

/// Fetches and hands facts over until the actor stops or the subscription
/// is stopped; after a broken connection, fetches again with a bounded
/// pause.
///
/// Each fetch is answered completely before its facts are handed over, so
/// no pull request is outstanding when facts are handed back: JetStream
/// then sends them again first, in order, to the next fetch.
async fn run<E: Event + RemoteMessage>(
    facts: &Facts,
    durable: &str,
    mut consumer: consumer::Consumer<pull::Config>,
    recipient: &Recipient<Durable<E>>,
    options: &DurableOptions,
    task: &DurableSubscription,
) {
    let batch = options.max_ack_pending.min(MAX_FETCH);
    // The highest stream sequence this subscription acknowledged: facts
    // come in order, so one at or below it came before (JetStream may have
    // lost the acknowledgement in a crash and count it as new).
    let mut high_water = 0;
    let mut pause = Duration::from_millis(50);
    while !task.stop.is_cancelled() && recipient.is_alive() {
        let fetched = match fetch(&consumer, batch, false).await {
            Ok(messages) if messages.is_empty() => wait_for_one(&consumer, recipient, task).await,
            other => other,
        };
        match fetched {
            Ok(messages) => {
                pause = Duration::from_millis(50);
                if hand_over(messages, recipient, options, task, &mut high_water).await.is_break() {
                    return;
                }
                continue;
            }
            Err(error) => tracing::warn!(%error, %durable, "durable subscription: fetch failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = task.stop.cancelled() => return,
            _ = recipient.wait_for_stop() => return,
        }
        pause = (pause * 2).min(Duration::from_secs(2));
        match consumer_for::<E>(facts, durable, options).await {
            Ok(fresh) => consumer = fresh,
            Err(error) => tracing::warn!(%error, %durable, "durable subscription: consumer not reachable"),
        }
    }
}

/// The most facts one fetch asks for.
const MAX_FETCH: usize = 256;

/// How long a fetch that waits for a live fact stays at the server; a
/// stopping subscription waits at most this (plus a margin) for it to end.
const WAIT_FOR_FACT: Duration = Duration::from_secs(2);

/// Fetches up to `batch` facts: those there now (`wait` false), or the
/// next one to come within [`WAIT_FOR_FACT`] (`wait` true). Returns when
/// the server has answered the request completely.
async fn fetch(
    consumer: &consumer::Consumer<pull::Config>,
    batch: usize,
    wait: bool,
) -> Result<Vec<Message>, DurableError> {
    let work = async {
        let mut messages = if wait {
            consumer.batch().max_messages(batch).expires(WAIT_FOR_FACT).messages().await
        } else {
            consumer.fetch().max_messages(batch).messages().await
        }
        .map_err(|e| DurableError::js("fetch", e))?;
        let mut fetched = Vec::new();
        while let Some(message) = messages.next().await {
            fetched.push(message.map_err(|e| DurableError::js("fetch", e))?);
        }
        Ok(fetched)
    };
    tokio::time::timeout(WAIT_FOR_FACT + Duration::from_secs(3), work)
        .await
        .unwrap_or_else(|_| Err(DurableError::js("fetch", "no answer from the server")))
}

/// Caught up: waits for the next fact. A subscription that ends meanwhile
/// still lets the request end (bounded by [`WAIT_FOR_FACT`]) and hands
/// back what it brought, so that no fact is left with a pull that nobody
/// reads.
async fn wait_for_one<E: Event + RemoteMessage>(
    consumer: &consumer::Consumer<pull::Config>,
    recipient: &Recipient<Durable<E>>,
    task: &DurableSubscription,
) -> Result<Vec<Message>, DurableError> {
    let waiting = fetch(consumer, 1, true);
    tokio::pin!(waiting);
    tokio::select! {
        fetched = &mut waiting => fetched,
        () = task.stop.cancelled() => hand_back_all(&waiting.await.unwrap_or_default()).await,
        _ = recipient.wait_for_stop() => hand_back_all(&waiting.await.unwrap_or_default()).await,
    }
}

async fn hand_back_all(messages: &[Message]) -> Result<Vec<Message>, DurableError> {
    for message in messages {
        hand_back(message).await;
    }
    Ok(Vec::new())
}

/// Hands the facts of one fetch to the actor, in order; `Break` when the
/// actor is gone or the subscription stopped. After a failure, the failed
/// fact and those behind it go back.
async fn hand_over<E: Event + RemoteMessage>(
    messages: Vec<Message>,
    recipient: &Recipient<Durable<E>>,
    options: &DurableOptions,
    task: &DurableSubscription,
    high_water: &mut u64,
) -> ControlFlow<()> {
    for (i, message) in messages.iter().enumerate() {
        let Ok((stream_seq, delivered)) = message.info().map(|i| (i.stream_sequence, i.delivered)) else {
            tracing::warn!(subject = %message.subject, "durable subscription: a message without JetStream metadata");
            continue;
        };
        let fact = match decode::<E>(message) {
            Ok(fact) => fact,
            Err(error) => {
                // It never will decode: tell JetStream to stop sending it.
                tracing::warn!(%error, subject = %message.subject, stream_seq, "durable fact cannot be decoded; dropped");
                let _ = message.ack_with(AckKind::Term).await;
                continue;
            }
        };
        let mut redelivered = u64::try_from(delivered - 1).unwrap_or(0);
        if stream_seq <= *high_water {
            redelivered = redelivered.max(1);
        }
        let ask = recipient.ask(Durable { fact, redelivered, stream_seq });
        let handling = async {
            match options.handler_timeout {
                Some(limit) => ask.timeout(limit).await,
                None => ask.await,
            }
        };
        let handled = tokio::select! {
            handled = handling => handled,
            () = task.stop.cancelled() => {
                let _ = hand_back_all(&messages[i..]).await;
                return ControlFlow::Break(());
            }
        };
        match handled {
            Ok(()) => {
                if let Err(error) = message.ack().await {
                    tracing::debug!(%error, stream_seq, "durable fact acknowledgement not sent; it will come again");
                }
                task.acked.fetch_add(1, Ordering::AcqRel);
                *high_water = (*high_water).max(stream_seq);
            }
            Err(error) => {
                let _ = hand_back_all(&messages[i..]).await;
                // A supervised actor restarts behind the same address and
                // gets the fact first again; an actor that stops for good
                // is told apart by its stop, which follows the failed reply
                // closely.
                let stops = tokio::time::timeout(STOP_SIGNAL, recipient.wait_for_stop()).await.is_ok();
                if stops || matches!(error, AskError::Unsupported) {
                    tracing::debug!(%error, stream_seq, "durable subscriber gone; facts handed back");
                    return ControlFlow::Break(());
                }
                return ControlFlow::Continue(());
            }
        }
    }
    ControlFlow::Continue(())
}

async fn hand_back(message: &Message) {
    if let Err(error) = message.ack_with(AckKind::Nak(None)).await {
        tracing::debug!(%error, "durable fact not handed back; it comes again after ack_wait");
    }
}

fn decode<E: RemoteMessage>(message: &Message) -> Result<E, DurableError> {
    Encoding::of_message(message.headers.as_ref(), &message.payload)?.decode(&message.payload)
}
