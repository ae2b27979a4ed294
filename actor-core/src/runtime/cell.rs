//! The state an actor shares with its addresses: identity, mailbox sender,
//! signal lane and the final stop reason.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use slotmap::{Key, KeyData};
use tokio::sync::{oneshot, Notify};

use crate::address::SendError;
use crate::mailbox::envelope::{Ask, Tell};
use crate::mailbox::signal::SignalLane;
use crate::mailbox::Mailbox;
use crate::runtime::link::Notice;
use crate::system::TableSlot;
use crate::{Actor, ActorId, ActorSystem, Handler, Message, StopReason, Terminated};

/// A signal: travels in the signal lane, ahead of user messages.
pub(crate) enum Signal {
    /// Stop after the current message, with this reason.
    Stop(StopReason),
    /// Tell this watcher when the actor stops.
    Watch(Arc<dyn AnyActor>),
    /// Forget the watcher with this id.
    Unwatch(ActorId),
    /// A watched actor stopped (boxed, like `Notice`: rare, and it keeps
    /// every signal, and so every actor's signal lane, small).
    Terminated(Box<Terminated>),
    /// A child of this actor stopped.
    ChildStopped(ActorId),
    /// A command from this actor's supervisor.
    Supervise(Command),
    /// News for a supervisor about one of its children.
    Notice(Box<Notice>),
}

/// What a supervisor tells a supervised child.
pub(crate) enum Command {
    /// Start a new incarnation (the child is between incarnations).
    Start,
    /// End the running incarnation for a group restart; keep the mailbox.
    Suspend,
    /// Stop for good with this reason.
    Stop(StopReason),
}

/// The untyped part of an actor's cell.
pub(crate) struct ActorShared {
    pub(crate) id: ActorId,
    pub(crate) name: Option<Arc<str>>,
    /// `std::any::type_name::<A>`, as a function: half the size of the
    /// string it returns.
    type_name: fn() -> &'static str,
    pub(crate) signals: SignalLane<Signal>,
    pub(crate) system: ActorSystem,
    reason: OnceLock<StopReason>,
    stopped: Notify,
    registered: AtomicBool,
    /// The actor that spawned this one (a supervisor, for a supervised
    /// child); `None` for an actor spawned by the system, which shutdown
    /// stops. Weak: a child does not keep its parent alive.
    parent: Option<Weak<dyn AnyActor>>,
    /// The actor's key in its system's table (set once, when tracked).
    table_slot: AtomicU64,
}

impl ActorShared {
    pub(crate) fn new(
        id: ActorId,
        name: Option<Arc<str>>,
        type_name: fn() -> &'static str,
        system: ActorSystem,
        parent: Option<Weak<dyn AnyActor>>,
    ) -> Self {
        ActorShared {
            id,
            name,
            type_name,
            signals: SignalLane::new(),
            system,
            reason: OnceLock::new(),
            stopped: Notify::new(),
            registered: AtomicBool::new(false),
            parent,
            table_slot: AtomicU64::new(0),
        }
    }

    /// The actor's type without its module path.
    pub(crate) fn short_type(&self) -> &'static str {
        crate::runtime::short_type_name((self.type_name)())
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.reason.get().is_none()
    }

    pub(crate) fn stop_reason(&self) -> Option<&StopReason> {
        self.reason.get()
    }

    /// Asks for a graceful stop; a no-op once the actor has stopped.
    pub(crate) fn stop(&self, reason: StopReason) {
        let _ = self.signals.push(Signal::Stop(reason));
    }

    pub(crate) async fn wait_for_stop(&self) -> StopReason {
        loop {
            // Created before the check: `notify_waiters` reaches every
            // `Notified` that exists when it runs, polled or not.
            let notified = self.stopped.notified();
            if let Some(reason) = self.reason.get() {
                return reason.clone();
            }
            notified.await;
        }
    }

    /// Records the final reason and wakes every `wait_for_stop`. Returns
    /// whether the actor had been registered under a name.
    pub(crate) fn set_stopped(&self, reason: StopReason) -> bool {
        let _ = self.reason.set(reason);
        self.stopped.notify_waiters();
        // Pairs with the fence in `mark_registered`: either the registry
        // sees the actor dead, or we see the registration and clean it up.
        fence(Ordering::SeqCst);
        self.registered.load(Ordering::SeqCst)
    }

    /// Called under the registry lock; false if the actor is already dead.
    pub(crate) fn mark_registered(&self) -> bool {
        self.registered.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.is_alive()
    }

    /// Spawned by the system, not by another actor.
    pub(crate) fn is_root(&self) -> bool {
        self.parent.is_none()
    }

    pub(crate) fn parent(&self) -> Option<Arc<dyn AnyActor>> {
        self.parent.as_ref().and_then(Weak::upgrade)
    }

    pub(crate) fn set_table_slot(&self, slot: TableSlot) {
        self.table_slot.store(slot.data().as_ffi(), Ordering::Relaxed);
    }

    pub(crate) fn table_slot(&self) -> TableSlot {
        KeyData::from_ffi(self.table_slot.load(Ordering::Relaxed)).into()
    }

    /// A message that will never be handled.
    pub(crate) fn dead_letter(&self, message_type: &'static str) {
        self.system.dead_letter(self.id, message_type);
    }
}

