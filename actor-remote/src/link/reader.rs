//! A link's reader: splits the stream into frames (complete and within the
//! limit, or the link is dropped), and hands each to where it goes:
//! messages to their actor's inbound queue, replies to their askers,
//! credits to senders, lookups to the exposed names.

use std::sync::Arc;

use actor_core::dev::Signal;
use actor_core::{ActorId, StopReason, TraceContext};
use bytes::{Bytes, BytesMut};
use futures_util::FutureExt;
use parking_lot::Mutex;
use tokio::io::ReadHalf;
use tokio_util::sync::CancellationToken;

use crate::claims;
use crate::exposed::dead_letter;
use crate::membership::Input;
use crate::peer::{Answer, Deliver, Inbound, Peer, Queued, ReplyRoute, Undelivered};
use crate::shared::Shared;
use crate::tls::Io;
use crate::watched;
use crate::wire::envelope::{self, Failure, Header, StopHow};
use crate::wire::WireError;

use super::frames::{self, Frames, Payload};

/// The message type in dead letters whose wire name no actor here handles.
const UNKNOWN_MESSAGE: &str = "(unknown remote message)";

/// Inbound messages for one actor beyond this many windows are refused
/// (a peer that ignores flow control, or a link that reconnected while
/// the old one's messages still wait).
const WINDOWS_QUEUED: usize = 4;

/// Reads link `link` until it breaks or another link replaces it;
/// returns why it ended.
pub(super) async fn run(
    shared: &Arc<Shared>,
    peer: &Arc<Peer>,
    link: u64,
    read: ReadHalf<Box<dyn Io>>,
    read_buf: BytesMut,
    cancel: &CancellationToken,
) -> String {
    let mut frames = Frames::new(read, read_buf, shared.config.max_frame);
    let mut routes = Routes { link, ..Routes::default() };
    loop {
        let error = match frames.complete() {
            Ok(Some(chunk)) => match handle(shared, peer, &mut routes, &chunk).await {
                Ok(()) if routes.replaced => return "replaced by a newer link".to_owned(),
                Ok(()) => continue,
                Err(e) => e,
            },
            Ok(None) => {
                // More is read without waiting while there is more; before
                // waiting, the credits of what was delivered go back.
                let read = match frames.fill().now_or_never() {
                    Some(read) => read,
                    None => {
                        routes.flush_credits(peer);
                        tokio::select! {
                            () = cancel.cancelled() => return "closed".to_owned(),
                            read = frames.fill() => read,
                        }
                    }
                };
                match read {
                    Ok(0) if frames.in_frame() => WireError::Truncated,
                    Ok(0) => return "the peer closed the connection".to_owned(),
                    Ok(_) => continue,
                    Err(e) => return format!("read failed: {e}"),
                }
            }
            Err(e) => e,
        };
        tracing::warn!(peer = %peer.node, error = %error, "protocol error from a peer; dropping the link");
        return format!("protocol error: {error}");
    }
}

/// Hands each frame of a chunk to where it goes.
async fn handle(
    shared: &Arc<Shared>,
    peer: &Arc<Peer>,
    routes: &mut Routes,
    chunk: &Bytes,
) -> Result<(), WireError> {
    for frame in frames::each(chunk) {
        if !peer.is_current(routes.link) {
            // Another link replaced this one: what it still holds is lost
            // with it (at most once); handed on now, it could overtake what
            // the new link already delivered.
            routes.replaced = true;
        }
        if routes.replaced {
            return Ok(());
        }
        dispatch(shared, peer, routes, chunk, frame)?;
        if std::mem::take(&mut routes.credited) {
            // A credit frame is waiting in the link's buffer, and its writer
            // was woken on this thread, where it would wait for the reader to
            // run out of frames while the sender waits for the credit: let it
            // run now.
            tokio::task::yield_now().await;
        }
    }
    Ok(())
}

