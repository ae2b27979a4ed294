//! Envelopes: a message plus what to do with its reply, erased to one type
//! per actor so one mailbox carries every message the actor handles.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

use pin_project_lite::pin_project;
use stackfuture::StackFuture;

use crate::actor::{Actor, StopReason};
// The handler call names its context: the one reference above this layer (see "Layers" in docs/ARCHITECTURE.md).
use crate::endpoint::{AnyMessage, AnyReply, AskError, ReplySender};
use crate::message::{Handler, Message};
use crate::telemetry::trace::Origin;
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

    /// The same, as a function: what a slow handler's watch keeps (one
    /// word) until it needs the name.
    fn message_type_fn(&self) -> fn() -> &'static str;

    /// Unwraps what the envelope was built from when it could not be
    /// queued: `Box<M>` for a tell, `Box<(M, reply sender)>` for an ask.
    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send>;

    /// The envelope taken apart into an erased message that a cell of `A`
    /// can queue again (an erased send refused after wrapping).
    fn into_any_message(self: Box<Self>) -> AnyMessage;

    /// Where the message came from, if its sender was traced.
    fn origin(&self) -> Option<&Origin> {
        None
    }

    /// The message will never be handled: its actor stopped for `reason`.
    /// An ask tells its asker why; a tell is dropped.
    fn reject(self: Box<Self>, reason: &StopReason) {
        let _ = reason;
    }
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

/// A tell or an ask with its sender's span: the envelope made instead of
/// the plain one only while message spans are enabled, so an untraced
/// message is not one byte larger.
pub(crate) struct Traced<T> {
    pub(crate) inner: T,
    pub(crate) origin: Origin,
}

/// A message whose reply goes back to a waiting asker: through its
/// channel (`S` = `ReplySender`, the typed path), or through an
/// [`AnyReply`] for an ask that came erased.
pub(crate) struct Ask<M: Message, S = ReplySender<<M as Message>::Reply>> {
    pub(crate) msg: M,
    pub(crate) reply: S,
}

impl<A: Handler<M>, M: Message> Deliver<A> for Tell<M> {
    fn deliver<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandleFuture<'a> {
        HandleFuture::from_or_box(Discard { handling: actor.handle(self.0, ctx) })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn message_type_fn(&self) -> fn() -> &'static str {
        std::any::type_name::<M>
    }

    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new(self.0)
    }

    fn into_any_message(self: Box<Self>) -> AnyMessage {
        AnyMessage::tell(self.0).with_local_delivery(TypeId::of::<A>(), erased_envelope::<A, M>)
    }
}

impl<A: Handler<M>, M: Message, S: ReplySink<M::Reply>> Deliver<A> for Ask<M, S> {
    fn deliver<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandleFuture<'a> {
        let Ask { msg, reply } = *self;
        HandleFuture::from_or_box(Answer { handling: actor.handle(msg, ctx), reply: Some(reply) })
    }

    fn reject(self: Box<Self>, reason: &StopReason) {
        self.reply.fail(AskError::Stopped(Some(reason.clone())));
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn message_type_fn(&self) -> fn() -> &'static str {
        std::any::type_name::<M>
    }

    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new((self.msg, self.reply))
    }

    fn into_any_message(self: Box<Self>) -> AnyMessage {
        let reply = self.reply.into_any_reply();
        AnyMessage::ask(self.msg, reply).with_local_delivery(TypeId::of::<A>(), erased_envelope::<A, M>)
    }
}

impl<A: Handler<M>, M: Message> Deliver<A> for Traced<Tell<M>> {
    fn deliver<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandleFuture<'a> {
        HandleFuture::from_or_box(Discard { handling: actor.handle(self.inner.0, ctx) })
    }

    fn origin(&self) -> Option<&Origin> {
        Some(&self.origin)
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn message_type_fn(&self) -> fn() -> &'static str {
        std::any::type_name::<M>
    }

    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new(self.inner.0)
    }

    fn into_any_message(self: Box<Self>) -> AnyMessage {
        AnyMessage::tell(self.inner.0).with_local_delivery(TypeId::of::<A>(), erased_envelope::<A, M>)
    }
}

impl<A: Handler<M>, M: Message, S: ReplySink<M::Reply>> Deliver<A> for Traced<Ask<M, S>> {
    fn deliver<'a>(self: Box<Self>, actor: &'a mut A, ctx: &'a mut Context<A>) -> HandleFuture<'a> {
        let Ask { msg, reply } = self.inner;
        HandleFuture::from_or_box(Answer { handling: actor.handle(msg, ctx), reply: Some(reply) })
    }

