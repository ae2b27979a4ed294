//! The actor loop: start, serve signals and messages, stop.

use std::any::Any;
use std::future::{poll_fn, Future};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::FutureExt;
use pin_project_lite::pin_project;

use crate::events::{ActorStarted, ActorStopped, EventSource};
use crate::mailbox::signal::SignalLane;
use crate::runtime::cell::{ActorCell, Command, Signal};
use crate::{Actor, ActorError, Context, StopReason, Terminated};

/// Runs one unsupervised actor from start to stop.
///
/// A plain function returning an `async move` block, not an `async fn`:
/// the block uses `ctx` and `mailbox` in place, where an `async fn` would
/// move its arguments into locals and store them twice in every actor's
/// task.
#[allow(clippy::manual_async_fn)] // keeps the arguments out of the task twice
pub(crate) fn run<A: Actor>(mut actor: A, mut ctx: Context<A>) -> impl Future<Output = ()> + Send {
    async move {
        let ended = incarnation(&mut actor, &mut ctx, Closing::AfterServe, || {}).await;
        drop(actor);
        let reason = match ended {
            Ended::Stopped(reason) | Ended::Final(reason) => reason,
            Ended::Suspended => StopReason::Shutdown, // no supervisor sends this
        };
        let cell = ctx.myself().cell.clone();
        finish(&cell, &mut ctx, reason);
    }
}

/// When an incarnation closes the mailbox.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closing {
    /// As soon as serving ends: an unsupervised actor never restarts.
    AfterServe,
    /// Only on a final stop: a supervised actor keeps its mailbox across
    /// restarts.
    OnFinalStop,
}

/// How one incarnation of an actor ended.
pub(crate) enum Ended {
    /// It stopped (or failed, or was killed) on its own account.
    Stopped(StopReason),
    /// Its supervisor suspended it for a group restart.
    Suspended,
    /// Its supervisor stopped it for good.
    Final(StopReason),
}

/// Runs one incarnation: `on_start`, messages and signals, then children
/// and `on_stop`. `started` runs once `on_start` has succeeded. The caller
/// owns the actor (borrowed here, so it is stored once in the task) and
/// drops it as soon as this returns.
#[allow(clippy::manual_async_fn)] // keeps the arguments out of the task twice
pub(crate) fn incarnation<'a, A: Actor>(
    actor: &'a mut A,
    ctx: &'a mut Context<A>,
    closing: Closing,
    started: impl FnOnce() + 'a,
) -> impl Future<Output = Ended> + 'a {
    async move {
        let cell = ctx.myself().cell.clone();

        let start =
            AssertUnwindSafe(Killable::new(actor.on_start(ctx), &cell.shared.signals)).catch_unwind().await;
        // Taken by value, so the outcome is not kept in the task while the
        // actor serves.
        let failed = start_failure(start);
        let (ended, was_started) = match failed {
            Some(ended) => (ended, false),
            None => {
                // Moved out (it is `None`), so it is not kept in the task
                // while the actor serves.
                drop(failed);
                tracing::debug!("actor started");
                started();
                let shared = &cell.shared;
                shared.system.events().actor_started(|| ActorStarted {
                    id: shared.id,
                    actor_type: shared.short_type(),
                    name: shared.name.clone(),
                });
                let served = AssertUnwindSafe(serve(actor, ctx, &cell)).catch_unwind().await;
                (served.unwrap_or_else(|panic| Ended::Stopped(panicked(panic, "handler"))), true)
            }
        };
        let suspended = matches!(ended, Ended::Suspended);
        let (reason, final_stop) = match ended {
            Ended::Stopped(reason) => (reason, false),
            Ended::Suspended => (StopReason::Shutdown, false),
            Ended::Final(reason) => (reason, true),
        };

        // Nothing new gets in from here on; what is queued becomes dead letters.
        if closing == Closing::AfterServe || final_stop {
            cell.mailbox.close();
        }
        // Stopping runs once: boxed, so its futures do not enlarge every idle
        // actor's task.
        let reason = Box::pin(wind_down(actor, ctx, &cell.shared.signals, reason, was_started)).await;
        if final_stop {
            Ended::Final(reason)
        } else if suspended && reason == StopReason::Shutdown {
            Ended::Suspended
        } else {
            Ended::Stopped(reason)
        }
    }
}

