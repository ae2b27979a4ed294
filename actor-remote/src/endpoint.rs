//! The address of an actor on another node: an [`Endpoint`] that encodes
//! each message with its codec and appends it to the peer's link, within
//! the actor's window of flow control.

// The endpoint contract hands a refused message back by value, in the error.
#![allow(clippy::result_large_err)]

use std::any::{Any, TypeId};
use std::pin::pin;
use std::sync::Arc;

use actor_core::dev::{AnyMessage, AnyReply, BoxFuture, Endpoint, Signal};
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_core::{ActorId, AskError, Handler, SendError, StopReason, TraceContext};
use bytes::BytesMut;

use crate::codec::Codec;
use crate::peer::{Answer, AppendError, Credits, Peer, PendingAnswer};
use crate::wire::envelope::{Failure, Header, StopHow};

/// Encodes one message type and appends it to a peer's buffer.
type Encode = Arc<dyn Fn(&Peer, u64, AnyMessage) -> Result<(), SendError<AnyMessage>> + Send + Sync>;

/// Encodes a tell of one message type from an `&mut Option<M>` (no
/// `AnyMessage`), after the tell header's bytes; `Ok(false)` if the buffer
/// is at its watermark (the message stays in the slot).
type EncodeInPlace = Arc<dyn Fn(&Peer, &[u8], &mut dyn Any) -> Result<bool, SendError<()>> + Send + Sync>;

/// How one message type crosses.
#[derive(Clone)]
pub(crate) struct Encoder {
    message: TypeId,
    /// `TypeId` of `Option<M>`: the slot of an in-place tell.
    slot: TypeId,
    name: &'static str,
    encode: Encode,
    in_place: EncodeInPlace,
}

/// The encoders of the messages one remote actor handles, by type (a
/// short list, searched in order: faster than hashing for a handful).
#[derive(Clone, Default)]
pub(crate) struct Encoders {
    by_type: Vec<Encoder>,
}

impl Encoders {
    /// The encoders of `A`'s remote messages.
    pub(crate) fn of_actor<A: RemoteActor, C: Codec>(codec: &C) -> Encoders {
        let mut table = Table::<A, C> {
            codec: codec.clone(),
            encoders: Encoders::default(),
            actor: std::marker::PhantomData,
        };
        A::remote_handlers(&mut table);
        table.encoders
    }

    /// The encoder of one message type.
    pub(crate) fn of_message<M: RemoteMessage, C: Codec>(codec: &C) -> Encoders {
        let mut encoders = Encoders::default();
        encoders.add::<M, C>(codec);
        encoders
    }

    fn add<M: RemoteMessage, C: Codec>(&mut self, codec: &C) {
        let c = codec.clone();
        let encode: Encode = Arc::new(move |peer, target, message| encode::<M, C>(&c, peer, target, message));
        let c = codec.clone();
        let in_place: EncodeInPlace =
            Arc::new(move |peer, header, slot| encode_in_place::<M, C>(&c, peer, header, slot));
        self.by_type.retain(|e| e.message != TypeId::of::<M>());
        self.by_type.push(Encoder {
            message: TypeId::of::<M>(),
            slot: TypeId::of::<Option<M>>(),
            name: M::NAME,
            encode,
            in_place,
        });
    }

    /// The wire names, for checking against what the remote actor handles.
    pub(crate) fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_type.iter().map(|e| e.name)
    }

    /// The encoders for one remote actor, each with its tell header
    /// encoded once: `TellAt`, naming the message by its place in
    /// `handles` (the actor's wire names as its node listed them), or
    /// `Tell` by name if it is not listed there.
    pub(crate) fn for_target(self, target: u64, handles: &[String]) -> Vec<(Encoder, Box<[u8]>)> {
        self.by_type
            .into_iter()
            .map(|encoder| {
                let mut header = BytesMut::new();
                let index =
                    handles.iter().position(|h| h == encoder.name).and_then(|i| u32::try_from(i).ok());
                match index {
                    Some(index) => Header::TellAt { target, index }.encode(&mut header),
                    None => Header::Tell { target, name: encoder.name }.encode(&mut header),
                }
                (encoder, header.to_vec().into_boxed_slice())
            })
            .collect()
    }
}

struct Table<A, C> {
    codec: C,
    encoders: Encoders,
    actor: std::marker::PhantomData<fn() -> A>,
}

impl<A: RemoteActor, C: Codec> RemoteHandlers<A> for Table<A, C> {
    fn handler<M: RemoteMessage>(&mut self)
    where
        A: Handler<M>,
    {
        self.encoders.add::<M, C>(&self.codec);
    }
}

