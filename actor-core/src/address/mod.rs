//! Addresses: [`ActorRef`] (typed by the actor), [`WeakActorRef`], and
//! [`Recipient`] (typed by one message).

mod ask;
mod recipient;
mod registry;
mod target;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Weak};

pub use ask::{AskFuture, AskRequest};
pub use recipient::Recipient;

use crate::actor::{Actor, StopReason};
use crate::cell::{ActorCell, LaneSignal};
use crate::endpoint::{Endpoint, SendError, Signal};
use crate::envelope::Tell;
use crate::id::ActorId;
use crate::message::{Handler, Message};
use target::MessageSink;
pub(crate) use target::Target;

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
    target: Arc<Target<A>>,
}

impl<A: Actor> ActorRef<A> {
    /// The address of a new local actor.
    pub(crate) fn from_cell(cell: ActorCell<A>) -> Self {
        ActorRef { target: Arc::new(Target::Local(cell)) }
    }

    /// The address of an actor of type `A` behind another crate's
    /// [`Endpoint`](crate::dev::Endpoint): a remote node's proxy, a test
    /// double. Messages reach it erased, as
    /// [`AnyMessage`](crate::dev::AnyMessage)s; everything else (watch,
    /// stop, registry) works as for a local actor. See [`dev`](crate::dev).
    ///
    /// If `endpoint` is already the address of a local `A` (from
    /// [`endpoint`](Self::endpoint)), the local address comes back.
    pub fn from_endpoint(endpoint: Arc<dyn Endpoint>) -> Self {
        if endpoint.as_any().is::<Target<A>>() {
            if let Ok(target) = endpoint.clone().into_any().downcast::<Target<A>>() {
                return ActorRef { target };
            }
        }
        ActorRef { target: Arc::new(Target::Endpoint(endpoint)) }
    }

    /// This address as the [`Endpoint`](crate::dev::Endpoint) it points
    /// at: what watchers, registries and other crates hold.
    pub fn endpoint(&self) -> Arc<dyn Endpoint> {
        self.target.clone()
    }

    /// This address as a supervised child, for its supervisor's runner.
    pub(crate) fn supervised_child(&self) -> Arc<dyn crate::cell::SupervisedChild> {
        self.target.clone()
    }

    /// The local cell of an actor known to run here (its own runner's
    /// address, or one just spawned).
    pub(crate) fn cell(&self) -> &ActorCell<A> {
        match self.local() {
            Some(cell) => cell,
            None => unreachable!("a runner's own address is always local"),
        }
    }

    /// The local cell behind this address, if the actor runs here.
    pub(crate) fn local(&self) -> Option<&ActorCell<A>> {
        self.target.local()
    }

    /// Sends `msg` ahead of the mailbox (through the signal lane); for the
    /// runtime's own notices, such as a supervisor's news of its children.
    /// Dropped if the actor has stopped or is not local.
    pub(crate) fn tell_priority<M>(&self, msg: M)
    where
        A: Handler<M>,
        M: Message,
    {
        if let Some(cell) = self.local() {
            let _ = cell.push_signal(LaneSignal::Priority(Box::new(Tell(msg))));
        }
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
            Err(SendError::Full(msg)) => MessageSink::tell_wait(&*self.target, msg).await,
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
        MessageSink::try_tell(&*self.target, msg)
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
    /// [`AskError::Stopped`](crate::AskError::Stopped) if the actor is not running or stops before it
    /// replies; [`AskError::Timeout`](crate::AskError::Timeout) and [`AskError::MailboxFull`](crate::AskError::MailboxFull) as
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
        AskRequest::new(&*self.target, msg)
    }

    /// This address, erased to "whoever handles `M`".
    pub fn recipient<M>(&self) -> Recipient<M>
    where
        A: Handler<M>,
        M: Message,
    {
        Recipient::new(self.target.clone())
    }

    /// The actor's id.
    pub fn id(&self) -> ActorId {
        self.target.id()
    }

    /// The name given in [`SpawnOptions::name`](crate::SpawnOptions::name), if any.
    pub fn name(&self) -> Option<&str> {
        self.target.name()
    }