/// How `on_start` ended: `None` if it succeeded, else how the incarnation
/// ends.
fn start_failure(start: Result<Option<Result<(), ActorError>>, Box<dyn Any + Send>>) -> Option<Ended> {
    match start {
        Ok(Some(Ok(()))) => None,
        Ok(Some(Err(err))) => {
            tracing::warn!(error = %err, "actor failed to start");
            Some(Ended::Stopped(StopReason::StartFailed(err)))
        }
        Ok(None) => Some(Ended::Stopped(StopReason::Killed)),
        Err(panic) => Some(Ended::Stopped(panicked(panic, "on_start"))),
    }
}

/// Children, `on_stop`, supervised children: the end of an incarnation.
/// Returns the final reason (a kill or a panic in `on_stop` changes it).
async fn wind_down<A: Actor>(
    actor: &mut A,
    ctx: &mut Context<A>,
    lane: &SignalLane<Signal>,
    mut reason: StopReason,
    was_started: bool,
) -> StopReason {
    ctx.cancel_lifecycle();
    stop_children(ctx, lane.is_killed(), lane).await;
    if lane.is_killed() {
        reason = StopReason::Killed;
    }
    if reason != StopReason::Killed && was_started {
        let stopping =
            AssertUnwindSafe(Killable::new(actor.on_stop(ctx, &reason), lane)).catch_unwind().await;
        match stopping {
            Ok(Some(())) => {}
            Ok(None) => reason = StopReason::Killed,
            Err(panic) => reason = panicked(panic, "on_stop"),
        }
        // Children spawned by on_stop itself.
        stop_children(ctx, lane.is_killed(), lane).await;
    }
    // A supervisor stops its children in on_stop; if that did not run (it
    // was killed), they go now, at once.
    for child in ctx.take_supervised() {
        let signals = &child.shared().signals;
        let _ = signals.push(Signal::Supervise(Command::Stop(StopReason::Shutdown)));
        signals.kill();
        child.shared().wait_for_stop().await;
    }
    reason
}

pub(crate) fn panicked(panic: Box<dyn std::any::Any + Send>, place: &str) -> StopReason {
    let text = if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    };
    tracing::error!(panic = %text, place, "actor panicked");
    StopReason::Panicked(text)
}

/// Most events handled in one run before the mailbox gets a turn.
const EVENT_RUN: u32 = 32;

/// What the loop handles next. `Copy`, and holding no message: the
/// generator then keeps nothing of it beside the running handler.
#[derive(Clone, Copy)]
enum Next {
    Signals,
    /// A message is in the actor's batch.
    Message,
    /// The event source at this index has an event ready.
    Event(usize),
}

