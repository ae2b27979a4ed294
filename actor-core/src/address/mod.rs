//! Addresses: [`ActorRef`] (typed by the actor), [`WeakActorRef`], and
//! [`Recipient`] (typed by one message).

mod ask;
mod error;
mod recipient;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Weak};

pub use ask::{AskFuture, AskRequest};
pub use error::{AskError, SendError};
pub use recipient::Recipient;

use crate::mailbox::envelope::Tell;
use crate::runtime::cell::{ActorCell, MessageSink};
use crate::{Actor, ActorId, Handler, Message, StopReason};

/// The typed address of an actor: send it messages, watch it, stop it.
///
/// Cheap to clone (one reference count), `Send + Sync`, and valid for the
/// actor's whole life, including supervised restarts. Holding an `ActorRef`
/// does not keep a stopped actor alive; sending to one returns
/// [`SendError::Closed`] with the message.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use actor_core::prelude::*;
///
/// #[derive(Default)]
/// struct Counter { total: u64 }
/// impl Actor for Counter {}
///
/// struct Add(u64);
/// impl Message for Add { type Reply = u64; }
/// impl Handler<Add> for Counter {
///     async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
///         self.total += msg.0;
///         self.total
///     }
/// }
///
/// let system = ActorSystem::new();
/// let counter: ActorRef<Counter> = system.spawn(Counter::default());
/// counter.tell(Add(1)).await?;            // waits only for mailbox space
/// let total = counter.ask(Add(2)).await?; // waits for the reply
/// assert_eq!(total, 3);
/// system.shutdown().await;
/// # Ok(()) }
/// ```
pub struct ActorRef<A: Actor> {
    pub(crate) cell: Arc<ActorCell<A>>,
}

impl<A: Actor> ActorRef<A> {
    pub(crate) fn from_cell(cell: Arc<ActorCell<A>>) -> Self {
        ActorRef { cell }
    }

    /// Sends `msg`, waiting for mailbox space if the mailbox is full
    /// (back-pressure). Returns once the message is queued, not handled.
    ///
    /// # Errors
    /// [`SendError::Closed`] with the message if the actor has stopped (the
    /// message is also reported as a dead letter).
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, the
    /// message was not queued (and is dropped with the future).
    pub async fn tell<M>(&self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handler<M>,
        M: Message,
    {
        // The fast path needs no future state; waiting for space (rare) is
        // boxed, which keeps this future, and every handler that sends,
        // small enough to run without an allocation.
        match self.try_tell(msg) {
            Err(SendError::Full(msg)) => MessageSink::tell_wait(&*self.cell, msg).await,
            other => other,
        }
    }

    /// Sends `msg` if there is space now, without waiting.
    ///
    /// # Errors
    /// [`SendError::Full`] with the message when the mailbox is full;
    /// [`SendError::Closed`] with the message when the actor has stopped.
    pub fn try_tell<M>(&self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handler<M>,
        M: Message,
    {
        let sent = self.cell.try_send(msg, |m| Box::new(Tell(m)));
        sent.inspect_err(|e| self.cell.refused::<M>(e.is_closed()))
    }

    /// Sends `msg` from synchronous code, blocking the thread while the
    /// mailbox is full. Works on plain threads and inside
    /// `tokio::task::spawn_blocking`.
    ///
    /// # Errors
    /// [`SendError::Closed`] with the message if the actor has stopped.
    ///
    /// # Panics
    /// When called from asynchronous code (inside a task), where blocking
    /// would stall the runtime's workers, as tokio's `blocking_send` does.
    /// Use [`tell`](Self::tell) there.
    pub fn blocking_tell<M>(&self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handler<M>,
        M: Message,
    {
        match tokio::runtime::Handle::try_current() {
            // Inside the runtime's context: fine on a blocking thread, a
            // panic in async code. Re-raised with a message naming the fix.
            Ok(handle) => {
                let blocked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    handle.block_on(self.tell(msg))
                }));
                blocked.unwrap_or_else(|_| {
                    panic!("blocking_tell called from async code, where it would block the runtime; use `tell(msg).await`")
                })
            }
            Err(_) => futures_executor::block_on(self.tell(msg)),
        }
    }