    fn origin(&self) -> Option<&Origin> {
        Some(&self.origin)
    }

    fn reject(self: Box<Self>, reason: &StopReason) {
        self.inner.reply.fail(AskError::Stopped(Some(reason.clone())));
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn message_type_fn(&self) -> fn() -> &'static str {
        std::any::type_name::<M>
    }

    fn into_message_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new((self.inner.msg, self.inner.reply))
    }

    fn into_any_message(self: Box<Self>) -> AnyMessage {
        let reply = self.inner.reply.into_any_reply();
        AnyMessage::ask(self.inner.msg, reply).with_local_delivery(TypeId::of::<A>(), erased_envelope::<A, M>)
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
    let reply_is_some = reply.is_some();
    // Made on the sender's side (when the message is queued), so its span
    // is the current one.
    let envelope: Envelope<A> = match (reply, crate::telemetry::trace::capture(reply_is_some)) {
        (None, None) => Box::new(Tell(msg)),
        (Some(reply), None) => Box::new(Ask { msg, reply }),
        (None, Some(origin)) => Box::new(Traced { inner: Tell(msg), origin }),
        (Some(reply), Some(origin)) => Box::new(Traced { inner: Ask { msg, reply }, origin }),
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

/// Where an ask's outcome goes: a waiting asker's channel, or an erased
/// reply slot.
pub(crate) trait ReplySink<T>: Send + 'static {
    fn reply(self, value: T);
    fn fail(self, error: AskError);
    /// The same destination as an erased reply slot.
    fn into_any_reply(self) -> AnyReply;
}

impl<T: Send + 'static> ReplySink<T> for ReplySender<T> {
    fn reply(self, value: T) {
        // The asker may have given up (timeout, dropped future): the
        // handler still ran, the reply has nowhere to go.
        let _ = self.send(Ok(value));
    }

    fn fail(self, error: AskError) {
        let _ = self.send(Err(Box::new(error)));
    }

    fn into_any_reply(self) -> AnyReply {
        AnyReply::new(self)
    }
}

impl<T: Send + 'static> ReplySink<T> for AnyReply {
    fn reply(self, value: T) {
        let _ = self.send_typed(value);
    }

    fn fail(self, error: AskError) {
        AnyReply::fail(self, error);
    }

    fn into_any_reply(self) -> AnyReply {
        self
    }
}

pin_project! {
    /// Runs a handler and sends its reply to the asker (an ask). A
    /// handler dropped unfinished tells the asker why: unwound by a panic,
    /// `Failed(Panicked(text))` once the runner has caught it (see
    /// [`fail_unwound_asks`]); otherwise (the actor was killed),
    /// `Failed(Killed)`.
    struct Answer<F: Future, S: ReplySink<F::Output>> {
        #[pin]
        handling: F,
        reply: Option<S>,
    }

    impl<F: Future, S: ReplySink<F::Output>> PinnedDrop for Answer<F, S> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(reply) = this.project().reply.take() {
                if std::thread::panicking() {
                    // The panic's text is known only where it is caught.
                    UNWOUND_ASKS.with(|asks| asks.borrow_mut().push(Box::new(move |e| reply.fail(e))));
                } else {
                    reply.fail(AskError::Failed(StopReason::Killed));
                }
            }
        }
    }
}

impl<F: Future, S: ReplySink<F::Output>> Future for Answer<F, S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = self.project();
        let value = ready!(this.handling.poll(cx));
        if let Some(reply) = this.reply.take() {
            reply.reply(value);
        }
        Poll::Ready(())
    }
}

/// Tells one asker why its ask failed.
type FailAsk = Box<dyn FnOnce(AskError) + Send>;

thread_local! {
    /// Asks whose handler a panic is unwinding on this thread, waiting for
    /// the runner that catches it to say why.
    static UNWOUND_ASKS: RefCell<Vec<FailAsk>> = const { RefCell::new(Vec::new()) };
}

/// Tells the askers whose handlers the panic just caught on this thread
/// unwound that their actor failed with `reason` (the panic's text).
pub(crate) fn fail_unwound_asks(reason: &StopReason) {
    let asks = UNWOUND_ASKS.with(|asks| std::mem::take(&mut *asks.borrow_mut()));
    for fail in asks {
        fail(AskError::Failed(reason.clone()));
    }
}
