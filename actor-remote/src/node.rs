//! A node: this process's presence among others. It listens, dials its
//! seeds, exposes local actors by name and looks up actors on its peers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actor_core::dev::Endpoint;
use actor_core::remote::{RemoteActor, RemoteMessage};
use actor_core::{ActorId, ActorRef, ActorSystem, NodeId, Recipient};
use parking_lot::RwLock;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::codec::{Codec, Postcard};
use crate::config::Config;
use crate::endpoint::{Encoders, RemoteEndpoint};
use crate::error::{ConnectError, ExposeError, LookupError, NodeError};
use crate::exposed::{Exposed, Exposure};
use crate::link::{self};
use crate::peer::{Answer, LinkState, Peer, PendingAnswer};
use crate::shared::Shared;
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

    /// Binds the listen address and dials the seeds (a seed that cannot be
    /// reached yet is retried in the background, with back-off).
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
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| NodeError::Bind { addr: addr.clone(), source })?,
            ),
            None => None,
        };
        let local = listener.as_ref().and_then(|l| l.local_addr().ok());
        let me = Me {
            node: self.system.node_id(),
            incarnation: u64::from_le_bytes(crate::wire::handshake::random_bytes()),
            listen: local.map(|a| a.to_string()),
            max_frame: self.config.max_frame as u32,
        };
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
        });
        if let Some(listener) = listener {
            shared.tasks.spawn(link::accept_loop(shared.clone(), listener));
        }
        for seed in self.seeds {
            let shared2 = shared.clone();
            shared.tasks.spawn(async move { link::keep_dialing(shared2, seed).await });
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
        self.shared.me.listen.as_ref().and_then(|a| a.parse().ok())
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

    /// Makes `actor` reachable from other nodes as `name`, until it stops
    /// or [`unexpose`](Self::unexpose) is called.
    ///
    /// # Errors
    /// [`ExposeError::NameTaken`] if another actor is exposed as `name` on
    /// this node; [`ExposeError::Stopped`] if the actor has stopped.
    pub fn expose<A: RemoteActor>(&self, name: &str, actor: &ActorRef<A>) -> Result<(), ExposeError> {
        if !actor.is_alive() {
            return Err(ExposeError::Stopped);
        }
        let exposure = self.shared.exposed.insert(Exposure::new(
            &self.shared.system,
            name,
            actor,
            self.codec.clone(),
        ))?;
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
