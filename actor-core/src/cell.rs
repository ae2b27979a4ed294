//! The local actor cell: the [`Endpoint`] of an actor that runs in this
//! process. It holds the actor's identity, its mailbox, its signal lane and
//! its final stop reason; its fields are private, and the runner, the
//! handles and the system reach it through the methods below.

use std::any::{Any, TypeId};
use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use slotmap::{Key, KeyData};
use tokio::sync::Notify;

use crate::actor::{Actor, StopReason, Terminated};
use crate::endpoint::{AnyMessage, BoxFuture, Endpoint, SendError, Signal};
use crate::envelope::Envelope;
use crate::handling::Handling;
use crate::id::ActorId;
use crate::loom::AtomicWaker;
use crate::mailbox::signal::{SignalLane, Taken};
use crate::mailbox::{Mailbox, MailboxCapacity};
use crate::system::{ActorSystem, TableSlot};
use crate::telemetry::metrics::ActorMetrics;

/// What travels in a local actor's signal lane, ahead of its mailbox.
pub(crate) enum LaneSignal<A: Actor> {
    /// Stop after the current message, with this reason.
    Stop(StopReason),
    /// Stop with this reason once the mailbox (closed already) is empty.
    Drain(StopReason),
    /// Tell this watcher when the actor stops.
    Watch(Arc<dyn Endpoint>),
    /// Forget the watcher with this id.
    Unwatch(ActorId),
    /// A watched actor stopped (boxed: rare, and it keeps every signal,
    /// and so the lane's inline slot, small).
    Terminated(Box<Terminated>),
    /// A command that starts or ends an incarnation (from a supervisor).
    Control(Control),
    /// A message handled ahead of the mailbox (a supervisor's notices
    /// about its children).
    Priority(Envelope<A>),
}

/// Commands that start and end incarnations of a supervised actor.
#[derive(Debug)]
pub(crate) enum Control {
    /// Start a new incarnation (the actor is between incarnations).
    Start,
    /// End the running incarnation for a group restart; keep the mailbox.
    Suspend,
    /// Stop for good with this reason.
    Stop(StopReason),
}

/// A local actor: identity, mailbox, signal lane, stop state.
pub(crate) struct ActorCell<A: Actor> {
    id: ActorId,
    /// Boxed: a thin pointer, so the cell stays within its size class
    /// (344 bytes) with the handled count; a named spawn pays one more
    /// 16-byte allocation.
    name: Option<Box<Arc<str>>>,
    signals: SignalLane<LaneSignal<A>>,
    mailbox: Mailbox<Envelope<A>>,
    system: ActorSystem,
    reason: OnceLock<StopReason>,
    stopped: Notify,
    registered: AtomicBool,
    /// The mailbox is closing because the actor stops for good (a drain
    /// of a supervised actor closes it for one incarnation only).
    closing_for_good: AtomicBool,
    /// The actor's key in its system's table (set once, when tracked).
    table_slot: AtomicU64,
    /// Warn about a handler running longer than this, in milliseconds (0:
    /// never).
    slow_ms: u32,
    /// Its running handler has had to wait: the system's slow-handler
    /// watch holds what it handles.
    waiting: AtomicBool,
    /// Messages and events handled so far (written by the actor's task
    /// alone, so a relaxed load and store, no read-modify-write).
    handled: AtomicU64,
    /// Its metric handles (zero-sized without the `metrics` feature).
    metrics: ActorMetrics,
}

