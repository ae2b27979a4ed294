//! Messages with their type erased, for endpoints that are not local cells:
//! the form in which a tell or an ask reaches [`Endpoint::send`](super::Endpoint::send).

use std::any::{Any, TypeId};
use std::fmt;

use tokio::sync::oneshot;

use super::{AskError, ReplySender};

use crate::message::Message;

/// A tell or an ask whose message type is erased: what a handle gives an
/// [`Endpoint`](super::Endpoint) that is not a local actor cell (a remote
/// node's proxy, a test probe, a forwarder).
///
/// The endpoint takes the message back out with [`downcast`](Self::downcast)
/// (or inspects [`message_type`](Self::message_type) first, e.g. to find a
/// codec), and answers an ask through its [`AnyReply`]. A message the
/// endpoint cannot carry goes back to the sender inside a
/// [`SendError`](crate::SendError), so the sender gets its message back.
pub struct AnyMessage {
    payload: Box<dyn Any + Send>,
    message_type: &'static str,
    message_id: TypeId,
    reply: Option<AnyReply>,
    /// How a local cell of the actor type the sender addressed turns this
    /// into one of its envelopes: set when the sender knew that type.
    local: Option<LocalDelivery>,
}

/// The actor type a sender addressed, and how to make that actor's
/// envelope from the payload.
struct LocalDelivery {
    actor: TypeId,
    make: MakeEnvelope,
}

impl AnyMessage {
    /// A fire-and-forget message.
    pub fn tell<M: Message>(msg: M) -> Self {
        AnyMessage {
            payload: Box::new(msg),
            message_type: std::any::type_name::<M>(),
            message_id: TypeId::of::<M>(),
            reply: None,
            local: None,
        }
    }

    /// A message whose reply goes to `reply`.
    pub fn ask<M: Message>(msg: M, reply: AnyReply) -> Self {
        AnyMessage { reply: Some(reply), ..AnyMessage::tell(msg) }
    }

    /// Marks the message as addressed to an actor type (`actor`), with
    /// `make` turning payload and reply into that actor's envelope, so a
    /// local cell of that type can queue it (a forwarder that ends at a
    /// local actor relies on this).
    pub(crate) fn with_local_delivery(mut self, actor: TypeId, make: MakeEnvelope) -> Self {
        self.local = Some(LocalDelivery { actor, make });
        self
    }

    /// True if a local cell of actor type `actor` can queue this message.
    pub(crate) fn is_for_actor(&self, actor: TypeId) -> bool {
        self.local.as_ref().is_some_and(|local| local.actor == actor)
    }

    /// The message's Rust type name (`std::any::type_name`).
    pub fn message_type(&self) -> &'static str {
        self.message_type
    }

    /// The message's [`TypeId`]: a key for finding its codec.
    pub fn message_id(&self) -> TypeId {
        self.message_id
    }

    /// True if the message is an `M`.
    pub fn is<M: Message>(&self) -> bool {
        self.message_id == TypeId::of::<M>()
    }

    /// True for an ask (a reply is awaited).
    pub fn is_ask(&self) -> bool {
        self.reply.is_some()
    }

    /// The message and, for an ask, where its reply goes; the erased
    /// message back if it is not an `M`.
    ///
    /// # Errors
    /// `Err(self)` when the message is of another type.
    pub fn downcast<M: Message>(self) -> Result<(M, Option<AnyReply>), Self> {
        if !self.is::<M>() {
            return Err(self);
        }
        let AnyMessage { payload, reply, .. } = self;
        match payload.downcast::<M>() {
            Ok(msg) => Ok((*msg, reply)),
            Err(_) => unreachable!("the type id was checked above"),
        }
    }

    /// The envelope (erased) that a local cell of actor type `actor`
    /// queues, if the sender addressed that type.
    pub(crate) fn into_local(self, actor: TypeId) -> Result<Box<dyn Any + Send>, Self> {
        match &self.local {
            Some(local) if local.actor == actor => {
                let make = local.make;
                Ok(make(self.payload, self.reply))
            }
            _ => Err(self),
        }
    }
}

/// Turns an erased payload and reply into an actor's envelope, erased.
pub(crate) type MakeEnvelope = fn(Box<dyn Any + Send>, Option<AnyReply>) -> Box<dyn Any + Send>;

impl fmt::Debug for AnyMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyMessage")
            .field("message_type", &self.message_type)
            .field("ask", &self.is_ask())
            .finish()
    }
}

/// Where the reply to an erased ask goes. Dropping it unanswered ends the
/// ask with [`AskError::Stopped`](crate::AskError::Stopped).
pub struct AnyReply {
    slot: Box<dyn ReplySlot>,
    reply_type: &'static str,
    reply_id: TypeId,
}

