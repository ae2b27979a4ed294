//! `ask`: a request that waits for the reply.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::sync::oneshot;
use tokio::time::Sleep;

use crate::actor::StopReason;
use crate::address::target::MessageSink;
use crate::endpoint::{AskError, BoxFuture, ReplyReceiver, SendError};
use crate::message::Message;

/// A pending `ask`: await it for the reply.
///
/// Made by [`ActorRef::ask`](crate::ActorRef::ask) and
/// [`Recipient::ask`](crate::Recipient::ask). Nothing is sent until it is
/// awaited. By default it waits for mailbox space and then for the reply,
/// without a time limit; an actor that stops or panics first ends the wait
/// with [`AskError::Stopped`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), actor_core::AskError> {
/// use actor_core::prelude::*;
/// use std::time::Duration;
/// # #[derive(Default)] struct Counter(u64);
/// # impl Actor for Counter {}
/// # struct Add(u64); impl Message for Add { type Reply = u64; }
/// # impl Handler<Add> for Counter {
/// #     async fn handle(&mut self, m: Add, _: &mut Context<Self>) -> u64 { self.0 += m.0; self.0 }
/// # }
/// let system = ActorSystem::new();
/// let counter = system.spawn(Counter::default());
/// assert_eq!(counter.ask(Add(2)).await?, 2);
/// assert_eq!(counter.ask(Add(3)).timeout(Duration::from_secs(1)).await?, 5);
/// # system.shutdown().await;
/// # Ok(()) }
/// ```
#[must_use = "an ask does nothing until it is awaited"]
pub struct AskRequest<'a, M: Message> {
    sink: &'a dyn MessageSink<M>,
    msg: M,
    timeout: Option<Duration>,
    wait_for_space: bool,
}

impl<'a, M: Message> AskRequest<'a, M> {
    pub(crate) fn new(sink: &'a dyn MessageSink<M>, msg: M) -> Self {
        AskRequest { sink, msg, timeout: None, wait_for_space: true }
    }

    /// Gives up with [`AskError::Timeout`] if no reply arrived within
    /// `duration` (time spent waiting for mailbox space included). The
    /// message may still be handled; its reply is then dropped.
    pub fn timeout(mut self, duration: Duration) -> Self {
        self.timeout = Some(duration);
        self
    }

    /// Fails with [`AskError::MailboxFull`] instead of waiting when the
    /// mailbox is full.
    pub fn no_wait(mut self) -> Self {
        self.wait_for_space = false;
        self
    }
}

impl<M: Message> fmt::Debug for AskRequest<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AskRequest")
            .field("to", &self.sink.endpoint().id())
            .field("message", &std::any::type_name::<M>())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<'a, M: Message> IntoFuture for AskRequest<'a, M> {
    type Output = Result<M::Reply, AskError>;
    type IntoFuture = AskFuture<'a, M>;

    fn into_future(self) -> AskFuture<'a, M> {
        AskFuture {
            sink: self.sink,
            state: State::Start { msg: Some(self.msg), wait_for_space: self.wait_for_space },
            timeout: self.timeout,
            deadline: None,
        }
    }
}

pin_project! {
    /// The future of an [`AskRequest`].
    #[must_use = "futures do nothing unless polled"]
    pub struct AskFuture<'a, M: Message> {
        sink: &'a dyn MessageSink<M>,
        state: State<'a, M>,
        timeout: Option<Duration>,
        #[pin]
        deadline: Option<Sleep>,
    }
}

/// The asker's end of the reply channel.
type Answer<M> = ReplyReceiver<<M as Message>::Reply>;

enum State<'a, M: Message> {
    Start {
        msg: Option<M>,
        wait_for_space: bool,
    },
    WaitingForSpace {
        send: BoxFuture<'a, Result<(), SendError<M>>>,
        reply: Answer<M>,
    },
    WaitingForReply(Answer<M>),
    /// The mailbox was closed: the actor is stopping; its reason comes soon.
    WaitingForReason(BoxFuture<'a, StopReason>),
    Done,
}

