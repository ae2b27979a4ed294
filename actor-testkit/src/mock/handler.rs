//! A mock's handlers: the test's closures, erased so that one mock holds a
//! closure per message type.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;

use actor_core::dev::{AnyMessage, AnyReply, BoxFuture};
use actor_core::Message;

/// A reply, erased: what `AnyReply::send` takes.
pub(crate) type AnyValue = Box<dyn Any + Send>;

/// The closure for one message type.
pub(crate) trait ErasedHandler: Send {
    /// Splits a message of this handler's type into its payload (still
    /// erased) and its reply slot.
    fn split(&self, message: AnyMessage) -> (AnyValue, Option<AnyReply>);

    /// Runs the closure on a payload from [`split`](Self::split).
    fn call(&mut self, payload: AnyValue) -> BoxFuture<'static, AnyValue>;
}

/// A synchronous closure `FnMut(M) -> M::Reply`.
pub(crate) struct SyncHandler<M, F> {
    pub(crate) f: F,
    pub(crate) message: PhantomData<fn(M)>,
}

/// An asynchronous closure `FnMut(M) -> impl Future<Output = M::Reply>`.
pub(crate) struct AsyncHandler<M, F> {
    pub(crate) f: F,
    pub(crate) message: PhantomData<fn(M)>,
}

fn split<M: Message>(message: AnyMessage) -> (AnyValue, Option<AnyReply>) {
    match message.downcast::<M>() {
        Ok((msg, reply)) => (Box::new(msg), reply),
        Err(other) => unreachable!("the mock routes by type id, got a `{}`", other.message_type()),
    }
}

fn payload<M: Message>(payload: AnyValue) -> M {
    match payload.downcast::<M>() {
        Ok(msg) => *msg,
        Err(_) => unreachable!("split made this payload an `M`"),
    }
}

impl<M, F> ErasedHandler for SyncHandler<M, F>
where
    M: Message,
    F: FnMut(M) -> M::Reply + Send + 'static,
{
    fn split(&self, message: AnyMessage) -> (AnyValue, Option<AnyReply>) {
        split::<M>(message)
    }

    fn call(&mut self, msg: AnyValue) -> BoxFuture<'static, AnyValue> {
        let reply = (self.f)(payload::<M>(msg));
        Box::pin(std::future::ready(Box::new(reply) as AnyValue))
    }
}

impl<M, F, Fut> ErasedHandler for AsyncHandler<M, F>
where
    M: Message,
    F: FnMut(M) -> Fut + Send + 'static,
    Fut: Future<Output = M::Reply> + Send + 'static,
{
    fn split(&self, message: AnyMessage) -> (AnyValue, Option<AnyReply>) {
        split::<M>(message)
    }

    fn call(&mut self, msg: AnyValue) -> BoxFuture<'static, AnyValue> {
        let reply = (self.f)(payload::<M>(msg));
        Box::pin(async move { Box::new(reply.await) as AnyValue })
    }
}
