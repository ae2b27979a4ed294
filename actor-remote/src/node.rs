//! A node: this process's presence among others. It listens, dials its
//! seeds, exposes local actors by name and looks up actors on its peers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::net::{Network, Tcp};
use actor_core::dev::Endpoint;
use actor_core::events::{Overflow, SubscribeOptions, Subscription, DEFAULT_EVENT_BUFFER};
use actor_core::remote::{RemoteActor, RemoteMessage};
use actor_core::{ActorId, ActorRef, ActorSystem, Event, NodeId, Recipient};
use bytes::BytesMut;
use parking_lot::RwLock;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::claims;
use crate::codec::{Codec, Postcard};
use crate::config::Config;
use crate::endpoint::{Encoders, RemoteEndpoint};
use crate::error::{ConnectError, ExposeError, LookupError, NodeError};
use crate::exposed::{Exposed, Exposure};
use crate::facts::SharedEventsDropped;
use crate::gossip;
use crate::link::{self};
use crate::membership::{Member, Membership};
use crate::peer::{Answer, LinkState, Peer, PendingAnswer};
use crate::shared::Shared;
use crate::shared_events::{self, SharedEvents};
use crate::tls::Tls;
use crate::wire::envelope::Header;
use crate::wire::handshake::Me;

/// A running node. Cheap to clone; [`shutdown`](Node::shutdown) ends it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use actor_core::prelude::*;
/// use actor_remote::Node;
///
/// let system = ActorSystem::new();
/// let node = Node::builder(&system).listen("127.0.0.1:0").secret("s3cret").start().await?;
/// assert!(node.local_addr().is_some());
/// node.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Node<C: Codec = Postcard> {
    shared: Arc<Shared>,
    codec: C,
    /// Closes the node when the last handle goes.
    _closer: Arc<CloseOnDrop>,
}

impl<C: Codec> Clone for Node<C> {
    fn clone(&self) -> Self {
        Node { shared: self.shared.clone(), codec: self.codec.clone(), _closer: self._closer.clone() }
    }
}

/// Held by the user's handles only (the node's tasks hold `Shared`): when
/// the last handle is dropped without [`Node::shutdown`], the node closes.
struct CloseOnDrop(Arc<Shared>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl<C: Codec> std::fmt::Debug for Node<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node").field("id", &self.id()).field("listen", &self.shared.me.listen).finish()
    }
}

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
        Ok(Node { _closer: Arc::new(CloseOnDrop(shared.clone())), shared, codec: self.codec })
    }
}

impl<C: Codec> Node<C> {
    /// This node's id (its actor system's).
    pub fn id(&self) -> NodeId {
        self.shared.me.node
    }

    /// This start's incarnation: a new random number each time a node
    /// starts, so peers tell a restarted node from the one before.
    pub fn incarnation(&self) -> u64 {
        self.shared.me.incarnation
    }

