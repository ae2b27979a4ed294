//! Spans that follow a message: the sender's span captured at `tell` and
//! `ask` (only when message spans are enabled), a `handle` span per message
//! handled, and the [`TraceContext`] that carries a trace across nodes.
//!
//! The gate everywhere is one check of the `handle` span's callsite
//! (`span_enabled!`): with no subscriber, or one that does not record
//! `actor_core::message` spans at DEBUG, it is a load of tracing's global
//! level filter and a branch, and nothing is captured, boxed or entered.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context as TaskContext, Poll};

use pin_project_lite::pin_project;
use tracing::field::{display, Empty};
use tracing::{Level, Span};

use super::short_type_name;
use crate::id::ActorId;

/// The target of the `handle` spans (filter with
/// `actor_core::message=debug`).
pub(crate) const TARGET: &str = "actor_core::message";

/// A message's place in a trace, in the shape of a W3C `traceparent`: a
/// 128-bit trace id, the 64-bit id of the sending span, and flags.
///
/// This is how a trace crosses nodes: actor-remote sends the sender's
/// context in the envelope of a traced message, and the receiving node's
/// `handle` span records its `trace_id` and the sender's span as
/// `remote_parent`. Inside one process, spans are linked by `tracing`
/// itself (parent and follows-from), and the context only carries the
/// trace id along.
///
/// What the ids are, honestly: `tracing` has no trace ids, so a trace id is
/// made where a trace starts, from 64 random bits chosen once per process
/// and the id of the span that sent the first message of the trace; every
/// message sent from a handler of that trace, here or on another node,
/// keeps it. A span id is the `tracing` span id of the sending span in its
/// process (unique while that span is open; a subscriber may reuse it
/// later). Nothing here talks to OpenTelemetry; a subscriber that exports
/// to it can read the `trace_id` field.
///
/// ```
/// use actor_core::TraceContext;
/// let cx = TraceContext::new(0x4bf92f3577b34da6a3ce929d0e0e4736, 0x00f067aa0ba902b7, 1);
/// assert!(cx.is_sampled());
/// assert_eq!(cx.to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceContext {
    trace_id: u128,
    span_id: u64,
    flags: u8,
}

/// The W3C `sampled` flag.
const SAMPLED: u8 = 0x01;

impl TraceContext {
    /// A context from its parts (as decoded from a wire).
    pub fn new(trace_id: u128, span_id: u64, flags: u8) -> Self {
        TraceContext { trace_id, span_id, flags }
    }

    /// The trace this message belongs to.
    pub fn trace_id(&self) -> u128 {
        self.trace_id
    }

    /// The sending span, in the sender's process.
    pub fn span_id(&self) -> u64 {
        self.span_id
    }

    /// The flags (bit 0: sampled).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the sender recorded its span.
    pub fn is_sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// The context a message sent from here would carry: the current
    /// span's, inside the trace of the handler running on this thread (or
    /// of the enclosing [`in_scope`](Self::in_scope)), or a new trace.
    /// `None` when message spans are disabled, or outside any span: what a
    /// transport puts on the wire.
    pub fn current() -> Option<TraceContext> {
        capture(false).map(|origin| origin.context)
    }

    /// Runs `f` with this context as the remote parent of every message
    /// sent in it: how a transport hands a decoded message to its local
    /// actor, whose `handle` span then carries this trace id.
    pub fn in_scope<R>(self, f: impl FnOnce() -> R) -> R {
        let _scope = ScopeGuard::enter(Scope { context: self, remote: true });
        f()
    }

    /// [`in_scope`](Self::in_scope) for every poll of a future.
    pub fn scope<F: Future>(self, future: F) -> Scoped<F> {
        Scoped { inner: future, context: self }
    }

    /// A new trace, started by the span `span_id`.
    fn start(span_id: u64) -> Self {
        static SEED: OnceLock<u64> = OnceLock::new();
        let seed = *SEED.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
        TraceContext { trace_id: u128::from(seed) << 64 | u128::from(span_id), span_id, flags: SAMPLED }
    }
}

impl fmt::Display for TraceContext {
    /// The W3C `traceparent` form: `00-{trace id}-{span id}-{flags}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "00-{:032x}-{:016x}-{:02x}", self.trace_id, self.span_id, self.flags)
    }
}

pin_project! {
    /// A future polled inside a [`TraceContext`]'s scope; see
    /// [`TraceContext::scope`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Scoped<F> {
        #[pin]
        inner: F,
        context: TraceContext,
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _scope = ScopeGuard::enter(Scope { context: *this.context, remote: true });
        this.inner.poll(cx)
    }
}

