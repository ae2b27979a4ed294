//! The probe's shared state and the endpoint that records into it.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;

use actor_core::dev::{AnyMessage, AnyReply, BoxFuture, Endpoint, Signal};
use actor_core::{ActorId, AskError, Message, SendError, StopReason, Terminated};
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::lifecycle::Lifecycle;

/// An auto-reply: computes the answer to an ask from its message.
pub(crate) type AutoReply<M> = Box<dyn FnMut(&M) -> <M as Message>::Reply + Send>;

/// What a probe holds; shared by the test's `TestProbe` and every handle
/// made from it.
pub(crate) struct ProbeCore<M: Message> {
    pub(crate) life: Lifecycle,
    pub(crate) state: Mutex<State<M>>,
    /// Woken (all waiters) whenever the state changes.
    changed: Notify,
    auto_reply: Mutex<Option<AutoReply<M>>>,
}

/// A recorded message and, for an ask not answered automatically, its
/// reply slot.
pub(crate) struct Received<M> {
    pub(crate) msg: M,
    pub(crate) reply: Option<AnyReply>,
}

pub(crate) struct State<M> {
    /// Messages received and not yet taken by an expectation.
    pub(crate) messages: VecDeque<Received<M>>,
    /// How many messages were taken so far.
    pub(crate) taken: usize,
    /// Types of messages refused because they are not `M`, in order.
    pub(crate) refused: Vec<&'static str>,
    /// Watch notices not yet taken.
    pub(crate) terminated: VecDeque<Terminated>,
    /// Actors this probe watches.
    pub(crate) watching: Vec<ActorId>,
    /// The reply slot of the last ask taken, for `TestProbe::reply`.
    pub(crate) last_ask: Option<AnyReply>,
    /// Asks taken and never answered: kept, so that their askers wait as
    /// they would on an actor that does not reply (until their timeout),
    /// rather than hearing that it stopped.
    pub(crate) unanswered: Vec<AnyReply>,
}

impl<M: Message> ProbeCore<M> {
    pub(crate) fn new(life: Lifecycle) -> Self {
        ProbeCore {
            life,
            state: Mutex::new(State {
                messages: VecDeque::new(),
                taken: 0,
                refused: Vec::new(),
                terminated: VecDeque::new(),
                watching: Vec::new(),
                last_ask: None,
                unanswered: Vec::new(),
            }),
            changed: Notify::new(),
            auto_reply: Mutex::new(None),
        }
    }

    pub(crate) fn set_auto_reply(&self, reply: AutoReply<M>) {
        *self.auto_reply.lock() = Some(reply);
    }

    /// Waits until `take` finds what it looks for in the state (checked
    /// now and after every change). Cancel safe: `take` runs under the
    /// lock, so whatever it removes is returned.
    pub(crate) async fn wait_for<T>(&self, mut take: impl FnMut(&mut State<M>) -> Option<T>) -> T {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(found) = take(&mut self.state.lock()) {
                return found;
            }
            changed.await;
        }
    }

    fn record(&self, msg: M, reply: Option<AnyReply>) {
        let reply = match reply {
            Some(reply) => {
                let mut auto = self.auto_reply.lock();
                match auto.as_mut() {
                    Some(answer) => {
                        // The asker may have left already: nothing to do then.
                        let _ = reply.send_typed(answer(&msg));
                        None
                    }
                    None => Some(reply),
                }
            }
            None => None,
        };
        self.state.lock().messages.push_back(Received { msg, reply });
        self.changed.notify_waiters();
    }

    pub(crate) fn push_terminated(&self, notice: Terminated) {
        self.state.lock().terminated.push_back(notice);
        self.changed.notify_waiters();
    }

    /// Stops the probe: watchers are told, later messages are dead
    /// letters, and every ask still waiting on it ends with `Stopped`.
    /// The messages already recorded stay readable.
    pub(crate) fn stop(&self, reason: StopReason) {
        if !self.life.stop(reason.clone()) {
            return;
        }
        let replies: Vec<AnyReply> = {
            let mut state = self.state.lock();
            let queued = state.messages.iter_mut().filter_map(|r| r.reply.take()).collect::<Vec<_>>();
            let last = state.last_ask.take();
            let mut replies = std::mem::take(&mut state.unanswered);
            replies.extend(queued);
            replies.extend(last);
            replies
        };
        for reply in replies {
            reply.fail(AskError::Stopped(Some(reason.clone())));
        }
        self.changed.notify_waiters();
    }
}

/// The probe as an actor's endpoint: typed as `actor_type` for lookups.
pub(crate) struct ProbeEndpoint<M: Message> {
    pub(crate) core: Arc<ProbeCore<M>>,
    pub(crate) actor_type: &'static str,
}

impl<M: Message> Endpoint for ProbeEndpoint<M> {
    fn id(&self) -> ActorId {
        self.core.life.id()
    }

    fn actor_type(&self) -> &'static str {
        self.actor_type
    }

    fn stop_reason(&self) -> Option<StopReason> {
        self.core.life.stop_reason()
    }

    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        self.core.life.wait_for_stop()
    }

    fn mailbox_len(&self) -> Option<usize> {
        Some(self.core.state.lock().messages.len())
    }

    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        match signal {
            Signal::Watch(watcher) => self.core.life.watch(watcher),
            Signal::Unwatch(watcher) => {
                self.core.life.unwatch(watcher);
                Ok(())
            }
            Signal::Stop(reason) | Signal::Drain(reason) => {
                self.core.stop(reason);
                Ok(())
            }
            Signal::Kill => {
                self.core.stop(StopReason::Killed);
                Ok(())
            }
            Signal::Terminated(notice) => {
                self.core.push_terminated(notice);
                Ok(())
            }
            // A signal this version does not know: refused, as by a stopped actor.
            other => Err(other),
        }
    }

    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        if self.core.life.stop_reason().is_some() {
            self.core.life.dead_letter(message.message_type());
            return Err(SendError::Closed(message));
        }
        match message.downcast::<M>() {
            Ok((msg, reply)) => {
                self.core.record(msg, reply);
                Ok(())
            }
            Err(other) => {
                tracing::debug!(
                    probe = %self.core.life.id(),
                    message_type = other.message_type(),
                    "a test probe refused a message of another type than it records"
                );
                self.core.state.lock().refused.push(other.message_type());
                self.core.changed.notify_waiters();
                Err(SendError::Unsupported(other))
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}
