//! Errors of sending to an address.

use std::fmt;

use crate::actor::StopReason;
use crate::mailbox::Refused;

/// A message that could not be enqueued, handed back to the sender.
///
/// Nothing is silently lost: every variant owns the message, and
/// [`into_inner`](SendError::into_inner) returns it for a retry or a log.
/// `Debug` does not require `M: Debug`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
/// # struct Idle; impl Actor for Idle {}
/// # struct Ping(u32); impl Message for Ping { type Reply = (); }
/// # impl Handler<Ping> for Idle { async fn handle(&mut self, _: Ping, _: &mut Context<Self>) {} }
/// let system = ActorSystem::new();
/// let idle = system.spawn(Idle);
/// idle.stop();
/// idle.wait_for_stop().await;
/// match idle.try_tell(Ping(7)) {
///     Err(SendError::Closed(Ping(n))) => assert_eq!(n, 7),
///     other => panic!("unexpected {other:?}"),
/// }
/// # system.shutdown().await;
/// # }
/// ```
#[non_exhaustive]
pub enum SendError<M> {
    /// The bounded mailbox is full (only from `try_tell`; `tell` waits).
    Full(M),
    /// The actor has stopped; the message also became a dead letter.
    Closed(M),
    /// The address cannot carry messages of this type (an endpoint that
    /// is not a local actor, with no way to transport it).
    Unsupported(M),
}

impl<M> SendError<M> {
    /// The message that was not sent.
    pub fn into_inner(self) -> M {
        match self {
            SendError::Full(msg) | SendError::Closed(msg) | SendError::Unsupported(msg) => msg,
        }
    }

    /// True when the mailbox was full.
    pub fn is_full(&self) -> bool {
        matches!(self, SendError::Full(_))
    }

    /// True when the actor has stopped.
    pub fn is_closed(&self) -> bool {
        matches!(self, SendError::Closed(_))
    }
}

impl<M> From<Refused<M>> for SendError<M> {
    fn from(refused: Refused<M>) -> Self {
        match refused {
            Refused::Full(msg) => SendError::Full(msg),
            Refused::Closed(msg) => SendError::Closed(msg),
        }
    }
}

impl<M> SendError<M> {
    /// The same error with the message changed by `f` (the message's
    /// erased form turned back into the message, for example).
    pub fn map<N>(self, f: impl FnOnce(M) -> N) -> SendError<N> {
        match self {
            SendError::Full(msg) => SendError::Full(f(msg)),
            SendError::Closed(msg) => SendError::Closed(f(msg)),
            SendError::Unsupported(msg) => SendError::Unsupported(f(msg)),
        }
    }
}

impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("Full(..)"),
            SendError::Closed(_) => f.write_str("Closed(..)"),
            SendError::Unsupported(_) => f.write_str("Unsupported(..)"),
        }
    }
}

impl<M> fmt::Display for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("mailbox full"),
            SendError::Closed(_) => f.write_str("actor stopped"),
            SendError::Unsupported(_) => f.write_str("message type not supported by this address"),
        }
    }
}

impl<M> std::error::Error for SendError<M> {}

/// Why an `ask` got no reply.
///
/// An ask never hangs on a dead actor, and says why it ended: if the actor
/// was not running, or stopped before it handled the message, the asker
/// gets [`AskError::Stopped`] with the actor's stop reason; if the actor
/// panicked (or was killed) while handling it, [`AskError::Failed`] with
/// the panic's text. Both come at once, not when the actor is restarted.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
///
/// struct Fragile;
/// impl Actor for Fragile {}
/// struct Poke;
/// impl Message for Poke { type Reply = (); }
/// impl Handler<Poke> for Fragile {
///     async fn handle(&mut self, _: Poke, _ctx: &mut Context<Self>) {
///         panic!("disk on fire");
///     }
/// }
///
/// let system = ActorSystem::new();
/// let fragile = system.spawn(Fragile);
/// let failed = fragile.ask(Poke).await.unwrap_err();
/// assert_eq!(failed, AskError::Failed(StopReason::Panicked("disk on fire".into())));
/// assert_eq!(failed.to_string(), "actor failed while handling the message: panicked: disk on fire");
///
/// let stopped = fragile.ask(Poke).await.unwrap_err();   // it has stopped by now
/// assert_eq!(stopped.reason(), Some(&StopReason::Panicked("disk on fire".into())));
/// assert!(stopped.to_string().starts_with("actor stopped before handling the message"));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AskError {
    /// The actor was not running, or stopped before it handled the message
    /// (which became a dead letter); the actor's stop reason where it is
    /// known (`None` for a deferred reply whose replier gave up, or an
    /// endpoint of another crate that did not say).
    #[error("actor stopped before handling the message{}", reason_suffix(.0))]
    Stopped(Option<StopReason>),
    /// The actor failed while handling the message: it panicked (the
    /// reason carries the panic's text) or was killed.
    #[error("actor failed while handling the message: {0}")]
    Failed(StopReason),
    /// No reply within the time given to [`AskRequest::timeout`](crate::AskRequest::timeout).
    #[error("ask timed out")]
    Timeout,
    /// The mailbox was full and the ask was made with
    /// [`AskRequest::no_wait`](crate::AskRequest::no_wait).
    #[error("mailbox full")]
    MailboxFull,
    /// The address cannot carry this message type (see
    /// [`SendError::Unsupported`]).
    #[error("message type not supported by this address")]
    Unsupported,
    /// The actor's node could not be reached: no link to it, or the link
    /// broke before the reply came (the message may or may not have been
    /// handled).
    #[error("the actor's node is unreachable")]
    Unreachable,
    /// The message or its reply could not cross the wire: it failed to
    /// encode, or to decode on the other side (the text says which).
    #[error("message could not cross the wire: {0}")]
    Codec(String),
}

impl AskError {
    /// The actor's stop reason, for [`Stopped`](Self::Stopped) (where
    /// known) and [`Failed`](Self::Failed).
    pub fn reason(&self) -> Option<&StopReason> {
        match self {
            AskError::Stopped(reason) => reason.as_ref(),
            AskError::Failed(reason) => Some(reason),
            _ => None,
        }
    }
}

fn reason_suffix(reason: &Option<StopReason>) -> String {
    match reason {
        Some(reason) => format!(" ({reason})"),
        None => String::new(),
    }
}
