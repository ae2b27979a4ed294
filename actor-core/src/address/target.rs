//! What a handle points at, and the one send path that `ActorRef` and
//! `Recipient` share.
//!
//! A [`Target<A>`] is either a local cell (the fast, typed path) or another
//! crate's [`Endpoint`] (messages erased to [`AnyMessage`]). [`MessageSink<M>`]
//! is the same thing seen as "whoever handles `M`": implemented for every
//! target whose actor handles `M`, and for a bare endpoint
//! ([`ForeignSink`]), it is what `Recipient<M>` and every ask hold.

use std::any::{Any, TypeId};
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::actor::{Actor, StopReason};
use crate::cell::{ActorCell, Control, SupervisedChild};
use crate::endpoint::{AnyMessage, AnyReply, BoxFuture, Endpoint, ReplySender, SendError, Signal};
use crate::envelope::{erased_envelope, Ask, Envelope, Tell, Traced};
use crate::id::ActorId;
use crate::message::{Handler, Message};
use crate::telemetry::trace::capture;

/// The actor behind an `ActorRef<A>`: in this process, or behind another
/// crate's endpoint.
// The local cell is inline on purpose: a target always sits behind an
// `Arc`, and boxing the cell would cost every local actor an allocation
// and every send a pointer hop.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Target<A: Actor> {
    Local(ActorCell<A>),
    Endpoint(Arc<dyn Endpoint>),
}

impl<A: Actor> Target<A> {
    pub(crate) fn endpoint(&self) -> &dyn Endpoint {
        match self {
            Target::Local(cell) => cell,
            Target::Endpoint(endpoint) => &**endpoint,
        }
    }

    pub(crate) fn local(&self) -> Option<&ActorCell<A>> {
        match self {
            Target::Local(cell) => Some(cell),
            Target::Endpoint(_) => None,
        }
    }
}

impl<A: Actor> Endpoint for Target<A> {
    fn id(&self) -> ActorId {
        self.endpoint().id()
    }

    fn name(&self) -> Option<&str> {
        self.endpoint().name()
    }

    fn actor_type(&self) -> &'static str {
        std::any::type_name::<A>()
    }

    fn is_alive(&self) -> bool {
        match self {
            Target::Local(cell) => cell.is_alive(),
            Target::Endpoint(endpoint) => endpoint.is_alive(),
        }
    }

    fn stop_reason(&self) -> Option<StopReason> {
        self.endpoint().stop_reason()
    }

    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        self.endpoint().wait_for_stop()
    }

    fn mailbox_len(&self) -> Option<usize> {
        self.endpoint().mailbox_len()
    }

    fn handling(&self) -> Option<(&'static str, std::time::Duration)> {
        self.endpoint().handling()
    }

    fn mailbox_capacity(&self) -> Option<crate::mailbox::MailboxCapacity> {
        self.endpoint().mailbox_capacity()
    }

    fn handled(&self) -> Option<u64> {
        self.endpoint().handled()
    }

    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        self.endpoint().signal(signal)
    }

    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        self.endpoint().try_send(message)
    }

    fn send(&self, message: AnyMessage) -> BoxFuture<'_, Result<(), SendError<AnyMessage>>> {
        self.endpoint().send(message)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// An ask refused by the mailbox: the message and its reply sender back.
pub(crate) type AskRefused<M> = SendError<(M, ReplySender<<M as Message>::Reply>)>;

/// An address seen only as "something that handles `M`": the core of
/// [`Recipient`](crate::Recipient) and of every ask.
pub(crate) trait MessageSink<M: Message>: Send + Sync + 'static {
    fn endpoint(&self) -> &dyn Endpoint;
    /// A local cell whose mailbox is closed because it stops for good: its
    /// stop reason is moments away.
    fn stopping_for_good(&self) -> bool;
    fn try_tell(&self, msg: M) -> Result<(), SendError<M>>;
    fn tell_wait(&self, msg: M) -> BoxFuture<'_, Result<(), SendError<M>>>;
    fn try_ask(&self, msg: M, reply: ReplySender<M::Reply>) -> Result<(), AskRefused<M>>;
    fn ask_wait(&self, msg: M, reply: ReplySender<M::Reply>) -> BoxFuture<'_, Result<(), SendError<M>>>;
}

impl<A: Handler<M>, M: Message> MessageSink<M> for Target<A> {
    fn endpoint(&self) -> &dyn Endpoint {
        Target::endpoint(self)
    }

    fn stopping_for_good(&self) -> bool {
        matches!(self, Target::Local(cell) if cell.is_closing_for_good())
    }

