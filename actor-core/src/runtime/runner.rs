//! The runner: an actor's loop state and its incarnations.
//!
//! An unsupervised actor has one incarnation ([`run`]). A supervised one
//! ([`run_supervised`]) runs incarnation after incarnation over the same
//! cell, mailbox and context, each a fresh value from its factory, started
//! and ended by its supervisor's [`Control`] commands; what the supervisor
//! is told goes through [`Incarnations`], which `supervision/` implements.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;

use super::killable::{panicked, Killable};
use super::serve::serve;
use super::signals::wait_for_command;
use super::state::{Ended, Runner};
use super::stop::{finish, wind_down};
use crate::actor::{Actor, ActorError, StopReason};
use crate::cell::Control;
use crate::context::Context;
use crate::envelope::fail_unwound_asks;
use crate::events::ActorStarted;
use crate::id::ActorId;

/// What the supervision protocol hears of a supervised actor's
/// incarnations.
pub(crate) trait Incarnations: Send + Sync + 'static {
    /// The next incarnation is being made and started.
    fn starting(&self);
    /// Incarnation `incarnation` has started and handles messages.
    fn running(&self, incarnation: u64);
    /// Incarnation `incarnation` ended on its own; `started` if it had run.
    fn ended(&self, actor: ActorId, incarnation: u64, reason: &StopReason, started: bool);
    /// Incarnation `incarnation` was ended by its supervisor (a group restart).
    fn suspended(&self, incarnation: u64);
    /// The actor has stopped for good.
    fn finished(&self);
}

/// Runs one unsupervised actor from start to stop.
///
/// A plain function returning an `async move` block, not an `async fn`:
/// see the size budget in the module docs.
#[allow(clippy::manual_async_fn)] // keeps the arguments out of the task twice
pub(crate) fn run<A: Actor>(mut actor: A, ctx: Context<A>) -> impl Future<Output = ()> + Send {
    // Made here, not in the block: the block would keep `ctx` as well.
    let mut runner = Runner::new(ctx);
    async move {
        let ended = run_incarnation::<A, false>(&mut actor, &mut runner, || {}).await;
        drop(actor);
        let reason = match ended {
            Ended::OnItsOwn(reason) | Ended::ForGood(reason) => reason,
            Ended::Suspended => StopReason::Shutdown, // no supervisor sends this
        };
        finish(&mut runner, reason);
    }
}

/// Makes a fresh actor state for each incarnation.
pub(crate) type Factory<A> = Arc<dyn Fn() -> A + Send + Sync>;

/// Runs incarnations until the supervisor stops the actor for good.
#[allow(clippy::manual_async_fn)] // keeps the arguments out of the task twice
pub(crate) fn run_supervised<A: Actor>(
    factory: Factory<A>,
    ctx: Context<A>,
    link: Arc<dyn Incarnations>,
) -> impl Future<Output = ()> + Send {
    let mut runner = Runner::new(ctx);
    async move {
        let id = runner.myself.id();
        let mut incarnation = 0;
        loop {
            incarnation += 1;
            runner.myself.cell().lane().clear_kill();
            link.starting();
            let started = std::sync::atomic::AtomicBool::new(false);
            let ended = match std::panic::catch_unwind(AssertUnwindSafe(|| factory())) {
                Ok(mut actor) => {
                    let running = || {
                        started.store(true, std::sync::atomic::Ordering::Relaxed);
                        link.running(incarnation);
                    };
                    let ended = run_incarnation::<A, true>(&mut actor, &mut runner, running).await;
                    // Dropped before the supervisor hears of the end.
                    drop(actor);
                    ended
                }
                Err(panic) => Ended::OnItsOwn(panicked(panic, "factory")),
            };
            let own_reason = match ended {
                Ended::ForGood(reason) => {
                    finish(&mut runner, reason);
                    link.finished();
                    return;
                }
                Ended::Suspended => {
                    link.suspended(incarnation);
                    None
                }
                Ended::OnItsOwn(reason) => {
                    let started = started.load(std::sync::atomic::Ordering::Relaxed);
                    link.ended(id, incarnation, &reason, started);
                    Some(reason)
                }
            };
            runner.ctx.reset_for_restart();
            match Box::pin(wait_for_command(&mut runner)).await {
                Control::Start => continue,
                Control::Stop(final_reason) => {
                    runner.myself.cell().close_for_good();
                    // An actor that stopped on its own keeps its own reason
                    // (normal or not) as the one watchers see.
                    finish(&mut runner, own_reason.unwrap_or(final_reason));
                    link.finished();
                    return;
                }
                Control::Suspend => unreachable!("wait_for_command answers Suspend itself"),
            }
        }
    }
}

