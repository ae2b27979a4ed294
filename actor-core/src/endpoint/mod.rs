//! What every handle points at: an [`Endpoint`], the actor as seen from
//! outside. A local actor's cell is one; another crate (a remote node's
//! proxy, a test probe) can supply others through [`dev`](crate::dev).

mod error;
mod message;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use error::{AskError, SendError};
pub use message::{AnyMessage, AnyReply};

use crate::actor::{StopReason, Terminated};
use crate::id::ActorId;

/// Where an ask's outcome goes: the reply, or why there is none (boxed:
/// rare, and it keeps every reply's channel slot small).
pub(crate) type ReplySender<R> = tokio::sync::oneshot::Sender<Result<R, Box<AskError>>>;

/// The asker's end of a [`ReplySender`].
pub(crate) type ReplyReceiver<R> = tokio::sync::oneshot::Receiver<Result<R, Box<AskError>>>;

/// A boxed, `Send` future: what the endpoint's async methods return, so the
/// trait stays usable as `dyn Endpoint`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The actor behind a handle, as every handle sees it: its identity, its
/// liveness, the way in for system signals and the way in for messages.
///
/// [`ActorRef`](crate::ActorRef), [`WeakActorRef`](crate::WeakActorRef),
/// [`Recipient`](crate::Recipient), watchers, children and the registry all
/// reach their actor through this trait. The local actor cell implements it
/// with a typed fast path of its own; an implementation in another crate
/// receives messages in their erased form, [`AnyMessage`].
///
/// Object safe: handles hold `Arc<dyn Endpoint>`.
pub trait Endpoint: Send + Sync + 'static {
    /// The actor's id (for a remote actor, an id of its node).
    fn id(&self) -> ActorId;

    /// The name the actor was spawned with, if any.
    fn name(&self) -> Option<&str> {
        None
    }

    /// The actor's Rust type name (`std::any::type_name::<A>()`); a typed
    /// lookup compares it with the type asked for.
    fn actor_type(&self) -> &'static str;

    /// False once the actor has stopped for good.
    fn is_alive(&self) -> bool {
        self.stop_reason().is_none()
    }

    /// Why the actor stopped, once it has.
    fn stop_reason(&self) -> Option<StopReason>;

    /// Resolves with the stop reason once the actor has stopped (at once if
    /// it already has). Must be cancel safe.
    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason>;

    /// Messages waiting in the actor's mailbox, where the endpoint knows.
    fn mailbox_len(&self) -> Option<usize> {
        None
    }

    /// How many messages the actor's mailbox holds, where the endpoint
    /// knows (a local actor: the capacity it was spawned with).
    fn mailbox_capacity(&self) -> Option<crate::mailbox::MailboxCapacity> {
        None
    }

    /// How many messages and events the actor has handled since it was
    /// spawned (across restarts), where the endpoint knows. Counted when a
    /// handler returns (not when it panics or is killed), with a relaxed
    /// store: a reader on another thread may see it a message late.
    fn handled(&self) -> Option<u64> {
        None
    }

    /// The type of the message the actor is handling and for how long,
    /// where the endpoint knows. A local actor tells it once the handler
    /// has had to wait (a handler that finishes on its first poll is never
    /// seen here).
    fn handling(&self) -> Option<(&'static str, std::time::Duration)> {
        None
    }

    /// Delivers a system signal ahead of queued messages.
    ///
    /// # Errors
    /// Hands the signal back if the actor has stopped and can take no more
    /// signals; the caller then acts on [`stop_reason`](Self::stop_reason)
    /// itself (a refused `Watch` becomes an immediate notice).
    fn signal(&self, signal: Signal) -> Result<(), Signal>;

    /// Queues a message if that can be done now.
    ///
    /// # Errors
    /// The message back, in [`SendError::Full`], [`SendError::Closed`]
    /// (stopped; the endpoint reports the dead letter) or
    /// [`SendError::Unsupported`] (this endpoint cannot carry the message's
    /// type).
    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>>;

    /// Queues a message, waiting for room; the default retries
    /// [`try_send`](Self::try_send) only once, so an endpoint with
    /// back-pressure overrides it.
    ///
    /// # Errors
    /// As [`try_send`](Self::try_send), except that `Full` is not returned
    /// by an endpoint that waits.
    fn send(&self, message: AnyMessage) -> BoxFuture<'_, Result<(), SendError<AnyMessage>>> {
        Box::pin(async move { self.try_send(message) })
    }

    /// Queues a tell without erasing it into an [`AnyMessage`] first (no
    /// allocation): `slot` is a `&mut Option<M>` holding the message. An
    /// endpoint that knows `M` takes the message out of the slot and
    /// returns `Some(Ok(()))`, or leaves it there and returns
    /// `Some(Err(..))` with why (`Full`, `Closed`, `Unsupported`); `None`
    /// (the default) means it does not take messages this way, and the
    /// caller sends an `AnyMessage` through [`try_send`](Self::try_send).
    ///
    /// An optimisation for endpoints on a hot path (a transport encoding
    /// each message); `try_send` stays the method every endpoint must
    /// support.
    fn try_tell_in_place(&self, slot: &mut dyn Any) -> Option<Result<(), SendError<()>>> {
        let _ = slot;
        None
    }

    /// This endpoint as `Any`, so the crate that made it can recognise it.
    fn as_any(&self) -> &dyn Any;

    /// This endpoint as `Arc<dyn Any>`, so the crate that made it can take
    /// its own type back.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// A system signal: travels ahead of user messages.
#[derive(Clone)]
#[non_exhaustive]
pub enum Signal {
    /// Stop after the current message, with this reason.
    Stop(StopReason),
    /// Refuse new messages at once, handle every message already queued,
    /// then stop with this reason.
    Drain(StopReason),
    /// Stop at once: the running handler is dropped and `on_stop` does not
    /// run.
    Kill,
    /// Tell this watcher (with [`Signal::Terminated`]) when the actor stops.
    Watch(Arc<dyn Endpoint>),
    /// Forget the watcher with this id.
    Unwatch(ActorId),
    /// An actor this one watches has stopped.
    Terminated(Terminated),
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Signal::Stop(reason) => f.debug_tuple("Stop").field(reason).finish(),
            Signal::Drain(reason) => f.debug_tuple("Drain").field(reason).finish(),
            Signal::Kill => f.write_str("Kill"),
            Signal::Watch(watcher) => f.debug_tuple("Watch").field(&watcher.id()).finish(),
            Signal::Unwatch(id) => f.debug_tuple("Unwatch").field(id).finish(),
            Signal::Terminated(notice) => f.debug_tuple("Terminated").field(notice).finish(),
        }
    }
}

impl std::fmt::Debug for dyn Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("id", &self.id()).field("type", &self.actor_type()).finish()
    }
}
