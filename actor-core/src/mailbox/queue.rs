//! The user lane's queue: a bounded multi-producer, single-consumer queue
//! that lives inside the actor's cell.
//!
//! Senders push under a short lock; the actor takes everything queued in
//! one swap and then works through its own buffer without touching the
//! lock, so sender and actor meet once per batch, not once per message.
//! The two buffers trade places on every swap: a busy mailbox stops
//! allocating once both have grown to its usual burst, and a mailbox that
//! never received a message owns no heap at all.
//!
//! The queue has no waker of its own: the actor registers one waker for its
//! mailbox and its signal lane together, and senders pass it in.
//!
//! A slot is reserved before the message is wrapped (one atomic on the
//! length word, which also carries the closed bit), so a refused message
//! comes back untouched. Senders waiting for space register in `waiting`
//! before their last check; the actor reads it after every message it
//! takes and, when someone waits, wakes one of them through `space`.

use std::collections::VecDeque;

use tokio::sync::Notify;

use crate::loom::{AtomicUsize, AtomicWaker, Mutex, Ordering};

/// Set in the length word once the queue is closed.
const CLOSED: usize = 1 << (usize::BITS - 1);

/// The capacity used for an unbounded queue: never reached.
pub(crate) const UNBOUNDED: usize = CLOSED >> 1;

/// A push the queue did not take, with the message handed back. The
/// address layer turns it into `SendError`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused<M> {
    /// No free slot.
    Full(M),
    /// The queue is closed.
    Closed(M),
}

/// The shared half: owned by the actor's cell, used by every sender.
pub(crate) struct MessageQueue<T> {
    items: Mutex<VecDeque<T>>,
    /// Messages queued and not yet taken by the actor one by one (those in
    /// the actor's buffer count), plus the `CLOSED` bit.
    len: AtomicUsize,
    capacity: usize,
    /// Senders waiting for space.
    waiting: AtomicUsize,
    space: Notify,
}

/// The actor's half: the batch it took in its last swap.
pub(crate) struct Batch<T> {
    items: VecDeque<T>,
}

impl<T> MessageQueue<T> {
    /// A queue holding at most `capacity` items (at least 1); [`UNBOUNDED`]
    /// for no limit.
    pub(crate) fn new(capacity: usize) -> Self {
        MessageQueue {
            items: Mutex::new(VecDeque::new()),
            len: AtomicUsize::new(0),
            capacity: capacity.clamp(1, UNBOUNDED),
            waiting: AtomicUsize::new(0),
            space: Notify::new(),
        }
    }

