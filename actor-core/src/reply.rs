//! Deferred replies: answer an ask later without blocking the mailbox; and
//! the same for an erased ask ([`AnyReply::channel`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use crate::endpoint::{AnyReply, AskError, ReplyReceiver, ReplySender};

/// A reply that arrives later: use `Deferred<T>` as a message's `Reply`
/// when the handler must wait for other work but should not hold up the
/// mailbox meanwhile.
///
/// The asker gets the `Deferred` at once and awaits it for the value. Make
/// one with [`Context::defer`](crate::Context::defer) (runs a future for
/// you) or [`Deferred::channel`] (reply from wherever you like).
#[must_use = "a deferred reply does nothing unless awaited"]
pub struct Deferred<T> {
    rx: ReplyReceiver<T>,
}

impl<T> Deferred<T> {
    /// A deferred reply and the [`ReplyTo`] that fulfils it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actor_core::{AskError, Deferred};
    /// let (reply_to, deferred) = Deferred::channel();
    /// reply_to.send(5).unwrap();
    /// assert_eq!(deferred.await, Ok(5));
    ///
    /// let (reply_to, deferred) = Deferred::<u8>::channel();
    /// drop(reply_to);                       // the replier gave up
    /// assert_eq!(deferred.await, Err(AskError::Stopped(None)));
    /// # }
    /// ```
    pub fn channel() -> (ReplyTo<T>, Deferred<T>) {
        let (tx, rx) = oneshot::channel();
        (ReplyTo { tx }, Deferred { rx })
    }
}

impl<T> Future for Deferred<T> {
    type Output = Result<T, AskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx).map(|received| match received {
            Ok(outcome) => outcome.map_err(|error| *error),
            Err(_) => Err(AskError::Stopped(None)),
        })
    }
}

impl<T> fmt::Debug for Deferred<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferred").finish_non_exhaustive()
    }
}

/// The sending side of a [`Deferred`] reply. Dropping it unsent tells the
/// asker [`AskError::Stopped`].
pub struct ReplyTo<T> {
    tx: ReplySender<T>,
}

impl<T> ReplyTo<T> {
    /// Fulfils the reply.
    ///
    /// # Errors
    /// Hands `value` back if the asker is no longer waiting.
    pub fn send(self, value: T) -> Result<(), T> {
        self.tx.send(Ok(value)).map_err(|back| match back {
            Ok(value) => value,
            Err(_) => unreachable!("sent Ok above"),
        })
    }

    /// True if the asker is no longer waiting.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo").finish_non_exhaustive()
    }
}

impl AnyReply {
    /// A reply slot for an `R`, and the [`Deferred`] that resolves with
    /// the value sent to it: how an endpoint builds an erased ask of its
    /// own (to pass one on to another endpoint, say). The `Deferred` ends
    /// with [`AskError::Stopped`](crate::AskError::Stopped) if the slot is
    /// dropped unanswered.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actor_core::dev::{AnyMessage, AnyReply};
    /// use actor_core::Message;
    ///
    /// struct Double(u32);
    /// impl Message for Double { type Reply = u32; }
    ///
    /// let (reply, answer) = AnyReply::channel::<u32>();
    /// let ask = AnyMessage::ask(Double(21), reply);
    /// // ... whoever receives `ask` answers it:
    /// let (Double(n), reply) = ask.downcast::<Double>().unwrap();
    /// reply.unwrap().send_typed(n * 2).unwrap();
    /// assert_eq!(answer.await, Ok(42));
    /// # }
    /// ```
    pub fn channel<R: Send + 'static>() -> (AnyReply, Deferred<R>) {
        let (tx, rx) = oneshot::channel();
        (AnyReply::new(tx), Deferred { rx })
    }
}
