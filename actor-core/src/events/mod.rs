//! Events: facts published on the system's event stream for whoever cares.
//!
//! Where a message is a command to a known address ("do this"), an event is
//! a fact ("this happened") that any number of unknown subscribers may
//! observe. The publisher never learns who listens and never waits for a
//! slow subscriber (unless one opts in to [`Overflow::Block`] and the
//! publisher uses [`EventStream::publish_wait`]).
//!
//! # Delivery cost
//!
//! Publishing an event with no subscriber of its type costs one lock-free
//! snapshot load. Otherwise the event is moved into one `Arc` (one
//! allocation per publish, not per subscriber), and each subscriber's
//! buffer gets a pointer to it: one uncontended lock and a wake per
//! subscriber. A subscriber takes its whole backlog in one lock. The
//! payload is cloned when a subscriber takes it, except by the last
//! subscriber to take it, which gets it moved; put large payloads behind an
//! `Arc` inside the event to make those clones a reference count.
//!
//! # Ordering
//!
//! Every subscriber sees one publisher's events in publish order, starting
//! with the first event published after it subscribed.

mod buffer;
mod facts;
mod inspect;
mod subscription;
mod topic;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use parking_lot::RwLock;

pub use buffer::{Overflow, DEFAULT_EVENT_BUFFER};
pub use facts::{ActorRestarted, ActorStarted, ActorStopped, DeadLetter, EventsDropped, SupervisorEscalated};
pub use inspect::{SubscriberInfo, TopicInfo};
pub(crate) use subscription::EventSource;
pub use subscription::{SubscribeOptions, Subscription};
use topic::Topic;

use crate::id::ActorId;

/// A fact: something that happened, published on the event stream without
/// knowing who (if anyone) listens.
///
/// Events are cloned at most once per subscriber that receives them (see
/// the event stream's delivery cost). To deliver an event to actors through
/// `Handler<E>`, the type is also a [`Message`](crate::Message) with
/// `Reply = ()`; `#[derive(Event)]` writes both impls, by hand it is two
/// lines:
///
/// ```
/// use actor_core::{Event, Message};
///
/// #[derive(Clone, Debug)]
/// struct OrderPlaced { order: u64 }
/// impl Event for OrderPlaced {}
/// impl Message for OrderPlaced { type Reply = (); }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event",
    note = "add `#[derive(Clone, Event)]` to `{Self}`, or `impl Event for {Self} {{}}` (the type must be `Clone`)"
)]
pub trait Event: Clone + Send + Sync + 'static {}

/// The system's event stream: publish facts, subscribe by type.
///
/// Reached through [`ActorSystem::events`](crate::ActorSystem::events);
/// cheap to clone. Each system has its own.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct OrderPlaced { order: u64 }
/// impl Event for OrderPlaced {}
/// impl Message for OrderPlaced { type Reply = (); }
///
/// let system = ActorSystem::new();
/// system.events().publish(OrderPlaced { order: 1 });     // nobody listens: fine
/// let mut orders = system.events().subscribe::<OrderPlaced>();
/// system.events().publish(OrderPlaced { order: 7 });
/// assert_eq!(orders.recv().await, Some(OrderPlaced { order: 7 }));
/// # }
/// ```
#[derive(Clone)]
pub struct EventStream {
    inner: Arc<Inner>,
}

struct Inner {
    topics: RwLock<HashMap<TypeId, Arc<dyn AnyTopic>>>,
    started: Arc<Topic<ActorStarted>>,
    stopped: Arc<Topic<ActorStopped>>,
    dead_letters: Arc<Topic<DeadLetter>>,
}

impl EventStream {
    pub(crate) fn new() -> Self {
        let stream = EventStream {
            inner: Arc::new(Inner {
                topics: RwLock::new(HashMap::new()),
                started: Arc::new(Topic::new()),
                stopped: Arc::new(Topic::new()),
                dead_letters: Arc::new(Topic::new()),
            }),
        };
        // The runtime's own facts keep a direct handle to their topics, so
        // publishing them with no subscriber is one snapshot load.
        stream.insert_topic(stream.inner.started.clone());
        stream.insert_topic(stream.inner.stopped.clone());
        stream.insert_topic(stream.inner.dead_letters.clone());
        stream
    }

    fn insert_topic<E: Event>(&self, topic: Arc<Topic<E>>) {
        self.inner.topics.write().insert(TypeId::of::<E>(), topic);
    }

    pub(crate) fn topic<E: Event>(&self) -> Arc<Topic<E>> {
        let found = self.inner.topics.read().get(&TypeId::of::<E>()).cloned();
        let any = found.unwrap_or_else(|| {
            self.inner
                .topics
                .write()
                .entry(TypeId::of::<E>())
                .or_insert_with(|| Arc::new(Topic::<E>::new()))
                .clone()
        });
        match any.into_any().downcast::<Topic<E>>() {
            Ok(topic) => topic,
            Err(_) => unreachable!("topics are keyed by the TypeId of their event"),
        }
    }

    /// Publishes `event` to every current subscriber of its type. Never
    /// waits, works with no subscriber at all, and tells nothing about who
    /// received it.
    pub fn publish<E: Event>(&self, event: E) {
        self.topic::<E>().publish(self, event);
    }

