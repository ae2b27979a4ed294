//! A look at the event stream's topics and their subscribers, for tools
//! that show a running system.

use super::buffer::{Overflow, SubscriberBuffer};
use crate::id::ActorId;
use crate::telemetry::short_type_name;

/// One event type on a system's event stream, as
/// [`EventStream::topics`](super::EventStream::topics) saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopicInfo {
    /// The event type, without the module path.
    pub event_type: &'static str,
    /// Its current subscribers, oldest first.
    pub subscribers: Vec<SubscriberInfo>,
}

/// One subscriber of a topic.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscriberInfo {
    /// The subscribing actor (`Context::subscribe`), or `None` for a
    /// [`Subscription`](super::Subscription) read as a stream.
    pub actor: Option<ActorId>,
    /// Events waiting in its buffer.
    pub buffered: usize,
    /// The size of its buffer.
    pub capacity: usize,
    /// What its full buffer does with one more event.
    pub overflow: Overflow,
    /// Events it lost to a full buffer so far.
    pub dropped: u64,
}

impl SubscriberInfo {
    pub(super) fn of<E>(buffer: &SubscriberBuffer<E>) -> Self {
        SubscriberInfo {
            actor: buffer.subscriber,
            buffered: buffer.len(),
            capacity: buffer.capacity(),
            overflow: buffer.overflow(),
            dropped: buffer.dropped(),
        }
    }
}

impl TopicInfo {
    pub(super) fn new(event_type: &'static str, subscribers: Vec<SubscriberInfo>) -> Self {
        TopicInfo { event_type: short_type_name(event_type), subscribers }
    }
}
