//! Mailboxes: the bounded (or unbounded) user lane and the signal lane.
//!
//! The user lane is a `tokio::sync::mpsc` channel of boxed envelopes: one
//! allocation per message. The signal lane ([`signal`]) is a small
//! lock-protected queue with its own waker flag, checked before every
//! message, so stop, kill and watch notices never wait behind user messages.

pub(crate) mod envelope;
pub(crate) mod signal;

use tokio::sync::mpsc;

use crate::address::SendError;
use crate::Actor;
pub(crate) use envelope::Envelope;

/// The default mailbox capacity: 1024 messages.
///
/// Large enough that a busy actor keeps its sender streaming without
/// stalling on every message, small enough that a stuck actor pushes back on
/// its senders within milliseconds instead of growing without bound. A
/// queued message costs one slot in the channel (16 bytes) plus its boxed
/// envelope, so a full default mailbox holds roughly 1024 × (16 + message
/// size) bytes.
pub const DEFAULT_MAILBOX_CAPACITY: usize = 1024;

/// The largest bounded capacity (tokio's semaphore limit, about 2.3e18).
pub const MAX_MAILBOX_CAPACITY: usize = tokio::sync::Semaphore::MAX_PERMITS;

/// How many messages an actor's mailbox holds.
///
/// Chosen per actor type with [`Actor::MAILBOX`] and per spawn with
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

/// The sending half of a user mailbox.
pub(crate) enum MailboxSender<A: Actor> {
    Bounded(mpsc::Sender<Envelope<A>>),
    Unbounded(mpsc::UnboundedSender<Envelope<A>>),
}

/// The receiving half, owned by the actor's task (and handed from one
/// incarnation to the next when a supervisor restarts the actor).
pub(crate) enum MailboxReceiver<A: Actor> {
    Bounded(mpsc::Receiver<Envelope<A>>),
    Unbounded(mpsc::UnboundedReceiver<Envelope<A>>),
}

pub(crate) fn channel<A: Actor>(capacity: MailboxCapacity) -> (MailboxSender<A>, MailboxReceiver<A>) {
    match capacity {
        MailboxCapacity::Bounded(n) => {
            let (tx, rx) = mpsc::channel(n.clamp(1, MAX_MAILBOX_CAPACITY));
            (MailboxSender::Bounded(tx), MailboxReceiver::Bounded(rx))
        }
        MailboxCapacity::Unbounded => {
            let (tx, rx) = mpsc::unbounded_channel();
            (MailboxSender::Unbounded(tx), MailboxReceiver::Unbounded(rx))
        }
    }
}

impl<A: Actor> MailboxSender<A> {
    /// Enqueues without waiting; `wrap` builds the envelope only once a slot
    /// is reserved, so a refused message comes back unboxed. `M` is what
    /// the envelope gives back from `into_message_any` (the message, or the
    /// message with its reply sender for an ask).
    pub(crate) fn try_send<M: Send + 'static>(
        &self,
        msg: M,
        wrap: impl FnOnce(M) -> Envelope<A>,
    ) -> Result<(), SendError<M>> {
        match self {
            MailboxSender::Bounded(tx) => match tx.try_reserve() {
                Ok(permit) => {
                    permit.send(wrap(msg));
                    Ok(())
                }
                Err(mpsc::error::TrySendError::Full(())) => Err(SendError::Full(msg)),
                Err(mpsc::error::TrySendError::Closed(())) => Err(SendError::Closed(msg)),
            },
            MailboxSender::Unbounded(tx) => {
                tx.send(wrap(msg)).map_err(|refused| SendError::Closed(refused.0.into_message()))
            }
        }
    }

    /// Enqueues, waiting for space in a bounded mailbox.
    pub(crate) async fn send<M: Send + 'static>(
        &self,
        msg: M,
        wrap: impl FnOnce(M) -> Envelope<A>,
    ) -> Result<(), SendError<M>> {
        match self {
            MailboxSender::Bounded(tx) => match tx.reserve().await {
                Ok(permit) => {
                    permit.send(wrap(msg));
                    Ok(())
                }
                Err(_) => Err(SendError::Closed(msg)),
            },
            MailboxSender::Unbounded(_) => self.try_send(msg, wrap),
        }
    }

    /// Messages waiting in a bounded mailbox; `None` for an unbounded one,
    /// whose sender does not know.
    pub(crate) fn len(&self) -> Option<usize> {
        match self {
            MailboxSender::Bounded(tx) => Some(tx.max_capacity() - tx.capacity()),
            MailboxSender::Unbounded(_) => None,
        }
    }
}

impl<A: Actor> MailboxReceiver<A> {
    pub(crate) fn poll_recv(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Envelope<A>>> {
        match self {
            MailboxReceiver::Bounded(rx) => rx.poll_recv(cx),
            MailboxReceiver::Unbounded(rx) => rx.poll_recv(cx),
        }
    }

    /// Refuses further sends; queued messages stay readable.
    pub(crate) fn close(&mut self) {
        match self {
            MailboxReceiver::Bounded(rx) => rx.close(),
            MailboxReceiver::Unbounded(rx) => rx.close(),
        }
    }

    pub(crate) fn try_recv(&mut self) -> Option<Envelope<A>> {
        match self {
            MailboxReceiver::Bounded(rx) => rx.try_recv().ok(),
            MailboxReceiver::Unbounded(rx) => rx.try_recv().ok(),
        }
    }
}
