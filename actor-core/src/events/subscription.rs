//! Subscriptions: a stream of one event type for plain async code, and the
//! same buffer feeding an actor's `Handler<E>`.

use crate::telemetry::metrics::SubscriberMetrics;
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::Stream;

use super::buffer::{unshare, Filter, Overflow, SubscriberBuffer, DEFAULT_EVENT_BUFFER};
use super::topic::Topic;
use super::Event;
use crate::actor::Actor;
// The handler call names its context: the one reference above this layer (see "Layers" in docs/ARCHITECTURE.md).
use crate::envelope::HandleFuture;
use crate::id::ActorId;
use crate::message::{Handler, Message};
use crate::Context;

/// How one subscription buffers: size, overflow policy and filter.
///
/// ```
/// use actor_core::events::{Overflow, SubscribeOptions};
/// # #[derive(Clone)] struct Tick(u64);
/// # impl actor_core::Event for Tick {}
/// let options = SubscribeOptions::<Tick>::new()
///     .buffer(64)
///     .overflow(Overflow::DropNewest)
///     .filter(|t| t.0 % 2 == 0);
/// # let _ = options;
/// ```
pub struct SubscribeOptions<E> {
    pub(crate) buffer: usize,
    pub(crate) overflow: Overflow,
    pub(crate) filter: Option<Filter<E>>,
}

impl<E> SubscribeOptions<E> {
    /// [`DEFAULT_EVENT_BUFFER`] events, [`Overflow::DropOldest`], no filter.
    pub fn new() -> Self {
        SubscribeOptions { buffer: DEFAULT_EVENT_BUFFER, overflow: Overflow::default(), filter: None }
    }

    /// Buffer up to `events` undelivered events (0 is treated as 1).
    pub fn buffer(mut self, events: usize) -> Self {
        self.buffer = events;
        self
    }

    /// What to do when the buffer is full.
    pub fn overflow(mut self, policy: Overflow) -> Self {
        self.overflow = policy;
        self
    }

    /// Only events for which `keep` returns true are buffered; the filter
    /// runs on the publisher's side, so filtered events cost no buffer
    /// space and are not counted as dropped.
    pub fn filter(mut self, keep: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.filter = Some(Box::new(keep));
        self
    }
}

impl<E> Default for SubscribeOptions<E> {
    fn default() -> Self {
        SubscribeOptions::new()
    }
}

impl<E> fmt::Debug for SubscribeOptions<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscribeOptions")
            .field("buffer", &self.buffer)
            .field("overflow", &self.overflow)
            .field("filtered", &self.filter.is_some())
            .finish()
    }
}

/// A subscription to events of type `E`: a [`Stream`] of them, in publish
/// order, starting with the first event published after it was made.
///
/// Dropping it unsubscribes. The stream ends when the system shuts down.
pub struct Subscription<E: Event> {
    queue: Arc<SubscriberBuffer<E>>,
    topic: Arc<Topic<E>>,
    /// Events taken from the shared buffer in one batch, not yet yielded.
    batch: VecDeque<Arc<E>>,
}

impl<E: Event> Subscription<E> {
    pub(crate) fn new(
        topic: Arc<Topic<E>>,
        options: SubscribeOptions<E>,
        subscriber: Option<(ActorId, &'static str)>,
    ) -> Self {
        let metrics = SubscriberMetrics::new(std::any::type_name::<E>(), subscriber.map(|(_, t)| t));
        let subscriber = subscriber.map(|(id, _)| id);
        let queue = Arc::new(SubscriberBuffer::new(
            options.buffer,
            options.overflow,
            subscriber,
            options.filter,
            metrics,
        ));
        topic.add(queue.clone());
        Subscription { queue, topic, batch: VecDeque::new() }
    }

    /// How many events this subscription has missed because its buffer
    /// was full.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }

    /// The next event; `None` once the system has shut down.
    ///
    /// # Cancel safety
    /// Cancel safe: an event is taken only when this returns it.
    pub async fn recv(&mut self) -> Option<E> {
        std::future::poll_fn(|cx| self.poll_take(cx)).await
    }

    /// The next event if one is buffered now.
    pub fn try_recv(&mut self) -> Option<E> {
        if self.batch.is_empty() {
            self.queue.take_all(&mut self.batch);
        }
        self.batch.pop_front().map(unshare)
    }

    fn poll_take(&mut self, cx: &mut TaskContext<'_>) -> Poll<Option<E>> {
        match self.poll_ready(cx) {
            Poll::Ready(true) => Poll::Ready(self.batch.pop_front().map(unshare)),
            Poll::Ready(false) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Ready(true) when an event is in `batch`; Ready(false) when closed.
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<bool> {
        if !self.batch.is_empty() {
            return Poll::Ready(true);
        }
        self.queue.take_all(&mut self.batch);
        if !self.batch.is_empty() {
            return Poll::Ready(true);
        }
        self.queue.register(cx.waker());
        self.queue.take_all(&mut self.batch);
        if !self.batch.is_empty() {
            Poll::Ready(true)
        } else if self.queue.is_closed() {
            Poll::Ready(false)
        } else {
            Poll::Pending
        }
    }
}

impl<E: Event> Stream for Subscription<E> {
    type Item = E;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<E>> {
        self.get_mut().poll_take(cx)
    }
}

impl<E: Event> Drop for Subscription<E> {
    fn drop(&mut self) {
        self.queue.close();
        self.topic.remove(&self.queue);
    }
}

impl<E: Event> fmt::Debug for Subscription<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("event", &std::any::type_name::<E>())
            .field("dropped", &self.dropped())
            .finish()
    }
}

/// An actor's subscription, polled by its loop beside the mailbox.
pub(crate) trait EventSource<A: Actor>: Send {
    /// Ready(true) when an event can be delivered; Ready(false) when the
    /// subscription has ended.
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<bool>;

    /// Delivers the next event (after `poll_ready` returned Ready(true)).
    fn deliver<'a>(&'a mut self, actor: &'a mut A, ctx: &'a mut Context<A>) -> Option<HandleFuture<'a>>;

    /// The event's type name, as a function (see `Deliver::message_type_fn`).
    fn event_type_fn(&self) -> fn() -> &'static str;
}

impl<A, E> EventSource<A> for Subscription<E>
where
    A: Handler<E>,
    E: Event + Message<Reply = ()>,
{
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<bool> {
        Subscription::poll_ready(self, cx)
    }

    fn deliver<'a>(&'a mut self, actor: &'a mut A, ctx: &'a mut Context<A>) -> Option<HandleFuture<'a>> {
        let event = unshare(self.batch.pop_front()?);
        Some(HandleFuture::from_or_box(actor.handle(event, ctx)))
    }

    fn event_type_fn(&self) -> fn() -> &'static str {
        std::any::type_name::<E>
    }
}
