//! The `Actor` trait, its lifecycle hooks and the reasons an actor stops.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

// The handler call names its context: the one reference above this layer (see "Layers" in docs/ARCHITECTURE.md).
use crate::id::ActorId;
use crate::mailbox::MailboxCapacity;
use crate::Context;

/// An actor: state owned by one task, changed only by the messages it handles.
///
/// Every hook has a default, so `impl Actor for MyActor {}` is a complete
/// actor; behaviour comes from its [`Handler`](crate::Handler) impls.
///
/// ```
/// use actor_core::prelude::*;
///
/// struct Db { connected: bool }
/// impl Actor for Db {
///     const MAILBOX: MailboxCapacity = MailboxCapacity::Bounded(64);
///
///     async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
///         self.connected = true;
///         Ok(())
///     }
///
///     async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
///         tracing::info!(%reason, "db closing");
///         self.connected = false;
///     }
/// }
/// ```
pub trait Actor: Send + Sized + 'static {
    /// Mailbox capacity for this actor type; a spawn may override it with
    /// [`SpawnOptions`](crate::SpawnOptions). Defaults to
    /// [`MailboxCapacity::DEFAULT`] (bounded, 1024 messages).
    const MAILBOX: MailboxCapacity = MailboxCapacity::DEFAULT;

    /// Runs once before the first message. An `Err` (or a panic) stops the
    /// actor with [`StopReason::StartFailed`] (or
    /// [`StopReason::Panicked`]) and `on_stop` does not run.
    fn on_start(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = Result<(), ActorError>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Runs once when the actor stops for any reason except
    /// [`StopReason::Killed`] and a failed start, after its children have
    /// stopped. The mailbox is already closed: sends to it fail.
    fn on_stop(&mut self, ctx: &mut Context<Self>, reason: &StopReason) -> impl Future<Output = ()> + Send {
        let _ = (ctx, reason);
        async {}
    }

    /// Called when an actor this one [watches](Context::watch) has stopped.
    /// Runs between messages, like a handler. The default does nothing.
    fn on_terminated(
        &mut self,
        ctx: &mut Context<Self>,
        terminated: Terminated,
    ) -> impl Future<Output = ()> + Send {
        let _ = (ctx, terminated);
        async {}
    }
}

/// Notice that a watched actor has stopped, given to
/// [`Actor::on_terminated`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Terminated {
    /// The actor that stopped.
    pub id: ActorId,
    /// Why it stopped.
    pub reason: StopReason,
}

impl Terminated {
    /// A notice that `id` stopped for `reason`: what an
    /// [`Endpoint`](crate::dev::Endpoint) of another crate sends its
    /// watchers (as [`Signal::Terminated`](crate::dev::Signal::Terminated)).
    pub fn new(id: ActorId, reason: StopReason) -> Self {
        Terminated { id, reason }
    }
}

/// Why an actor stopped.
///
/// `Normal` and `Shutdown` are normal stops; every other reason is abnormal
/// (see [`is_abnormal`](StopReason::is_abnormal)), which is what supervisors
/// restart `Transient` children for.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StopReason {
    /// Stopped on request ([`ActorRef::stop`](crate::ActorRef::stop) or
    /// [`Context::stop`]).
    Normal,
    /// Stopped because its parent, its supervisor or the system shut down.
    Shutdown,
    /// Killed: the current handler was dropped and `on_stop` did not run.
    Killed,
    /// A hook or handler panicked; the panic message.
    Panicked(String),
    /// `on_start` returned an error.
    StartFailed(ActorError),
    /// The node the actor lived on is unreachable.
    NodeDown,
    /// A supervisor exceeded its restart intensity and gave up.
    Escalated,
}

/// The text of a panic's payload: a `&str` or a `String`, or a fixed
/// phrase for any other payload.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

impl StopReason {
    /// True for every reason except `Normal` and `Shutdown`.
    pub fn is_abnormal(&self) -> bool {
        !matches!(self, StopReason::Normal | StopReason::Shutdown)
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Normal => f.write_str("normal"),
            StopReason::Shutdown => f.write_str("shutdown"),
            StopReason::Killed => f.write_str("killed"),
            StopReason::Panicked(msg) => write!(f, "panicked: {msg}"),
            StopReason::StartFailed(err) => write!(f, "start failed: {err}"),
            StopReason::NodeDown => f.write_str("node down"),
            StopReason::Escalated => f.write_str("restart intensity exceeded"),
        }
    }
}

/// A failure returned by an actor hook such as [`Actor::on_start`].
///
/// Any error converts into it with `?`, like `anyhow::Error`; the original
/// stays reachable through [`source`](ActorError::source). Cheap to clone, so
/// every watcher of a failed actor sees the same error.
///
/// ```
/// use actor_core::ActorError;
/// let parse: Result<u32, _> = "x".parse::<u32>();
/// let err: ActorError = parse.unwrap_err().into();
/// assert_eq!(err.to_string(), "invalid digit found in string");
/// assert_eq!(ActorError::msg("no database").to_string(), "no database");
/// ```
#[derive(Clone)]
pub struct ActorError(Arc<dyn StdError + Send + Sync + 'static>);

impl ActorError {
    /// An error made of a message only.
    pub fn msg(message: impl Into<String>) -> Self {
        ActorError(Arc::new(Message(message.into())))
    }

    /// The error the hook returned.
    pub fn source(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.0
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for ActorError {
    fn from(err: E) -> Self {
        ActorError(Arc::new(err))
    }
}

impl fmt::Display for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorError({:?})", self.0.to_string())
    }
}

impl PartialEq for ActorError {
    /// Two errors are equal when they print the same.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Message {}
