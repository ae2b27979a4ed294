//! One subscriber's bounded buffer and its overflow policy.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Waker;

use futures_util::task::AtomicWaker;
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::id::ActorId;
use crate::telemetry::metrics::SubscriberMetrics;

/// What a subscriber's full buffer does with one more event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Overflow {
    /// Drop the oldest undelivered event to make room (the default): the
    /// subscriber always sees the newest facts.
    #[default]
    DropOldest,
    /// Drop the new event: the subscriber keeps what it already has.
    DropNewest,
    /// Make the publisher wait for room. This couples the publisher to the
    /// slowest such subscriber, and only
    /// [`EventStream::publish_wait`](crate::EventStream::publish_wait)
    /// waits; a plain `publish` that finds the buffer full drops the new
    /// event and counts it, as `DropNewest` does.
    Block,
}

/// The default subscriber buffer: 1024 events.
pub const DEFAULT_EVENT_BUFFER: usize = 1024;

/// A subscriber's filter: keep the event when it returns true.
pub(crate) type Filter<E> = Box<dyn Fn(&E) -> bool + Send + Sync>;

/// A subscriber's buffer, shared between the topic (which pushes) and the
/// subscription (which takes).
pub(crate) struct SubscriberBuffer<E> {
    items: Mutex<VecDeque<Arc<E>>>,
    capacity: usize,
    overflow: Overflow,
    waker: AtomicWaker,
    dropped: AtomicU64,
    closed: AtomicBool,
    /// Woken when a `Block` subscriber makes room.
    space: Notify,
    pub(crate) subscriber: Option<ActorId>,
    filter: Option<Filter<E>>,
    /// Its drop counter (zero-sized without the `metrics` feature).
    metrics: SubscriberMetrics,
}

/// What one push did.
pub(crate) enum Pushed {
    Queued,
    /// Queued, and the oldest event was dropped for it.
    DroppedOldest,
    /// Not queued: dropped.
    Dropped,
    /// Not queued: a `Block` subscriber is full; wait for room and retry.
    Full,
    /// Filtered out, or the subscriber is gone.
    Skipped,
}

impl<E> SubscriberBuffer<E> {
    pub(crate) fn new(
        capacity: usize,
        overflow: Overflow,
        subscriber: Option<ActorId>,
        filter: Option<Filter<E>>,
        metrics: SubscriberMetrics,
    ) -> Self {
        SubscriberBuffer {
            items: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
            overflow,
            waker: AtomicWaker::new(),
            dropped: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            space: Notify::new(),
            subscriber,
            filter,
            metrics,
        }
    }

    /// Pushes one event; `wait` says whether the publisher is willing to
    /// wait for a `Block` subscriber.
    pub(crate) fn push(&self, event: &Arc<E>, wait: bool) -> Pushed {
        if self.filter.as_ref().is_some_and(|keep| !keep(event)) || self.is_closed() {
            return Pushed::Skipped;
        }
        let pushed = {
            let mut items = self.items.lock();
            if items.len() < self.capacity {
                items.push_back(event.clone());
                Pushed::Queued
            } else {
                match self.overflow {
                    Overflow::DropOldest => {
                        items.pop_front();
                        items.push_back(event.clone());
                        Pushed::DroppedOldest
                    }
                    Overflow::Block if wait => return Pushed::Full,
                    Overflow::DropNewest | Overflow::Block => Pushed::Dropped,
                }
            }
        };
        match pushed {
            Pushed::Queued => self.waker.wake(),
            Pushed::DroppedOldest => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                self.metrics.dropped();
                self.waker.wake();
            }
            _ => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                self.metrics.dropped();
            }
        }
        pushed
    }

    /// Waits until a `Block` subscriber has room (or is gone).
    pub(crate) async fn wait_for_space(&self) {
        loop {
            let notified = self.space.notified();
            if self.is_closed() || self.items.lock().len() < self.capacity {
                return;
            }
            notified.await;
        }
    }

    /// Moves every queued event into `into`, which must be empty (one lock
    /// for the whole batch).
    pub(crate) fn take_all(&self, into: &mut VecDeque<Arc<E>>) {
        debug_assert!(into.is_empty());
        {
            let mut items = self.items.lock();
            if items.is_empty() {
                return;
            }
            std::mem::swap(&mut *items, into);
        }
        if self.overflow == Overflow::Block {
            self.space.notify_waiters();
        }
    }

    pub(crate) fn register(&self, waker: &Waker) {
        self.waker.register(waker);
    }

    /// Events waiting in the buffer.
    pub(crate) fn len(&self) -> usize {
        self.items.lock().len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn overflow(&self) -> Overflow {
        self.overflow
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.waker.wake();
        self.space.notify_waiters();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

/// Takes an event out of its shared `Arc`: moved if this was the last
/// holder, cloned otherwise.
pub(crate) fn unshare<E: Clone>(event: Arc<E>) -> E {
    Arc::try_unwrap(event).unwrap_or_else(|shared| (*shared).clone())
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::{Overflow, SubscriberBuffer};

    #[derive(Clone, Debug)]
    enum Op {
        Push(u32),
        TakeAll,
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        prop::collection::vec(
            prop_oneof![3 => any::<u32>().prop_map(Op::Push), 1 => Just(Op::TakeAll)],
            0..200,
        )
    }

    proptest! {
        /// The buffer behaves like a plain bounded deque with the chosen
        /// policy: same events delivered in the same order, same drop count.
        #[test]
        fn matches_a_bounded_deque(capacity in 1usize..8, newest in any::<bool>(), ops in ops()) {
            let policy = if newest { Overflow::DropNewest } else { Overflow::DropOldest };
            let queue = SubscriberBuffer::new(capacity, policy, None, None, crate::telemetry::metrics::SubscriberMetrics::new("", None));
            let mut model = VecDeque::new();
            let mut model_dropped = 0u64;
            let (mut got, mut want) = (Vec::new(), Vec::new());
            for op in ops {
                match op {
                    Op::Push(n) => {
                        queue.push(&Arc::new(n), false);
                        if model.len() < capacity {
                            model.push_back(n);
                        } else {
                            model_dropped += 1;
                            if !newest {
                                model.pop_front();
                                model.push_back(n);
                            }
                        }
                    }
                    Op::TakeAll => {
                        let mut batch = VecDeque::new();
                        queue.take_all(&mut batch);
                        got.extend(batch.into_iter().map(|e| *e));
                        want.extend(model.drain(..));
                    }
                }
            }
            prop_assert_eq!(got, want);
            prop_assert_eq!(queue.dropped(), model_dropped);
        }
    }
}