impl<A: Actor> ActorCell<A> {
    pub(crate) fn new(
        system: &ActorSystem,
        name: Option<Arc<str>>,
        capacity: MailboxCapacity,
        slow: Option<Duration>,
    ) -> Self {
        let metrics = ActorMetrics::new(short_type_name(std::any::type_name::<A>()), name.as_ref());
        ActorCell {
            id: system.next_actor_id(),
            name: name.map(Box::new),
            signals: SignalLane::new(),
            mailbox: Mailbox::new(capacity),
            // Actors do not keep their system alive (see ActorSystem).
            system: system.non_owning(),
            reason: OnceLock::new(),
            stopped: Notify::new(),
            registered: AtomicBool::new(false),
            closing_for_good: AtomicBool::new(false),
            table_slot: AtomicU64::new(0),
            slow_ms: slow.map_or(0, |d| u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)),
            waiting: AtomicBool::new(false),
            handled: AtomicU64::new(0),
            metrics,
        }
    }

    pub(crate) fn metrics(&self) -> &ActorMetrics {
        &self.metrics
    }

    pub(crate) fn id(&self) -> ActorId {
        self.id
    }

    pub(crate) fn name(&self) -> Option<&Arc<str>> {
        self.name.as_deref()
    }

    /// The actor's type without its module path.
    pub(crate) fn short_type(&self) -> &'static str {
        short_type_name(std::any::type_name::<A>())
    }

    pub(crate) fn system(&self) -> &ActorSystem {
        &self.system
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.reason.get().is_none()
    }

    pub(crate) fn mailbox(&self) -> &Mailbox<Envelope<A>> {
        &self.mailbox
    }

    pub(crate) fn lane(&self) -> &SignalLane<LaneSignal<A>> {
        &self.signals
    }

    /// Queues a signal; hands it back once the lane has closed.
    pub(crate) fn push_signal(&self, signal: LaneSignal<A>) -> Result<(), LaneSignal<A>> {
        self.signals.push(signal)
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

    /// Records the final reason, wakes every `wait_for_stop`, and removes
    /// the actor's names from the registry if it had any.
    pub(crate) fn set_stopped(&self, reason: StopReason) {
        let _ = self.reason.set(reason);
        self.stopped.notify_waiters();
        // Pairs with the fence in `mark_registered`: either the registry
        // sees the actor dead, or we see the registration and clean it up.
        fence(Ordering::SeqCst);
        if self.registered.load(Ordering::SeqCst) {
            self.system.registry().remove_actor(self.id);
        }
    }

    /// Closes the mailbox because the actor stops for good: a sender
    /// refused from now on may wait for the stop reason.
    pub(crate) fn close_for_good(&self) {
        self.closing_for_good.store(true, Ordering::Release);
        self.mailbox.close();
    }

    /// Whether the mailbox was closed by [`close_for_good`](Self::close_for_good).
    pub(crate) fn is_closing_for_good(&self) -> bool {
        self.closing_for_good.load(Ordering::Acquire)
    }

    /// Called under the registry lock; false if the actor is already dead.
    pub(crate) fn mark_registered(&self) -> bool {
        self.registered.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.is_alive()
    }

    /// Closes the signal lane; what was still in it comes back.
    pub(crate) fn close_lane(&self) -> Taken<LaneSignal<A>> {
        self.signals.close()
    }

    pub(crate) fn set_table_slot(&self, slot: TableSlot) {
        self.table_slot.store(slot.data().as_ffi(), Ordering::Relaxed);
    }

    pub(crate) fn table_slot(&self) -> TableSlot {
        KeyData::from_ffi(self.table_slot.load(Ordering::Relaxed)).into()
    }

    /// The running handler has had to wait: what it handles is recorded
    /// (for snapshots) and, with a threshold, watched.
    pub(crate) fn begin_handling(&self, message_type: &'static str) {
        let threshold = (self.slow_ms > 0).then(|| Duration::from_millis(u64::from(self.slow_ms)));
        let handling =
            Handling::new(self.id, self.short_type(), self.name().cloned(), message_type, threshold);
        self.waiting.store(true, Ordering::Relaxed);
        self.system.slow_watch().begin(Arc::new(handling));
    }

    /// The handler that had to wait has ended (or will never end).
    pub(crate) fn end_handling(&self) {
        if self.waiting.swap(false, Ordering::Relaxed) {
            self.system.slow_watch().end(self.id);
        }
    }

    /// One more message or event handled. Called from the actor's task
    /// only: a plain load and store, no locked instruction.
    #[inline]
    pub(crate) fn count_handled(&self) {
        self.handled.store(self.handled.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    /// A message that will never be handled.
    pub(crate) fn dead_letter(&self, message_type: &'static str) {
        self.system.dead_letter(self.id, message_type);
    }

    fn waker(&self) -> &AtomicWaker {
        self.signals.waker()
    }

    /// Queues `wrap(msg)` if there is space now, waking the actor. A
    /// message refused because the actor stopped is a dead letter.
    #[inline]
    pub(crate) fn try_send<M: Send + 'static>(
        &self,
        msg: M,
        wrap: impl FnOnce(M) -> Envelope<A>,
    ) -> Result<(), SendError<M>> {
        let sent = self.mailbox.try_send(msg, wrap, |envelope| envelope.into_message(), self.waker());
        sent.map_err(SendError::from).inspect_err(|e| self.report_refused(e, std::any::type_name::<M>()))
    }

    /// Queues `wrap(msg)`, waiting for space, waking the actor.
    pub(crate) async fn send<M: Send + 'static>(
        &self,
        msg: M,
        wrap: impl Fn(M) -> Envelope<A>,
    ) -> Result<(), SendError<M>> {
        let sent = self.mailbox.send(msg, wrap, |envelope| envelope.into_message(), self.waker()).await;
        sent.map_err(SendError::from).inspect_err(|e| self.report_refused(e, std::any::type_name::<M>()))
    }

    /// A send refused because the actor is gone is a dead letter.
    fn report_refused<M>(&self, error: &SendError<M>, message_type: &'static str) {
        if error.is_closed() {
            self.dead_letter(message_type);
        }
    }
}