impl<M: Message> fmt::Debug for AskFuture<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AskFuture").field("to", &self.sink.endpoint().id()).finish_non_exhaustive()
    }
}

impl<M: Message> Future for AskFuture<'_, M> {
    type Output = Result<M::Reply, AskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Some(after) = this.timeout.take() {
            this.deadline.set(Some(tokio::time::sleep(after)));
        }
        if let Some(deadline) = this.deadline.as_pin_mut() {
            if deadline.poll(cx).is_ready() {
                *this.state = State::Done;
                return Poll::Ready(Err(AskError::Timeout));
            }
        }
        loop {
            match this.state {
                State::Start { msg, wait_for_space } => {
                    let msg = msg.take().expect("ask polled after completion");
                    let (tx, rx) = oneshot::channel();
                    *this.state = match this.sink.try_ask(msg, tx) {
                        Ok(()) => State::WaitingForReply(rx),
                        Err(SendError::Full((msg, tx))) if *wait_for_space => {
                            State::WaitingForSpace { send: this.sink.ask_wait(msg, tx), reply: rx }
                        }
                        Err(SendError::Full(_)) => return finish(this.state, Err(AskError::MailboxFull)),
                        Err(SendError::Unsupported(_)) => {
                            return finish(this.state, Err(AskError::Unsupported))
                        }
                        Err(_) => match stopped(*this.sink) {
                            Ok(reason) => return finish(this.state, Err(AskError::Stopped(reason))),
                            Err(waiting) => State::WaitingForReason(waiting),
                        },
                    };
                }
                State::WaitingForSpace { send, .. } => {
                    let sent = ready!(send.as_mut().poll(cx));
                    let State::WaitingForSpace { reply, .. } = std::mem::replace(this.state, State::Done)
                    else {
                        unreachable!("matched above")
                    };
                    *this.state = match sent {
                        Ok(()) => State::WaitingForReply(reply),
                        Err(SendError::Unsupported(_)) => return Poll::Ready(Err(AskError::Unsupported)),
                        Err(_) => match stopped(*this.sink) {
                            Ok(reason) => return Poll::Ready(Err(AskError::Stopped(reason))),
                            Err(waiting) => State::WaitingForReason(waiting),
                        },
                    };
                }
                State::WaitingForReply(reply) => {
                    // A dropped sender with no word: an envelope lost without
                    // being rejected (the actor's task was dropped).
                    let reply = match ready!(Pin::new(reply).poll(cx)) {
                        Ok(outcome) => outcome.map_err(|error| *error),
                        Err(_) => Err(AskError::Stopped(None)),
                    };
                    return finish(this.state, reply);
                }
                State::WaitingForReason(reason) => {
                    let reason = ready!(reason.as_mut().poll(cx));
                    return finish(this.state, Err(AskError::Stopped(Some(reason))));
                }
                State::Done => panic!("ask polled after completion"),
            }
        }
    }
}

/// The stop reason of an actor whose mailbox refused the ask: now, or (a
/// local actor closing its mailbox for good stops moments later) a future
/// of it; `None` if it is not stopping for good (a supervised actor
/// drained for one incarnation) or does not say.
fn stopped<'a, M: Message>(
    sink: &'a dyn MessageSink<M>,
) -> Result<Option<StopReason>, BoxFuture<'a, StopReason>> {
    match sink.endpoint().stop_reason() {
        Some(reason) => Ok(Some(reason)),
        None if sink.stopping_for_good() => Err(sink.endpoint().wait_for_stop()),
        None => Ok(None),
    }
}

fn finish<'a, M: Message>(
    state: &mut State<'a, M>,
    result: Result<M::Reply, AskError>,
) -> Poll<Result<M::Reply, AskError>> {
    *state = State::Done;
    Poll::Ready(result)
}