/// Handles signals and messages until the actor is asked to stop.
#[allow(clippy::manual_async_fn)] // keeps the arguments out of the task twice
pub(crate) fn serve<'a, A: Actor>(
    actor: &'a mut A,
    ctx: &'a mut Context<A>,
    cell: &'a ActorCell<A>,
) -> impl Future<Output = Ended> + 'a {
    async move {
        // Event subscriptions live here, beside the mailbox; dropping them
        // (when this returns or unwinds) unsubscribes. Boxed on the first
        // subscription: most actors never subscribe.
        let mut events: Option<Box<Events<A>>> = None;
        loop {
            // Checked first: `ctx.stop()` may come from `on_start` or the last
            // handler.
            if let Some(reason) = ctx.take_stop_request() {
                return Ended::Stopped(reason);
            }
            if ctx.has_new_sources() {
                ctx.take_new_sources(&mut events.get_or_insert_with(Events::boxed).sources);
            }
            // Events already taken from a subscription's buffer are handled in a
            // run (up to EVENT_RUN) while no signal is waiting: the mailbox
            // waits at most that many events, and polling is paid once a run.
            let next = match events.as_deref().and_then(|e| e.run) {
                Some((index, length)) if length < EVENT_RUN && !cell.shared.signals.has_work() => {
                    Next::Event(index as usize)
                }
                _ => {
                    // A run ends here: the next event, if that is what comes,
                    // starts a new one.
                    if let Some(events) = events.as_deref_mut() {
                        events.run = None;
                    }
                    poll_fn(|cx| {
                        if cell.shared.signals.has_work() {
                            return Poll::Ready(Next::Signals);
                        }
                        // Alternate which side goes first, so a busy mailbox
                        // cannot starve subscriptions, nor a busy topic the
                        // mailbox.
                        let mut events = events.as_deref_mut().filter(|e| !e.sources.is_empty());
                        let events_first = events.as_deref_mut().is_some_and(|e| {
                            e.first = !e.first;
                            e.first
                        });
                        if events_first {
                            if let Some(index) = events.as_deref_mut().and_then(|e| e.poll(cx)) {
                                return Poll::Ready(Next::Event(index));
                            }
                        }
                        if ctx.has_message() {
                            return Poll::Ready(Next::Message);
                        }
                        if !events_first {
                            if let Some(index) = events.and_then(|e| e.poll(cx)) {
                                return Poll::Ready(Next::Event(index));
                            }
                        }
                        // One waker for both lanes: senders wake it when they
                        // find the mailbox empty. Both are checked again
                        // after registering, as with any waker.
                        cell.shared.signals.register(cx.waker());
                        if cell.shared.signals.has_work() {
                            Poll::Ready(Next::Signals)
                        } else if ctx.has_message() {
                            Poll::Ready(Next::Message)
                        } else {
                            Poll::Pending
                        }
                    })
                    .await
                }
            };

            // One await point for every handler, message or event, so the
            // actor's task stores one handler future, not one per kind.
            let handling = match next {
                // A message or signals come only from the poll above, which
                // has already ended any event run.
                Next::Message => {
                    let Some(envelope) = ctx.next_message() else { continue };
                    envelope.deliver(actor, ctx)
                }
                Next::Event(index) => {
                    let Some(events) = events.as_deref_mut() else { continue };
                    let length = events.run.map_or(0, |(_, n)| n);
                    match events.sources[index].deliver(actor, ctx) {
                        Some(handling) => {
                            events.run = Some((index as u32, length + 1));
                            handling
                        }
                        None => {
                            events.run = None;
                            continue;
                        }
                    }
                }
                Next::Signals => {
                    // Signals are rare: boxed, to keep the hook futures out of
                    // every idle actor's task.
                    if let Some(ended) = Box::pin(handle_signals(actor, ctx, &cell.shared.signals)).await {
                        return ended;
                    }
                    continue;
                }
            };
            if Killable::new(handling, &cell.shared.signals).await.is_none() {
                return Ended::Stopped(StopReason::Killed);
            }
        }
    }
}

/// Handles one batch of signals; `Some` when the actor must leave.
async fn handle_signals<A: Actor>(
    actor: &mut A,
    ctx: &mut Context<A>,
    lane: &SignalLane<Signal>,
) -> Option<Ended> {
    if lane.is_killed() {
        return Some(Ended::Stopped(StopReason::Killed));
    }
    // The whole batch is handled (watch signals must not be lost); hooks
    // are skipped once the actor is leaving.
    let mut exit = None;
    // Kept here rather than in `ctx` (where it would cost every idle actor
    // a word or an allocation); a `ctx.stop()` from a hook still wins.
    let mut stop = None;
    for signal in lane.take() {
        match signal {
            Signal::Stop(reason) => {
                stop.get_or_insert(reason);
            }
            Signal::Watch(watcher) => ctx.on_signal_watch(watcher),
            Signal::Unwatch(watcher) => ctx.on_signal_unwatch(watcher),
            Signal::ChildStopped(child) => ctx.on_child_stopped(child),
            Signal::Supervise(Command::Start) => {} // already running: stale
            Signal::Supervise(Command::Suspend) => {
                exit.get_or_insert(Ended::Suspended);
            }
            Signal::Supervise(Command::Stop(reason)) => exit = Some(Ended::Final(reason)),
            Signal::Terminated(notice) => {
                if exit.is_none()
                    && ctx.accept_terminated(notice.id)
                    && Killable::new(actor.on_terminated(ctx, *notice), lane).await.is_none()
                {
                    exit = Some(Ended::Stopped(StopReason::Killed));
                }
            }
            Signal::Notice(notice) => {
                if exit.is_none() && Killable::new(actor.__supervision(ctx, *notice), lane).await.is_none() {
                    exit = Some(Ended::Stopped(StopReason::Killed));
                }
            }
        }
    }
    if exit.is_none() {
        if let Some(reason) = ctx.take_stop_request().or(stop) {
            exit = Some(Ended::Stopped(reason));
        }
    }
    exit
}

