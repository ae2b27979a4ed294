//! A mock actor's endpoint (its mailbox and signals) and the task that
//! runs its closures, one message at a time.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actor_core::dev::{AnyMessage, AnyReply, BoxFuture, Endpoint, Signal};
use actor_core::events::Subscription;
use actor_core::{ActorId, AskError, Event, SendError, StopReason};
use futures_util::FutureExt;
use parking_lot::Mutex;
use tokio::sync::mpsc;

use super::handler::ErasedHandler;
use crate::lifecycle::Lifecycle;

/// Never published: a mock subscribes to it only to hear, when its
/// subscription ends, that the system has shut down.
#[derive(Clone)]
pub(crate) struct SystemClosed;
impl Event for SystemClosed {}

/// What the mock's handles and its task share.
pub(crate) struct Shared {
    pub(crate) life: Lifecycle,
    pub(crate) actor_type: &'static str,
    /// The message types it has a closure for.
    pub(crate) handles: HashSet<TypeId>,
    /// How many of each it has handled.
    pub(crate) handled: Mutex<HashMap<TypeId, usize>>,
    /// The types of the messages it refused for want of a closure.
    pub(crate) unhandled: Mutex<Vec<&'static str>>,
    /// Cleared by a drain: from then on, messages are refused at once.
    pub(crate) accepting: AtomicBool,
}

pub(crate) enum Command {
    Stop(StopReason),
    Drain(StopReason),
    Kill,
}

pub(crate) enum MailboxSender {
    Bounded(mpsc::Sender<AnyMessage>),
    Unbounded(mpsc::UnboundedSender<AnyMessage>),
}

pub(crate) enum MailboxReceiver {
    Bounded(mpsc::Receiver<AnyMessage>),
    Unbounded(mpsc::UnboundedReceiver<AnyMessage>),
}

impl MailboxReceiver {
    async fn recv(&mut self) -> Option<AnyMessage> {
        match self {
            MailboxReceiver::Bounded(rx) => rx.recv().await,
            MailboxReceiver::Unbounded(rx) => rx.recv().await,
        }
    }

    fn try_recv(&mut self) -> Option<AnyMessage> {
        match self {
            MailboxReceiver::Bounded(rx) => rx.try_recv().ok(),
            MailboxReceiver::Unbounded(rx) => rx.try_recv().ok(),
        }
    }

    fn close(&mut self) {
        match self {
            MailboxReceiver::Bounded(rx) => rx.close(),
            MailboxReceiver::Unbounded(rx) => rx.close(),
        }
    }
}

/// The mock as every handle sees it.
pub(crate) struct MockEndpoint {
    pub(crate) shared: Arc<Shared>,
    pub(crate) mailbox: MailboxSender,
    pub(crate) commands: mpsc::UnboundedSender<Command>,
}

impl MockEndpoint {
    /// Refuses a message the mock cannot take now: it has stopped (a dead
    /// letter) or has no closure for its type.
    // The `Endpoint` trait's own error, which hands the message back unboxed.
    #[allow(clippy::result_large_err)]
    fn refuse(&self, message: AnyMessage) -> Result<AnyMessage, SendError<AnyMessage>> {
        if self.shared.life.stop_reason().is_some() || !self.shared.accepting.load(Ordering::Acquire) {
            self.shared.life.dead_letter(message.message_type());
            return Err(SendError::Closed(message));
        }
        if !self.shared.handles.contains(&message.message_id()) {
            tracing::warn!(
                mock = %self.shared.life.id(),
                actor_type = self.shared.actor_type,
                message_type = message.message_type(),
                "a mock actor has no handler for this message type: refused as unsupported"
            );
            self.shared.unhandled.lock().push(message.message_type());
            return Err(SendError::Unsupported(message));
        }
        Ok(message)
    }

    fn closed(&self, message: AnyMessage) -> SendError<AnyMessage> {
        self.shared.life.dead_letter(message.message_type());
        SendError::Closed(message)
    }
}

impl Endpoint for MockEndpoint {
    fn id(&self) -> ActorId {
        self.shared.life.id()
    }