/// An actor's cell: shared state plus the typed mailbox sender. Every
/// address (`ActorRef`, `WeakActorRef`, `Recipient`) is a pointer to it.
pub(crate) struct ActorCell<A: Actor> {
    pub(crate) shared: ActorShared,
    pub(crate) mailbox: Mailbox<A>,
}

/// An actor cell with its type erased: for watchers, children, the system
/// table and the registry.
pub(crate) trait AnyActor: Send + Sync + 'static {
    fn shared(&self) -> &ActorShared;
    fn mailbox_len(&self) -> Option<usize>;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<A: Actor> AnyActor for ActorCell<A> {
    fn shared(&self) -> &ActorShared {
        &self.shared
    }

    fn mailbox_len(&self) -> Option<usize> {
        Some(self.mailbox.len())
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// An ask refused by the mailbox: the message and its reply sender back.
pub(crate) type AskRefused<M> = SendError<(M, oneshot::Sender<<M as Message>::Reply>)>;

pub(crate) type BoxSend<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An actor cell seen only as "something that handles `M`": the core of
/// [`Recipient`](crate::Recipient) and of every ask.
pub(crate) trait MessageSink<M: Message>: AnyActor {
    fn try_tell(&self, msg: M) -> Result<(), SendError<M>>;
    fn tell_wait(&self, msg: M) -> BoxSend<'_, Result<(), SendError<M>>>;
    fn try_ask(&self, msg: M, reply: oneshot::Sender<M::Reply>) -> Result<(), AskRefused<M>>;
    fn ask_wait(&self, msg: M, reply: oneshot::Sender<M::Reply>) -> BoxSend<'_, Result<(), SendError<M>>>;
}

impl<A: Handler<M>, M: Message> MessageSink<M> for ActorCell<A> {
    fn try_tell(&self, msg: M) -> Result<(), SendError<M>> {
        self.try_send(msg, |m| Box::new(Tell(m))).inspect_err(|e| self.refused::<M>(e.is_closed()))
    }

    fn tell_wait(&self, msg: M) -> BoxSend<'_, Result<(), SendError<M>>> {
        Box::pin(async move {
            let sent = self.send(msg, |m| Box::new(Tell(m))).await;
            sent.inspect_err(|e| self.refused::<M>(e.is_closed()))
        })
    }

    fn try_ask(&self, msg: M, reply: oneshot::Sender<M::Reply>) -> Result<(), AskRefused<M>> {
        let sent = self.try_send((msg, reply), |(msg, reply)| Box::new(Ask { msg, reply }));
        sent.inspect_err(|e| self.refused::<M>(e.is_closed()))
    }

    fn ask_wait(&self, msg: M, reply: oneshot::Sender<M::Reply>) -> BoxSend<'_, Result<(), SendError<M>>> {
        Box::pin(async move {
            let sent = self.send((msg, reply), |(msg, reply)| Box::new(Ask { msg, reply })).await;
            self.refused::<M>(sent.as_ref().is_err_and(SendError::is_closed));
            sent.map_err(|e| match e {
                SendError::Full((msg, _)) => SendError::Full(msg),
                SendError::Closed((msg, _)) => SendError::Closed(msg),
            })
        })
    }
}

impl<A: Actor> ActorCell<A> {
    /// Queues a message if there is space now, waking the actor.
    pub(crate) fn try_send<M: Send + 'static>(
        &self,
        msg: M,
        wrap: impl FnOnce(M) -> crate::mailbox::Envelope<A>,
    ) -> Result<(), SendError<M>> {
        self.mailbox.try_send(msg, wrap, self.shared.signals.waker()).map_err(SendError::from)
    }

    /// Queues a message, waiting for space, waking the actor.
    pub(crate) async fn send<M: Send + 'static>(
        &self,
        msg: M,
        wrap: impl Fn(M) -> crate::mailbox::Envelope<A>,
    ) -> Result<(), SendError<M>> {
        self.mailbox.send(msg, wrap, self.shared.signals.waker()).await.map_err(SendError::from)
    }

    /// Reports a refused send of `M`: a dead letter when the actor is gone.
    pub(crate) fn refused<M>(&self, closed: bool) {
        if closed {
            self.shared.dead_letter(std::any::type_name::<M>());
        }
    }
}
