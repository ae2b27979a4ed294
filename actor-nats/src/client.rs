//! The connection to a NATS server that everything of this crate shares:
//! links, discovery and durable facts.

use std::sync::Arc;

use async_nats::{ConnectErrorKind, ConnectOptions, Event};
use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

/// The subject prefix when none is given: `actor`.
pub const DEFAULT_PREFIX: &str = "actor";

/// A connection to a NATS server (or cluster of servers), shared by the
/// nodes and durable facts of this process. Cheap to clone.
///
/// async-nats reconnects by itself after the server restarts; while it is
/// disconnected, every link carried over it breaks at once (the nodes
/// report the peers down and redial), so nothing waits on a stream whose
/// messages were lost in between.
#[derive(Clone)]
pub struct Nats {
    inner: Arc<Inner>,
}

struct Inner {
    client: async_nats::Client,
    prefix: String,
    url: String,
    /// Cancelled when the connection drops; streams opened before then
    /// end with it.
    generation: Arc<Mutex<CancellationToken>>,
}

impl std::fmt::Debug for Nats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nats").field("url", &self.inner.url).field("prefix", &self.inner.prefix).finish()
    }
}

/// A NATS connection that could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NatsError {
    /// The server refused the credentials given (or needs some and none
    /// were given).
    #[error("the NATS server at {url} refused the credentials: {reason}")]
    Refused {
        /// The server's address.
        url: String,
        /// What the client reported.
        reason: String,
    },
    /// The server could not be reached, or the URL is not valid.
    #[error("cannot connect to the NATS server at {url}: {reason}")]
    Unreachable {
        /// The server's address.
        url: String,
        /// What the client reported.
        reason: String,
    },
    /// JetStream is not enabled on the server (`nats-server -js`), or an
    /// operation on it failed.
    #[error("JetStream: {0}")]
    JetStream(String),
}

impl Nats {
    /// Connects to the server at `url` (e.g. `nats://127.0.0.1:4222`)
    /// without credentials.
    ///
    /// # Errors
    /// [`NatsError::Refused`] if the server wants credentials,
    /// [`NatsError::Unreachable`] if it cannot be reached.
    pub async fn connect(url: &str) -> Result<Nats, NatsError> {
        Self::connect_with(url, ConnectOptions::new()).await
    }

    /// Connects with `options`: credentials (`user_and_password`, `token`,
    /// `credentials_file`, `nkey`), TLS, a client name, and so on. The
    /// options' event callback is replaced by this crate's (which follows
    /// the connection's state and logs every event through `tracing`).
    ///
    /// # Errors
    /// As [`connect`](Nats::connect).
    pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<Nats, NatsError> {
        let generation = Arc::new(Mutex::new(CancellationToken::new()));
        let watched = generation.clone();
        let for_log = url.to_owned();
        let options = options.event_callback(move |event| {
            let (watched, url) = (watched.clone(), for_log.clone());
            async move {
                match &event {
                    // Streams opened before lost what was in flight: they end.
                    Event::Disconnected | Event::SlowConsumer(_) | Event::Closed => {
                        tracing::warn!(%url, %event, "NATS connection: links over it end");
                        let mut current = watched.lock();
                        current.cancel();
                        *current = CancellationToken::new();
                    }
                    Event::Connected => tracing::info!(%url, "NATS connection up"),
                    _ => tracing::info!(%url, %event, "NATS connection"),
                }
            }
        });
        let client = options.connect(url).await.map_err(|e| {
            let reason = e.to_string();
            match e.kind() {
                ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => {
                    NatsError::Refused { url: url.to_owned(), reason }
                }
                _ => NatsError::Unreachable { url: url.to_owned(), reason },
            }
        })?;
        Ok(Nats {
            inner: Arc::new(Inner {
                client,
                prefix: DEFAULT_PREFIX.to_owned(),
                url: url.to_owned(),
                generation,
            }),
        })
    }

    /// The same connection with another subject prefix (default
    /// [`DEFAULT_PREFIX`]): clusters that share a NATS server keep apart
    /// by prefix. A prefix is a NATS subject without wildcards.
    pub fn with_prefix(&self, prefix: &str) -> Nats {
        Nats {
            inner: Arc::new(Inner {
                client: self.inner.client.clone(),
                prefix: prefix.to_owned(),
                url: self.inner.url.clone(),
                generation: self.inner.generation.clone(),
            }),
        }
    }

    /// The subject prefix.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The async-nats client, for what this crate does not wrap.
    pub fn client(&self) -> &async_nats::Client {
        &self.inner.client
    }

    /// A JetStream context over this connection.
    pub fn jetstream(&self) -> async_nats::jetstream::Context {
        async_nats::jetstream::new(self.inner.client.clone())
    }

    /// A token cancelled when the connection drops.
    pub(crate) fn generation(&self) -> CancellationToken {
        self.inner.generation.lock().clone()
    }

    /// `<prefix>.<rest>`.
    pub(crate) fn subject(&self, rest: &str) -> String {
        format!("{}.{rest}", self.inner.prefix)
    }
}