    fn actor_type(&self) -> &'static str {
        self.shared.actor_type
    }

    fn stop_reason(&self) -> Option<StopReason> {
        self.shared.life.stop_reason()
    }

    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        self.shared.life.wait_for_stop()
    }

    fn mailbox_len(&self) -> Option<usize> {
        match &self.mailbox {
            MailboxSender::Bounded(tx) => Some(tx.max_capacity() - tx.capacity()),
            // tokio's unbounded sender does not say.
            MailboxSender::Unbounded(_) => None,
        }
    }

    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        let command = match signal {
            Signal::Watch(watcher) => return self.shared.life.watch(watcher),
            Signal::Unwatch(watcher) => {
                self.shared.life.unwatch(watcher);
                return Ok(());
            }
            // A mock watches nobody.
            Signal::Terminated(_) => return Ok(()),
            Signal::Stop(ref reason) => Command::Stop(reason.clone()),
            Signal::Drain(ref reason) => {
                // Refused from this call on, as a local actor's mailbox is.
                self.shared.accepting.store(false, Ordering::Release);
                Command::Drain(reason.clone())
            }
            Signal::Kill => Command::Kill,
            other => return Err(other),
        };
        if self.shared.life.stop_reason().is_some() {
            return Err(signal);
        }
        self.commands.send(command).map_err(|_| signal)
    }

    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        let message = self.refuse(message)?;
        match &self.mailbox {
            MailboxSender::Bounded(tx) => tx.try_send(message).map_err(|e| match e {
                mpsc::error::TrySendError::Full(message) => SendError::Full(message),
                mpsc::error::TrySendError::Closed(message) => self.closed(message),
            }),
            MailboxSender::Unbounded(tx) => tx.send(message).map_err(|e| self.closed(e.0)),
        }
    }

    fn send(&self, message: AnyMessage) -> BoxFuture<'_, Result<(), SendError<AnyMessage>>> {
        Box::pin(async move {
            let message = self.refuse(message)?;
            match &self.mailbox {
                MailboxSender::Bounded(tx) => tx.send(message).await.map_err(|e| self.closed(e.0)),
                MailboxSender::Unbounded(tx) => tx.send(message).map_err(|e| self.closed(e.0)),
            }
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// The mock's task: its closures, its mailbox and signals, and the
/// system's end.
pub(crate) struct Runner {
    pub(crate) shared: Arc<Shared>,
    pub(crate) handlers: HashMap<TypeId, Box<dyn ErasedHandler>>,
    pub(crate) mailbox: MailboxReceiver,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) system_closed: Subscription<SystemClosed>,
}

/// What the runner has been told to do once the current message is done.
#[derive(Default)]
struct Pending {
    stop: Option<StopReason>,
    draining: Option<StopReason>,
    commands_open: bool,
}

impl Runner {
    /// Handles messages until told to stop, the system shuts down, or every
    /// handle is gone; then refuses what is left and tells the watchers.
    pub(crate) async fn run(mut self) {
        let mut pending = Pending { commands_open: true, ..Pending::default() };
        let reason = loop {
            if let Some(reason) = pending.stop.take() {
                break reason;
            }
            tokio::select! {
                biased;
                command = self.commands.recv(), if pending.commands_open => {
                    if let Some(reason) = self.command(command, &mut pending) {
                        break reason;
                    }
                }
                _ = self.system_closed.recv() => break StopReason::Shutdown,
                message = self.mailbox.recv() => match message {
                    Some(message) => {
                        if let Some(reason) = self.handle(message, &mut pending).await {
                            break reason;
                        }
                    }
                    // Drained, or no handle is left to send anything.
                    None => break pending.draining.take().unwrap_or(StopReason::Normal),
                },
            }
        };
        self.finish(reason);
    }

    /// Acts on a command: the reason to stop at once, if it says so.
    fn command(&mut self, command: Option<Command>, pending: &mut Pending) -> Option<StopReason> {
        match command {
            Some(Command::Stop(reason)) => Some(reason),
            Some(Command::Kill) => Some(StopReason::Killed),
            Some(Command::Drain(reason)) => {
                pending.draining.get_or_insert(reason);
                self.mailbox.close();
                None
            }
            None => {
                pending.commands_open = false;
                None
            }
        }
    }

    /// Runs the closure for one message: the reason to stop, if it
    /// panicked or a kill came meanwhile.
    async fn handle(&mut self, message: AnyMessage, pending: &mut Pending) -> Option<StopReason> {
        let (id, message_type) = (message.message_id(), message.message_type());
        let handler = self.handlers.get_mut(&id)?;
        let (payload, reply) = handler.split(message);
        // The closure is called inside the future, so a panic in a
        // synchronous one is caught too.
        let call = AssertUnwindSafe(async move { handler.call(payload).await }).catch_unwind();
        tokio::pin!(call);
        let outcome = loop {
            tokio::select! {
                biased;
                command = self.commands.recv(), if pending.commands_open => match command {
                    Some(Command::Kill) => {
                        fail(reply, AskError::Failed(StopReason::Killed));
                        return Some(StopReason::Killed);
                    }
                    Some(Command::Stop(reason)) => { pending.stop.get_or_insert(reason); }
                    Some(Command::Drain(reason)) => {
                        pending.draining.get_or_insert(reason);
                        self.mailbox.close();
                    }
                    None => pending.commands_open = false,
                },
                outcome = &mut call => break outcome,
            }
        };
        match outcome {
            Ok(value) => {
                *self.shared.handled.lock().entry(id).or_default() += 1;
                if let Some(reply) = reply {
                    // The asker may have stopped waiting; nothing to do then.
                    let _ = reply.send(value);
                }
                None
            }
            Err(panic) => {
                let text = panic_text(&*panic);
                tracing::error!(
                    mock = %self.shared.life.id(),
                    actor_type = self.shared.actor_type,
                    message_type,
                    panic = %text,
                    "a mock actor's handler panicked"
                );
                let reason = StopReason::Panicked(text);
                fail(reply, AskError::Failed(reason.clone()));
                Some(reason)
            }
        }
    }

    /// Closes the mailbox, refuses what it still holds (dead letters; asks
    /// end with `Stopped`), and stops.
    fn finish(mut self, reason: StopReason) {
        self.mailbox.close();
        while let Some(message) = self.mailbox.try_recv() {
            self.shared.life.dead_letter(message.message_type());
            if let Some(handler) = self.handlers.get(&message.message_id()) {
                let (_, reply) = handler.split(message);
                fail(reply, AskError::Stopped(Some(reason.clone())));
            }
        }
        tracing::debug!(mock = %self.shared.life.id(), %reason, "mock actor stopped");
        self.shared.life.stop(reason);
    }
}

fn fail(reply: Option<AnyReply>, error: AskError) {
    if let Some(reply) = reply {
        reply.fail(error);
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic payload that is not a string".to_owned()
    }
}