fn dispatch(
    shared: &Arc<Shared>,
    peer: &Arc<Peer>,
    routes: &mut Routes,
    chunk: &Bytes,
    frame: &[u8],
) -> Result<(), WireError> {
    // Almost every frame: straight to its actor, no `Header` built.
    if let Some((target, index, bytes)) = envelope::tell_at(frame) {
        let payload = Payload { chunk, bytes };
        inbound(shared, peer, routes, target, Named::Index(index), payload, None, None);
        return Ok(());
    }
    let (header, payload) = Header::decode(frame)?;
    let payload = Payload { chunk, bytes: payload };
    match header {
        Header::Tell { target, name } => {
            inbound(shared, peer, routes, target, Named::Name(name), payload, None, None)
        }
        Header::TellAt { target, index } => {
            inbound(shared, peer, routes, target, Named::Index(index), payload, None, None)
        }
        Header::Ask { target, corr, name } => {
            inbound(shared, peer, routes, target, Named::Name(name), payload, Some(corr), None)
        }
        Header::TracedTell { target, name, trace } => {
            inbound(shared, peer, routes, target, Named::Name(name), payload, None, Some(trace.into()))
        }
        Header::TracedAsk { target, corr, name, trace } => {
            inbound(shared, peer, routes, target, Named::Name(name), payload, Some(corr), Some(trace.into()))
        }
        Header::Reply { corr } => answer(peer, corr, Answer::Reply(&payload)),
        Header::Failed { corr, failure } => answer(peer, corr, Answer::Failed(failure)),
        Header::Found { corr, target, window, handles } => {
            answer(peer, corr, Answer::Found { target, window, handles });
        }
        Header::NotFound { corr } => answer(peer, corr, Answer::NotFound),
        Header::Credit { target, count } => peer.add_credits(target, count),
        Header::Lookup { corr, name } => {
            let found = shared.exposed.by_name(name);
            let answer = match &found {
                Some(exposure) => Header::Found {
                    corr,
                    target: exposure.id.sequence(),
                    window: shared.config.window,
                    handles: exposure.handles(),
                },
                None => Header::NotFound { corr },
            };
            peer.control(&answer, &[]);
        }
        Header::Stop { target, how } => {
            if let Some(exposure) = shared.exposed.by_target(target) {
                let signal = match how {
                    StopHow::Stop => Signal::Stop(StopReason::Normal),
                    StopHow::Drain => Signal::Drain(StopReason::Normal),
                    StopHow::Kill => Signal::Kill,
                };
                let _ = exposure.endpoint.signal(signal);
            }
        }
        Header::Swim => {
            if !shared.membership.send(Input::Swim(payload.to_bytes())) {
                tracing::debug!(peer = %peer.node, "gossip inbox full; a SWIM packet dropped");
            }
        }
        Header::Heartbeat => shared.membership.heartbeat(peer.node),
        Header::Leave => {
            shared.membership.leaving(peer.node, peer.incarnation);
            shared.membership.send(Input::Left(peer.node));
            // Members without a link to the leaver hear it from us.
            let departed = Header::Departed { node: peer.node, incarnation: peer.incarnation };
            let others: Vec<_> =
                shared.peers.read().values().filter(|p| p.node != peer.node).cloned().collect();
            for other in others {
                other.control(&departed, &[]);
            }
        }
        Header::Departed { node, incarnation } => {
            if node != shared.node() && !shared.membership.is_leaving(node, incarnation) {
                shared.membership.leaving(node, incarnation);
                shared.membership.send(Input::Left(node));
            }
        }
        Header::Watch { target, watcher } => watched::watch(&shared.exposed, peer, target, watcher),
        Header::Unwatch { target, watcher } => watched::unwatch(&shared.exposed, peer, target, watcher),
        Header::Terminated { target, watcher, reason } => peer.terminated(target, watcher, reason),
        Header::TerminatedAck { target, watcher } => peer.terminated_acked(target, watcher),
        Header::Event { name } => {
            if let Err(e) = shared.shared_events.republish(&shared.system, name, &payload) {
                tracing::warn!(peer = %peer.node, event = name, error = %e, "a shared fact failed to decode; dropped");
            }
        }
        Header::Claim { corr, name, since } => {
            let holder = claims::answer(shared, peer.node, name, since);
            peer.control(&Header::Claimed { corr, holder }, &[]);
        }
        Header::Claimed { corr, holder } => answer(peer, corr, Answer::Claimed(holder)),
    }
    Ok(())
}

fn answer(peer: &Peer, corr: u64, answer: Answer<'_>) {
    match peer.take_pending(corr) {
        Some(pending) => pending.answer(answer),
        // The asker's link broke and it was told so; the answer came anyway.
        None => tracing::debug!(peer = %peer.node, corr, "an answer nobody waits for"),
    }
}

