//! Mailboxes: the bounded (or unbounded) user lane and the signal lane, as
//! plain data structures that know nothing of actors.
//!
//! The user lane ([`queue`]) is a bounded queue inside the actor's cell: one
//! allocation per message (the item's own box, made by the caller), none
//! for an idle actor. The signal lane ([`signal`]) is a small lock-protected
//! queue with its own flag word and waker, checked before every message, so
//! stop, kill and watch notices never wait behind user messages. What the
//! items are (envelopes, signals) is decided by the layers above.

pub(crate) mod queue;
pub(crate) mod signal;

pub(crate) use queue::Refused;
use queue::{Batch, MessageQueue};

use crate::loom::AtomicWaker;

/// The default mailbox capacity: 1024 messages.
///
/// Large enough that a busy actor keeps its sender streaming without
/// stalling on every message, small enough that a stuck actor pushes back on
/// its senders within milliseconds instead of growing without bound. A
/// queued message costs one 16-byte slot plus its boxed envelope, so a full
/// default mailbox holds roughly 1024 × (16 + message size) bytes. An
/// empty mailbox that never held a message owns no heap.
pub const DEFAULT_MAILBOX_CAPACITY: usize = 1024;

/// The largest bounded capacity, about 2.3e18 on 64-bit targets (the
/// same limit tokio's channels have).
pub const MAX_MAILBOX_CAPACITY: usize = usize::MAX >> 3;

/// How many messages an actor's mailbox holds.
///
/// Chosen per actor type with [`Actor::MAILBOX`](crate::Actor::MAILBOX) and per spawn with
/// [`SpawnOptions::capacity`](crate::SpawnOptions::capacity) /
/// [`SpawnOptions::unbounded`](crate::SpawnOptions::unbounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MailboxCapacity {
    /// At most this many queued messages; `tell` waits for space and
    /// `try_tell` hands the message back when full. A capacity of 0 is
    /// treated as 1, and one above [`MAX_MAILBOX_CAPACITY`] as that maximum.
    Bounded(usize),
    /// No bound: senders never wait. Opt in only where the producer is
    /// known to be slower than the actor.
    Unbounded,
}

impl MailboxCapacity {
    /// Bounded, [`DEFAULT_MAILBOX_CAPACITY`] messages.
    pub const DEFAULT: MailboxCapacity = MailboxCapacity::Bounded(DEFAULT_MAILBOX_CAPACITY);
}

impl Default for MailboxCapacity {
    fn default() -> Self {
        MailboxCapacity::DEFAULT
    }
}

/// The shared half of an actor's user mailbox, held in its cell: a queue
/// of `T` (the cell's envelopes) with the capacity the spawn chose.
pub(crate) struct Mailbox<T> {
    queue: MessageQueue<T>,
}

/// The actor's half: the items it has taken from the mailbox and not yet
/// handled. Owned by the actor's runner and handed from one incarnation to
/// the next when a supervisor restarts the actor.
pub(crate) struct MailboxReceiver<T> {
    batch: Batch<T>,
}

impl<T> Mailbox<T> {
    pub(crate) fn new(capacity: MailboxCapacity) -> Self {
        let capacity = match capacity {
            MailboxCapacity::Bounded(n) => n.clamp(1, MAX_MAILBOX_CAPACITY),
            MailboxCapacity::Unbounded => queue::UNBOUNDED,
        };
        Mailbox { queue: MessageQueue::new(capacity) }
    }

    /// Enqueues without waiting; `wrap` builds the item only once a slot is
    /// reserved, so a refused message comes back as it was, and `unwrap`
    /// takes apart an item refused after wrapping (the mailbox closed
    /// meanwhile). `receiver` is the actor's waker (its signal lane's).
    pub(crate) fn try_send<M>(
        &self,
        msg: M,
        wrap: impl FnOnce(M) -> T,
        unwrap: impl FnOnce(T) -> M,
        receiver: &AtomicWaker,
    ) -> Result<(), Refused<M>> {
        self.queue.try_push(msg, wrap, unwrap, receiver)
    }

    /// Enqueues, waiting for space in a full mailbox.
    pub(crate) async fn send<M>(
        &self,
        msg: M,
        wrap: impl Fn(M) -> T,
        unwrap: impl Fn(T) -> M,
        receiver: &AtomicWaker,
    ) -> Result<(), Refused<M>> {
        self.queue.push(msg, wrap, unwrap, receiver).await
    }

    /// Messages waiting, including any the actor has taken but not handled.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// The capacity it was made with (after clamping).
    pub(crate) fn capacity(&self) -> MailboxCapacity {
        match self.queue.capacity() {
            queue::UNBOUNDED => MailboxCapacity::Unbounded,
            n => MailboxCapacity::Bounded(n),
        }
    }

    /// Refuses further sends; queued messages stay readable.
    pub(crate) fn close(&self) {
        self.queue.close();
    }

    /// Takes sends again after `close`.
    pub(crate) fn reopen(&self) {
        self.queue.reopen();
    }
}

impl<T> MailboxReceiver<T> {
    pub(crate) fn new() -> Self {
        MailboxReceiver { batch: Batch::new() }
    }

    /// Whether an item is queued; it is then in the batch, for `try_recv`
    /// to take without locking.
    pub(crate) fn ready(&mut self, mailbox: &Mailbox<T>) -> bool {
        self.batch.ready(&mailbox.queue)
    }

    /// The next item, if one is queued.
    pub(crate) fn try_recv(&mut self, mailbox: &Mailbox<T>) -> Option<T> {
        self.batch.try_pop(&mailbox.queue)
    }
}
