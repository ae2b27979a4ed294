//! The seam for extension crates: handles that point at something other
//! than a local actor.
//!
//! Every handle ([`ActorRef`](crate::ActorRef),
//! [`WeakActorRef`](crate::WeakActorRef), [`Recipient`](crate::Recipient)),
//! every watcher, every child and every registry entry reaches its actor
//! through an [`Endpoint`]. A local actor's cell is one. A crate that carries
//! actors elsewhere (a remote node's proxy, a test kit's probe or mock)
//! implements `Endpoint` and wraps it:
//!
//! * [`ActorRef::from_endpoint`](crate::ActorRef::from_endpoint) gives an
//!   `ActorRef<A>` that users call exactly like a local one;
//! * [`Recipient::from_endpoint`](crate::Recipient::from_endpoint) gives a
//!   `Recipient<M>`;
//! * [`ActorSystem::register_endpoint`](crate::ActorSystem::register_endpoint)
//!   makes it findable by name;
//! * [`Context::watch`](crate::Context::watch) on such an `ActorRef` sends it
//!   a [`Signal::Watch`]; the endpoint answers with a
//!   [`Signal::Terminated`] to the watcher when its actor stops.
//!
//! Messages reach a foreign endpoint erased, as [`AnyMessage`]s: the
//! endpoint downcasts the types it knows (or finds a codec by
//! [`AnyMessage::message_type`]) and answers asks through [`AnyReply`]. One
//! it cannot carry goes back in [`SendError::Unsupported`](crate::SendError::Unsupported),
//! so the sender gets its message back. A message that came from an
//! `ActorRef<A>` also carries what a local `A` needs to queue it, so a
//! forwarder may pass it on to a local actor's endpoint unchanged.
//!
//! A transport that carries messages across processes carries their trace
//! too: it sends [`TraceContext::current`](crate::TraceContext::current)
//! with a message, and queues the decoded message inside
//! [`TraceContext::in_scope`](crate::TraceContext::in_scope) (or
//! [`scope`](crate::TraceContext::scope), a [`Scoped`] future), so that its
//! handler's span carries the sender's trace (docs/observability.md).
//!
//! The trait's methods are what the runtime itself relies on; they are
//! stable within a minor version, like the rest of the public API.
//!
//! # Example: a forwarding endpoint
//!
//! A proxy that stands for a local actor and counts what passes through:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::any::Any;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//!
//! use actor_core::dev::{AnyMessage, BoxFuture, Endpoint, Signal};
//! use actor_core::prelude::*;
//! use actor_core::ActorId;
//!
//! struct Counter(u64);
//! impl Actor for Counter {}
//! struct Add(u64);
//! impl Message for Add { type Reply = u64; }
//! impl Handler<Add> for Counter {
//!     async fn handle(&mut self, m: Add, _: &mut Context<Self>) -> u64 { self.0 += m.0; self.0 }
//! }
//!
//! /// Forwards everything to `inner` and counts the messages.
//! struct Counting { inner: Arc<dyn Endpoint>, seen: AtomicUsize }
//!
//! impl Endpoint for Counting {
//!     fn id(&self) -> ActorId { self.inner.id() }
//!     fn actor_type(&self) -> &'static str { self.inner.actor_type() }
//!     fn stop_reason(&self) -> Option<StopReason> { self.inner.stop_reason() }
//!     fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> { self.inner.wait_for_stop() }
//!     fn signal(&self, signal: Signal) -> Result<(), Signal> { self.inner.signal(signal) }
//!     fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
//!         self.seen.fetch_add(1, Ordering::Relaxed);
//!         self.inner.try_send(message)
//!     }
//!     fn as_any(&self) -> &dyn Any { self }
//!     fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> { self }
//! }
//!
//! let system = ActorSystem::new();
//! let counter = system.spawn(Counter(0));
//! let proxy = Arc::new(Counting { inner: counter.endpoint(), seen: AtomicUsize::new(0) });
//! let via_proxy: ActorRef<Counter> = ActorRef::from_endpoint(proxy.clone());
//! assert_eq!(via_proxy.ask(Add(2)).await?, 2);
//! via_proxy.tell(Add(3)).await?;
//! assert_eq!(counter.ask(Add(0)).await?, 5);
//! assert_eq!(proxy.seen.load(Ordering::Relaxed), 2);
//! # system.shutdown().await;
//! # Ok(()) }
//! ```

pub use crate::endpoint::{AnyMessage, AnyReply, BoxFuture, Endpoint, Signal};

use crate::id::ActorId;
use crate::system::ActorSystem;

/// A fresh id of `system`'s node for an endpoint that stands for an actor
/// of this system without being a local cell (a test probe, a mock actor).
/// It comes from the sequence spawned actors draw from, so it is never the
/// id of one of them, and it prints like theirs.
///
/// ```
/// let system = actor_core::ActorSystem::new();
/// let (a, b) = (actor_core::dev::new_actor_id(&system), actor_core::dev::new_actor_id(&system));
/// assert_ne!(a, b);
/// assert_eq!(a.node(), system.node_id());
/// ```
pub fn new_actor_id(system: &ActorSystem) -> ActorId {
    system.next_actor_id()
}

/// Records a message that will never be handled, as a local actor does for
/// one sent after it stopped: counted in
/// [`ActorSystem::dead_letter_count`] and published as a
/// [`DeadLetter`](crate::events::DeadLetter) fact. For an endpoint of this
/// system that refuses a message with
/// [`SendError::Closed`](crate::SendError::Closed) (the [`Endpoint`]
/// contract has the endpoint report it).
///
/// ```
/// let system = actor_core::ActorSystem::new();
/// let id = actor_core::dev::new_actor_id(&system);
/// actor_core::dev::dead_letter(&system, id, "my::Message");
/// assert_eq!(system.dead_letter_count(), 1);
/// ```
pub fn dead_letter(system: &ActorSystem, to: ActorId, message_type: &'static str) {
    system.dead_letter(to, message_type);
}

pub use crate::telemetry::trace::Scoped;