    /// Sends `msg` and waits for the reply; see [`AskRequest`] for
    /// `.timeout(d)` and `.no_wait()`.
    ///
    /// # Errors
    /// [`AskError::Stopped`] if the actor is not running or stops before it
    /// replies; [`AskError::Timeout`] and [`AskError::MailboxFull`] as
    /// configured on the request.
    ///
    /// # Cancel safety
    /// Dropping the request before the message is queued sends nothing;
    /// dropping it later lets the actor handle the message and drops the
    /// reply.
    pub fn ask<M>(&self, msg: M) -> AskRequest<'_, M>
    where
        A: Handler<M>,
        M: Message,
    {
        AskRequest::new(&*self.cell, msg)
    }

    /// This address, erased to "whoever handles `M`".
    pub fn recipient<M>(&self) -> Recipient<M>
    where
        A: Handler<M>,
        M: Message,
    {
        Recipient::new(self.cell.clone())
    }

    /// The actor's id.
    pub fn id(&self) -> ActorId {
        self.cell.shared.id
    }

    /// The name given in [`SpawnOptions::name`](crate::SpawnOptions::name), if any.
    pub fn name(&self) -> Option<&str> {
        self.cell.shared.name.as_deref()
    }

    /// False once the actor has stopped for good.
    pub fn is_alive(&self) -> bool {
        self.cell.shared.is_alive()
    }

    /// How many messages wait in the mailbox, including one the actor has
    /// taken but not finished handling. Always `Some` for a local actor.
    pub fn mailbox_len(&self) -> Option<usize> {
        Some(self.cell.mailbox.len())
    }

    /// Asks the actor to stop gracefully: it finishes the current message,
    /// stops its children, runs `on_stop`, and stops with
    /// [`StopReason::Normal`]. Messages still queued become dead letters.
    /// The request travels in the signal lane, so a full mailbox does not
    /// delay it. Does nothing if the actor has already stopped.
    pub fn stop(&self) {
        self.cell.shared.stop(StopReason::Normal);
    }

    /// Stops the actor at once: the running handler (even one that is
    /// awaiting) is dropped, `on_stop` does not run, and the reason is
    /// [`StopReason::Killed`].
    pub fn kill(&self) {
        self.cell.shared.signals.kill();
    }

    /// Waits until the actor has stopped and returns why. Returns at once
    /// if it already has.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn wait_for_stop(&self) -> StopReason {
        self.cell.shared.wait_for_stop().await
    }

    /// A weak address that does not keep the actor's cell alive.
    pub fn downgrade(&self) -> WeakActorRef<A> {
        WeakActorRef { cell: Arc::downgrade(&self.cell) }
    }
}

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef { cell: self.cell.clone() }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.cell.shared;
        let mut d = f.debug_struct("ActorRef");
        d.field("id", &shared.id).field("type", &shared.short_type());
        if let Some(name) = &shared.name {
            d.field("name", name);
        }
        d.finish()
    }
}

impl<A: Actor> PartialEq for ActorRef<A> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl<A: Actor> Eq for ActorRef<A> {}

impl<A: Actor> Hash for ActorRef<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

/// A weak address: does not keep the actor's cell alive. Upgrade it to send.
pub struct WeakActorRef<A: Actor> {
    cell: Weak<ActorCell<A>>,
}

impl<A: Actor> WeakActorRef<A> {
    /// The strong address, or `None` if the actor has stopped or every
    /// strong address is gone.
    pub fn upgrade(&self) -> Option<ActorRef<A>> {
        let cell = self.cell.upgrade()?;
        cell.shared.is_alive().then(|| ActorRef::from_cell(cell))
    }
}

impl<A: Actor> Clone for WeakActorRef<A> {
    fn clone(&self) -> Self {
        WeakActorRef { cell: self.cell.clone() }
    }
}

impl<A: Actor> fmt::Debug for WeakActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakActorRef").finish_non_exhaustive()
    }
}