/// The event subscriptions of a running incarnation.
struct Events<A: Actor> {
    sources: Vec<Box<dyn EventSource<A>>>,
    /// Whether the last poll looked at the events before the mailbox.
    first: bool,
    /// A run of events from one subscription: its index and length so far.
    run: Option<(u32, u32)>,
}

impl<A: Actor> Events<A> {
    fn boxed() -> Box<Self> {
        Box::new(Events { sources: Vec::new(), first: false, run: None })
    }

    /// The index of a subscription with an event ready; ended
    /// subscriptions (the system shut down) are dropped on the way.
    fn poll(&mut self, cx: &mut TaskContext<'_>) -> Option<usize> {
        let mut index = 0;
        while index < self.sources.len() {
            match self.sources[index].poll_ready(cx) {
                Poll::Ready(true) => return Some(index),
                Poll::Ready(false) => {
                    self.sources.swap_remove(index);
                }
                Poll::Pending => index += 1,
            }
        }
        None
    }
}

/// Stops the children newest first, waiting for each; kills them all if
/// `kill` is set or this actor is killed while waiting.
pub(crate) async fn stop_children<A: Actor>(ctx: &mut Context<A>, kill: bool, lane: &SignalLane<Signal>) {
    let children = ctx.take_children();
    let mut killing = kill;
    for child in children.iter().rev() {
        let shared = child.shared();
        if !killing {
            shared.stop(StopReason::Shutdown);
            if Killable::new(shared.wait_for_stop(), lane).await.is_some() {
                continue;
            }
            killing = true;
        }
        // Killed: the rest go at once, and we wait only for them to end.
        for child in &children {
            child.shared().signals.kill();
        }
        break;
    }
    if killing {
        for child in &children {
            child.shared().wait_for_stop().await;
        }
    }
}

/// Dead letters, stop reason, watchers, parent, system table.
pub(crate) fn finish<A: Actor>(cell: &Arc<ActorCell<A>>, ctx: &mut Context<A>, reason: StopReason) {
    let shared = &cell.shared;
    drain_dead_letters(cell, ctx);
    shared.system.untrack(shared);
    if shared.set_stopped(reason.clone()) {
        shared.system.registry().remove_actor(shared.id);
    }
    // The reason is set before the lane closes: a watcher refused by the
    // closed lane reads it and notifies itself.
    for signal in shared.signals.close() {
        if let Signal::Watch(watcher) = signal {
            ctx.on_signal_watch(watcher);
        }
    }
    for watcher in ctx.take_watchers() {
        let notice = Terminated { id: shared.id, reason: reason.clone() };
        let _ = watcher.shared().signals.push(Signal::Terminated(Box::new(notice)));
    }
    if let Some(parent) = shared.parent() {
        let _ = parent.shared().signals.push(Signal::ChildStopped(shared.id));
    }
    shared.system.events().actor_stopped(|| ActorStopped { id: shared.id, reason: reason.clone() });
    match &reason {
        StopReason::Normal | StopReason::Shutdown => tracing::debug!(%reason, "actor stopped"),
        _ => tracing::warn!(%reason, "actor stopped abnormally"),
    }
}

/// Turns every message still queued into a dead letter. The mailbox is
/// closed by now, and a push checks that under the queue's lock, so what is
/// in the queue is all there will ever be.
fn drain_dead_letters<A: Actor>(cell: &ActorCell<A>, ctx: &mut Context<A>) {
    while let Some(envelope) = ctx.next_message() {
        cell.shared.dead_letter(envelope.message_type());
    }
}

pin_project! {
    /// Runs a hook or handler unless the actor is killed meanwhile
    /// (`None`). The fast path, a future that completes on its first
    /// poll, never touches the signal lane.
    pub(crate) struct Killable<'l, F> {
        #[pin]
        inner: F,
        lane: &'l SignalLane<Signal>,
    }
}

impl<'l, F> Killable<'l, F> {
    pub(crate) fn new(inner: F, lane: &'l SignalLane<Signal>) -> Self {
        Killable { inner, lane }
    }
}

impl<F: Future> Future for Killable<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.inner.poll(cx) {
            return Poll::Ready(Some(out));
        }
        this.lane.register(cx.waker());
        if this.lane.is_killed() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}