/// A typed reply sender behind the erased one.
trait ReplySlot: Send {
    fn send(self: Box<Self>, value: Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>>;
    fn fail(self: Box<Self>, error: AskError);
    fn is_closed(&self) -> bool;
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

impl<R: Send + 'static> ReplySlot for ReplySender<R> {
    fn send(self: Box<Self>, value: Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>> {
        let value = value.downcast::<R>()?;
        (*self).send(Ok(*value)).map_err(|v| match v {
            Ok(value) => Box::new(value) as Box<dyn Any + Send>,
            Err(_) => unreachable!("sent Ok above"),
        })
    }

    fn fail(self: Box<Self>, error: AskError) {
        let _ = (*self).send(Err(Box::new(error)));
    }

    fn is_closed(&self) -> bool {
        oneshot::Sender::is_closed(self)
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// A reply slot that calls a function with the outcome (once; with
/// `Stopped(None)` if dropped unanswered).
struct FnSlot<R, F: FnOnce(Result<R, AskError>) + Send> {
    f: Option<F>,
    reply: std::marker::PhantomData<fn(R)>,
}

impl<R: Send + 'static, F: FnOnce(Result<R, AskError>) + Send + 'static> ReplySlot for FnSlot<R, F> {
    fn send(mut self: Box<Self>, value: Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>> {
        let value = value.downcast::<R>()?;
        if let Some(f) = self.f.take() {
            f(Ok(*value));
        }
        Ok(())
    }

    fn fail(mut self: Box<Self>, error: AskError) {
        if let Some(f) = self.f.take() {
            f(Err(error));
        }
    }

    fn is_closed(&self) -> bool {
        false
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

impl<R, F: FnOnce(Result<R, AskError>) + Send> Drop for FnSlot<R, F> {
    fn drop(&mut self) {
        if let Some(f) = self.f.take() {
            f(Err(AskError::Stopped(None)));
        }
    }
}

impl AnyReply {
    /// A reply slot that calls `f` with the outcome, on the task that
    /// answers: the reply, or why there is none ([`AskError::Stopped`]`(None)`
    /// if the slot is dropped unanswered). For an endpoint that forwards
    /// replies itself (a transport writing the reply to its link) without a
    /// task waiting for each.
    ///
    /// ```
    /// use actor_core::dev::{AnyMessage, AnyReply};
    /// use actor_core::{AskError, Message};
    /// use std::sync::mpsc;
    ///
    /// struct Double(u32);
    /// impl Message for Double { type Reply = u32; }
    ///
    /// let (tx, rx) = mpsc::channel();
    /// let reply = AnyReply::from_fn(move |outcome: Result<u32, AskError>| tx.send(outcome).unwrap());
    /// let (Double(n), reply) = AnyMessage::ask(Double(21), reply).downcast::<Double>().unwrap();
    /// reply.unwrap().send_typed(n * 2).unwrap();
    /// assert_eq!(rx.recv().unwrap(), Ok(42));
    /// ```
    pub fn from_fn<R: Send + 'static>(f: impl FnOnce(Result<R, AskError>) + Send + 'static) -> Self {
        AnyReply {
            slot: Box::new(FnSlot { f: Some(f), reply: std::marker::PhantomData }),
            reply_type: std::any::type_name::<R>(),
            reply_id: TypeId::of::<R>(),
        }
    }

    /// A reply slot that hands a value of the right type to a waiting asker.
    pub(crate) fn new<R: Send + 'static>(tx: ReplySender<R>) -> Self {
        AnyReply { slot: Box::new(tx), reply_type: std::any::type_name::<R>(), reply_id: TypeId::of::<R>() }
    }

    /// The typed sender this reply was made from, if it waits for an `R`.
    pub(crate) fn into_sender<R: Send + 'static>(self) -> Option<ReplySender<R>> {
        self.slot.into_any().downcast::<ReplySender<R>>().ok().map(|tx| *tx)
    }

    /// Answers with a failure instead of a value: what an endpoint that
    /// lost its actor (a remote node gone, an actor unknown there) tells
    /// the asker.
    pub fn fail(self, error: AskError) {
        self.slot.fail(error);
    }

    /// Answers with `value`, which must be of the message's reply type.
    ///
    /// # Errors
    /// Hands `value` back if it is of another type than
    /// [`reply_type`](Self::reply_type), or if the asker stopped waiting.
    pub fn send(self, value: Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>> {
        self.slot.send(value)
    }

    /// Answers with a typed value; see [`send`](Self::send).
    ///
    /// # Errors
    /// Hands `value` back if `R` is not the reply type or the asker left.
    pub fn send_typed<R: Send + 'static>(self, value: R) -> Result<(), R> {
        self.send(Box::new(value)).map_err(|back| match back.downcast::<R>() {
            Ok(value) => *value,
            Err(_) => unreachable!("handed back as it was given"),
        })
    }

    /// The Rust type name of the reply the asker waits for.
    pub fn reply_type(&self) -> &'static str {
        self.reply_type
    }

    /// True if the reply must be an `R`.
    pub fn expects<R: 'static>(&self) -> bool {
        self.reply_id == TypeId::of::<R>()
    }

    /// True once the asker has stopped waiting (timed out or dropped).
    pub fn is_closed(&self) -> bool {
        self.slot.is_closed()
    }
}

impl fmt::Debug for AnyReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyReply").field("reply_type", &self.reply_type).finish()
    }
}