fn encode<M: RemoteMessage, C: Codec>(
    codec: &C,
    peer: &Peer,
    target: u64,
    message: AnyMessage,
) -> Result<(), SendError<AnyMessage>> {
    let (msg, reply) = message.downcast::<M>().map_err(SendError::Unsupported)?;
    if peer.is_gone() {
        return Err(SendError::Closed(rebuild(msg, reply)));
    }
    let is_ask = reply.is_some();
    // The sender's trace (`None` at the cost of one check when untraced).
    let trace = TraceContext::current();
    let pending = reply.map(|reply| {
        Box::new(AwaitReply::<M, C> { reply, codec: codec.clone(), message: std::marker::PhantomData }) as _
    });
    let appended = peer.append(
        |out, corr| {
            let name = M::NAME;
            if is_ask {
                Header::ask(target, corr, name, trace).encode(out);
            } else {
                Header::tell(target, name, trace).encode(out);
            }
            codec.encode(&msg, out)
        },
        pending,
    );
    match appended {
        Ok(()) => Ok(()),
        // An ask's failure went to its asker with the reason.
        Err(_) if is_ask => Ok(()),
        Err(AppendError::Gone) => Err(SendError::Closed(AnyMessage::tell(msg))),
        Err(AppendError::Frame(e)) => {
            tracing::warn!(message = M::NAME, error = %e, "a message too large for the link was not sent");
            Err(SendError::Unsupported(AnyMessage::tell(msg)))
        }
        Err(AppendError::Write(e)) => {
            tracing::warn!(message = M::NAME, error = %e, "a message failed to encode and was not sent");
            Err(SendError::Unsupported(AnyMessage::tell(msg)))
        }
    }
}

fn encode_in_place<M: RemoteMessage, C: Codec>(
    codec: &C,
    peer: &Peer,
    header: &[u8],
    slot: &mut dyn Any,
) -> Result<bool, SendError<()>> {
    let Some(slot) = slot.downcast_mut::<Option<M>>() else { return Err(SendError::Unsupported(())) };
    let Some(msg) = slot.as_ref() else { return Err(SendError::Unsupported(())) };
    match peer.append_tell(header, |out| codec.encode(msg, out)) {
        Ok(true) => {
            *slot = None;
            Ok(true)
        }
        Ok(false) => Ok(false),
        Err(AppendError::Gone) => Err(SendError::Closed(())),
        Err(AppendError::Frame(e)) => {
            tracing::warn!(message = M::NAME, error = %e, "a message too large for the link was not sent");
            Err(SendError::Unsupported(()))
        }
        Err(AppendError::Write(e)) => {
            tracing::warn!(message = M::NAME, error = %e, "a message failed to encode and was not sent");
            Err(SendError::Unsupported(()))
        }
    }
}

fn rebuild<M: RemoteMessage>(msg: M, reply: Option<AnyReply>) -> AnyMessage {
    match reply {
        Some(reply) => AnyMessage::ask(msg, reply),
        None => AnyMessage::tell(msg),
    }
}

/// An ask's reply on its way back: decoded as `M::Reply` when it comes.
struct AwaitReply<M: RemoteMessage, C> {
    reply: AnyReply,
    codec: C,
    message: std::marker::PhantomData<fn() -> M>,
}

impl<M: RemoteMessage, C: Codec> PendingAnswer for AwaitReply<M, C> {
    fn answer(self: Box<Self>, answer: Answer<'_>) {
        let error = match answer {
            Answer::Reply(bytes) => match self.codec.decode::<M::Reply>(bytes) {
                Ok(value) => {
                    let _ = self.reply.send_typed(value);
                    return;
                }
                Err(e) => AskError::Codec(format!("the reply to {} failed to decode: {e}", M::NAME)),
            },
            Answer::Failed(failure) => ask_error(failure),
            Answer::Unreachable => AskError::Unreachable,
            Answer::Found { .. } | Answer::NotFound | Answer::Claimed(_) => {
                AskError::Codec("an answer of another kind to an ask".into())
            }
        };
        self.reply.fail(error);
    }

    fn is_abandoned(&self) -> bool {
        self.reply.is_closed()
    }
}

/// What the asker sees for a failure the other node reported.
pub(crate) fn ask_error(failure: Failure) -> AskError {
    match failure {
        Failure::Stopped(reason) => AskError::Stopped(reason),
        Failure::Failed(reason) => AskError::Failed(reason),
        Failure::UnknownActor => AskError::Stopped(None),
        Failure::UnknownMessage(_) => AskError::Unsupported,
        Failure::Codec(text) => AskError::Codec(text),
        Failure::Overflow => AskError::MailboxFull,
    }
}