    /// The most items it holds ([`UNBOUNDED`] for no limit).
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Items queued, including those the actor has taken but not handled.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire) & !CLOSED
    }

    /// Reserves a slot; `Err(closed)` when there is none.
    fn reserve(&self) -> Result<(), bool> {
        let mut len = self.len.load(Ordering::SeqCst);
        loop {
            if len & CLOSED != 0 {
                return Err(true);
            }
            if len >= self.capacity {
                return Err(false);
            }
            match self.len.compare_exchange_weak(len, len + 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return Ok(()),
                Err(now) => len = now,
            }
        }
    }

    /// Queues `value` into a reserved slot; hands it back if the queue
    /// closed since the slot was reserved.
    fn push_reserved(&self, value: T, receiver: &AtomicWaker) -> Result<(), T> {
        let was_empty = {
            let mut items = self.items.lock();
            // Read under the lock: `close` sets the bit and then takes the
            // lock, so a push either lands before the close (and is drained)
            // or sees the bit here.
            if self.len.load(Ordering::SeqCst) & CLOSED != 0 {
                drop(items);
                self.release_slot();
                return Err(value);
            }
            let was_empty = items.is_empty();
            items.push_back(value);
            was_empty
        };
        // The actor only sleeps after finding the queue empty, so only the
        // push that ends that emptiness has to wake it.
        if was_empty {
            receiver.wake();
        }
        Ok(())
    }

    /// Queues `wrap(msg)` if there is space now. `wrap` runs only once a
    /// slot is reserved; a message refused before that comes back as it
    /// was, one refused after (the queue closed meanwhile) is handed to
    /// `unwrap`. `receiver` is the waker the actor registers before it
    /// sleeps.
    pub(crate) fn try_push<M>(
        &self,
        msg: M,
        wrap: impl FnOnce(M) -> T,
        unwrap: impl FnOnce(T) -> M,
        receiver: &AtomicWaker,
    ) -> Result<(), Refused<M>> {
        match self.reserve() {
            Ok(()) => self.push_reserved(wrap(msg), receiver).map_err(|value| Refused::Closed(unwrap(value))),
            Err(true) => Err(Refused::Closed(msg)),
            Err(false) => Err(Refused::Full(msg)),
        }
    }

    /// Queues `wrap(msg)`, waiting for space while the queue is full.
    /// Cancel safe: dropped before it completes, nothing was queued.
    pub(crate) async fn push<M>(
        &self,
        mut msg: M,
        wrap: impl Fn(M) -> T,
        unwrap: impl Fn(T) -> M,
        receiver: &AtomicWaker,
    ) -> Result<(), Refused<M>> {
        loop {
            let notified = self.space.notified();
            let mut notified = std::pin::pin!(notified);
            let _waiting = Waiting::register(&self.waiting);
            // Registered before this check: a slot freed after it wakes us.
            notified.as_mut().enable();
            match self.try_push(msg, &wrap, &unwrap, receiver) {
                Err(Refused::Full(refused)) => msg = refused,
                done => return done,
            }
            notified.await;
        }
    }

    /// Refuses further pushes and wakes every waiting sender. Items already
    /// queued stay readable.
    pub(crate) fn close(&self) {
        self.len.fetch_or(CLOSED, Ordering::SeqCst);
        // Waits out a push that read the length before the bit was set.
        drop(self.items.lock());
        self.space.notify_waiters();
    }

    /// Takes pushes again after a `close` (a supervised actor drained for
    /// one incarnation keeps its mailbox for the next).
    pub(crate) fn reopen(&self) {
        self.len.fetch_and(!CLOSED, Ordering::SeqCst);
    }

    /// Gives a slot back: after the actor took an item, or after a push
    /// was refused. Wakes a waiting sender, if any.
    fn release_slot(&self) {
        self.len.fetch_sub(1, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.space.notify_one();
        }
    }

    /// Moves everything queued into `batch` (which must be empty).
    fn refill(&self, batch: &mut Batch<T>) -> bool {
        // With the batch empty, the length counts only what is queued or
        // about to be (a reserved slot whose push has not locked yet; that
        // push will find the queue empty and wake the actor). Zero means
        // there is nothing to take: no lock, which is most of an idle
        // actor's last look before it sleeps.
        if self.len.load(Ordering::SeqCst) & !CLOSED == 0 {
            return false;
        }
        let mut items = self.items.lock();
        if items.is_empty() {
            return false;
        }
        std::mem::swap(&mut *items, &mut batch.items);
        true
    }
}

impl<T> Batch<T> {
    pub(crate) fn new() -> Self {
        Batch { items: VecDeque::new() }
    }

    /// Whether an item is ready: in this batch, or swapped in from the
    /// queue now.
    pub(crate) fn ready(&mut self, queue: &MessageQueue<T>) -> bool {
        !self.items.is_empty() || queue.refill(self)
    }

    /// The next item, swapping in a new batch when this one is empty.
    pub(crate) fn try_pop(&mut self, queue: &MessageQueue<T>) -> Option<T> {
        if !self.ready(queue) {
            return None;
        }
        let item = self.items.pop_front();
        queue.release_slot();
        item
    }
}

/// Counts a sender in `waiting` for as long as it waits, including when
/// its future is dropped mid-wait.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn register(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A queue with the waker the actor would register, for the tests.
#[cfg(test)]
struct TestMailbox {
    queue: MessageQueue<u32>,
    waker: AtomicWaker,
}

#[cfg(test)]
impl TestMailbox {
    fn new(capacity: usize) -> Self {
        TestMailbox { queue: MessageQueue::new(capacity), waker: AtomicWaker::new() }
    }

    fn try_push(&self, value: u32) -> Result<(), Refused<u32>> {
        self.queue.try_push(value, |v| v, |v| v, &self.waker)
    }

