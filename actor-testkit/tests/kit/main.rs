//! actor-testkit's own tests, in one crate: each file beside this one
//! covers one piece of the kit, and `common` holds the actors they share.

mod common;

mod event_probe;
mod mock;
mod paused_time;
mod probe;
