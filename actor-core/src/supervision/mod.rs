//! Supervision trees with OTP semantics: children restarted behind the same
//! address and mailbox.
//!
//! A [`Supervisor`] is an ordinary actor that owns an ordered list of
//! [`ChildSpec`]s. It starts them in order, restarts them by its
//! [`Strategy`] and each child's [`Restart`] type, gives up (escalates) when
//! restarts come faster than its intensity allows, and stops them in reverse
//! order, each within its [`Shutdown`] policy.
//!
//! A restarted child keeps its `ActorRef` and its mailbox: messages queued
//! behind the one that failed are handled by the new incarnation, in order.
//! The failing message is dropped (an asker gets
//! [`AskError::Stopped`]); state comes fresh from
//! the factory.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use actor_core::prelude::*;
//! use actor_core::supervision::{ChildSpec, Strategy, Supervisor};
//! use std::time::Duration;
//!
//! #[derive(Default)]
//! struct Db { queries: u64 }
//! impl Actor for Db {}
//!
//! struct Query(&'static str);
//! impl Message for Query { type Reply = u64; }
//! impl Handler<Query> for Db {
//!     async fn handle(&mut self, q: Query, _ctx: &mut Context<Self>) -> u64 {
//!         assert_ne!(q.0, "boom", "bad query");    // a bug: panics
//!         self.queries += 1;
//!         self.queries
//!     }
//! }
//!
//! let system = ActorSystem::new();
//! let sup = Supervisor::builder()
//!     .strategy(Strategy::OneForOne)
//!     .max_restarts(3, Duration::from_secs(5))
//!     .child(ChildSpec::new("db", Db::default))
//!     .spawn(&system)
//!     .await?;
//! let db: ActorRef<Db> = sup.child::<Db>("db").await?;
//! assert_eq!(db.ask(Query("a")).await?, 1);
//! assert!(db.ask(Query("boom")).await.is_err());   // the db panics ...
//! assert_eq!(db.ask(Query("b")).await?, 1);        // ... and is restarted, same address, fresh state
//! system.shutdown().await;
//! # Ok(()) }
//! ```

mod link;
mod snapshot;
mod spec;
mod supervisor;

use std::time::Duration;

pub use snapshot::TreeSnapshot;
pub use spec::{Backoff, ChildSpec, Restart, Shutdown};
pub use supervisor::Supervisor;

use crate::actor::{Actor, StopReason};
use crate::address::ActorRef;
use crate::cell::short_type_name;
use crate::endpoint::AskError;
use crate::system::ActorSystem;
use crate::system::SpawnOptions;

/// Which children a supervisor restarts when one fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// Only the failed child (the default).
    #[default]
    OneForOne,
    /// All children: the others are stopped in reverse start order, then
    /// all start again in order.
    OneForAll,
    /// The failed child and those started after it, the same way.
    RestForOne,
}

/// Why a supervisor operation failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    /// A child failed to start; the supervisor (or the request) gave up.
    #[error("child `{name}` failed to start: {reason}")]
    ChildStartFailed {
        /// The child's name.
        name: String,
        /// Why it did not start.
        reason: StopReason,
    },
    /// No child has this name.
    #[error("no child named `{0}`")]
    NoSuchChild(String),
    /// The child is of another actor type.
    #[error("child `{name}` is a `{found}`, not a `{expected}`")]
    WrongType {
        /// The child's name.
        name: String,
        /// The type asked for.
        expected: &'static str,
        /// The child's type.
        found: &'static str,
    },
    /// Another child already has this name.
    #[error("a child named `{0}` already exists")]
    NameTaken(String),
    /// `spawn_pooled` on a supervisor that was not built as a pool.
    #[error("this supervisor is not a pool")]
    NotAPool,
    /// The supervisor is not running.
    #[error("supervisor stopped")]
    Stopped,
}

impl From<AskError> for SupervisorError {
    fn from(_: AskError) -> Self {
        SupervisorError::Stopped
    }
}

/// Builds a [`Supervisor`]: `Supervisor::builder()...spawn(&system).await`.
#[derive(Clone, Debug)]
pub struct SupervisorBuilder {
    pub(crate) strategy: Strategy,
    pub(crate) max_restarts: u32,
    pub(crate) within: Duration,
    pub(crate) children: Vec<ChildSpec>,
    pub(crate) pool: Option<ChildSpec>,
    pub(crate) name: Option<String>,
}

impl SupervisorBuilder {
    pub(crate) fn new() -> Self {
        SupervisorBuilder {
            strategy: Strategy::OneForOne,
            max_restarts: 3,
            within: Duration::from_secs(5),
            children: Vec::new(),
            pool: None,
            name: None,
        }
    }

    /// Which children restart when one fails (default [`Strategy::OneForOne`]).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Restart intensity: more than `max` restarts within `within` (a
    /// sliding window) stops every child and then the supervisor, with
    /// [`StopReason::Escalated`]. Default: 3 within 5 seconds.
    pub fn max_restarts(mut self, max: u32, within: Duration) -> Self {
        self.max_restarts = max;
        self.within = within;
        self
    }