    /// The address the node listens on, if it listens.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.local
    }

    /// The actor system this node serves.
    pub fn system(&self) -> &ActorSystem {
        &self.shared.system
    }

    /// The peers with a live link now.
    pub fn peers(&self) -> Vec<NodeId> {
        let peers = self.shared.peers.read();
        let mut up: Vec<_> =
            peers.values().filter(|p| matches!(p.state(), LinkState::Up(_))).map(|p| p.node).collect();
        up.sort();
        up
    }

    /// Dials `addr` now and waits for the handshake; the peer's node id.
    ///
    /// # Errors
    /// A clear [`ConnectError`]: unreachable, timed out, or refused in the
    /// handshake (wrong secret, other version, not a node).
    pub async fn connect(&self, addr: &str) -> Result<NodeId, ConnectError> {
        link::connect(&self.shared, addr).await.map(|peer| peer.node)
    }

    /// Waits until a link to `node` is up, for at most `timeout`; true if it is.
    pub async fn wait_for_peer(&self, node: NodeId, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut links = self.shared.links.subscribe();
        loop {
            let up = self.shared.peer(node).is_some_and(|peer| matches!(peer.state(), LinkState::Up(_)));
            if up {
                return true;
            }
            match tokio::time::timeout_at(deadline, links.changed()).await {
                Ok(Ok(())) => continue,
                _ => return false,
            }
        }
    }

    /// Makes `actor` reachable from every node of the cluster as `name`,
    /// until it stops, [`unexpose`](Self::unexpose) is called, or this node
    /// leaves or is down.
    ///
    /// A name names one actor in the whole cluster: the name is claimed
    /// from every member this node has a link to, and the first claim wins
    /// (the claim time, then the node id, decides between two at once). See
    /// `docs/cluster.md` for what a partition does to names.
    ///
    /// # Errors
    /// [`ExposeError::NameTaken`] if another actor is exposed as `name` on
    /// this node; [`ExposeError::NameHeldBy`] if another node holds it;
    /// [`ExposeError::Stopped`] if the actor has stopped.
    pub async fn expose<A: RemoteActor>(&self, name: &str, actor: &ActorRef<A>) -> Result<(), ExposeError> {
        if !actor.is_alive() {
            return Err(ExposeError::Stopped);
        }
        let exposure = self.shared.exposed.insert(Exposure::new(
            &self.shared.system,
            name,
            actor,
            self.codec.clone(),
        ))?;
        if let Some(holder) = claims::claim(&self.shared, name, exposure.since).await {
            self.shared.exposed.remove(name, Some(exposure.id));
            return Err(ExposeError::NameHeldBy { name: name.to_owned(), holder });
        }
        if self.shared.exposed.by_name(name).is_none_or(|e| e.id != exposure.id) {
            // A claim from another node with an older claim came meanwhile.
            return Err(ExposeError::NameTaken(name.to_owned()));
        }
        let (shared, id, name, actor) = (self.shared.clone(), exposure.id, name.to_owned(), actor.clone());
        self.shared.tasks.spawn(async move {
            tokio::select! {
                () = shared.shutdown.cancelled() => {}
                _ = actor.wait_for_stop() => { shared.exposed.remove(&name, Some(id)); }
            }
        });
        Ok(())
    }

    /// Stops exposing `name`; true if it was exposed.
    pub fn unexpose(&self, name: &str) -> bool {
        self.shared.exposed.remove(name, None)
    }

    /// The actor exposed as `name`: on this node if it exposes the name,
    /// otherwise on the first peer that answers. The `ActorRef` works like
    /// a local one; messages to it cross the link.
    ///
    /// # Errors
    /// [`LookupError::NotFound`] if no node that answered within the lookup
    /// timeout exposes the name; [`LookupError::WrongType`] if the actor
    /// there does not handle `A`'s remote messages.
    pub async fn lookup<A: RemoteActor>(&self, name: &str) -> Result<ActorRef<A>, LookupError> {
        if let Some(local) = self.shared.exposed.by_name(name) {
            return match local.actor_ref.downcast_ref::<ActorRef<A>>() {
                Some(actor) => Ok(actor.clone()),
                None => Err(LookupError::LocalType { name: name.to_owned(), actual: local.actor_type }),
            };
        }
        let endpoint =
            self.find(name, Encoders::of_actor::<A, C>(&self.codec), std::any::type_name::<A>()).await?;
        Ok(ActorRef::from_endpoint(endpoint))
    }

    /// The actor exposed as `name`, seen as "whoever handles `M`".
    ///
    /// # Errors
    /// As [`lookup`](Self::lookup).
    pub async fn lookup_recipient<M: RemoteMessage>(&self, name: &str) -> Result<Recipient<M>, LookupError> {
        if let Some(local) = self.shared.exposed.by_name(name) {
            if !local.handlers.contains_key(M::NAME) {
                return Err(LookupError::WrongType {
                    name: name.to_owned(),
                    missing: vec![M::NAME.to_owned()],
                });
            }
            return Ok(Recipient::from_endpoint(local.endpoint.clone()));
        }
        let endpoint =
            self.find(name, Encoders::of_message::<M, C>(&self.codec), "(remote recipient)").await?;
        Ok(Recipient::from_endpoint(endpoint))
    }

    /// Asks every peer with a live link for `name`; the first that has it
    /// answers.
    async fn find(
        &self,
        name: &str,
        encoders: Encoders,
        actor_type: &'static str,
    ) -> Result<Arc<dyn Endpoint>, LookupError> {
        let peers: Vec<Arc<Peer>> = self.shared.peers.read().values().cloned().collect();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut asked = 0;
        for peer in peers {
            let (answer_tx, answer_rx) = oneshot::channel();
            let pending = Box::new(AwaitLookup(Some(answer_tx)));
            let sent = peer.append::<std::convert::Infallible>(
                |out, corr| {
                    Header::Lookup { corr, name }.encode(out);
                    Ok(())
                },
                Some(pending),
            );
            if sent.is_ok() {
                asked += 1;
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(found) = answer_rx.await {
                        let _ = tx.send((peer, found));
                    }
                });
            }
        }
        drop(tx);
        let mut wrong = None;
        let deadline = tokio::time::Instant::now() + self.shared.config.lookup_timeout;
        for _ in 0..asked {
            let Ok(Some((peer, found))) = tokio::time::timeout_at(deadline, rx.recv()).await else { break };
            let Some((target, window, handles)) = found else { continue };
            let missing: Vec<String> =
                encoders.names().filter(|n| !handles.iter().any(|h| h == n)).map(str::to_owned).collect();
            if !missing.is_empty() {
                wrong = Some(LookupError::WrongType { name: name.to_owned(), missing });
                continue;
            }
            let credits = peer.credits(target, window);
            return Ok(Arc::new(RemoteEndpoint {
                id: ActorId::from_parts(peer.node, target),
                name: name.to_owned(),
                actor_type,
                peer,
                credits,
                encoders: encoders.for_target(target),
            }));
        }
        Err(wrong.unwrap_or_else(|| LookupError::NotFound(name.to_owned())))
    }

    /// The members of the cluster this node knows of (itself not
    /// included), sorted by node id.
    pub fn members(&self) -> Vec<Member> {
        self.shared.membership.members()
    }

    /// Publishes the facts of type `E` published on this node to every
    /// member, and the facts of type `E` shared by other members on this
    /// node's event stream: a subscriber anywhere sees them all.
    ///
    /// Each fact crosses the network once per member (not once per
    /// subscriber); the facts of one publisher arrive in the order
    /// published. The publisher never waits: facts go through a buffer of
    /// [`DEFAULT_EVENT_BUFFER`](actor_core::events::DEFAULT_EVENT_BUFFER)
    /// that drops the oldest when the sending task falls behind, and a
    /// member whose link is full misses facts (counted, and reported with
    /// [`SharedEventsDropped`](crate::facts::SharedEventsDropped)). Every
    /// member that shares `E` must call this too; facts of a type a member
    /// does not share are ignored there. Calling it again does nothing.
    pub fn share_events<E: Event + RemoteMessage>(&self) {
        self.share_events_with::<E>(DEFAULT_EVENT_BUFFER, Overflow::DropOldest);
    }

    /// As [`share_events`](Self::share_events), with the buffer between
    /// this node's publishers and the task that sends their facts to the
    /// other members: `buffer` facts, and what happens when it is full, as
    /// for a local subscription (`Overflow::Block` makes
    /// [`publish_wait`](actor_core::events::EventStream::publish_wait)
    /// wait; plain `publish` never waits). Its drops are reported like a
    /// local subscriber's, with an
    /// [`EventsDropped`](actor_core::events::EventsDropped) fact.
    pub fn share_events_with<E: Event + RemoteMessage>(&self, buffer: usize, overflow: Overflow) {
        if !self.shared.shared_events.register::<E, C>(self.codec.clone()) {
            return;
        }
        let options = SubscribeOptions::new()
            .buffer(buffer)
            .overflow(overflow)
            .filter(|_: &E| !shared_events::from_another_node());
        let subscription = self.shared.system.events().subscribe_with(options);
        let (shared, codec) = (self.shared.clone(), self.codec.clone());
        self.shared.tasks.spawn(async move {
            tokio::select! {
                () = shared.shutdown.cancelled() => {}
                () = forward::<E, C>(&shared, &codec, subscription) => {}
            }
        });
    }

    /// Leaves the cluster on purpose: the other members see
    /// [`NodeLeft`](crate::facts::NodeLeft) rather than a failure, and
    /// then the node shuts down as by [`shutdown`](Self::shutdown).
    pub async fn leave(&self) {
        let peers: Vec<Arc<Peer>> = self.shared.peers.read().values().cloned().collect();
        for peer in &peers {
            peer.control(&Header::Leave, &[]);
        }
        self.shared.membership.leave().await;
        // Give the goodbyes a moment to be written.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
        for peer in &peers {
            while peer.buffered() > 0 && matches!(peer.state(), LinkState::Up(_)) {
                if tokio::time::Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        self.shutdown().await;
    }

    /// Closes every link and stops listening; exposed names go. Remote
    /// handles held by local actors report their actors stopped with
    /// `NodeDown`.
    ///
    /// Dropping the last handle of a node closes it the same way, without
    /// waiting for its tasks to end. A node holds its actor system: shut
    /// the node down before (or with) the system.
    pub async fn shutdown(&self) {
        self.shared.close();
        self.shared.tasks.wait().await;
    }
}

/// Sends the facts of `subscription` to every peer: encoded once, one
/// frame per peer; a peer whose buffer is full misses the fact.
async fn forward<E: Event + RemoteMessage, C: Codec>(
    shared: &Shared,
    codec: &C,
    mut subscription: Subscription<E>,
) {
    let mut header = BytesMut::new();
    Header::Event { name: E::NAME }.encode(&mut header);
    let mut payload = BytesMut::new();
    let mut dropped: HashMap<NodeId, u64> = HashMap::new();
    while let Some(fact) = subscription.recv().await {
        payload.clear();
        if let Err(e) = codec.encode(&fact, &mut payload) {
            tracing::warn!(event = E::NAME, error = %e, "a shared fact failed to encode; not sent");
            continue;
        }
        let peers: Vec<Arc<Peer>> = shared.peers.read().values().cloned().collect();
        for peer in peers {
            let appended = peer.append_tell::<std::convert::Infallible>(&header, |out| {
                out.extend_from_slice(&payload);
                Ok(())
            });
            if matches!(appended, Ok(false)) {
                let count = dropped.entry(peer.node).or_default();
                *count += 1;
                if count.is_power_of_two() {
                    tracing::warn!(peer = %peer.node, event = E::NAME, dropped = *count, "a member's link is full; shared facts dropped for it");
                    shared.system.events().publish(SharedEventsDropped {
                        node: peer.node,
                        event: E::NAME,
                        dropped: *count,
                    });
                }
            }
        }
    }
}

/// A lookup's answer on its way back: the target, its window and the names
/// it handles, or `None`.
type Found = Option<(u64, u32, Vec<String>)>;

struct AwaitLookup(Option<oneshot::Sender<Found>>);

impl PendingAnswer for AwaitLookup {
    fn answer(mut self: Box<Self>, answer: Answer<'_>) {
        let found = match answer {
            Answer::Found { target, window, handles } => {
                Some((target, window, handles.into_iter().map(str::to_owned).collect()))
            }
            _ => None,
        };
        if let Some(tx) = self.0.take() {
            let _ = tx.send(found);
        }
    }

    fn is_abandoned(&self) -> bool {
        self.0.as_ref().is_none_or(oneshot::Sender::is_closed)
    }
}
