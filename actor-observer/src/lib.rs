//! A live, read-only picture of an [`actor_core`] system in the browser.
//!
//! [`Observer`] serves, from inside your process, on an address you
//! choose (loopback by default):
//!
//! * a page (plain HTML, JavaScript and CSS, embedded in the crate) that
//!   draws the supervision trees and updates live through server-sent
//!   events: mailbox depth as a bar per actor, messages per second,
//!   restarts and stuck handlers highlighted, dead letters, event
//!   subscribers with their drops, and (feature `cluster`) the members of
//!   an actor-remote node's cluster;
//! * `GET /api/state`: the same picture as one JSON document;
//! * `GET /api/stream`: that document again at every sample, as
//!   server-sent `state` events.
//!
//! It is read-only: every route is a `GET`, and nothing on the page can
//! stop, restart or message an actor. An address other than loopback
//! needs a bearer token ([`ObserverBuilder::token`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use actor_core::ActorSystem;
//! use actor_observer::Observer;
//! use std::time::Duration;
//!
//! let system = ActorSystem::new();
//! let observer = Observer::builder(&system)
//!     .bind("127.0.0.1:0".parse()?)
//!     .interval(Duration::from_millis(250))
//!     .serve()
//!     .await?;
//! let _page = format!("http://{}/", observer.local_addr());
//! observer.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The guide chapter is `docs/observer.md` in the repository.
//!
//! # Features
//!
//! | feature | what it adds |
//! |---|---|
//! | `cluster` | `ObserverBuilder::node`: the cluster view, from actor-remote's `Node::members()` |
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "cluster")]
mod cluster;
mod model;
mod observer;
mod sampler;
mod server;

#[doc(inline)]
pub use observer::{
    Observer, ObserverBuilder, ObserverError, DEFAULT_ADDRESS, DEFAULT_INTERVAL, DEFAULT_MAX_ACTORS,
    DEFAULT_STUCK_AFTER,
};
