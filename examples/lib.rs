//! Setup shared by the runnable examples beside this file; run one with
//! `cargo run --example NAME`.
//!
//! It also compiles the repository's README, so that every example in it
//! runs as a doctest (`cargo test -p examples --doc`). The README is
//! actor-core's readme on crates.io, but it lies outside that crate's
//! package, so actor-core's own guide cannot include it.
#![doc(test(attr(deny(warnings), allow(dead_code))))]

#[doc = include_str!("../README.md")]
pub mod readme {}

/// docs/remote.md: remote actors, compiled so its examples run.
#[doc = include_str!("../docs/remote.md")]
pub mod remote_guide {}

/// docs/cluster.md: membership, failure detection, remote watch, shared
/// facts and cluster-wide names, compiled so its examples run.
#[doc = include_str!("../docs/cluster.md")]
pub mod cluster_guide {}

/// docs/nats.md: nodes on a NATS server, compiled so its examples run
/// (against `ACTOR_NATS_URL`; without it they return at once).
#[doc = include_str!("../docs/nats.md")]
pub mod nats_guide {}

/// docs/testing.md: the test kit, compiled so its examples run.
#[doc = include_str!("../docs/testing.md")]
pub mod testing_guide {}

/// docs/observability.md: traces and metrics, compiled so its examples run
/// (this crate enables actor-core's `metrics` feature and has the
/// Prometheus exporter).
#[doc = include_str!("../docs/observability.md")]
pub mod observability_guide {}

/// docs/event-sourcing.md: event-sourced actors and projections, compiled
/// so its examples run.
#[doc = include_str!("../docs/event-sourcing.md")]
pub mod event_sourcing_guide {}

/// docs/observer.md: the observer's page and JSON API, compiled so its
/// examples run (with the `cluster` feature).
#[doc = include_str!("../docs/observer.md")]
pub mod observer_guide {}

/// Prints the runtime's traces to stdout, filtered by `RUST_LOG`: `error`
/// if it is unset, so a plain run shows only the runtime's reports of
/// panics; `RUST_LOG=info` adds the supervisors' restarts, and
/// `RUST_LOG=debug` every actor's start and stop. Call it once, first thing
/// in `main`.
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "error".into()),
        )
        .init();
}
