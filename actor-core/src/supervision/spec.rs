//! Child specifications: how to make a child, when to restart it, how to
//! stop it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::link::ChildLink;
use super::{Supervisor, SupervisorBuilder};
use crate::actor::Actor;
use crate::cell::SupervisedChild;
use crate::endpoint::Endpoint;
use crate::runtime;
use crate::system::ActorSystem;
use crate::system::SpawnOptions;

/// When a child that stopped is restarted (OTP restart types).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Restart {
    /// Always restarted, whatever the reason it stopped (the default).
    #[default]
    Permanent,
    /// Restarted only after an abnormal stop (not `Normal` or `Shutdown`).
    Transient,
    /// Never restarted; its spec is forgotten once it stops.
    Temporary,
}

/// How a child is stopped when its supervisor stops it for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shutdown {
    /// Ask it to stop, and kill it if it has not stopped within this time
    /// (the default for workers: 5 seconds).
    Timeout(Duration),
    /// Kill it at once; `on_stop` does not run.
    Brutal,
    /// Ask it to stop and wait as long as it takes (the default for
    /// supervisors, which need the time to stop their own children).
    Infinity,
}

/// Exponential back-off between restarts of one child.
///
/// The n-th consecutive restart waits `min × 2ⁿ`, at most `max`, stretched
/// by up to `jitter` (a fraction, 0.2 = up to 20 % longer) at random. A
/// child that ran for `reset_after` before failing starts again from `min`.
/// Messages sent meanwhile wait in its mailbox.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    pub(crate) min: Duration,
    pub(crate) max: Duration,
    pub(crate) jitter: f64,
    pub(crate) reset_after: Duration,
}

impl Backoff {
    /// From `min` doubling up to `max`; no jitter; reset after `max × 2`
    /// of quiet running.
    pub fn exponential(min: Duration, max: Duration) -> Self {
        Backoff { min, max: max.max(min), jitter: 0.0, reset_after: max.max(min) * 2 }
    }

    /// Stretch each delay by up to this fraction, at random (clamped to 0..=1).
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = fraction.clamp(0.0, 1.0);
        self
    }

    /// Forget past failures once the child has run this long.
    pub fn reset_after(mut self, quiet: Duration) -> Self {
        self.reset_after = quiet;
        self
    }

    /// The delay before restart number `attempt` (0-based).
    pub(crate) fn delay(&self, attempt: u32, random: f64) -> Duration {
        let doubled = self.min.saturating_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX));
        let base = doubled.min(self.max);
        base.mul_f64(1.0 + self.jitter * random.clamp(0.0, 1.0))
    }
}

/// A spawned supervised child: the endpoint its handles use, and the same
/// actor as its supervisor commands it.
pub(crate) struct Spawned {
    pub(crate) endpoint: Arc<dyn Endpoint>,
    pub(crate) handle: Arc<dyn SupervisedChild>,
}

/// Spawns one supervised child from its spec's factory.
type SpawnChild = dyn Fn(&ActorSystem, SpawnOptions, Arc<ChildLink>) -> Spawned + Send + Sync;

/// One child of a supervisor: its name, how to make it, and its policies.
///
/// ```
/// use actor_core::prelude::*;
/// use actor_core::supervision::{ChildSpec, Restart, Shutdown};
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct Cache;
/// impl Actor for Cache {}
///
/// let spec = ChildSpec::new("cache", Cache::default)
///     .restart(Restart::Transient)
///     .shutdown(Shutdown::Timeout(Duration::from_secs(1)));
/// assert_eq!(spec.name(), "cache");
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    pub(crate) name: Arc<str>,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Shutdown,
    pub(crate) backoff: Option<Backoff>,
    pub(crate) spawn: Arc<SpawnChild>,
}

impl ChildSpec {
    /// A worker named `name`, each incarnation made by `factory`:
    /// `Permanent`, shut down with a 5 s timeout, no back-off.
    pub fn new<A: Actor>(name: impl Into<String>, factory: impl Fn() -> A + Send + Sync + 'static) -> Self {
        let factory: Arc<dyn Fn() -> A + Send + Sync> = Arc::new(factory);
        ChildSpec {
            name: Arc::from(name.into()),
            restart: Restart::Permanent,
            shutdown: Shutdown::Timeout(Duration::from_secs(5)),
            backoff: None,
            spawn: Arc::new(move |system, options, link| {
                let child = runtime::spawn_supervised(system, factory.clone(), options, link);
                Spawned { endpoint: child.endpoint(), handle: child.supervised_child() }
            }),
        }
    }

    /// A nested supervisor named `name`, rebuilt from `builder` on each
    /// restart: `Permanent`, shut down with [`Shutdown::Infinity`].
    pub fn supervisor(
        name: impl Into<String>,
        builder: impl Fn() -> SupervisorBuilder + Send + Sync + 'static,
    ) -> Self {
        let mut spec = ChildSpec::new(name, move || Supervisor::from_builder(builder()));
        spec.shutdown = Shutdown::Infinity;
        spec
    }

    /// When to restart it.
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// How to stop it.
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Wait between restarts (one-for-one and pool restarts; group restarts
    /// restart at once).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }

    /// The child's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn with_name(&self, name: String) -> Self {
        ChildSpec { name: Arc::from(name), ..self.clone() }
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("name", &self.name)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_max_and_jitter_only_stretches() {
        let b = Backoff::exponential(Duration::from_millis(100), Duration::from_secs(1)).jitter(0.5);
        assert_eq!(b.delay(0, 0.0), Duration::from_millis(100));
        assert_eq!(b.delay(3, 0.0), Duration::from_millis(800));
        assert_eq!(b.delay(4, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay(100, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay(0, 1.0), Duration::from_millis(150));
    }
}
