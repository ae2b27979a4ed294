//! Spawning actors and running them: one tokio task per actor.

pub(crate) mod cell;
pub(crate) mod link;
pub(crate) mod run;
pub(crate) mod supervised;

use std::sync::Arc;

use tracing::Instrument;

use crate::mailbox;
use crate::runtime::cell::{ActorCell, ActorShared, AnyActor};
use crate::{Actor, ActorRef, ActorSystem, Context, SpawnOptions};

/// Creates the cell and mailbox of a new actor and starts its task.
pub(crate) fn spawn<A: Actor>(
    system: &ActorSystem,
    actor: A,
    options: SpawnOptions,
    parent: Option<Arc<dyn AnyActor>>,
) -> ActorRef<A> {
    spawn_task_with(system, options, parent, move |ctx| run::run(actor, ctx))
}

/// Spawns an actor whose incarnations come from `factory`, started and
/// stopped by the supervisor behind `link`.
pub(crate) fn spawn_supervised<A: Actor>(
    system: &ActorSystem,
    factory: supervised::Factory<A>,
    options: SpawnOptions,
    supervisor: Arc<dyn AnyActor>,
    link: Arc<crate::runtime::link::ChildLink>,
) -> ActorRef<A> {
    spawn_task_with(system, options, Some(supervisor), move |ctx| {
        supervised::run_supervised(factory, ctx, link)
    })
}

fn spawn_task_with<A: Actor, F: std::future::Future<Output = ()> + Send + 'static>(
    system: &ActorSystem,
    options: SpawnOptions,
    parent: Option<Arc<dyn AnyActor>>,
    task: impl FnOnce(Context<A>) -> F,
) -> ActorRef<A> {
    let id = system.next_actor_id();
    let type_name = std::any::type_name::<A>;
    let cell = Arc::new(ActorCell {
        shared: ActorShared::new(
            id,
            options.name,
            type_name,
            system.clone(),
            parent.as_ref().map(Arc::downgrade),
        ),
        mailbox: mailbox::Mailbox::new(options.capacity.unwrap_or(A::MAILBOX)),
    });
    let actor_ref = ActorRef::from_cell(cell.clone());
    system.track(cell);
    let span = match &actor_ref.cell.shared.name {
        Some(name) => {
            tracing::debug_span!("actor", %id, actor = short_type_name(type_name()), name = &**name)
        }
        None => tracing::debug_span!("actor", %id, actor = short_type_name(type_name())),
    };
    let ctx = Context::new(actor_ref.clone());
    // An actor's span is entered on every poll; skip it when nobody
    // records spans at this level.
    if span.is_disabled() {
        system.spawn_task(task(ctx));
    } else {
        system.spawn_task(task(ctx).instrument(span));
    }
    actor_ref
}

/// `my_crate::module::Type<other::Param>` → `Type<Param>`.
pub(crate) fn short_type_name(full: &'static str) -> &'static str {
    if !full.contains('<') {
        return full.rsplit("::").next().unwrap_or(full);
    }
    // Generic types keep their full path: rare, and shortening would allocate.
    full
}
#[cfg(test)]
mod size_tests;