/// Runs one incarnation: `on_start`, messages and signals, then children
/// and `on_stop`. `started` runs once `on_start` has succeeded. The caller
/// owns the actor (borrowed here, so it is stored once in the task) and
/// drops it as soon as this returns. A `SUPERVISED` actor's mailbox stays
/// open unless its supervisor stops it for good.
#[allow(clippy::manual_async_fn)] // keeps the arguments out of the task twice
pub(crate) fn run_incarnation<'a, A: Actor, const SUPERVISED: bool>(
    actor: &'a mut A,
    runner: &'a mut Runner<A>,
    started: impl FnOnce() + 'a,
) -> impl Future<Output = Ended> + 'a {
    async move {
        let start = AssertUnwindSafe(Killable::new(actor.on_start(&mut runner.ctx), &runner.myself))
            .catch_unwind()
            .await;
        // Taken by value, so the outcome is not kept in the task while the
        // actor serves.
        let failed = start_failure(start);
        let (ended, was_started) = match failed {
            Some(ended) => (ended, false),
            None => {
                // Moved out (it is `None`), so it is not kept in the task
                // while the actor serves.
                drop(failed);
                tracing::debug!("actor started");
                started();
                let cell = runner.myself.cell();
                cell.system().events().actor_started(|| ActorStarted {
                    id: cell.id(),
                    actor_type: cell.short_type(),
                    name: cell.name().cloned(),
                });
                let served = AssertUnwindSafe(serve(actor, runner)).catch_unwind().await;
                let ended = served.unwrap_or_else(|panic| {
                    let reason = panicked(panic, "handler");
                    fail_unwound_asks(&reason);
                    Ended::OnItsOwn(reason)
                });
                (ended, true)
            }
        };
        // A handler that had to wait and then panicked left its record.
        runner.myself.cell().end_handling();
        if let Some(rare) = runner.rare.as_mut() {
            // Subscriptions and a drain end with the incarnation.
            rare.sources.clear();
            rare.draining = None;
        }
        let suspended = matches!(ended, Ended::Suspended);
        let (reason, for_good) = match ended {
            Ended::OnItsOwn(reason) => (reason, false),
            Ended::Suspended => (StopReason::Shutdown, false),
            Ended::ForGood(reason) => (reason, true),
        };

        // Nothing new gets in from here on; what is queued becomes dead letters.
        if !SUPERVISED || for_good {
            runner.myself.cell().close_for_good();
        } else {
            // A drain closed it for this incarnation only.
            runner.myself.cell().mailbox().reopen();
        }
        // Boxed: see the size budget in the module docs.
        let reason = Box::pin(wind_down(actor, runner, reason, was_started)).await;
        if for_good {
            Ended::ForGood(reason)
        } else if suspended && reason == StopReason::Shutdown {
            Ended::Suspended
        } else {
            Ended::OnItsOwn(reason)
        }
    }
}

/// How `on_start` ended: `None` if it succeeded, else how the incarnation
/// ends.
fn start_failure(
    start: Result<Option<Result<(), ActorError>>, Box<dyn std::any::Any + Send>>,
) -> Option<Ended> {
    match start {
        Ok(Some(Ok(()))) => None,
        Ok(Some(Err(err))) => {
            tracing::warn!(error = %err, "actor failed to start");
            Some(Ended::OnItsOwn(StopReason::StartFailed(err)))
        }
        Ok(None) => Some(Ended::OnItsOwn(StopReason::Killed)),
        Err(panic) => Some(Ended::OnItsOwn(panicked(panic, "on_start"))),
    }
}