/// An actor on another node, as handles see it.
pub(crate) struct RemoteEndpoint {
    pub(crate) id: ActorId,
    pub(crate) name: String,
    pub(crate) actor_type: &'static str,
    pub(crate) peer: Arc<Peer>,
    pub(crate) credits: Arc<Credits>,
    /// The encoders of the messages the actor handles, with their tell headers.
    pub(crate) encoders: Vec<(Encoder, Box<[u8]>)>,
}

impl RemoteEndpoint {
    fn target(&self) -> u64 {
        self.id.sequence()
    }

    fn encoder(&self, message: &AnyMessage) -> Option<&Encode> {
        let id = message.message_id();
        self.encoders.iter().find(|(e, _)| e.message == id).map(|(e, _)| &e.encode)
    }

    fn unsupported(&self, message: AnyMessage) -> SendError<AnyMessage> {
        tracing::warn!(
            to = %self.id,
            message = message.message_type(),
            "no remote codec for this message type: it is not a RemoteMessage the remote actor handles"
        );
        SendError::Unsupported(message)
    }

    fn send_now(&self, encode: &Encode, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        let sent = encode(&self.peer, self.target(), message);
        if sent.is_err() {
            self.credits.give_back();
        }
        sent
    }
}

impl Endpoint for RemoteEndpoint {
    fn id(&self) -> ActorId {
        self.id
    }

    fn name(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn actor_type(&self) -> &'static str {
        self.actor_type
    }

    fn stop_reason(&self) -> Option<StopReason> {
        self.peer.is_gone().then_some(StopReason::NodeDown)
    }

    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        let mut state = self.peer.subscribe_state();
        Box::pin(async move {
            let _ = state.wait_for(|s| *s == crate::peer::LinkState::Gone).await;
            StopReason::NodeDown
        })
    }

    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        let how = match signal {
            Signal::Stop(_) => StopHow::Stop,
            Signal::Drain(_) => StopHow::Drain,
            Signal::Kill => StopHow::Kill,
            Signal::Watch(watcher) => {
                return self.peer.watch(self.id, watcher).map_err(Signal::Watch);
            }
            Signal::Unwatch(watcher) => {
                self.peer.unwatch(self.id, watcher);
                return Ok(());
            }
            other => return Err(other),
        };
        if self.peer.control(&Header::Stop { target: self.target(), how }, &[]) {
            Ok(())
        } else {
            Err(signal)
        }
    }

    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        let Some(encode) = self.encoder(&message) else { return Err(self.unsupported(message)) };
        if self.peer.is_gone() {
            return Err(SendError::Closed(message));
        }
        if self.peer.buffered() >= self.peer.watermark || !self.credits.try_take() {
            return Err(SendError::Full(message));
        }
        self.send_now(encode, message)
    }

    fn send(&self, message: AnyMessage) -> BoxFuture<'_, Result<(), SendError<AnyMessage>>> {
        Box::pin(async move {
            let Some(encode) = self.encoder(&message) else { return Err(self.unsupported(message)) };
            // A credit first (the remote actor's window), then room in the
            // link's buffer: each waits without holding up other senders.
            loop {
                let mut granted = pin!(self.credits.notify.notified());
                granted.as_mut().enable();
                if self.peer.is_gone() {
                    return Err(SendError::Closed(message));
                }
                if self.credits.try_take() {
                    break;
                }
                granted.await;
            }
            loop {
                let mut drained = pin!(self.peer.space.notified());
                drained.as_mut().enable();
                if self.peer.is_gone() {
                    self.credits.give_back();
                    return Err(SendError::Closed(message));
                }
                if self.peer.buffered() < self.peer.watermark {
                    break;
                }
                drained.await;
            }
            self.send_now(encode, message)
        })
    }

    fn try_tell_in_place(&self, slot: &mut dyn Any) -> Option<Result<(), SendError<()>>> {
        let slot_type = (*slot).type_id();
        let (encoder, header) = self.encoders.iter().find(|(e, _)| e.slot == slot_type)?;
        if self.peer.is_gone() {
            return Some(Err(SendError::Closed(())));
        }
        if !self.credits.try_take() {
            return Some(Err(SendError::Full(())));
        }
        // A traced sender's tell gets a header of its own, with its trace.
        let traced;
        let header = match TraceContext::current() {
            None => &**header,
            Some(trace) => {
                let mut out = BytesMut::new();
                Header::tell(self.target(), encoder.name, Some(trace)).encode(&mut out);
                traced = out;
                &traced[..]
            }
        };
        let sent = (encoder.in_place)(&self.peer, header, slot);
        if !matches!(sent, Ok(true)) {
            self.credits.give_back();
        }
        Some(match sent {
            Ok(true) => Ok(()),
            Ok(false) => Err(SendError::Full(())),
            Err(e) => Err(e),
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}