    #[cfg_attr(actor_loom, allow(dead_code))] // the loom models push without waiting
    async fn push(&self, value: u32) -> Result<(), Refused<u32>> {
        self.queue.push(value, |v| v, |v| v, &self.waker).await
    }

    /// What the actor loop does: take, or register and take again.
    fn poll_pop(&self, batch: &mut Batch<u32>, cx: &mut std::task::Context<'_>) -> std::task::Poll<u32> {
        if let Some(item) = batch.try_pop(&self.queue) {
            return std::task::Poll::Ready(item);
        }
        self.waker.register(cx.waker());
        match batch.try_pop(&self.queue) {
            Some(item) => std::task::Poll::Ready(item),
            None => std::task::Poll::Pending,
        }
    }
}

#[cfg(test)]
impl std::ops::Deref for TestMailbox {
    type Target = MessageQueue<u32>;

    fn deref(&self) -> &MessageQueue<u32> {
        &self.queue
    }
}

#[cfg(all(test, actor_loom))]
mod loom_tests {
    use super::*;
    use loom::future::block_on;
    use loom::sync::Arc;
    use std::future::poll_fn;

    use crate::loom::model;

    fn pusher(queue: &Arc<TestMailbox>, value: u32) -> loom::thread::JoinHandle<bool> {
        let queue = queue.clone();
        loom::thread::spawn(move || queue.try_push(value).is_ok())
    }

    #[test]
    fn every_push_wakes_the_actor_and_is_taken_in_order_per_sender() {
        model(|| {
            let queue = Arc::new(TestMailbox::new(4));
            let a = pusher(&queue, 1);
            let b = pusher(&queue, 2);
            let mut batch = Batch::new();
            let mut seen = Vec::new();
            while seen.len() < 2 {
                seen.push(block_on(poll_fn(|cx| queue.poll_pop(&mut batch, cx))));
            }
            assert!(a.join().unwrap() && b.join().unwrap());
            seen.sort();
            assert_eq!(seen, vec![1, 2]);
            assert_eq!(queue.len(), 0);
        });
    }

    #[test]
    fn a_push_racing_a_close_is_either_refused_or_drained() {
        model(|| {
            let queue = Arc::new(TestMailbox::new(4));
            let p = pusher(&queue, 1);
            queue.close();
            let mut batch = Batch::new();
            let drained = std::iter::from_fn(|| batch.try_pop(&queue.queue)).count();
            let accepted = p.join().unwrap();
            assert_eq!(accepted, drained == 1, "accepted and lost, or refused and queued");
            assert_eq!(queue.len(), 0);
        });
    }

    #[test]
    fn a_full_queue_frees_its_slot_for_the_next_sender() {
        model(|| {
            let queue = Arc::new(TestMailbox::new(1));
            assert!(queue.try_push(1).is_ok());
            let p = {
                let queue = queue.clone();
                loom::thread::spawn(move || {
                    // Spins on `try_push`: `push` waits on tokio's Notify,
                    // which loom does not model.
                    loop {
                        match queue.try_push(2) {
                            Ok(()) => return,
                            Err(Refused::Full(_)) => loom::thread::yield_now(),
                            Err(Refused::Closed(_)) => unreachable!(),
                        }
                    }
                })
            };
            let mut batch = Batch::new();
            let first = block_on(poll_fn(|cx| queue.poll_pop(&mut batch, cx)));
            let second = block_on(poll_fn(|cx| queue.poll_pop(&mut batch, cx)));
            p.join().unwrap();
            assert_eq!((first, second), (1, 2));
        });
    }
}