    #[inline]
    fn try_tell(&self, msg: M) -> Result<(), SendError<M>> {
        match self {
            // Two envelopes: the traced one is built only while message
            // spans are enabled (`capture` is one check otherwise).
            Target::Local(cell) => match capture(false) {
                None => cell.try_send(msg, |m| Box::new(Tell(m))),
                Some(origin) => cell.try_send(msg, |m| Box::new(Traced { inner: Tell(m), origin })),
            },
            Target::Endpoint(endpoint) => match in_place(&**endpoint, msg) {
                Ok(outcome) => outcome,
                Err(msg) => erased_try_tell(&**endpoint, addressed::<A, M>(AnyMessage::tell(msg))),
            },
        }
    }

    fn tell_wait(&self, msg: M) -> BoxFuture<'_, Result<(), SendError<M>>> {
        match self {
            Target::Local(cell) => match capture(false) {
                None => Box::pin(cell.send(msg, |m| Box::new(Tell(m)))),
                Some(origin) => Box::pin(
                    cell.send(msg, move |m| Box::new(Traced { inner: Tell(m), origin: origin.clone() })),
                ),
            },
            Target::Endpoint(endpoint) => {
                erased_tell_wait(&**endpoint, addressed::<A, M>(AnyMessage::tell(msg)))
            }
        }
    }

    fn try_ask(&self, msg: M, reply: ReplySender<M::Reply>) -> Result<(), AskRefused<M>> {
        match self {
            Target::Local(cell) => match capture(true) {
                None => cell.try_send((msg, reply), |(msg, reply)| Box::new(Ask { msg, reply })),
                Some(origin) => cell.try_send((msg, reply), |(msg, reply)| {
                    Box::new(Traced { inner: Ask { msg, reply }, origin })
                }),
            },
            Target::Endpoint(endpoint) => {
                let message = addressed::<A, M>(AnyMessage::ask(msg, AnyReply::new(reply)));
                erased_try_ask(&**endpoint, message)
            }
        }
    }

    fn ask_wait(&self, msg: M, reply: ReplySender<M::Reply>) -> BoxFuture<'_, Result<(), SendError<M>>> {
        match self {
            Target::Local(cell) => {
                let origin = capture(true);
                Box::pin(async move {
                    let sent = match origin {
                        None => cell.send((msg, reply), |(msg, reply)| Box::new(Ask { msg, reply })).await,
                        Some(origin) => {
                            let wrap = move |(msg, reply)| {
                                Box::new(Traced { inner: Ask { msg, reply }, origin: origin.clone() })
                                    as Envelope<A>
                            };
                            cell.send((msg, reply), wrap).await
                        }
                    };
                    sent.map_err(|e| e.map(|(msg, _)| msg))
                })
            }
            Target::Endpoint(endpoint) => {
                let message = addressed::<A, M>(AnyMessage::ask(msg, AnyReply::new(reply)));
                erased_tell_wait(&**endpoint, message)
            }
        }
    }
}

/// An endpoint whose actor type is unknown, seen as a handler of `M`:
/// what [`Recipient::from_endpoint`](crate::Recipient::from_endpoint) holds.
pub(crate) struct ForeignSink(pub(crate) Arc<dyn Endpoint>);

impl<M: Message> MessageSink<M> for ForeignSink {
    fn endpoint(&self) -> &dyn Endpoint {
        &*self.0
    }

    fn stopping_for_good(&self) -> bool {
        false
    }

    fn try_tell(&self, msg: M) -> Result<(), SendError<M>> {
        match in_place(&*self.0, msg) {
            Ok(outcome) => outcome,
            Err(msg) => erased_try_tell(&*self.0, AnyMessage::tell(msg)),
        }
    }

    fn tell_wait(&self, msg: M) -> BoxFuture<'_, Result<(), SendError<M>>> {
        erased_tell_wait(&*self.0, AnyMessage::tell(msg))
    }

    fn try_ask(&self, msg: M, reply: ReplySender<M::Reply>) -> Result<(), AskRefused<M>> {
        erased_try_ask(&*self.0, AnyMessage::ask(msg, AnyReply::new(reply)))
    }

    fn ask_wait(&self, msg: M, reply: ReplySender<M::Reply>) -> BoxFuture<'_, Result<(), SendError<M>>> {
        erased_tell_wait(&*self.0, AnyMessage::ask(msg, AnyReply::new(reply)))
    }
}

