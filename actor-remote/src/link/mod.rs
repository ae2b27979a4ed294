//! Links: one ordered connection per node pair. Dialing and accepting,
//! the handshake, the reader and writer tasks of a live link, and what
//! happens when it breaks (reconnect with back-off, or give the peer up).

mod frames;
pub(crate) mod handshake;
mod reader;
mod writer;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use bytes::BytesMut;
use tokio_util::sync::CancellationToken;

use crate::claims;
use crate::error::{ConnectError, HandshakeError};
use crate::facts::{HandshakeFailed, PeerConnected, PeerDisconnected};
use crate::membership::{Input, MemberId};
use crate::net::Listener;
use crate::peer::{LinkState, Peer};
use crate::shared::Shared;
use crate::wire::handshake::Hello;
use handshake::Outcome;

pub(crate) use crate::tls::Io;
use crate::tls::NotTls;

/// Numbers links, so that a task of an old link cannot touch a new one.
static NEXT_LINK: AtomicU64 = AtomicU64::new(1);

/// Dials `addr`, runs the handshake and makes the link the peer's (or
/// keeps the peer's live link, if it has one that wins).
pub(crate) async fn connect(shared: &Arc<Shared>, addr: &str) -> Result<Arc<Peer>, ConnectError> {
    if shared.shutdown.is_cancelled() {
        return Err(ConnectError::ShuttingDown);
    }
    // A second link to a peer replaces the first, and what waited on the
    // first fails: so a dial waits for another dial of the same address,
    // and is not made if that one (or an earlier one) linked the peer.
    let turn = shared.dial_turn(addr);
    let dialed = {
        let _turn = turn.lock().await;
        match shared.linked_at(addr) {
            Some(peer) => Ok(peer),
            None => dial(shared, addr).await,
        }
    };
    shared.dial_done(addr, turn);
    dialed
}

/// Dials `addr` and runs the handshake.
async fn dial(shared: &Arc<Shared>, addr: &str) -> Result<Arc<Peer>, ConnectError> {
    let failed = |reason: HandshakeError, remote: Option<SocketAddr>| {
        shared.system.events().publish(HandshakeFailed { addr: remote, reason: reason.to_string() });
        ConnectError::Handshake { addr: addr.to_owned(), reason }
    };
    let timeout = shared.config.handshake_timeout;
    let connection = match tokio::time::timeout(timeout, shared.network.connect(addr)).await {
        Ok(Ok(connection)) => connection,
        Ok(Err(source)) => return Err(ConnectError::Io { addr: addr.to_owned(), source }),
        Err(_) => return Err(ConnectError::Timeout { addr: addr.to_owned() }),
    };
    let remote = connection.peer;
    let tcp = connection.stream;
    let handshake = async {
        let io: Box<dyn Io> = match &shared.tls {
            Some(tls) => tls.connect(tcp).await?,
            None => tcp,
        };
        let mut conn = handshake::framed(io);
        let go = |theirs: &Hello| {
            shared.intents.dial((theirs.node, theirs.incarnation), || shared.live_link(theirs))
        };
        let outcome = handshake::dial(&mut conn, &shared.me, &shared.config.secret, go).await?;
        Ok::<_, HandshakeError>((conn, outcome))
    };
    let (conn, outcome) = match tokio::time::timeout(timeout, handshake).await {
        Ok(Ok(done)) => done,
        Ok(Err(reason)) => return Err(failed(reason, remote)),
        Err(_) => {
            shared.system.events().publish(HandshakeFailed { addr: remote, reason: "timed out".into() });
            return Err(ConnectError::Timeout { addr: addr.to_owned() });
        }
    };
    let (hello, _going) = match outcome {
        Outcome::Welcomed(hello, going) => (hello, going),
        Outcome::Redundant(hello) => {
            drop(conn);
            tracing::debug!(peer = %hello.node, %addr, "another link to this node wins; waiting for it");
            return wait_for_link(shared, &hello, addr).await;
        }
    };
    let node = hello.node;
    let parts = conn.into_parts();
    establish(shared, parts.io, parts.read_buf, hello, Some(addr.to_owned()), remote)
        .ok_or_else(|| ConnectError::Departed { addr: addr.to_owned(), node })
}

/// A dial found that another link to the node that answered wins (one up,
/// or in its handshake): waits for that link, for at most the handshake
/// timeout.
async fn wait_for_link(shared: &Arc<Shared>, hello: &Hello, addr: &str) -> Result<Arc<Peer>, ConnectError> {
    let deadline = tokio::time::Instant::now() + shared.config.handshake_timeout;
    let mut links = shared.links.subscribe();
    loop {
        if shared.live_link(hello).is_some() {
            if let Some(peer) = shared.peer(hello.node) {
                return Ok(peer);
            }
        }
        tokio::select! {
            () = shared.shutdown.cancelled() => return Err(ConnectError::ShuttingDown),
            changed = tokio::time::timeout_at(deadline, links.changed()) => {
                if !matches!(changed, Ok(Ok(()))) {
                    return Err(ConnectError::Timeout { addr: addr.to_owned() });
                }
            }
        }
    }
}

