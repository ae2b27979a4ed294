//! A started node: its links, members, names, lookups and shared facts.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actor_core::dev::Endpoint;
use actor_core::events::{Overflow, SubscribeOptions, Subscription, DEFAULT_EVENT_BUFFER};
use actor_core::remote::{RemoteActor, RemoteMessage};
use actor_core::{ActorId, ActorRef, ActorSystem, Event, NodeId, Recipient};
use bytes::BytesMut;
use tokio::sync::oneshot;

use crate::claims;
use crate::codec::{Codec, Postcard};
use crate::endpoint::{Encoders, RemoteEndpoint};
use crate::error::{ConnectError, ExposeError, LookupError};
use crate::exposed::Exposure;
use crate::facts::SharedEventsDropped;
use crate::link::{self};
use crate::membership::Member;
use crate::peer::{Answer, LinkState, Peer, PendingAnswer};
use crate::shared::Shared;
use crate::shared_events::{self};
use crate::wire::envelope::Header;

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

impl<C: Codec> Node<C> {
    /// The handle of a node just started.
    pub(super) fn started(shared: Arc<Shared>, codec: C) -> Self {
        Node { _closer: Arc::new(CloseOnDrop(shared.clone())), shared, codec }
    }
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
    /// Two nodes keep one link: if this node already has one to the node
    /// that answers (or that node is dialing this one at the same time),
    /// the dial gives way to it and returns once it is up.
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
                encoders: encoders.for_target(target, &handles),
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
