//! The runtime's metrics, through the `metrics` facade (feature `metrics`).
//!
//! Every metric's handle is obtained once, where its labels are known (an
//! actor's at spawn, a topic's when it is made, a subscriber's when it
//! subscribes), so recording one is a call on a handle, never a lookup by
//! name. Rare events (dead letters, restarts, escalations) look their
//! handle up when they happen. Without the feature every type here is
//! zero-sized and every method empty, so the runtime compiles to what it
//! was before. The table of names, kinds and labels is in
//! docs/observability.md; keep the two in step.

/// Metric names; docs/observability.md describes each one.
#[cfg(feature = "metrics")]
mod names {
    pub(super) const MESSAGES_HANDLED: &str = "actor_messages_handled_total";
    pub(super) const HANDLER_DURATION: &str = "actor_handler_duration_seconds";
    pub(super) const MAILBOX_DEPTH: &str = "actor_mailbox_depth";
    pub(super) const DEAD_LETTERS: &str = "actor_dead_letters_total";
    pub(super) const RESTARTS: &str = "actor_restarts_total";
    pub(super) const ESCALATIONS: &str = "actor_escalations_total";
    pub(super) const EVENTS_PUBLISHED: &str = "actor_events_published_total";
    pub(super) const EVENTS_DROPPED: &str = "actor_events_dropped_total";
}

#[cfg(feature = "metrics")]
mod enabled {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Instant;

    use ::metrics::{counter, gauge, histogram, Counter, Gauge, Histogram, Label};

    use super::names::*;
    use crate::telemetry::short_type_name;

    /// The labels of an actor: its type, and its name if it has one.
    fn actor_labels(actor: &'static str, name: Option<&str>) -> Vec<Label> {
        let mut labels = vec![Label::new("actor", actor)];
        if let Some(name) = name {
            labels.push(Label::new("name", name.to_owned()));
        }
        labels
    }

    /// One actor's handles, made when it is spawned; they live in its cell
    /// (so a restarted actor keeps counting where it was).
    pub(crate) struct ActorMetrics {
        handled: Counter,
        duration: Histogram,
        /// Shared by every actor with the same labels: each adds the change
        /// of its own depth, so the gauge reads their sum.
        mailbox: Gauge,
        /// The depth this actor last added to the gauge (written by its
        /// task alone).
        reported: AtomicUsize,
    }

    /// When a handler started.
    pub(crate) type Started = Instant;

    impl ActorMetrics {
        pub(crate) fn new(actor: &'static str, name: Option<&Arc<str>>) -> Self {
            let labels = actor_labels(actor, name.map(|n| &**n));
            ActorMetrics {
                handled: counter!(MESSAGES_HANDLED, labels.iter()),
                duration: histogram!(HANDLER_DURATION, labels.iter()),
                mailbox: gauge!(MAILBOX_DEPTH, labels),
                reported: AtomicUsize::new(0),
            }
        }

        #[inline]
        pub(crate) fn start(&self) -> Started {
            Instant::now()
        }

        /// A message (or event) was handled; `mailbox` messages wait behind it.
        #[inline]
        pub(crate) fn handled(&self, started: Started, mailbox: usize) {
            self.duration.record(started.elapsed());
            self.handled.increment(1);
            self.report_depth(mailbox);
        }

        /// The actor stopped: its part of the gauge goes.
        pub(crate) fn stopped(&self) {
            self.report_depth(0);
        }

        fn report_depth(&self, depth: usize) {
            let last = self.reported.swap(depth, Ordering::Relaxed);
            if depth > last {
                self.mailbox.increment((depth - last) as f64);
            } else if depth < last {
                self.mailbox.decrement((last - depth) as f64);
            }
        }
    }

    /// A topic's publish counter.
    pub(crate) struct TopicMetrics {
        published: Counter,
    }

    impl TopicMetrics {
        pub(crate) fn new(event: &'static str) -> Self {
            TopicMetrics { published: counter!(EVENTS_PUBLISHED, "event" => short_type_name(event)) }
        }

        #[inline]
        pub(crate) fn published(&self) {
            self.published.increment(1);
        }
    }

    /// A subscriber's drop counter.
    pub(crate) struct SubscriberMetrics {
        dropped: Counter,
    }

    impl SubscriberMetrics {
        /// `subscriber`: the subscribing actor's type, or `None` for a
        /// plain stream.
        pub(crate) fn new(event: &'static str, subscriber: Option<&'static str>) -> Self {
            let subscriber = subscriber.map_or("stream", short_type_name);
            let dropped =
                counter!(EVENTS_DROPPED, "event" => short_type_name(event), "subscriber" => subscriber);
            SubscriberMetrics { dropped }
        }

        #[inline]
        pub(crate) fn dropped(&self) {
            self.dropped.increment(1);
        }
    }

    pub(crate) fn dead_letter(message_type: &'static str) {
        counter!(DEAD_LETTERS, "message" => short_type_name(message_type)).increment(1);
    }

    /// A supervisor restarted a child (its type; the child spec's name).
    pub(crate) fn restarted(actor: &'static str, name: &str) {
        counter!(RESTARTS, actor_labels(short_type_name(actor), Some(name))).increment(1);
    }

    /// A supervisor exceeded its restart intensity and gave up.
    pub(crate) fn escalated(name: Option<&str>) {
        counter!(ESCALATIONS, actor_labels("Supervisor", name)).increment(1);
    }
}

#[cfg(not(feature = "metrics"))]
mod disabled {
    //! The same surface as `enabled`, zero-sized and empty.
    use std::sync::Arc;

    pub(crate) struct ActorMetrics;
    /// Nothing: no clock is read.
    pub(crate) struct Started;

    impl ActorMetrics {
        #[inline(always)]
        pub(crate) fn new(_actor: &'static str, _name: Option<&Arc<str>>) -> Self {
            ActorMetrics
        }
        #[inline(always)]
        pub(crate) fn start(&self) -> Started {
            Started
        }
        #[inline(always)]
        pub(crate) fn handled(&self, _started: Started, _mailbox: usize) {}
        #[inline(always)]
        pub(crate) fn stopped(&self) {}
    }

    pub(crate) struct TopicMetrics;

    impl TopicMetrics {
        #[inline(always)]
        pub(crate) fn new(_event: &'static str) -> Self {
            TopicMetrics
        }
        #[inline(always)]
        pub(crate) fn published(&self) {}
    }

    pub(crate) struct SubscriberMetrics;

    impl SubscriberMetrics {
        #[inline(always)]
        pub(crate) fn new(_event: &'static str, _subscriber: Option<&'static str>) -> Self {
            SubscriberMetrics
        }
        #[inline(always)]
        pub(crate) fn dropped(&self) {}
    }

    #[inline(always)]
    pub(crate) fn dead_letter(_message_type: &'static str) {}
    #[inline(always)]
    pub(crate) fn restarted(_actor: &'static str, _name: &str) {}
    #[inline(always)]
    pub(crate) fn escalated(_name: Option<&str>) {}
}

#[cfg(not(feature = "metrics"))]
pub(crate) use disabled::*;
#[cfg(feature = "metrics")]
pub(crate) use enabled::*;
