//! Spawning: a new local cell, its place in the system's table, its
//! tracing span and its task. Adds `spawn` to [`ActorSystem`] and
//! `spawn_child` to [`Context`].

use std::future::Future;
use std::sync::Arc;

use tracing::Instrument;

use super::panics::ActorTask;
use super::runner::{run, run_supervised, Factory, Incarnations};
use crate::actor::Actor;
use crate::address::ActorRef;
use crate::cell::{short_type_name, ActorCell};
use crate::context::Context;
use crate::system::ActorSystem;
use crate::system::SpawnOptions;

impl ActorSystem {
    /// Starts `actor` with its type's default mailbox.
    ///
    /// # Panics
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn spawn<A: Actor>(&self, actor: A) -> ActorRef<A> {
        self.spawn_with(actor, SpawnOptions::default())
    }

    /// Starts `actor` with a name and/or a mailbox capacity of its own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actor_core::prelude::*;
    /// struct Buffer;
    /// impl Actor for Buffer {}
    /// let system = ActorSystem::new();
    /// let b = system.spawn_with(Buffer, SpawnOptions::new().name("buffer").capacity(8));
    /// assert_eq!(b.name(), Some("buffer"));
    /// # system.shutdown().await;
    /// # }
    /// ```
    ///
    /// # Panics
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn spawn_with<A: Actor>(&self, actor: A, options: SpawnOptions) -> ActorRef<A> {
        spawn_task(self, options, true, move |ctx| run(actor, ctx))
    }
}

impl<A: Actor> Context<A> {
    /// Spawns a child actor. Children stop before their parent: when this
    /// actor stops, each child is stopped (newest first, waiting for each)
    /// before `on_stop` runs.
    pub fn spawn_child<C: Actor>(&mut self, child: C) -> ActorRef<C> {
        self.spawn_child_with(child, SpawnOptions::default())
    }

    /// [`spawn_child`](Self::spawn_child) with options.
    pub fn spawn_child_with<C: Actor>(&mut self, child: C, options: SpawnOptions) -> ActorRef<C> {
        let child = spawn_task(self.system(), options, false, move |ctx| run(child, ctx));
        self.add_child(child.endpoint());
        child
    }
}

/// Spawns an actor whose incarnations come from `factory`, started and
/// stopped by the supervisor behind `link`.
pub(crate) fn spawn_supervised<A: Actor>(
    system: &ActorSystem,
    factory: Factory<A>,
    options: SpawnOptions,
    link: Arc<dyn Incarnations>,
) -> ActorRef<A> {
    spawn_task(system, options, false, move |ctx| run_supervised(factory, ctx, link))
}

fn spawn_task<A: Actor, F: Future<Output = ()> + Send + 'static>(
    system: &ActorSystem,
    options: SpawnOptions,
    root: bool,
    task: impl FnOnce(Context<A>) -> F,
) -> ActorRef<A> {
    let capacity = options.capacity.unwrap_or(A::MAILBOX);
    let slow = system.slow_handler(options.slow_handler);
    let actor_ref = ActorRef::from_cell(ActorCell::<A>::new(system, options.name, capacity, slow));
    let Some(cell) = actor_ref.local() else { unreachable!("made local above") };
    // Read back by `finish`, which runs in the actor's task: spawned after
    // this.
    cell.set_table_slot(system.track(actor_ref.endpoint(), root));
    let id = cell.id();
    // The fields are computed only when the span is enabled.
    let span = match cell.name() {
        Some(name) => {
            tracing::debug_span!("actor", %id, actor = short_type_name(std::any::type_name::<A>()), name = &**name)
        }
        None => tracing::debug_span!("actor", %id, actor = short_type_name(std::any::type_name::<A>())),
    };
    let ctx = Context::new(actor_ref.clone());
    // An actor's span is entered on every poll; skip it when nobody
    // records spans at this level.
    if span.is_disabled() {
        tokio::spawn(ActorTask::new(task(ctx)));
    } else {
        tokio::spawn(ActorTask::new(task(ctx).instrument(span)));
    }
    actor_ref
}
