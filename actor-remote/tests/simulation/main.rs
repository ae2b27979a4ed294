//! Deterministic network simulation of the cluster (turmoil): every node is
//! a simulated host with its own runtime on a virtual clock, links are
//! turmoil's simulated TCP, and a scenario partitions, heals, delays,
//! crashes, restarts and breaks them, then checks the membership facts,
//! the watch notices and per-pair order. Virtual time runs as fast as the
//! CPU allows: tens of simulated seconds take well under a second.
//!
//! Run one scenario with its name, e.g.
//! `cargo test -p actor-remote --test simulation partition`, and see its
//! facts with `RUST_LOG=debug` (tracing goes to the test's output).

mod net;
mod scenarios;
mod world;

/// Logs to the test's output when `RUST_LOG` is set.
pub(crate) fn init_tracing() {
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let Some(level) = std::env::var("RUST_LOG").ok().and_then(|l| l.parse::<LevelFilter>().ok()) else {
        return;
    };
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_test_writer())
        .with(level)
        .try_init();
}
