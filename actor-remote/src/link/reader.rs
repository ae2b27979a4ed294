//! A link's reader: splits the stream into frames (complete and within the
//! limit, or the link is dropped), and hands each to where it goes:
//! messages to their actor's inbound queue, replies to their askers,
//! credits to senders, lookups to the exposed names.

use std::sync::Arc;

use actor_core::dev::Signal;
use actor_core::{ActorId, StopReason};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::ReadHalf;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::exposed::dead_letter;
use crate::peer::{Answer, Delivery, Inbound, Peer, ReplyRoute};
use crate::shared::Shared;
use crate::tls::Io;
use crate::wire::envelope::{Failure, Header, StopHow};
use crate::wire::{frame, WireError};

/// The message type in dead letters whose wire name no actor here handles.
const UNKNOWN_MESSAGE: &str = "(unknown remote message)";

/// Inbound messages for one actor beyond this many windows are refused
/// (a peer that ignores flow control, or a link that reconnected while
/// the old one's messages still wait).
const WINDOWS_QUEUED: usize = 4;

/// Reads until the link breaks; returns why it ended.
pub(super) async fn run(
    shared: &Arc<Shared>,
    peer: &Arc<Peer>,
    read: ReadHalf<Box<dyn Io>>,
    read_buf: BytesMut,
    cancel: &CancellationToken,
) -> String {
    let limit = shared.config.max_frame;
    let mut frames = FramedRead::new(read, frame::codec(limit));
    frames.read_buffer_mut().extend_from_slice(&read_buf);
    loop {
        let next = tokio::select! {
            () = cancel.cancelled() => return "closed".to_owned(),
            next = frames.next() => next,
        };
        let error = match next {
            None => return "the peer closed the connection".to_owned(),
            Some(Ok(frame)) => match dispatch(shared, peer, frame.freeze()) {
                Ok(()) => continue,
                Err(e) => e,
            },
            Some(Err(e)) => match frame::read_error(e, limit) {
                Ok(wire) => wire,
                Err(io) => return format!("read failed: {io}"),
            },
        };
        tracing::warn!(peer = %peer.node, error = %error, "protocol error from a peer; dropping the link");
        return format!("protocol error: {error}");
    }
}

fn dispatch(shared: &Arc<Shared>, peer: &Arc<Peer>, frame: Bytes) -> Result<(), WireError> {
    let (header, payload) = Header::decode(&frame)?;
    let payload = frame.slice_ref(payload);
    match header {
        Header::Tell { target, name } => inbound(shared, peer, target, name, payload, None),
        Header::Ask { target, corr, name } => inbound(shared, peer, target, name, payload, Some(corr)),
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

/// A message for a local actor: queued behind the others from this peer
/// for the same actor, or refused with a dead letter (and, for an ask, a
/// failure the asker sees).
fn inbound(
    shared: &Arc<Shared>,
    peer: &Arc<Peer>,
    target: u64,
    name: &str,
    payload: Bytes,
    corr: Option<u64>,
) {
    let refuse = |to: ActorId, message_type: &'static str, failure: Failure| {
        dead_letter(&shared.system, to, message_type);
        if let Some(corr) = corr {
            peer.control(&Header::Failed { corr, failure }, &[]);
        }
    };
    let Some(exposure) = shared.exposed.by_target(target) else {
        tracing::warn!(peer = %peer.node, target, message = name, "a remote message for an actor not exposed here");
        return refuse(ActorId::from_parts(shared.node(), target), UNKNOWN_MESSAGE, Failure::UnknownActor);
    };
    let Some((deliver, message_type)) = exposure.handlers.get(name) else {
        tracing::warn!(peer = %peer.node, actor = %exposure.name, message = name, "a remote message of a name this actor does not handle");
        return refuse(exposure.id, UNKNOWN_MESSAGE, Failure::UnknownMessage(name.to_owned()));
    };
    let queue = peer.inbound.lock().entry(target).or_default().clone();
    let mut inbound = queue.lock();
    if inbound.queue.len() >= WINDOWS_QUEUED * shared.config.window as usize {
        drop(inbound);
        tracing::warn!(peer = %peer.node, actor = %exposure.name, "a peer sent past its window; message refused");
        return refuse(exposure.id, message_type, Failure::Overflow);
    }
    inbound.queue.push_back(Delivery { deliver: deliver.clone(), payload, corr });
    if !inbound.draining {
        inbound.draining = true;
        drop(inbound);
        let (s, p) = (shared.clone(), peer.clone());
        shared.tasks.spawn(async move { drain(&s, &p, target, &queue).await });
    }
}

/// Hands the queued messages to their actor in order, waiting for mailbox
/// room, and gives the sender credits as they are queued.
async fn drain(shared: &Shared, peer: &Arc<Peer>, target: u64, queue: &parking_lot::Mutex<Inbound>) {
    let batch = (shared.config.window / 4).max(1);
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
        let route = next.corr.map(|corr| ReplyRoute { peer: peer.clone(), corr });
        (next.deliver)(next.payload, route).await;
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