#[cfg(all(test, not(actor_loom)))]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use std::future::poll_fn;

    fn push(queue: &TestMailbox, value: u32) -> Result<(), Refused<u32>> {
        queue.try_push(value)
    }

    #[test]
    fn a_full_queue_hands_the_message_back_unwrapped() {
        let queue = TestMailbox::new(2);
        push(&queue, 1).unwrap();
        push(&queue, 2).unwrap();
        let mut wrapped = false;
        let wrap = |v| {
            wrapped = true;
            v
        };
        let refused = queue.queue.try_push(3, wrap, |v| v, &queue.waker);
        assert!(matches!(refused, Err(Refused::Full(3))));
        assert!(!wrapped, "a refused message is never wrapped");
        assert_eq!(queue.len(), 2);
    }

    #[test]
    fn items_come_out_in_order_across_batches() {
        let queue = TestMailbox::new(8);
        let mut batch = Batch::new();
        push(&queue, 1).unwrap();
        push(&queue, 2).unwrap();
        assert_eq!(batch.try_pop(&queue.queue), Some(1));
        push(&queue, 3).unwrap(); // lands in the shared queue, behind 2
        assert_eq!(queue.len(), 2, "the one in the actor's batch still counts");
        assert_eq!(batch.try_pop(&queue.queue), Some(2));
        assert_eq!(batch.try_pop(&queue.queue), Some(3));
        assert_eq!(batch.try_pop(&queue.queue), None);
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn a_closed_queue_refuses_but_keeps_what_was_queued() {
        let queue = TestMailbox::new(8);
        push(&queue, 1).unwrap();
        queue.close();
        assert!(matches!(push(&queue, 2), Err(Refused::Closed(2))));
        assert!(matches!(queue.push(3).now_or_never(), Some(Err(Refused::Closed(3)))));
        let mut batch = Batch::new();
        assert_eq!(batch.try_pop(&queue.queue), Some(1));
        assert_eq!(batch.try_pop(&queue.queue), None);
    }

    #[test]
    fn unbounded_never_refuses() {
        let queue = TestMailbox::new(UNBOUNDED);
        for n in 0..10_000 {
            push(&queue, n).unwrap();
        }
        assert_eq!(queue.len(), 10_000);
    }

    #[tokio::test]
    async fn a_waiting_sender_gets_the_freed_slot() {
        let queue = std::sync::Arc::new(TestMailbox::new(1));
        push(&queue, 1).unwrap();
        let sender = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.push(2).await })
        };
        // Wait until the sender is registered as waiting.
        while queue.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let mut batch = Batch::new();
        assert_eq!(batch.try_pop(&queue.queue), Some(1));
        sender.await.unwrap().unwrap();
        assert_eq!(poll_fn(|cx| queue.poll_pop(&mut batch, cx)).await, 2);
        assert_eq!(queue.waiting.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_dropped_waiting_sender_stops_counting_and_queues_nothing() {
        let queue = TestMailbox::new(1);
        push(&queue, 1).unwrap();
        let mut waiting = Box::pin(queue.push(2));
        assert!((&mut waiting).now_or_never().is_none());
        assert_eq!(queue.waiting.load(Ordering::SeqCst), 1);
        drop(waiting);
        assert_eq!(queue.waiting.load(Ordering::SeqCst), 0);
        assert_eq!(queue.len(), 1);
    }

    #[tokio::test]
    async fn close_wakes_every_waiting_sender_with_its_message() {
        let queue = std::sync::Arc::new(TestMailbox::new(1));
        push(&queue, 0).unwrap();
        let senders: Vec<_> = (1..=3)
            .map(|n| {
                let queue = queue.clone();
                tokio::spawn(async move { queue.push(n).await })
            })
            .collect();
        while queue.waiting.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        queue.close();
        let mut refused = Vec::new();
        for sender in senders {
            match sender.await.unwrap() {
                Err(Refused::Closed(n)) => refused.push(n),
                other => panic!("expected Closed, got {other:?}"),
            }
        }
        assert_eq!(refused, vec![1, 2, 3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_senders_through_a_small_queue_lose_nothing() {
        let queue = std::sync::Arc::new(TestMailbox::new(2));
        let senders: Vec<_> = (0..4u32)
            .map(|s| {
                let queue = queue.clone();
                tokio::spawn(async move {
                    for n in 0..500 {
                        queue.push(s * 1000 + n).await.unwrap();
                    }
                })
            })
            .collect();
        let mut batch = Batch::new();
        let mut last = [None::<u32>; 4];
        for _ in 0..2000 {
            let v = poll_fn(|cx| queue.poll_pop(&mut batch, cx)).await;
            let (s, n) = ((v / 1000) as usize, v % 1000);
            assert!(last[s].is_none_or(|prev| prev < n), "per-sender order kept");
            last[s] = Some(n);
        }
        for sender in senders {
            sender.await.unwrap();
        }
        assert_eq!(last, [Some(499); 4]);
    }
}
