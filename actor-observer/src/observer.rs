//! The builder and the running observer: where it listens, who may read
//! it, how often it samples.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actor_core::ActorSystem;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::sampler::{ClusterSource, Sampler};
use crate::server::{router, App};

/// The address an observer binds to unless told otherwise: loopback, a
/// port the system picks (see [`Observer::local_addr`]).
pub const DEFAULT_ADDRESS: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// How often the observer samples the system and pushes the page an
/// update, unless told otherwise: every 500 ms.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(500);

/// How long a handler may handle one message before the page marks its
/// actor stuck, unless told otherwise: 1 s (actor-core's own slow-handler
/// threshold).
pub const DEFAULT_STUCK_AFTER: Duration = actor_core::DEFAULT_SLOW_HANDLER;

/// How many actors one document lists unless told otherwise: 1000 (and
/// as many tree nodes, all trees together).
pub const DEFAULT_MAX_ACTORS: usize = 1000;

/// Why an observer did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObserverError {
    /// The address could not be bound.
    #[error("cannot listen on {address}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A non-loopback address was asked for without a token: anyone who
    /// can reach it could read the system.
    #[error("listening on {0} (not loopback) needs a token")]
    TokenRequired(SocketAddr),
    /// The token has characters other than `A-Z a-z 0-9 - . _ ~`, or is
    /// empty (it travels in the page's URL as is).
    #[error("the token must be non-empty and URL-safe (A-Z a-z 0-9 - . _ ~)")]
    InvalidToken,
}

/// Settings of an observer: `Observer::builder(&system)...serve().await`.
#[must_use = "an observer builder does nothing until `serve` is awaited"]
pub struct ObserverBuilder {
    system: ActorSystem,
    address: SocketAddr,
    token: Option<String>,
    interval: Duration,
    stuck_after: Duration,
    max_actors: usize,
    cluster: Option<ClusterSource>,
}

impl std::fmt::Debug for ObserverBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObserverBuilder")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("interval", &self.interval)
            .field("stuck_after", &self.stuck_after)
            .field("max_actors", &self.max_actors)
            .field("cluster", &self.cluster.is_some())
            .finish()
    }
}

impl ObserverBuilder {
    /// Listen on `address` (default [`DEFAULT_ADDRESS`], loopback). An
    /// address other than loopback needs a [`token`](Self::token).
    pub fn bind(mut self, address: SocketAddr) -> Self {
        self.address = address;
        self
    }

    /// Require this token: API requests carry it as
    /// `Authorization: Bearer TOKEN` or `?token=TOKEN`, and the page is
    /// opened as `http://ADDRESS/?token=TOKEN`. URL-safe characters only.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sample (and update open pages) this often (default
    /// [`DEFAULT_INTERVAL`]; at least 10 ms).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(10));
        self
    }

    /// Mark an actor stuck once its handler has handled one message this
    /// long (default [`DEFAULT_STUCK_AFTER`]).
    pub fn stuck_after(mut self, threshold: Duration) -> Self {
        self.stuck_after = threshold;
        self
    }

    /// List at most this many actors in a document (the oldest), and at
    /// most this many nodes in all the supervision trees together (default
    /// [`DEFAULT_MAX_ACTORS`]); the document counts what it left out
    /// (`actors_omitted`, `children_omitted`). Every sample still reads
    /// every actor (for `actor_count` and `messages_per_sec`): about 1 µs
    /// an actor, so with many actors choose a longer interval too.
    pub fn max_actors(mut self, max: usize) -> Self {
        self.max_actors = max;
        self
    }

    /// Show the members of this node's cluster (feature `cluster`). The
    /// observer keeps a handle to the node until it stops.
    #[cfg(feature = "cluster")]
    pub fn node<C: actor_remote::Codec>(mut self, node: &actor_remote::Node<C>) -> Self {
        self.cluster = Some(crate::cluster::source(node.clone()));
        self
    }

    /// Binds the address and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// [`ObserverError::Bind`] if the address cannot be bound,
    /// [`ObserverError::TokenRequired`] for a non-loopback address without
    /// a token, [`ObserverError::InvalidToken`] for a token that is not
    /// URL-safe.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub async fn serve(self) -> Result<Observer, ObserverError> {
        if let Some(token) = &self.token {
            let url_safe = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
            if token.is_empty() || !token.bytes().all(url_safe) {
                return Err(ObserverError::InvalidToken);
            }
        } else if !self.address.ip().is_loopback() {
            return Err(ObserverError::TokenRequired(self.address));
        }
        let listener = TcpListener::bind(self.address)
            .await
            .map_err(|source| ObserverError::Bind { address: self.address, source })?;
        let local_addr =
            listener.local_addr().map_err(|source| ObserverError::Bind { address: self.address, source })?;
        let sampler = Arc::new(Sampler::new(self.system, self.cluster, self.stuck_after, self.max_actors));
        let (publish, updates) = watch::channel(Arc::<str>::from("null"));
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Arc::new(App { sampler: sampler.clone(), updates, token: self.token });
        let sampling = tokio::spawn(sample_every(sampler, publish, self.interval));
        let server = axum::serve(listener, router(app)).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let serving = tokio::spawn(async move {
            if let Err(error) = server.await {
                tracing::warn!(%error, "observer: the server stopped");
            }
        });
        tracing::info!(address = %local_addr, "observer listening");
        Ok(Observer { local_addr, stop: Some(stop), sampling, serving })
    }
}

/// Samples the system every `interval` and hands each sample, as JSON, to
/// the event streams; ends (and so ends them) when the observer stops.
async fn sample_every(sampler: Arc<Sampler>, publish: watch::Sender<Arc<str>>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let state = sampler.sample().await;
        match serde_json::to_string(&state) {
            Ok(json) => publish.send_replace(Arc::from(json)),
            Err(error) => {
                tracing::warn!(%error, "observer: the state did not serialize");
                continue;
            }
        };
    }
}

/// A running observer. Dropping it stops it (as [`shutdown`](Self::shutdown)
/// does, without waiting).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use actor_core::ActorSystem;
/// use actor_observer::Observer;
///
/// let system = ActorSystem::new();
/// let observer = Observer::builder(&system).serve().await?;   // 127.0.0.1, a free port
/// assert!(observer.local_addr().ip().is_loopback());
/// observer.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Observer {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    sampling: JoinHandle<()>,
    serving: JoinHandle<()>,
}

/// How long [`Observer::shutdown`] waits for open connections to close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

impl Observer {
    /// A builder for an observer of `system` (the observer keeps a handle
    /// to it until it stops).
    pub fn builder(system: &ActorSystem) -> ObserverBuilder {
        ObserverBuilder {
            system: system.clone(),
            address: DEFAULT_ADDRESS,
            token: None,
            interval: DEFAULT_INTERVAL,
            stuck_after: DEFAULT_STUCK_AFTER,
            max_actors: DEFAULT_MAX_ACTORS,
            cluster: None,
        }
    }

    /// Where it listens: open `http://ADDRESS/` in a browser.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops sampling, ends the open event streams, and waits (at most
    /// 2 s) for the server to close its connections.
    ///
    /// # Cancel safety
    /// Cancel safe: dropped early, the observer stops all the same.
    pub async fn shutdown(mut self) {
        self.sampling.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.serving).await.is_err() {
            self.serving.abort();
        }
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.sampling.abort();
        self.serving.abort();
    }
}