impl<A: Actor> Endpoint for ActorCell<A> {
    fn id(&self) -> ActorId {
        self.id
    }

    fn name(&self) -> Option<&str> {
        self.name.as_deref().map(|name| &**name)
    }

    fn actor_type(&self) -> &'static str {
        std::any::type_name::<A>()
    }

    fn is_alive(&self) -> bool {
        ActorCell::is_alive(self)
    }

    fn stop_reason(&self) -> Option<StopReason> {
        self.reason.get().cloned()
    }

    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        Box::pin(ActorCell::wait_for_stop(self))
    }

    fn mailbox_len(&self) -> Option<usize> {
        Some(self.mailbox.len())
    }

    fn mailbox_capacity(&self) -> Option<MailboxCapacity> {
        Some(self.mailbox.capacity())
    }

    fn handled(&self) -> Option<u64> {
        Some(self.handled.load(Ordering::Relaxed))
    }

    fn handling(&self) -> Option<(&'static str, Duration)> {
        if !self.waiting.load(Ordering::Relaxed) {
            return None;
        }
        self.system.slow_watch().handling(self.id)
    }

    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        let lane_signal = match signal {
            Signal::Kill => {
                self.signals.kill();
                return Ok(());
            }
            Signal::Stop(reason) => LaneSignal::Stop(reason),
            Signal::Drain(reason) => {
                // Closed here, at the request: later senders are refused.
                self.mailbox.close();
                LaneSignal::Drain(reason)
            }
            Signal::Watch(watcher) => LaneSignal::Watch(watcher),
            Signal::Unwatch(id) => LaneSignal::Unwatch(id),
            Signal::Terminated(notice) => LaneSignal::Terminated(Box::new(notice)),
        };
        self.push_signal(lane_signal).map_err(|refused| match refused {
            LaneSignal::Stop(reason) => Signal::Stop(reason),
            LaneSignal::Drain(reason) => Signal::Drain(reason),
            LaneSignal::Watch(watcher) => Signal::Watch(watcher),
            LaneSignal::Unwatch(id) => Signal::Unwatch(id),
            LaneSignal::Terminated(notice) => Signal::Terminated(*notice),
            LaneSignal::Control(_) | LaneSignal::Priority(_) => unreachable!("not made from a public signal"),
        })
    }

    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        if !message.is_for_actor(TypeId::of::<A>()) {
            return Err(SendError::Unsupported(message));
        }
        let message_type = message.message_type();
        let sent =
            self.mailbox.try_send(message, local_envelope::<A>, |e| e.into_any_message(), self.waker());
        sent.map_err(SendError::from).inspect_err(|e| self.report_refused(e, message_type))
    }

    fn send(&self, message: AnyMessage) -> BoxFuture<'_, Result<(), SendError<AnyMessage>>> {
        Box::pin(async move {
            if !message.is_for_actor(TypeId::of::<A>()) {
                return Err(SendError::Unsupported(message));
            }
            let message_type = message.message_type();
            let sent =
                self.mailbox.send(message, local_envelope::<A>, |e| e.into_any_message(), self.waker()).await;
            sent.map_err(SendError::from).inspect_err(|e| self.report_refused(e, message_type))
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// The envelope of an erased message addressed to an `A` (checked by the
/// caller with `is_for_actor`).
fn local_envelope<A: Actor>(message: AnyMessage) -> Envelope<A> {
    let erased = match message.into_local(TypeId::of::<A>()) {
        Ok(erased) => erased,
        Err(_) => unreachable!("checked with is_for_actor before reserving a slot"),
    };
    match erased.downcast::<Envelope<A>>() {
        Ok(envelope) => *envelope,
        Err(_) => unreachable!("made for this actor type"),
    }
}

pub(crate) use crate::telemetry::short_type_name;

/// A supervised child as its supervisor sees it: an endpoint that also
/// takes the commands starting and ending its incarnations.
pub(crate) trait SupervisedChild: Send + Sync + 'static {
    /// Sends a command; false once the child has stopped for good.
    fn control(&self, command: Control) -> bool;
    /// The child as an endpoint.
    fn endpoint(&self) -> &dyn Endpoint;

    /// Stops the child for good, now: a stop command and a kill.
    fn stop_now(&self) {
        self.control(Control::Stop(StopReason::Shutdown));
        let _ = self.endpoint().signal(Signal::Kill);
    }
}

impl<A: Actor> SupervisedChild for ActorCell<A> {
    fn control(&self, command: Control) -> bool {
        self.push_signal(LaneSignal::Control(command)).is_ok()
    }

    fn endpoint(&self) -> &dyn Endpoint {
        self
    }
}
