//! Typed actors on tokio, with bounded supervised mailboxes and a separate
//! lane for system signals.
//!
//! Two ways to communicate, visibly different:
//!
//! * **Messages are commands to a known recipient** ("do this"): `tell` or
//!   `ask` on a typed address, [`ActorRef<A>`], through the actor's bounded
//!   mailbox, with back-pressure.
//! * **Events are facts for whoever cares** ("this happened"): published on
//!   the system's [event stream](events) without knowing the subscribers;
//!   a slow subscriber never slows the publisher.
//!
//! # Quick start
//!
//! ```
//! use actor_core::prelude::*;
//!
//! #[derive(Default)]
//! struct Counter { total: u64 }
//! impl Actor for Counter {}                      // every hook has a default
//!
//! struct Add(u64);
//! impl Message for Add { type Reply = u64; }     // the reply type is part of the message
//!
//! impl Handler<Add> for Counter {
//!     async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
//!         self.total += msg.0;
//!         self.total
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let system = ActorSystem::new();
//!     let counter: ActorRef<Counter> = system.spawn(Counter::default());
//!     counter.tell(Add(1)).await?;                // waits only for mailbox space
//!     let total = counter.ask(Add(2)).await?;     // waits for the reply
//!     assert_eq!(total, 3);
//!     system.shutdown().await;
//!     Ok(())
//! }
//! ```
//!
//! # Concepts
//!
//! | concept | type | notes |
//! |---|---|---|
//! | actor | [`Actor`] | state plus hooks `on_start`, `on_stop`, `on_terminated` |
//! | command | [`Message`], [`Handler`] | the reply type belongs to the message |
//! | address | [`ActorRef`], [`Recipient`], [`WeakActorRef`] | `tell`, `try_tell`, `blocking_tell`, `ask` |
//! | mailbox | [`MailboxCapacity`], [`SpawnOptions`] | bounded by default ([`DEFAULT_MAILBOX_CAPACITY`]) |
//! | failure | [`StopReason`], [`ActorError`] | panics are caught and stop only the actor |
//! | fact | [`Event`], [`EventStream`] | publish by type; bounded subscriber buffers, counted drops |
//! | system | [`ActorSystem`] | spawn, registry, event stream, shutdown; no globals |
//!
//! The guide chapters live in `docs/`; [`guide`] holds them as compiled
//! documentation.
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod actor;
mod address;
mod context;
pub mod events;
mod id;
mod loom;
mod mailbox;
mod message;
mod registry;
mod reply;
mod runtime;
mod system;

pub mod guide;

#[doc(inline)]
pub use actor::{Actor, ActorError, StopReason, Terminated};
#[doc(inline)]
pub use address::{ActorRef, AskError, AskFuture, AskRequest, Recipient, SendError, WeakActorRef};
#[doc(inline)]
pub use context::{Context, TaskHandle};
#[doc(inline)]
pub use events::{Event, EventStream};
#[doc(inline)]
pub use id::{ActorId, NodeId};
#[doc(inline)]
pub use mailbox::{MailboxCapacity, DEFAULT_MAILBOX_CAPACITY};
#[doc(inline)]
pub use message::{Handler, Message};
#[doc(inline)]
pub use registry::{LookupError, RegisterError};
#[doc(inline)]
pub use reply::{Deferred, ReplyTo};
#[doc(inline)]
pub use system::{ActorSystem, SpawnOptions};

/// Everything an actor module usually needs: `use actor_core::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Actor, ActorError, ActorRef, ActorSystem, AskError, Context, Deferred, Event, EventStream, Handler,
        LookupError, MailboxCapacity, Message, Recipient, SendError, SpawnOptions, StopReason, Terminated,
    };
}