    /// Adds a child; children start in the order they are added.
    pub fn child(mut self, spec: ChildSpec) -> Self {
        self.children.push(spec);
        self
    }

    /// Names the supervisor itself (for traces and snapshots).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Starts the supervisor and its children, in order; returns once the
    /// last child is up.
    ///
    /// # Errors
    /// [`SupervisorError::ChildStartFailed`] with the child's name and
    /// reason if one fails to start; those already started have been
    /// stopped, in reverse order, and the supervisor has stopped.
    pub async fn spawn(self, system: &ActorSystem) -> Result<ActorRef<Supervisor>, SupervisorError> {
        let options = match &self.name {
            Some(name) => SpawnOptions::new().name(name.clone()),
            None => SpawnOptions::new(),
        };
        let sup = system.spawn_with(Supervisor::from_builder(self), options);
        supervisor::started(&sup).await?;
        Ok(sup)
    }
}

impl ActorRef<Supervisor> {
    /// The child named `name`, typed.
    ///
    /// # Errors
    /// [`SupervisorError::NoSuchChild`], [`SupervisorError::WrongType`], or
    /// [`SupervisorError::Stopped`] if the supervisor is not running.
    pub async fn child<A: Actor>(&self, name: &str) -> Result<ActorRef<A>, SupervisorError> {
        let child = self.ask(supervisor::GetChild(name.to_owned())).await??;
        if child.actor_type() != std::any::type_name::<A>() {
            return Err(SupervisorError::WrongType {
                name: name.to_owned(),
                expected: short_type_name(std::any::type_name::<A>()),
                found: short_type_name(child.actor_type()),
            });
        }
        Ok(ActorRef::from_endpoint(child))
    }

    /// Adds and starts a child at runtime; it is supervised like the
    /// others and stopped first (it is the newest).
    ///
    /// # Errors
    /// [`SupervisorError::NameTaken`], [`SupervisorError::ChildStartFailed`],
    /// [`SupervisorError::Stopped`].
    pub async fn start_child(&self, spec: ChildSpec) -> Result<(), SupervisorError> {
        self.ask(supervisor::StartChild(spec)).await?
    }

    /// Stops the child named `name` for good (by its shutdown policy) and
    /// forgets its spec.
    ///
    /// # Errors
    /// [`SupervisorError::NoSuchChild`], [`SupervisorError::Stopped`].
    pub async fn terminate_child(&self, name: &str) -> Result<(), SupervisorError> {
        self.ask(supervisor::TerminateChild(name.to_owned())).await?
    }

    /// Starts one more child of a pool supervisor (see
    /// [`Supervisor::pool`]), named after the template with a number.
    ///
    /// # Errors
    /// [`SupervisorError::NotAPool`], [`SupervisorError::WrongType`],
    /// [`SupervisorError::ChildStartFailed`], [`SupervisorError::Stopped`].
    pub async fn spawn_pooled<A: Actor>(&self) -> Result<ActorRef<A>, SupervisorError> {
        let name = self.ask(supervisor::SpawnPooled).await??;
        self.child::<A>(&name).await
    }

    /// A snapshot of the tree below this supervisor: names, ids, types,
    /// restart counts and mailbox depths. It prints as an indented tree
    /// and exports DOT.
    ///
    /// # Errors
    /// [`SupervisorError::Stopped`] if the supervisor is not running.
    pub async fn snapshot(&self) -> Result<TreeSnapshot, SupervisorError> {
        Ok(self.ask(supervisor::Snapshot).await?)
    }
}

impl ActorSystem {
    /// The top-level supervisors of this system (those spawned by the
    /// system rather than under another actor), oldest first: the roots
    /// of its supervision trees, for [`snapshot`](ActorRef::snapshot).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use actor_core::prelude::*;
    /// use actor_core::supervision::{ChildSpec, Strategy, Supervisor};
    ///
    /// struct Worker;
    /// impl Actor for Worker {}
    ///
    /// let system = ActorSystem::new();
    /// Supervisor::builder()
    ///     .name("app")
    ///     .strategy(Strategy::OneForAll)
    ///     .child(ChildSpec::new("worker", || Worker))
    ///     .spawn(&system)
    ///     .await?;
    /// let roots = system.supervisors();
    /// let tree = roots[0].snapshot().await?;
    /// assert_eq!(tree.strategy, Some(Strategy::OneForAll));
    /// assert_eq!(tree.children[0].name.as_deref(), Some("worker"));
    /// # Ok(()) }
    /// ```
    pub fn supervisors(&self) -> Vec<ActorRef<Supervisor>> {
        let mut roots: Vec<_> = self
            .endpoints()
            .into_iter()
            .filter(|(actor, top_level)| {
                *top_level && actor.actor_type() == std::any::type_name::<Supervisor>()
            })
            .map(|(actor, _)| actor)
            .collect();
        roots.sort_unstable_by_key(|actor| actor.id().sequence());
        roots.into_iter().map(ActorRef::from_endpoint).collect()
    }
}