    /// False once the actor has stopped for good.
    pub fn is_alive(&self) -> bool {
        self.target.is_alive()
    }

    /// How many messages wait in the mailbox, including one the actor has
    /// taken but not finished handling. Always `Some` for a local actor.
    pub fn mailbox_len(&self) -> Option<usize> {
        self.target.mailbox_len()
    }

    /// Asks the actor to stop gracefully: it finishes the current message,
    /// stops its children, runs `on_stop`, and stops with
    /// [`StopReason::Normal`]. Messages still queued become dead letters.
    /// The request travels in the signal lane, so a full mailbox does not
    /// delay it. Does nothing if the actor has already stopped.
    pub fn stop(&self) {
        let _ = self.target.signal(Signal::Stop(StopReason::Normal));
    }

    /// Asks the actor to stop once it has handled every message already in
    /// its mailbox (Akka's `PoisonPill`): from this call on, sends are
    /// refused with [`SendError::Closed`] (and become dead letters), what
    /// was queued before is handled in order, then the actor stops as with
    /// [`stop`](Self::stop), with [`StopReason::Normal`]. Signals (watch
    /// notices, a `stop` or `kill`) still come first. Events the actor
    /// subscribed to are not waited for.
    ///
    /// A supervised child drained this way ends its incarnation; if its
    /// supervisor restarts it, the new incarnation's mailbox takes
    /// messages again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use actor_core::prelude::*;
    ///
    /// #[derive(Default)]
    /// struct Sum(u64);
    /// impl Actor for Sum {
    ///     async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
    ///         assert_eq!(self.0, 6);                   // every queued message was handled
    ///     }
    /// }
    /// struct Add(u64);
    /// impl Message for Add { type Reply = (); }
    /// impl Handler<Add> for Sum {
    ///     async fn handle(&mut self, m: Add, _: &mut Context<Self>) { self.0 += m.0 }
    /// }
    ///
    /// let system = ActorSystem::new();
    /// let sum = system.spawn(Sum::default());
    /// for n in 1..=3 {
    ///     sum.tell(Add(n)).await?;
    /// }
    /// sum.drain_and_stop();
    /// assert!(matches!(sum.try_tell(Add(100)), Err(SendError::Closed(_))));
    /// assert_eq!(sum.wait_for_stop().await, StopReason::Normal);
    /// # Ok(()) }
    /// ```
    pub fn drain_and_stop(&self) {
        let _ = self.target.signal(Signal::Drain(StopReason::Normal));
    }

    /// Stops the actor at once: the running handler (even one that is
    /// awaiting) is dropped, `on_stop` does not run, and the reason is
    /// [`StopReason::Killed`].
    pub fn kill(&self) {
        let _ = self.target.signal(Signal::Kill);
    }

    /// Waits until the actor has stopped and returns why. Returns at once
    /// if it already has.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn wait_for_stop(&self) -> StopReason {
        match self.local() {
            Some(cell) => cell.wait_for_stop().await,
            None => self.target.wait_for_stop().await,
        }
    }

    /// A weak address that does not keep the actor's cell alive.
    pub fn downgrade(&self) -> WeakActorRef<A> {
        WeakActorRef { target: Arc::downgrade(&self.target) }
    }
}

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef { target: self.target.clone() }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ActorRef");
        d.field("id", &self.id()).field("type", &crate::cell::short_type_name(std::any::type_name::<A>()));
        if let Some(name) = self.name() {
            d.field("name", &name);
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
    target: Weak<Target<A>>,
}

impl<A: Actor> WeakActorRef<A> {
    /// The strong address, or `None` if the actor has stopped or every
    /// strong address is gone.
    pub fn upgrade(&self) -> Option<ActorRef<A>> {
        let target = self.target.upgrade()?;
        target.is_alive().then_some(ActorRef { target })
    }
}

impl<A: Actor> Clone for WeakActorRef<A> {
    fn clone(&self) -> Self {
        WeakActorRef { target: self.target.clone() }
    }
}

impl<A: Actor> fmt::Debug for WeakActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakActorRef").finish_non_exhaustive()
    }
}