/// The trace a thread is in: a running handler's (`remote: false`), or a
/// transport's delivery of a remote message (`remote: true`).
#[derive(Clone, Copy)]
struct Scope {
    context: TraceContext,
    remote: bool,
}

thread_local! {
    static CURRENT: Cell<Option<Scope>> = const { Cell::new(None) };
}

/// Sets the thread's scope until dropped (also when a handler unwinds).
struct ScopeGuard(Option<Scope>);

impl ScopeGuard {
    fn enter(scope: Scope) -> Self {
        ScopeGuard(CURRENT.replace(Some(scope)))
    }
}

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        CURRENT.set(self.0);
    }
}

/// Where a message came from: the sender's span (none for a message from
/// another node) and its trace. Travels in a traced envelope.
#[derive(Clone)]
pub(crate) struct Origin {
    span: Span,
    context: TraceContext,
    /// An ask: the handler's span is a child of the sender's.
    ask: bool,
    /// Sent from another node: `context.span_id` is a span there.
    remote: bool,
}

/// Whether `handle` spans would be recorded: the gate of every capture,
/// checked before anything else is computed.
#[inline(always)]
pub(crate) fn enabled() -> bool {
    tracing::span_enabled!(target: TARGET, Level::DEBUG)
}

/// The sender's side of a `tell` (`ask` false) or an `ask`: `None`, at the
/// cost of one check, unless message spans are enabled and the sender is
/// in a span or a remote scope.
#[inline]
pub(crate) fn capture(ask: bool) -> Option<Origin> {
    if !enabled() {
        return None;
    }
    capture_now(ask)
}

#[inline(never)]
fn capture_now(ask: bool) -> Option<Origin> {
    let scope = CURRENT.get();
    if let Some(Scope { context, remote: true }) = scope {
        return Some(Origin { span: Span::none(), context, ask, remote: true });
    }
    let span = Span::current();
    let span_id = span.id()?.into_u64();
    let context = match scope {
        Some(Scope { context, .. }) => TraceContext { span_id, ..context },
        None => TraceContext::start(span_id),
    };
    Some(Origin { span, context, ask, remote: false })
}

/// A handler's span and the context it runs in.
pub(crate) struct HandlerSpan {
    span: Span,
    context: TraceContext,
}

/// The `handle` span of one message (or event) for the actor `id` of type
/// `actor`, linked to where the message came from; `None` if the
/// subscriber turns it down. Callers check [`enabled`] first, so that
/// nothing here is computed per message while spans are off.
///
/// Its parent is the current span (the actor's: the runner is polled in
/// it), except for an ask sent from a span in this process: then the
/// asker's span is the parent (the ask is a call) and the actor's span a
/// follows-from link. A tell's sender is a follows-from link.
#[inline]
pub(crate) fn handler_span(
    actor: &'static str,
    id: ActorId,
    message_type: fn() -> &'static str,
    origin: Option<&Origin>,
) -> Option<HandlerSpan> {
    make_handler_span(actor, id, short_type_name(message_type()), origin)
}

#[inline(never)]
fn make_handler_span(
    actor: &'static str,
    id: ActorId,
    message: &'static str,
    origin: Option<&Origin>,
) -> Option<HandlerSpan> {
    let asked_from_span = origin.filter(|o| o.ask && !o.span.is_none());
    let span = match asked_from_span {
        Some(o) => tracing::debug_span!(
            target: TARGET, parent: &o.span, "handle", actor, %id, message, trace_id = Empty, remote_parent = Empty
        ),
        None => tracing::debug_span!(
            target: TARGET, "handle", actor, %id, message, trace_id = Empty, remote_parent = Empty
        ),
    };
    let span_id = span.id()?.into_u64();
    if asked_from_span.is_some() {
        span.follows_from(Span::current());
    } else if let Some(o) = origin {
        span.follows_from(&o.span);
    }
    let context = match origin {
        Some(o) => {
            if o.remote {
                span.record("remote_parent", display(format_args!("{:016x}", o.context.span_id)));
            }
            TraceContext { span_id, ..o.context }
        }
        None => TraceContext::start(span_id),
    };
    span.record("trace_id", display(format_args!("{:032x}", context.trace_id)));
    Some(HandlerSpan { span, context })
}

pin_project! {
    /// A handler polled in its `handle` span and its trace.
    pub(crate) struct InSpan<F> {
        #[pin]
        inner: F,
        span: Span,
        context: TraceContext,
    }
}

impl<F> InSpan<F> {
    pub(crate) fn new(inner: F, handler: HandlerSpan) -> Self {
        InSpan { inner, span: handler.span, context: handler.context }
    }
}

impl<F: Future> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let _scope = ScopeGuard::enter(Scope { context: *this.context, remote: false });
        this.inner.poll(cx)
    }
}
