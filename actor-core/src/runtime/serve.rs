//! The serve loop: signals first, then events and messages, one handler at
//! a time.

use std::future::{poll_fn, Future};
use std::task::Poll;

use super::killable::Handled;
use super::signals::handle_signals;
use super::state::{Ended, Runner};
use crate::actor::{Actor, StopReason};
use crate::envelope::HandleFuture;
use crate::telemetry::trace::{self, handler_span, HandlerSpan, InSpan};

/// Most events handled in one run before the mailbox gets a turn.
const EVENT_RUN: u32 = 32;

/// What the loop handles next. `Copy`, and holding no message: the
/// generator then keeps nothing of it beside the running handler.
#[derive(Clone, Copy)]
enum Next {
    Signals,
    /// A message is in the runner's inbox batch.
    Message,
    /// The event source at this index has an event ready.
    Event(usize),
    /// Asked to drain, and the mailbox is empty.
    Drained,
}

/// Handles signals and messages until the actor is asked to stop.
#[allow(clippy::manual_async_fn)] // keeps the arguments out of the task twice
pub(super) fn serve<'a, A: Actor>(
    actor: &'a mut A,
    runner: &'a mut Runner<A>,
) -> impl Future<Output = Ended> + 'a {
    async move {
        loop {
            // Checked first: `ctx.stop()` may come from `on_start` or the last
            // handler.
            if let Some(reason) = runner.ctx.take_stop_request() {
                return Ended::OnItsOwn(reason);
            }
            if runner.ctx.has_new_work() {
                runner.collect();
            }
            // Events already taken from a subscription's buffer are handled in a
            // run (up to EVENT_RUN) while no signal is waiting: the mailbox
            // waits at most that many events, and polling is paid once a run.
            let next = match runner.rare.as_deref().and_then(|r| r.sources.run) {
                Some((index, length)) if length < EVENT_RUN && !runner.myself.cell().lane().has_work() => {
                    Next::Event(index as usize)
                }
                _ => {
                    let Runner { myself, inbox, rare, .. } = &mut *runner;
                    let cell = myself.cell();
                    // A run ends here: the next event, if that is what comes,
                    // starts a new one.
                    if let Some(rare) = rare.as_deref_mut() {
                        rare.sources.run = None;
                    }
                    poll_fn(|cx| {
                        if cell.lane().has_work() {
                            return Poll::Ready(Next::Signals);
                        }
                        // Alternate which side goes first, so a busy mailbox
                        // cannot starve subscriptions, nor a busy topic the
                        // mailbox.
                        let draining = rare.as_deref().is_some_and(|r| r.draining.is_some());
                        let mut sources =
                            rare.as_deref_mut().map(|r| &mut r.sources).filter(|s| !s.is_empty());
                        let events_first = sources.as_deref_mut().is_some_and(|s| {
                            s.first = !s.first;
                            s.first
                        });
                        if events_first {
                            if let Some(index) = sources.as_deref_mut().and_then(|s| s.poll(cx)) {
                                return Poll::Ready(Next::Event(index));
                            }
                        }
                        if inbox.ready(cell.mailbox()) {
                            return Poll::Ready(Next::Message);
                        }
                        if draining {
                            // Closed when the drain was asked for: empty now
                            // is empty for good.
                            return Poll::Ready(Next::Drained);
                        }
                        if !events_first {
                            if let Some(index) = sources.and_then(|s| s.poll(cx)) {
                                return Poll::Ready(Next::Event(index));
                            }
                        }
                        // One waker for both lanes: senders wake it when they
                        // find the mailbox empty. Both are checked again
                        // after registering, as with any waker.
                        cell.lane().register(cx.waker());
                        if cell.lane().has_work() {
                            Poll::Ready(Next::Signals)
                        } else if inbox.ready(cell.mailbox()) {
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
            // Set beside the handler's future, not in a tuple with it: a
            // tuple would copy the future twice more.
            let message_type;
            let handling = match next {
                // A message or signals come only from the poll above, which
                // has already ended any event run.
                Next::Message => {
                    let Some(envelope) = runner.inbox.try_recv(runner.myself.cell().mailbox()) else {
                        continue;
                    };
                    message_type = envelope.message_type_fn();
                    if trace::enabled() {
                        let cell = runner.myself.cell();
                        let span =
                            handler_span(cell.short_type(), cell.id(), message_type, envelope.origin());
                        in_span(envelope.deliver(actor, &mut runner.ctx), span)
                    } else {
                        envelope.deliver(actor, &mut runner.ctx)
                    }
                }
                Next::Event(index) => {
                    let Some(sources) = runner.rare.as_deref_mut().map(|r| &mut r.sources) else { continue };
                    let length = sources.run.map_or(0, |(_, n)| n);
                    message_type = sources.list[index].event_type_fn();
                    match sources.list[index].deliver(actor, &mut runner.ctx) {
                        Some(handling) => {
                            sources.run = Some((index as u32, length + 1));
                            if trace::enabled() {
                                let cell = runner.myself.cell();
                                in_span(
                                    handling,
                                    handler_span(cell.short_type(), cell.id(), message_type, None),
                                )
                            } else {
                                handling
                            }
                        }
                        None => {
                            sources.run = None;
                            continue;
                        }
                    }
                }
                Next::Drained => {
                    let reason = runner.rare.as_mut().and_then(|r| r.draining.take());
                    return Ended::OnItsOwn(reason.unwrap_or(StopReason::Normal));
                }
                Next::Signals => {
                    // Boxed: see the size budget in the module docs.
                    if let Some(ended) = Box::pin(handle_signals(actor, runner)).await {
                        return ended;
                    }
                    continue;
                }
            };
            // The address, not its lane: no lookup (and no panic path) between
            // making the handler's future and awaiting it in place.
            let started = runner.myself.cell().metrics().start();
            if Handled::new(handling, &runner.myself, message_type).await.is_none() {
                return Ended::OnItsOwn(StopReason::Killed);
            }
            let cell = runner.myself.cell();
            cell.count_handled();
            cell.metrics().handled(started, cell.mailbox().len());
        }
    }
}

/// The handler in its span, when message spans are recorded (boxed if it
/// no longer fits the inline slot: tracing is on, and pays for it).
#[inline(never)]
fn in_span(handling: HandleFuture<'_>, span: Option<HandlerSpan>) -> HandleFuture<'_> {
    match span {
        None => handling,
        Some(span) => HandleFuture::from_or_box(InSpan::new(handling, span)),
    }
}