    /// Publishes `event`, waiting for room in subscribers that chose
    /// [`Overflow::Block`]. Other subscribers are treated as by
    /// [`publish`](Self::publish).
    ///
    /// # Cancel safety
    /// Not cancel safe: if dropped while waiting, the event has reached
    /// some subscribers and not others.
    pub async fn publish_wait<E: Event>(&self, event: E) {
        self.topic::<E>().publish_wait(self, event).await;
    }

    /// A publisher of `E` that skips the per-call topic lookup: for hot
    /// publishing loops.
    pub fn publisher<E: Event>(&self) -> Publisher<E> {
        Publisher { topic: self.topic::<E>(), stream: self.clone() }
    }

    /// Subscribes to every `E` published from now on, with the default
    /// buffer ([`DEFAULT_EVENT_BUFFER`]) and [`Overflow::DropOldest`].
    pub fn subscribe<E: Event>(&self) -> Subscription<E> {
        self.subscribe_with(SubscribeOptions::new())
    }

    /// Subscribes to the `E`s for which `keep` returns true.
    pub fn subscribe_filtered<E: Event>(
        &self,
        keep: impl Fn(&E) -> bool + Send + Sync + 'static,
    ) -> Subscription<E> {
        self.subscribe_with(SubscribeOptions::new().filter(keep))
    }

    /// Subscribes with explicit buffer size, overflow policy and filter.
    pub fn subscribe_with<E: Event>(&self, options: SubscribeOptions<E>) -> Subscription<E> {
        Subscription::new(self.topic::<E>(), options, None)
    }

    pub(crate) fn subscribe_actor<E: Event>(
        &self,
        options: SubscribeOptions<E>,
        actor: ActorId,
        actor_type: &'static str,
    ) -> Subscription<E> {
        Subscription::new(self.topic::<E>(), options, Some((actor, actor_type)))
    }

    pub(crate) fn actor_started(&self, fact: impl FnOnce() -> ActorStarted) {
        if self.inner.started.has_subscribers() {
            self.inner.started.publish(self, fact());
        }
    }

    pub(crate) fn actor_stopped(&self, fact: impl FnOnce() -> ActorStopped) {
        if self.inner.stopped.has_subscribers() {
            self.inner.stopped.publish(self, fact());
        }
    }

    pub(crate) fn dead_letter(&self, fact: impl FnOnce() -> DeadLetter) {
        if self.inner.dead_letters.has_subscribers() {
            self.inner.dead_letters.publish(self, fact());
        }
    }

    /// Every event type published or subscribed to so far on this stream,
    /// with its current subscribers, sorted by type name: what a tool that
    /// shows a running system lists (each subscriber's buffer and drops).
    ///
    /// ```
    /// use actor_core::prelude::*;
    ///
    /// #[derive(Clone, Debug)]
    /// struct Tick;
    /// impl Event for Tick {}
    ///
    /// let system = ActorSystem::new();
    /// let _ticks = system.events().subscribe::<Tick>();
    /// let topics = system.events().topics();
    /// let tick = topics.iter().find(|t| t.event_type == "Tick").expect("subscribed");
    /// assert_eq!(tick.subscribers.len(), 1);
    /// assert_eq!(tick.subscribers[0].dropped, 0);
    /// ```
    pub fn topics(&self) -> Vec<TopicInfo> {
        let topics: Vec<_> = self.inner.topics.read().values().cloned().collect();
        let mut topics: Vec<TopicInfo> = topics.iter().map(|t| t.describe()).collect();
        topics.sort_by(|a, b| a.event_type.cmp(b.event_type));
        topics
    }

    /// Ends every stream subscription (system shutdown).
    pub(crate) fn close(&self) {
        let topics: Vec<_> = self.inner.topics.read().values().cloned().collect();
        for topic in topics {
            topic.close_all();
        }
    }
}

/// A topic with its event type erased, for the topic table.
trait AnyTopic: Send + Sync + 'static {
    fn close_all(&self);
    fn describe(&self) -> TopicInfo;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<E: Event> AnyTopic for Topic<E> {
    fn close_all(&self) {
        Topic::close_all(self);
    }

    fn describe(&self) -> TopicInfo {
        Topic::describe(self)
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// Publishes one event type without a topic lookup per call; from
/// [`EventStream::publisher`].
pub struct Publisher<E: Event> {
    topic: Arc<Topic<E>>,
    stream: EventStream,
}

impl<E: Event> Publisher<E> {
    /// As [`EventStream::publish`].
    pub fn publish(&self, event: E) {
        self.topic.publish(&self.stream, event);
    }

    /// As [`EventStream::publish_wait`].
    ///
    /// # Cancel safety
    /// Not cancel safe, as [`EventStream::publish_wait`].
    pub async fn publish_wait(&self, event: E) {
        self.topic.publish_wait(&self.stream, event).await;
    }
}

impl<E: Event> Clone for Publisher<E> {
    fn clone(&self) -> Self {
        Publisher { topic: self.topic.clone(), stream: self.stream.clone() }
    }
}

impl<E: Event> fmt::Debug for Publisher<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher").field("event", &std::any::type_name::<E>()).finish()
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").field("topics", &self.inner.topics.read().len()).finish()
    }
}
