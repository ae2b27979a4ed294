//! Envelopes: a message plus what to do with its reply, erased to one type
//! per actor so one mailbox carries every message the actor handles.

use std::any::Any;

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

use pin_project_lite::pin_project;
use stackfuture::StackFuture;
use tokio::sync::oneshot;

use std::any::TypeId;

use crate::actor::Actor;
// The handler call names its context: the one reference above this layer (see "Layers" in docs/ARCHITECTURE.md).
use crate::endpoint::{AnyMessage, AnyReply};
use crate::message::{Handler, Message};
use crate::Context;

/// Bytes reserved in the actor's task for the running handler's future.
///
/// Handler futures up to this size run without an allocation; larger ones
/// (handlers that hold big locals across `.await`) are boxed once per
/// message. 120 bytes fits handlers that hold a few references and words
/// across an await, and keeps an idle actor small.
pub(crate) const INLINE_HANDLER_BYTES: usize = 120;

/// The future of one running handler.
pub(crate) type HandleFuture<'a> = StackFuture<'a, (), INLINE_HANDLER_BYTES>;

/// A queued message for actor `A`.
pub(crate) type Envelope<A> = Box<dyn Deliver<A>>;

/// What the actor loop does with an envelope.
pub(crate) trait Deliver<A: Actor>: Send {
    /// Runs the handler (and sends the reply, for an ask).
    fn deliver<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandleFuture<'a>;

    /// The message's type name, for dead letters and traces.
    fn message_type(&self) -> &'static str;

    /// Unwraps what the envelope was built from when it could not be
    /// queued: `Box<M>` for a tell, `Box<(M, reply sender)>` for an ask.
    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send>;

    /// The envelope taken apart into an erased message that a cell of `A`
    /// can queue again (an erased send refused after wrapping).
    fn into_any_message(self: Box<Self>) -> AnyMessage;
}

impl<A: Actor> dyn Deliver<A> {
    /// Unwraps a refused message of known type `M`.
    pub(crate) fn into_message<M: 'static>(self: Box<Self>) -> M {
        match self.into_message_any().downcast::<M>() {
            Ok(msg) => *msg,
            Err(_) => unreachable!("an envelope always holds the message type it was built with"),
        }
    }
}

/// A fire-and-forget message: the reply is dropped.
pub(crate) struct Tell<M>(pub(crate) M);

/// A message whose reply goes back to a waiting asker.
pub(crate) struct Ask<M: Message> {
    pub(crate) msg: M,
    pub(crate) reply: oneshot::Sender<M::Reply>,
}

impl<A: Handler<M>, M: Message> Deliver<A> for Tell<M> {
    fn deliver<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandleFuture<'a> {
        HandleFuture::from_or_box(Discard { handling: actor.handle(self.0, ctx) })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new(self.0)
    }

    fn into_any_message(self: Box<Self>) -> AnyMessage {
        AnyMessage::tell(self.0).with_local_delivery(TypeId::of::<A>(), erased_envelope::<A, M>)
    }
}

impl<A: Handler<M>, M: Message> Deliver<A> for Ask<M> {
    fn deliver<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandleFuture<'a> {
        let Ask { msg, reply } = *self;
        HandleFuture::from_or_box(Answer { handling: actor.handle(msg, ctx), reply: Some(reply) })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new((self.msg, self.reply))
    }

    fn into_any_message(self: Box<Self>) -> AnyMessage {
        let reply = AnyReply::new(self.reply);
        AnyMessage::ask(self.msg, reply).with_local_delivery(TypeId::of::<A>(), erased_envelope::<A, M>)
    }
}

/// An ask that came through an erased [`AnyMessage`](crate::dev::AnyMessage):
/// the reply goes back through its [`AnyReply`].
pub(crate) struct AskAny<M> {
    pub(crate) msg: M,
    pub(crate) reply: AnyReply,
}

impl<A: Handler<M>, M: Message> Deliver<A> for AskAny<M> {
    fn deliver<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandleFuture<'a> {
        let AskAny { msg, reply } = *self;
        HandleFuture::from_or_box(async move {
            let value = actor.handle(msg, ctx).await;
            let _ = reply.send_typed(value);
        })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new((self.msg, self.reply))
    }

    fn into_any_message(self: Box<Self>) -> AnyMessage {
        AnyMessage::ask(self.msg, self.reply).with_local_delivery(TypeId::of::<A>(), erased_envelope::<A, M>)
    }
}

/// Makes actor `A`'s envelope for an erased `M` (with its reply, for an
/// ask); the [`MakeEnvelope`](crate::endpoint::MakeEnvelope) that a handle
/// typed by `A` attaches to the messages it erases.
pub(crate) fn erased_envelope<A: Handler<M>, M: Message>(
    payload: Box<dyn Any + Send>,
    reply: Option<AnyReply>,
) -> Box<dyn Any + Send> {
    let msg = match payload.downcast::<M>() {
        Ok(msg) => *msg,
        Err(_) => unreachable!("an erased envelope is made with its own message type"),
    };
    let envelope: Envelope<A> = match reply {
        None => Box::new(Tell(msg)),
        Some(reply) => Box::new(AskAny { msg, reply }),
    };
    Box::new(envelope)
}

pin_project! {
    /// Runs a handler and drops its reply (a tell). Polls through, so the
    /// handler's future is stored once, not twice as an `async` wrapper
    /// would.
    struct Discard<F> {
        #[pin]
        handling: F,
    }
}

impl<F: Future> Future for Discard<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        self.project().handling.poll(cx).map(drop)
    }
}

pin_project! {
    /// Runs a handler and sends its reply to the asker (an ask).
    struct Answer<F: Future> {
        #[pin]
        handling: F,
        reply: Option<oneshot::Sender<F::Output>>,
    }
}

impl<F: Future> Future for Answer<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = self.project();
        let value = ready!(this.handling.poll(cx));
        if let Some(reply) = this.reply.take() {
            // The asker may have given up (timeout, dropped future): the
            // handler still ran, the reply has nowhere to go.
            let _ = reply.send(value);
        }
        Poll::Ready(())
    }
}