impl AnyMessage {
    /// A tell (`reply` `None`) or an ask for an actor of type `A`, which a
    /// local `A`'s endpoint queues: how a transport that decoded an `M`
    /// hands it to the local actor it was sent to, in order and with the
    /// mailbox's back-pressure ([`Endpoint::send`]), then waits for the
    /// reply on its own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actor_core::dev::{AnyMessage, AnyReply};
    /// use actor_core::prelude::*;
    ///
    /// struct Doubler;
    /// impl Actor for Doubler {}
    /// struct Double(u32);
    /// impl Message for Double { type Reply = u32; }
    /// impl Handler<Double> for Doubler {
    ///     async fn handle(&mut self, Double(n): Double, _: &mut Context<Self>) -> u32 { n * 2 }
    /// }
    ///
    /// let system = ActorSystem::new();
    /// let doubler = system.spawn(Doubler);
    /// let (reply, answer) = AnyReply::channel::<u32>();
    /// let endpoint = doubler.endpoint();
    /// let message = AnyMessage::for_actor::<Doubler, _>(Double(21), Some(reply));
    /// endpoint.send(message).await.unwrap();  // in the mailbox: order is kept from here
    /// assert_eq!(answer.await, Ok(42));
    /// # system.shutdown().await;
    /// # }
    /// ```
    pub fn for_actor<A: Handler<M>, M: Message>(msg: M, reply: Option<AnyReply>) -> AnyMessage {
        let message = match reply {
            Some(reply) => AnyMessage::ask(msg, reply),
            None => AnyMessage::tell(msg),
        };
        addressed::<A, M>(message)
    }
}

/// Marks an erased message as addressed to an `A`, so that a local cell of
/// `A` behind a forwarding endpoint can queue it.
fn addressed<A: Handler<M>, M: Message>(message: AnyMessage) -> AnyMessage {
    message.with_local_delivery(TypeId::of::<A>(), erased_envelope::<A, M>)
}

/// A tell through [`Endpoint::try_tell_in_place`]: the outcome, or the
/// message back if the endpoint does not take messages that way.
fn in_place<M: Message>(endpoint: &dyn Endpoint, msg: M) -> Result<Result<(), SendError<M>>, M> {
    let mut slot = Some(msg);
    let outcome = endpoint.try_tell_in_place(&mut slot);
    match (outcome, slot) {
        (Some(Ok(())), None) => Ok(Ok(())),
        (Some(Err(error)), Some(msg)) => Ok(Err(error.map(|()| msg))),
        // Declined, or an endpoint that broke the contract (took the
        // message and failed, or kept it and succeeded): the erased path.
        (_, Some(msg)) => Err(msg),
        (_, None) => Ok(Ok(())),
    }
}

fn erased_try_tell<M: Message>(endpoint: &dyn Endpoint, message: AnyMessage) -> Result<(), SendError<M>> {
    endpoint.try_send(message).map_err(|e| e.map(|m| handed_back::<M>(m).0))
}

fn erased_tell_wait<M: Message>(
    endpoint: &dyn Endpoint,
    message: AnyMessage,
) -> BoxFuture<'_, Result<(), SendError<M>>> {
    Box::pin(async move { endpoint.send(message).await.map_err(|e| e.map(|m| handed_back::<M>(m).0)) })
}

fn erased_try_ask<M: Message>(endpoint: &dyn Endpoint, message: AnyMessage) -> Result<(), AskRefused<M>> {
    endpoint.try_send(message).map_err(|e| {
        e.map(|m| {
            let (msg, reply) = handed_back::<M>(m);
            let reply = reply.and_then(AnyReply::into_sender::<M::Reply>);
            // A reply slot the endpoint kept: the asker's receiver ends
            // with `Stopped` once this fresh sender is dropped unused.
            (msg, reply.unwrap_or_else(|| oneshot::channel().0))
        })
    })
}

/// The message an endpoint refused, typed again.
///
/// # Panics
/// If the endpoint handed back another message than it was given: a bug
/// in that endpoint's crate, which the `Endpoint` contract forbids.
fn handed_back<M: Message>(message: AnyMessage) -> (M, Option<AnyReply>) {
    match message.downcast::<M>() {
        Ok(parts) => parts,
        Err(other) => panic!(
            "an endpoint handed back a `{}` for a refused `{}`",
            other.message_type(),
            std::any::type_name::<M>()
        ),
    }
}

impl<A: Actor> SupervisedChild for Target<A> {
    fn control(&self, command: Control) -> bool {
        match self {
            Target::Local(cell) => cell.control(command),
            Target::Endpoint(_) => false, // supervision is local
        }
    }

    fn endpoint(&self) -> &dyn Endpoint {
        Target::endpoint(self)
    }
}
