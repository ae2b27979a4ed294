//! A topic: the subscribers of one event type, as a lock-free snapshot.

use std::any::TypeId;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::buffer::{Pushed, SubscriberBuffer};
use super::facts::{report_due, EventsDropped};
use super::inspect::{SubscriberInfo, TopicInfo};
use super::{Event, EventStream};
use crate::telemetry::metrics::TopicMetrics;

pub(crate) struct Topic<E> {
    subscribers: ArcSwap<Vec<Arc<SubscriberBuffer<E>>>>,
    /// Its publish counter (zero-sized without the `metrics` feature).
    metrics: TopicMetrics,
}

impl<E: Event> Topic<E> {
    pub(crate) fn new() -> Self {
        Topic {
            subscribers: ArcSwap::from_pointee(Vec::new()),
            metrics: TopicMetrics::new(std::any::type_name::<E>()),
        }
    }

    /// Its subscribers as they are now.
    pub(crate) fn describe(&self) -> TopicInfo {
        let subscribers = self.subscribers.load().iter().map(|b| SubscriberInfo::of(b)).collect();
        TopicInfo::new(std::any::type_name::<E>(), subscribers)
    }

    pub(crate) fn has_subscribers(&self) -> bool {
        !self.subscribers.load().is_empty()
    }

    pub(crate) fn add(&self, queue: Arc<SubscriberBuffer<E>>) {
        self.subscribers.rcu(|subs| {
            let mut subs = Vec::clone(subs);
            subs.push(queue.clone());
            subs
        });
    }

    pub(crate) fn remove(&self, queue: &Arc<SubscriberBuffer<E>>) {
        self.subscribers
            .rcu(|subs| subs.iter().filter(|q| !Arc::ptr_eq(q, queue)).cloned().collect::<Vec<_>>());
    }

    /// Pushes to every current subscriber; never waits.
    pub(crate) fn publish(&self, stream: &EventStream, event: E) {
        self.metrics.published();
        let subs = self.subscribers.load();
        if subs.is_empty() {
            return;
        }
        let event = Arc::new(event);
        for queue in subs.iter() {
            let pushed = queue.push(&event, false);
            if matches!(pushed, Pushed::Dropped | Pushed::DroppedOldest) {
                report_drop(stream, queue);
            }
        }
    }

    /// Pushes to every current subscriber, waiting for room in `Block` ones.
    pub(crate) async fn publish_wait(&self, stream: &EventStream, event: E) {
        self.metrics.published();
        let subs = self.subscribers.load_full();
        if subs.is_empty() {
            return;
        }
        let event = Arc::new(event);
        for queue in subs.iter() {
            loop {
                match queue.push(&event, true) {
                    Pushed::Full => queue.wait_for_space().await,
                    Pushed::Dropped | Pushed::DroppedOldest => {
                        report_drop(stream, queue);
                        break;
                    }
                    Pushed::Queued | Pushed::Skipped => break,
                }
            }
        }
    }

    pub(crate) fn close_all(&self) {
        for queue in self.subscribers.load().iter() {
            queue.close();
        }
    }
}

fn report_drop<E: Event>(stream: &EventStream, queue: &SubscriberBuffer<E>) {
    if TypeId::of::<E>() == TypeId::of::<EventsDropped>() {
        return; // never report drops of the drop reports
    }
    let dropped = queue.dropped();
    if report_due(dropped) {
        stream.publish(EventsDropped {
            subscriber: queue.subscriber,
            event_type: std::any::type_name::<E>(),
            dropped,
        });
    }
}