/// Accepts connections until the node shuts down; each runs its
/// handshake in a task of its own, so a silent or hostile peer holds up
/// nobody.
pub(crate) async fn accept_loop(shared: Arc<Shared>, mut listener: Box<dyn Listener>) {
    loop {
        let accepted = tokio::select! {
            () = shared.shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (tcp, remote) = match accepted {
            Ok(connection) => (connection.stream, connection.peer),
            Err(e) => {
                // Out of file descriptors, say: wait a little rather than spin.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let shared2 = shared.clone();
        shared.tasks.spawn(async move { accept_one(shared2, tcp, remote).await });
    }
}

async fn accept_one(shared: Arc<Shared>, tcp: Box<dyn Io>, remote: Option<SocketAddr>) {
    let handshake = async {
        let io: Box<dyn Io> = match &shared.tls {
            Some(tls) => match tls.accept(tcp).await {
                Ok(io) => io,
                Err(NotTls::Failed(e)) => return Err(e),
                Err(NotTls::PlainText(tcp)) => {
                    let mut conn = handshake::framed(tcp);
                    let refused =
                        HandshakeError::Tls("this node requires TLS; the peer spoke plain text".into());
                    return Err(handshake::refuse(&mut conn, refused).await);
                }
            },
            None => tcp,
        };
        let mut conn = handshake::framed(io);
        let go = |theirs: &Hello| {
            shared
                .intents
                .accept(shared.node(), (theirs.node, theirs.incarnation), || shared.live_link(theirs))
        };
        let outcome = handshake::accept(&mut conn, &shared.me, &shared.config.secret, go).await?;
        Ok::<_, HandshakeError>((conn, outcome))
    };
    let outcome = tokio::select! {
        () = shared.shutdown.cancelled() => return,
        outcome = tokio::time::timeout(shared.config.handshake_timeout, handshake) => outcome,
    };
    let reason = match outcome {
        Ok(Ok((conn, Outcome::Welcomed(hello, _going)))) => {
            let parts = conn.into_parts();
            establish(&shared, parts.io, parts.read_buf, hello, None, remote);
            return;
        }
        Ok(Ok((_, Outcome::Redundant(hello)))) => {
            tracing::debug!(peer = %hello.node, addr = ?remote, "another link with this node wins; closing");
            return;
        }
        Ok(Err(reason)) => reason.to_string(),
        Err(_) => "the peer did not finish the handshake in time".to_owned(),
    };
    tracing::warn!(peer = ?remote, %reason, "refused a connection");
    shared.system.events().publish(HandshakeFailed { addr: remote, reason });
}

/// Makes a handshaken connection the link of its peer; `dialed` is the
/// address this node dialed (`None` for an accepted connection). `None`
/// (the connection closed) if the peer is a member that left: it still
/// answers while it shuts down, and a link to it would make a peer that
/// nothing gives up.
fn establish(
    shared: &Arc<Shared>,
    io: Box<dyn Io>,
    read_buf: BytesMut,
    hello: Hello,
    dialed: Option<String>,
    remote: Option<SocketAddr>,
) -> Option<Arc<Peer>> {
    if shared.membership.has_departed(hello.node, hello.incarnation) {
        tracing::debug!(peer = %hello.node, addr = ?remote, "not linking a member that left");
        return None;
    }
    let link = NEXT_LINK.fetch_add(1, Ordering::Relaxed);
    let dialer = if dialed.is_some() { shared.node() } else { hello.node };
    let mut replaced = None;
    let peer = {
        let mut peers = shared.peers.write();
        match peers.get(&hello.node) {
            // A live link it finds is one whose other end broke (the
            // handshake kept two links dialed at once from both coming up,
            // see `intents`): the new link replaces it.
            Some(peer) if peer.incarnation == hello.incarnation && !peer.is_gone() => peer.clone(),
            existing => {
                replaced = existing.cloned();
                let max_frame = shared.config.max_frame.min(hello.max_frame as usize);
                let peer = Peer::new(hello.node, hello.incarnation, max_frame, shared.config.outbound_buffer);
                peers.insert(hello.node, peer.clone());
                peer
            }
        }
    };
    if let Some(old) = replaced {
        // The same node id with another incarnation: the old one is gone.
        shared.peer_gone(&old);
    }
    if let Some(addr) = &dialed {
        peer.reached_at(addr);
    }
    if let Some(listen) = &hello.listen {
        peer.reached_at(listen);
    }
    let cancel = shared.shutdown.child_token();
    peer.link_up(link, dialer, cancel.clone());
    shared.links_changed();
    let (read, write) = tokio::io::split(io);
    tracing::info!(peer = %hello.node, incarnation = hello.incarnation, addr = ?remote, "link up");
    shared.system.events().publish(PeerConnected {
        node: hello.node,
        incarnation: hello.incarnation,
        addr: remote,
    });
    // Gossip introduces the two nodes to each other; names are settled.
    shared.membership.send(Input::Linked(MemberId {
        node: hello.node,
        incarnation: hello.incarnation,
        started: 0,
        generation: 0,
        listen: hello.listen.clone(),
    }));
    claims::reclaim(shared, &peer);
    // Whichever of the two tasks sees the link end first reports it, and
    // with it the address to redial (if this node dialed): a write that
    // fails before the read sees the end must not leave the link undialed.
    let (s, p, c, redial) = (shared.clone(), peer.clone(), cancel.clone(), dialed.clone());
    shared.tasks.spawn(async move {
        let reason = writer::run(&p, link, write, &c, s.config.write_timeout).await;
        link_lost(&s, &p, link, &c, reason, redial);
    });
    let (s, p) = (shared.clone(), peer.clone());
    shared.tasks.spawn(async move {
        let reason = reader::run(&s, &p, link, read, read_buf, &cancel).await;
        link_lost(&s, &p, link, &cancel, reason, dialed);
    });
    Some(peer)
}

/// A link ended: if it was the peer's current link, the peer waits for a
/// new one (this node redials if it dialed), and is given up after
/// `down_after` without one.
fn link_lost(
    shared: &Arc<Shared>,
    peer: &Arc<Peer>,
    link: u64,
    cancel: &CancellationToken,
    reason: String,
    redial: Option<String>,
) {
    cancel.cancel();
    if !peer.link_lost(link) || shared.shutdown.is_cancelled() {
        return;
    }
    let reason = peer.close_reason().unwrap_or(reason);
    shared.links_changed();
    tracing::info!(peer = %peer.node, %reason, "link down");
    shared.system.events().publish(PeerDisconnected { node: peer.node, reason });
    let (s, p) = (shared.clone(), peer.clone());
    shared.tasks.spawn(async move { wait_or_give_up(s, p, redial).await });
}

/// Redials `addr` (if this node dialed the lost link) with exponential
/// back-off and jitter until the peer is back or `down_after` passed.
async fn wait_or_give_up(shared: Arc<Shared>, peer: Arc<Peer>, redial: Option<String>) {
    let deadline = tokio::time::Instant::now() + shared.config.down_after;
    let mut state = peer.subscribe_state();
    let mut delays = redial_delays();
    loop {
        if !matches!(*state.borrow_and_update(), LinkState::Down) {
            return; // back up (by either side), or gone
        }
        let wait = match &redial {
            Some(_) => delays.next().unwrap_or(MAX_REDIAL_DELAY),
            None => shared.config.down_after,
        };
        tokio::select! {
            () = shared.shutdown.cancelled() => return,
            () = tokio::time::sleep_until(deadline) => break,
            _ = state.changed() => continue,
            () = tokio::time::sleep(wait) => {}
        }
        if let Some(addr) = &redial {
            match connect(&shared, addr).await {
                // Back, or a new incarnation answered (the old one was given up).
                Ok(answered) if answered.node == peer.node => return,
                // Another node listens there now: the one lost is gone (a
                // restart), and nothing may wait for it any longer.
                Ok(answered) => {
                    tracing::info!(peer = %peer.node, successor = %answered.node, %addr, "another node answered at a lost peer's address");
                    break;
                }
                Err(e) => tracing::debug!(peer = %peer.node, error = %e, "redial failed"),
            }
        }
    }
    if peer.state() == LinkState::Down {
        shared.peer_gone(&peer);
    }
}

/// The longest wait between two dials of one address.
const MAX_REDIAL_DELAY: Duration = Duration::from_secs(2);

/// Waits between dials: exponential from 50 ms to [`MAX_REDIAL_DELAY`],
/// with jitter, without end.
fn redial_delays() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(50))
        .with_max_delay(MAX_REDIAL_DELAY)
        .with_jitter()
        .without_max_times()
        .build()
}

/// Dials a seed until a link is up (with back-off); after that, a broken
/// link is redialed by the link's own logic. It stops, too, once any member
/// linked to this node: a seed is the way into the cluster, and gossip
/// introduces the rest. (A discovery seed, such as actor-nats's, would
/// otherwise open a second link to a member that had just linked to this
/// node, and one of the two links would replace the other with what it
/// carried.)
pub(crate) async fn keep_dialing(shared: Arc<Shared>, addr: String) {
    let mut delays = redial_delays();
    loop {
        if shared.has_live_peer() {
            tracing::debug!(seed = %addr, "linked to the cluster; the seed is not dialed again");
            return;
        }
        match connect(&shared, &addr).await {
            Ok(_) | Err(ConnectError::ShuttingDown) => return,
            Err(e) => tracing::info!(seed = %addr, error = %e, "seed not reached yet; retrying"),
        }
        let delay = delays.next().unwrap_or(MAX_REDIAL_DELAY);
        tokio::select! {
            () = shared.shutdown.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}
