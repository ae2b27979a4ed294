//! Running a hook or handler so that a kill can end it, and naming a panic.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use pin_project_lite::pin_project;

use crate::actor::{Actor, StopReason};
use crate::address::ActorRef;
use crate::mailbox::signal::SignalLane;

/// Where a kill shows: an actor's signal lane, or its own address (whose
/// cell is looked up only when the future has to wait).
pub(crate) trait KillSwitch {
    fn is_killed(&self) -> bool;
    fn register(&self, waker: &std::task::Waker);
}

impl<S> KillSwitch for SignalLane<S> {
    fn is_killed(&self) -> bool {
        SignalLane::is_killed(self)
    }

    fn register(&self, waker: &std::task::Waker) {
        SignalLane::register(self, waker);
    }
}

impl<A: Actor> KillSwitch for ActorRef<A> {
    fn is_killed(&self) -> bool {
        self.cell().lane().is_killed()
    }

    fn register(&self, waker: &std::task::Waker) {
        self.cell().lane().register(waker);
    }
}

pin_project! {
    /// Runs a hook or handler unless the actor is killed meanwhile
    /// (`None`). The fast path, a future that completes on its first
    /// poll, never touches the signal lane.
    pub(crate) struct Killable<'l, F, K> {
        #[pin]
        inner: F,
        lane: &'l K,
    }
}

impl<'l, F, K: KillSwitch> Killable<'l, F, K> {
    pub(crate) fn new(inner: F, lane: &'l K) -> Self {
        Killable { inner, lane }
    }
}

impl<F: Future, K: KillSwitch> Future for Killable<'_, F, K> {
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

pin_project! {
    /// Runs a handler like [`Killable`], and once the handler has had to
    /// wait, records what it handles in the cell (for snapshots and the
    /// slow-handler watch) until it ends. The fast path, a handler that
    /// completes on its first poll, touches neither the lane nor the cell.
    pub(crate) struct Handled<'l, F, A: Actor> {
        #[pin]
        inner: F,
        myself: &'l ActorRef<A>,
        // The message type, until the handler first waits (then `None`:
        // the cell holds it).
        message_type: Option<fn() -> &'static str>,
    }
}

impl<'l, F, A: Actor> Handled<'l, F, A> {
    pub(crate) fn new(inner: F, myself: &'l ActorRef<A>, message_type: fn() -> &'static str) -> Self {
        Handled { inner, myself, message_type: Some(message_type) }
    }
}

impl<F: Future, A: Actor> Future for Handled<'_, F, A> {
    type Output = Option<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.inner.poll(cx) {
            if this.message_type.is_none() {
                this.myself.cell().end_handling();
            }
            return Poll::Ready(Some(out));
        }
        let cell = this.myself.cell();
        if let Some(message_type) = this.message_type.take() {
            cell.begin_handling(message_type());
        }
        cell.lane().register(cx.waker());
        if cell.lane().is_killed() {
            cell.end_handling();
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

/// The reason for a caught panic, with its text; traced as an error.
pub(crate) fn panicked(panic: Box<dyn std::any::Any + Send>, place: &str) -> StopReason {
    let text = crate::actor::panic_text(&*panic);
    tracing::error!(panic = %text, place, "actor panicked");
    StopReason::Panicked(text)
}
