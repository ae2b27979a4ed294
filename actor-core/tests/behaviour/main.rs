//! actor-core's integration tests, in one crate: each file beside this one
//! is a module covering one area of behaviour, and `common` holds the test
//! actors and helpers they share. One crate links once instead of once per
//! file. Nothing here sets a process-wide panic hook or tracing subscriber,
//! and every test builds its own `ActorSystem`, so the tests can share a
//! process; a file that needs a process of its own belongs in a separate
//! crate beside this one.

mod common;

mod addresses;
mod ask;
mod ask_errors;
mod children;
mod dead_letters;
mod deferred_reply;
mod drain;
mod endpoint_seam;
mod events_actors;
mod events_overflow;
mod events_stream;
mod failure_isolation;
mod handler_futures;
mod inspect;
mod kill;
mod lifecycle;
#[cfg(feature = "macros")] // `cargo test --no-default-features` builds no macros
mod macros_actor_impl;
#[cfg(feature = "macros")] // `cargo test --no-default-features` builds no macros
mod macros_derive;
#[cfg(feature = "macros")] // `cargo test --no-default-features` builds no macros
mod macros_generics;
#[cfg(all(feature = "macros", feature = "serde"))] // the remote options need both
mod macros_remote;
mod mailbox_backpressure;
#[cfg(feature = "metrics")]
mod metrics;
mod ordering;
mod registry;
mod send_sync;
mod signal_lane;
// The sizes pinned there are those of 64-bit targets.
#[cfg(target_pointer_width = "64")]
mod size;
mod slow_handlers;
mod supervision_backoff;
mod supervision_dynamic;
mod supervision_intensity;
mod supervision_killed;
mod supervision_nested;
mod supervision_one_for_all;
mod supervision_one_for_one;
mod supervision_rest_for_one;
mod supervision_restart;
mod supervision_restart_types;
mod supervision_shutdown;
mod system_shutdown;
mod systems_isolated;
mod tell;
mod timers_streams;
mod watch;
