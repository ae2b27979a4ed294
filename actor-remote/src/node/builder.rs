//! A node's settings before it starts, and the start: bind, the shared
//! state, the gossip task, the first dial of each seed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actor_core::ActorSystem;
use parking_lot::RwLock;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Node;
use crate::codec::{Codec, Postcard};
use crate::config::Config;
use crate::error::NodeError;
use crate::exposed::Exposed;
use crate::gossip;
use crate::link;
use crate::membership::Membership;
use crate::net::{Network, Tcp};
use crate::shared::Shared;
use crate::shared_events::SharedEvents;
use crate::tls::Tls;
use crate::wire::handshake::Me;

impl Node {
    /// A builder for a node of `system`, with the default codec
    /// ([`Postcard`]).
    pub fn builder(system: &ActorSystem) -> NodeBuilder<Postcard> {
        NodeBuilder {
            system: system.clone(),
            listen: None,
            advertise: None,
            network: Arc::new(Tcp),
            seeds: Vec::new(),
            config: Config::default(),
            codec: Postcard,
            tls: None,
        }
    }
}

/// Settings of a node before it starts; see [`Node::builder`].
#[must_use = "a builder does nothing until `start` is called"]
pub struct NodeBuilder<C: Codec = Postcard> {
    system: ActorSystem,
    listen: Option<String>,
    advertise: Option<String>,
    network: Arc<dyn Network>,
    seeds: Vec<String>,
    config: Config,
    codec: C,
    tls: Option<Tls>,
}

impl<C: Codec> std::fmt::Debug for NodeBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeBuilder").field("listen", &self.listen).field("seeds", &self.seeds).finish()
    }
}

