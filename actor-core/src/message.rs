//! Messages and the handlers that receive them.

use std::future::Future;

use crate::actor::Actor;
// The handler call names its context: the one reference above this layer (see "Layers" in docs/ARCHITECTURE.md).
use crate::Context;

/// A command sent to a known actor. The reply type is part of the message.
///
/// `tell` ignores the reply; `ask` waits for it. A message that needs no
/// answer has `type Reply = ();`.
///
/// ```
/// use actor_core::Message;
/// struct Add(u64);
/// impl Message for Add {
///     type Reply = u64;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a message",
    label = "this type does not implement `Message`",
    note = "add `impl Message for {Self} {{ type Reply = ...; }}` (or `#[derive(Message)]`)"
)]
pub trait Message: Send + 'static {
    /// What the handler answers; `()` for fire-and-forget commands.
    type Reply: Send + 'static;
}

/// How actor `Self` handles message `M`.
///
/// Write it as a native `async fn`; a body without `.await` is fine. The
/// handler has `&mut self` for its whole run, so it may borrow the actor's
/// state across `.await` points: the next message waits until it returns.
/// For slow work that should not hold up the mailbox, reply later with
/// [`Context::defer`].
///
/// ```
/// use actor_core::prelude::*;
///
/// #[derive(Default)]
/// struct Counter { total: u64 }
/// impl Actor for Counter {}
///
/// struct Add(u64);
/// impl Message for Add { type Reply = u64; }
///
/// impl Handler<Add> for Counter {
///     async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
///         self.total += msg.0;
///         self.total
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "actor `{Self}` does not handle `{M}`",
    label = "`{Self}` has no handler for `{M}`",
    note = "add `impl Handler<{M}> for {Self} {{ async fn handle(&mut self, msg: {M}, ctx: &mut Context<Self>) -> ... }}`"
)]
pub trait Handler<M: Message>: Actor {
    /// Handles one message and returns its reply.
    ///
    /// A panic here stops the actor with
    /// [`StopReason::Panicked`](crate::StopReason::Panicked); an asker
    /// waiting for this reply gets [`AskError::Stopped`](crate::AskError::Stopped)
    /// at once.
    fn handle(&mut self, msg: M, ctx: &mut Context<Self>) -> impl Future<Output = M::Reply> + Send;
}