/// How a frame names its message: by wire name, or by its place among
/// the target's wire names (`TellAt`).
#[derive(Clone, Copy)]
enum Named<'a> {
    Name(&'a str),
    Index(u32),
}

/// Where the messages of one (actor, wire name) go: resolved once per
/// link, not once per message, until an actor is exposed or unexposed.
struct Route {
    target: u64,
    name: Box<str>,
    /// The name's index, for a route found by one.
    index: Option<u32>,
    deliver: Arc<dyn Deliver>,
    queue: Arc<Mutex<Inbound>>,
    /// Messages delivered by the reader itself whose credits have not gone
    /// back yet.
    credits: u32,
}

/// The reader's routes, valid for one generation of the exposed table.
#[derive(Default)]
struct Routes {
    generation: u64,
    routes: Vec<Route>,
    /// A credit frame went into the link's buffer since the last yield.
    credited: bool,
    /// The link this reader reads.
    link: u64,
    /// The link is no longer the peer's current one: nothing more is handed on.
    replaced: bool,
}

/// More routes than this on one link: start over (a peer addressing many
/// actors pays a lookup per message, as without the cache).
const MAX_ROUTES: usize = 64;

impl Routes {
    fn flush_credits(&mut self, peer: &Peer) {
        for route in &mut self.routes {
            if route.credits > 0 {
                peer.control(&Header::Credit { target: route.target, count: route.credits }, &[]);
                route.credits = 0;
            }
        }
    }

    /// The route of `(target, name)`, resolving it if needed; `None` (with
    /// the dead letter and failure done) if no actor here takes it.
    fn route(
        &mut self,
        shared: &Shared,
        peer: &Peer,
        target: u64,
        named: Named<'_>,
        corr: Option<u64>,
    ) -> Option<&mut Route> {
        let generation = shared.exposed.generation();
        if generation != self.generation || self.routes.len() >= MAX_ROUTES {
            self.flush_credits(peer);
            self.routes.clear();
            self.generation = generation;
        }
        let cached = match named {
            Named::Name(name) => self.routes.iter().position(|r| r.target == target && *r.name == *name),
            Named::Index(index) => {
                self.routes.iter().position(|r| r.target == target && r.index == Some(index))
            }
        };
        if let Some(i) = cached {
            return Some(&mut self.routes[i]);
        }
        let refuse = |to: ActorId, message_type: &'static str, failure: Failure| {
            dead_letter(&shared.system, to, message_type);
            if let Some(corr) = corr {
                peer.control(&Header::Failed { corr, failure }, &[]);
            }
        };
        let Some(exposure) = shared.exposed.by_target(target) else {
            tracing::warn!(peer = %peer.node, target, "a remote message for an actor not exposed here");
            refuse(ActorId::from_parts(shared.node(), target), UNKNOWN_MESSAGE, Failure::UnknownActor);
            return None;
        };
        let (name, index) = match named {
            Named::Name(name) => (name, None),
            Named::Index(index) => match exposure.name_at(index) {
                Some(name) => (name, Some(index)),
                None => {
                    tracing::warn!(peer = %peer.node, actor = %exposure.name, index, "a remote message by an index this actor has no name at");
                    refuse(exposure.id, UNKNOWN_MESSAGE, Failure::UnknownMessage(format!("#{index}")));
                    return None;
                }
            },
        };
        let Some(deliver) = exposure.handlers.get(name) else {
            tracing::warn!(peer = %peer.node, actor = %exposure.name, message = name, "a remote message of a name this actor does not handle");
            refuse(exposure.id, UNKNOWN_MESSAGE, Failure::UnknownMessage(name.to_owned()));
            return None;
        };
        let queue = peer.inbound.lock().entry(target).or_default().clone();
        self.routes.push(Route {
            target,
            name: name.into(),
            index,
            deliver: deliver.clone(),
            queue,
            credits: 0,
        });
        self.routes.last_mut()
    }
}

