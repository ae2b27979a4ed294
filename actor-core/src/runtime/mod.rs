//! Running actors: one tokio task per actor, driven by a private runner.
//!
//! [`spawn`] makes a local cell and starts its task. The task runs the
//! actor's incarnations ([`runner`]): `on_start`, then the serve loop
//! ([`serve`]: signals first, then events and messages), then the stop
//! sequence ([`stop`]). Signals go through one dispatcher ([`signals`]),
//! whether the actor is serving or, supervised, waiting between
//! incarnations for its supervisor's next command. The supervision
//! protocol itself (what a supervisor is told, and when it restarts whom)
//! lives in `supervision/`, behind the [`Incarnations`] hooks.
//!
//! # The size budget of an idle actor
//!
//! Every idle actor pays for its task: tokio rounds a task up to a multiple
//! of 128 bytes, with 104 of its own, so the runner's future must stay
//! within 280 bytes to make a 384-byte task. What keeps it there, all in
//! this module:
//!
//! * `run`, `incarnation` and `serve` return `async move` blocks rather
//!   than being `async fn`s, which would store their arguments twice;
//! * they borrow the actor instead of owning it, and the loop's next step
//!   is a `Copy` enum that holds no message;
//! * the once-only phases (stopping children, `on_stop`, signal handling,
//!   waiting between incarnations) are boxed futures, so only the serve
//!   loop and one inline handler slot stay in the task;
//! * the rarely used state (event sources, children, watchers) is boxed
//!   on first use.
//!
//! `size_tests` pins the future at 272 bytes for a zero-sized actor.

mod killable;
mod panics;
mod runner;
mod serve;
mod signals;
mod spawn;
mod state;
mod stop;

pub use panics::silence_caught_panics;
pub(crate) use runner::Incarnations;
pub(crate) use spawn::spawn_supervised;

#[cfg(test)]
mod size_tests;
