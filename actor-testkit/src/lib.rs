//! A test kit for actor-core: probes that record what an actor sends,
//! expectations on the event stream, and mock actors behind ordinary
//! addresses, all on tokio's pausable clock.
//!
//! Add it as a dev-dependency beside actor-core:
//!
//! ```toml
//! [dev-dependencies]
//! actor-testkit = "0.1"
//! tokio = { version = "1", features = ["macros", "rt"] }
//! ```
//!
//! # Quick start
//!
//! ```
//! use actor_core::prelude::*;
//! use actor_testkit::prelude::*;
//!
//! #[derive(Debug, PartialEq)]
//! struct Shipped { order: u64 }
//! impl Message for Shipped { type Reply = (); }
//!
//! /// The actor under test: ships orders and tells whoever it was given.
//! struct Warehouse { notify: Recipient<Shipped> }
//! impl Actor for Warehouse {}
//! struct Ship(u64);
//! impl Message for Ship { type Reply = (); }
//! impl Handler<Ship> for Warehouse {
//!     async fn handle(&mut self, msg: Ship, _: &mut Context<Self>) {
//!         self.notify.tell(Shipped { order: msg.0 }).await.expect("the notifier runs");
//!     }
//! }
//!
//! // In a test crate: #[tokio::test(start_paused = true)] async fn shipping_notifies()
//! #[tokio::main(flavor = "current_thread", start_paused = true)]
//! async fn main() {
//!     let system = ActorSystem::new();
//!     let probe = TestProbe::<Shipped>::new(&system);
//!     let warehouse = system.spawn(Warehouse { notify: probe.recipient() });
//!     warehouse.tell(Ship(7)).await.unwrap();
//!     probe.expect_msg(Shipped { order: 7 }).await;
//!     probe.expect_no_msg(std::time::Duration::from_secs(1)).await;   // paused time: instant
//!     system.shutdown().await;
//! }
//! ```
//!
//! # What is in it
//!
//! | piece | type | use |
//! |---|---|---|
//! | probe | [`TestProbe<M>`] | an address (`Recipient<M>` or `ActorRef<A>`) that records what it receives; `expect_msg`, `expect_msg_matching`, `expect_no_msg`, `receive_n`, `expect_terminated`; answers asks with `reply` or an auto-reply |
//! | event probe | [`EventProbe`] | `expect_event::<E>()` and friends on a system's event stream |
//! | mock | [`MockActor<A>`] | an `ActorRef<A>` whose handlers are closures; unhandled types are refused with `Unsupported` |
//! | paused time | `tokio::time::pause`, `#[tokio::test(start_paused = true)]` | every timer of actor-core (`send_after`, `interval`, ask timeouts, supervision back-off, restart intensity, stop timeouts) and every expectation of the kit follow tokio's clock |
//!
//! Every expectation waits at most its probe's timeout ([`DEFAULT_TIMEOUT`],
//! 3 s, unless set otherwise) and panics like `assert_eq!`: with the line
//! that called it, what it expected and what arrived instead.
//!
//! The kit turns on tokio's `test-util` feature, so a crate that uses it
//! can pause time without naming that feature itself. On paused time a
//! test that waits for a timeout of minutes, or checks that nothing
//! happens for a while, runs in microseconds. The guide chapter
//! `docs/testing.md` in the repository shows each piece at work.
//!
//! Probes and mocks are built on actor-core's public `dev` seam (an
//! [`Endpoint`](actor_core::dev::Endpoint) each), the same way a remote
//! node's proxies are: the code under test gets ordinary handles.
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings), allow(dead_code))))]

// Layers, bottom up: lifecycle (what an endpoint standing for an actor
// shares with real ones), then probe, events and mock, each on the dev
// seam; events uses probe's DEFAULT_TIMEOUT.
mod events;
mod lifecycle;
mod mock;
mod probe;

#[doc(inline)]
pub use events::EventProbe;
#[doc(inline)]
pub use mock::{MockActor, MockBuilder};
#[doc(inline)]
pub use probe::{TestProbe, DEFAULT_TIMEOUT};

/// The kit's types: `use actor_testkit::prelude::*;`.
pub mod prelude {
    pub use crate::{EventProbe, MockActor, TestProbe};
}