/// A message for a local actor: handed to its mailbox at once when nothing
/// from this peer waits before it and there is room, otherwise queued
/// behind the others for the same actor (bounded), or refused with a dead
/// letter (and, for an ask, a failure the asker sees). A traced message
/// is queued inside its trace's scope, so its handler's span carries it.
#[allow(clippy::too_many_arguments)] // the fields of two header variants
fn inbound(
    shared: &Arc<Shared>,
    peer: &Arc<Peer>,
    routes: &mut Routes,
    target: u64,
    named: Named<'_>,
    payload: Payload<'_>,
    corr: Option<u64>,
    trace: Option<TraceContext>,
) {
    let window = shared.config.window;
    let link = routes.link;
    let Some(route) = routes.route(shared, peer, target, named, corr) else { return };
    let reply = corr.map(|corr| ReplyRoute { peer: peer.clone(), corr });
    let mut inbound = route.queue.lock();
    if !peer.is_current(link) {
        // Checked under the actor's inbound lock, which the new link's
        // reader takes too: once it delivered anything, this sees it.
        drop(inbound);
        routes.replaced = true;
        return;
    }
    if inbound.queue.is_empty() && !inbound.draining {
        match in_trace(trace, || route.deliver.try_deliver(&payload, reply)) {
            Ok(()) => {
                drop(inbound);
                route.credits += 1;
                if route.credits >= credit_batch(window) {
                    peer.control(&Header::Credit { target, count: route.credits }, &[]);
                    route.credits = 0;
                    routes.credited = true;
                }
                return;
            }
            Err(undelivered) => {
                let deliver = route.deliver.clone();
                inbound.queue.push_back(Queued::Decoded { deliver, undelivered, trace });
            }
        }
    } else if inbound.queue.len() >= WINDOWS_QUEUED * window as usize {
        drop(inbound);
        tracing::warn!(peer = %peer.node, target, "a peer sent past its window; message refused");
        dead_letter(&shared.system, ActorId::from_parts(shared.node(), target), route.deliver.message_type());
        if let Some(reply) = reply {
            reply.fail(Failure::Overflow);
        }
        return;
    } else {
        inbound.queue.push_back(Queued::Raw {
            deliver: route.deliver.clone(),
            payload: payload.to_bytes(),
            corr,
            trace,
        });
    }
    if !inbound.draining {
        inbound.draining = true;
        drop(inbound);
        let (s, p, q) = (shared.clone(), peer.clone(), route.queue.clone());
        shared.tasks.spawn(async move { drain(&s, &p, target, &q).await });
    }
}

/// Runs `f` in the scope of the message's trace, if it has one.
fn in_trace<R>(trace: Option<TraceContext>, f: impl FnOnce() -> R) -> R {
    match trace {
        None => f(),
        Some(trace) => trace.in_scope(f),
    }
}

/// Hands over a message that waited for mailbox room, in its trace.
async fn deliver_in_trace(deliver: &dyn Deliver, undelivered: Undelivered, trace: Option<TraceContext>) {
    match trace {
        None => deliver.deliver(undelivered).await,
        Some(trace) => trace.scope(deliver.deliver(undelivered)).await,
    }
}

/// Credits go back after this many messages, half a window (and whenever
/// the reader or a drain runs out of work): each credit frame costs a
/// write here and a wake-up of the sender's reader there, and the sender
/// still has half its window to send while the credit travels.
fn credit_batch(window: u32) -> u32 {
    (window / 2).max(1)
}

/// Hands the queued messages to their actor in order, waiting for mailbox
/// room, and gives the sender credits as they are queued.
async fn drain(shared: &Shared, peer: &Arc<Peer>, target: u64, queue: &Mutex<Inbound>) {
    let batch = credit_batch(shared.config.window);
    let mut delivered = 0;
    loop {
        let next = {
            let mut inbound = queue.lock();
            match inbound.queue.pop_front() {
                Some(next) => next,
                None => {
                    inbound.draining = false;
                    break;
                }
            }
        };
        match next {
            Queued::Raw { deliver, payload, corr, trace } => {
                let reply = corr.map(|corr| ReplyRoute { peer: peer.clone(), corr });
                if let Err(undelivered) = in_trace(trace, || deliver.try_deliver(&payload, reply)) {
                    deliver_in_trace(&*deliver, undelivered, trace).await;
                }
            }
            Queued::Decoded { deliver, undelivered, trace } => {
                deliver_in_trace(&*deliver, undelivered, trace).await
            }
        }
        delivered += 1;
        if delivered >= batch {
            peer.control(&Header::Credit { target, count: delivered }, &[]);
            delivered = 0;
        }
    }
    if delivered > 0 {
        peer.control(&Header::Credit { target, count: delivered }, &[]);
    }
}