impl<C: Codec> NodeBuilder<C> {
    /// Accept connections on `addr` (e.g. `"127.0.0.1:7000"`; port 0 picks
    /// a free one). Without it, the node only dials.
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = Some(addr.into());
        self
    }

    /// The address other members should dial to reach this node, when it
    /// is not the one it listens on (behind NAT or a container's port
    /// mapping, or when listening on `0.0.0.0`). Default: the bound listen
    /// address.
    pub fn advertise(mut self, addr: impl Into<String>) -> Self {
        self.advertise = Some(addr.into());
        self
    }

    /// What carries the links: [`Tcp`](crate::net::Tcp) unless another
    /// [`Network`] is given (a network simulator in tests, say). Addresses
    /// (listen, seeds, advertised) are that network's.
    pub fn network(mut self, network: impl Network) -> Self {
        self.network = Arc::new(network);
        self
    }

    /// The cluster's shared secret (required). Every node of the cluster
    /// must have the same; it never crosses the wire.
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.config.secret = secret.as_ref().to_vec();
        self
    }

    /// A node to dial at start (and redial after a broken link).
    pub fn seed(mut self, addr: impl Into<String>) -> Self {
        self.seeds.push(addr.into());
        self
    }

    /// The payload codec; every node of the cluster must use the same.
    pub fn codec<D: Codec>(self, codec: D) -> NodeBuilder<D> {
        NodeBuilder {
            system: self.system,
            listen: self.listen,
            advertise: self.advertise,
            network: self.network,
            seeds: self.seeds,
            config: self.config,
            codec,
            tls: self.tls,
        }
    }

    /// Mutual TLS on every link (see [`TlsConfig`](crate::TlsConfig)).
    pub fn tls(mut self, tls: crate::TlsConfig) -> Self {
        self.tls = Some(tls.into_tls());
        self
    }

    /// The largest frame (one message with its envelope) this node accepts;
    /// default [`DEFAULT_MAX_FRAME`](crate::DEFAULT_MAX_FRAME). A larger
    /// message is refused at the sender with `SendError::Unsupported`.
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.config.max_frame = bytes.clamp(1024, u32::MAX as usize);
        self
    }

    /// How many messages to one exposed actor may be in flight from each
    /// peer before its senders wait; default
    /// [`DEFAULT_WINDOW`](crate::DEFAULT_WINDOW).
    pub fn window(mut self, messages: u32) -> Self {
        self.config.window = messages.max(1);
        self
    }

    /// Bytes waiting for one peer's link above which senders wait (and
    /// `try_tell` is `Full`); default
    /// [`DEFAULT_OUTBOUND_BUFFER`](crate::DEFAULT_OUTBOUND_BUFFER).
    pub fn outbound_buffer(mut self, bytes: usize) -> Self {
        self.config.outbound_buffer = bytes.max(1);
        self
    }

    /// Time a connecting peer has to finish the handshake; default
    /// [`DEFAULT_HANDSHAKE_TIMEOUT`](crate::DEFAULT_HANDSHAKE_TIMEOUT).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.config.handshake_timeout = timeout;
        self
    }

    /// Time a write may make no progress (a peer that stopped reading)
    /// before the link is dropped; default
    /// [`DEFAULT_WRITE_TIMEOUT`](crate::DEFAULT_WRITE_TIMEOUT).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.config.write_timeout = timeout;
        self
    }

    /// Time a peer may stay without a link before it is given up for down;
    /// default [`DEFAULT_DOWN_AFTER`](crate::DEFAULT_DOWN_AFTER).
    pub fn down_after(mut self, after: Duration) -> Self {
        self.config.down_after = after;
        self
    }

    /// Time a lookup waits for the peers' answers; default
    /// [`DEFAULT_LOOKUP_TIMEOUT`](crate::DEFAULT_LOOKUP_TIMEOUT).
    pub fn lookup_timeout(mut self, timeout: Duration) -> Self {
        self.config.lookup_timeout = timeout;
        self
    }

    /// How often this node sends a heartbeat on each link; default
    /// [`DEFAULT_HEARTBEAT_INTERVAL`](crate::DEFAULT_HEARTBEAT_INTERVAL).
    /// Every node of a cluster should use the same.
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.config.detector.interval = interval.max(Duration::from_millis(10));
        self
    }

    /// The suspicion level (phi) above which a member is suspected; default
    /// [`DEFAULT_PHI_THRESHOLD`](crate::DEFAULT_PHI_THRESHOLD). Lower
    /// detects sooner and raises more false alarms.
    pub fn phi_threshold(mut self, threshold: f64) -> Self {
        self.config.detector.threshold = if threshold.is_finite() { threshold.max(0.5) } else { 8.0 };
        self
    }

    /// A pause in a member's heartbeats this long (a GC, a stalled VM) is
    /// absorbed without suspicion; default
    /// [`DEFAULT_ACCEPTABLE_PAUSE`](crate::DEFAULT_ACCEPTABLE_PAUSE).
    pub fn acceptable_pause(mut self, pause: Duration) -> Self {
        self.config.detector.acceptable_pause = pause;
        self
    }

    /// Time a suspected member has to show it is alive before the cluster
    /// declares it down; default
    /// [`DEFAULT_SUSPECT_TIMEOUT`](crate::DEFAULT_SUSPECT_TIMEOUT).
    pub fn suspect_timeout(mut self, timeout: Duration) -> Self {
        self.config.suspect_timeout = timeout.max(Duration::from_millis(10));
        self
    }

    /// How long after a member's last heartbeat these settings declare it
    /// down, if its heartbeats were regular: the time its phi takes to
    /// cross the threshold, plus the suspect timeout (gossip adds a few
    /// heartbeat intervals for the news to reach every member). With the
    /// defaults: about 6.5 s.
    pub fn detection_time(&self) -> Duration {
        crate::membership::time_to_suspect(&self.config.detector) + self.config.suspect_timeout
    }

    /// Binds the listen address and dials each seed once (a seed that
    /// cannot be reached yet is retried in the background, with back-off;
    /// a dial takes at most the handshake timeout).
    ///
    /// # Errors
    /// [`NodeError::NoSecret`] without a secret, [`NodeError::Bind`] if
    /// the address cannot be bound.
    pub async fn start(self) -> Result<Node<C>, NodeError> {
        if self.config.secret.is_empty() {
            return Err(NodeError::NoSecret);
        }
        let listener = match &self.listen {
            Some(addr) => Some(
                self.network
                    .bind(addr)
                    .await
                    .map_err(|source| NodeError::Bind { addr: addr.clone(), source })?,
            ),
            None => None,
        };
        let local = listener.as_ref().and_then(|l| l.local_addr().ok());
        let me = Me {
            node: self.system.node_id(),
            incarnation: u64::from_le_bytes(crate::wire::handshake::random_bytes()),
            listen: self.advertise.or_else(|| local.map(|a| a.to_string())),
            max_frame: self.config.max_frame as u32,
        };
        let (membership, gossip_inbox) = Membership::new(self.config.detector);
        let shared = Arc::new(Shared {
            system: self.system,
            config: self.config,
            me,
            tls: self.tls,
            peers: RwLock::new(HashMap::new()),
            exposed: Exposed::default(),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            links: tokio::sync::watch::Sender::new(0),
            membership,
            shared_events: SharedEvents::default(),
            local,
            network: self.network,
            dialing: parking_lot::Mutex::default(),
            intents: Default::default(),
        });
        shared.tasks.spawn(gossip::run(shared.clone(), gossip_inbox));
        if let Some(listener) = listener {
            shared.tasks.spawn(link::accept_loop(shared.clone(), listener));
        }
        // Each seed is dialed once before `start` returns, so that what the
        // caller does next (expose a name, look one up) already sees the
        // cluster; a seed not reached is dialed again in the background.
        let first_dials = self.seeds.iter().map(|seed| link::connect(&shared, seed));
        let dialed = futures_util::future::join_all(first_dials).await;
        for (seed, dialed) in self.seeds.into_iter().zip(dialed) {
            if let Err(e) = dialed {
                tracing::info!(%seed, error = %e, "seed not reached yet; retrying");
                let shared2 = shared.clone();
                shared.tasks.spawn(async move { link::keep_dialing(shared2, seed).await });
            }
        }
        tracing::info!(node = %shared.me.node, incarnation = shared.me.incarnation, listen = ?local, "node started");
        Ok(Node::started(shared, self.codec))
    }
}
