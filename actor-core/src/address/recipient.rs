//! `Recipient<M>`: an address erased to one message type.

use std::fmt;
use std::sync::Arc;

use crate::actor::StopReason;
use crate::address::target::{ForeignSink, MessageSink};
use crate::address::AskRequest;
use crate::endpoint::{Endpoint, SendError};
use crate::id::ActorId;
use crate::message::Message;

/// "Whoever handles `M`": an address erased to one message type.
///
/// A sender can hold a `Recipient<SendEmail>` without knowing (or being
/// generic over) the actor type behind it. Cloning is one reference count.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use actor_core::prelude::*;
///
/// struct SendEmail(&'static str);
/// impl Message for SendEmail { type Reply = bool; }
///
/// struct Smtp;
/// impl Actor for Smtp {}
/// impl Handler<SendEmail> for Smtp {
///     async fn handle(&mut self, _m: SendEmail, _ctx: &mut Context<Self>) -> bool { true }
/// }
///
/// let system = ActorSystem::new();
/// let mailer: Recipient<SendEmail> = system.spawn(Smtp).recipient();
/// assert!(mailer.ask(SendEmail("hi")).await?);
/// mailer.tell(SendEmail("bye")).await?;
/// system.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Recipient<M: Message> {
    sink: Arc<dyn MessageSink<M>>,
}

impl<M: Message> Recipient<M> {
    pub(crate) fn new(sink: Arc<dyn MessageSink<M>>) -> Self {
        Recipient { sink }
    }

    /// "Whoever handles `M`" behind another crate's
    /// [`Endpoint`](crate::dev::Endpoint): messages reach it erased, as
    /// [`AnyMessage`](crate::dev::AnyMessage)s. For a local actor, use
    /// [`ActorRef::recipient`](crate::ActorRef::recipient), which keeps the
    /// typed path.
    pub fn from_endpoint(endpoint: Arc<dyn Endpoint>) -> Self {
        Recipient { sink: Arc::new(ForeignSink(endpoint)) }
    }

    /// Sends `msg`, waiting for mailbox space; see
    /// [`ActorRef::tell`](crate::ActorRef::tell).
    ///
    /// # Errors
    /// [`SendError::Closed`] with the message if the actor has stopped.
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped future has not queued the message.
    pub async fn tell(&self, msg: M) -> Result<(), SendError<M>> {
        match self.sink.try_tell(msg) {
            Err(SendError::Full(msg)) => self.sink.tell_wait(msg).await,
            other => other,
        }
    }

    /// Sends `msg` if there is space now.
    ///
    /// # Errors
    /// [`SendError::Full`] or [`SendError::Closed`], with the message.
    pub fn try_tell(&self, msg: M) -> Result<(), SendError<M>> {
        self.sink.try_tell(msg)
    }

    /// Sends `msg` and waits for the reply; see
    /// [`ActorRef::ask`](crate::ActorRef::ask).
    pub fn ask(&self, msg: M) -> AskRequest<'_, M> {
        AskRequest::new(&*self.sink, msg)
    }

    /// The id of the actor behind this recipient.
    pub fn id(&self) -> ActorId {
        self.sink.endpoint().id()
    }

    /// False once the actor has stopped.
    pub fn is_alive(&self) -> bool {
        self.sink.endpoint().is_alive()
    }

    /// Waits until the actor has stopped and returns why.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn wait_for_stop(&self) -> StopReason {
        self.sink.endpoint().wait_for_stop().await
    }
}

impl<M: Message> Clone for Recipient<M> {
    fn clone(&self) -> Self {
        Recipient { sink: self.sink.clone() }
    }
}

impl<M: Message> fmt::Debug for Recipient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipient")
            .field("id", &self.id())
            .field("message", &std::any::type_name::<M>())
            .finish()
    }
}
