//! The stop sequence: children, `on_stop`, then (for good) dead letters,
//! the stop reason, watchers and the system's table.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;

use super::killable::{panicked, Killable};
use super::state::{Rare, Runner};
use crate::actor::{Actor, StopReason, Terminated};
use crate::cell::LaneSignal;
use crate::endpoint::{Endpoint, Signal};
use crate::events::ActorStopped;
use crate::mailbox::signal::SignalLane;

/// Children, `on_stop`, linked children: the end of an incarnation.
/// Returns the final reason (a kill or a panic in `on_stop` changes it).
pub(super) async fn wind_down<A: Actor>(
    actor: &mut A,
    runner: &mut Runner<A>,
    mut reason: StopReason,
    was_started: bool,
) -> StopReason {
    let myself = runner.myself.clone();
    let lane = myself.cell().lane();
    runner.ctx.cancel_lifecycle();
    runner.collect();
    stop_children(runner, lane.is_killed(), lane).await;
    if lane.is_killed() {
        reason = StopReason::Killed;
    }
    if reason != StopReason::Killed && was_started {
        let stopping = AssertUnwindSafe(Killable::new(actor.on_stop(&mut runner.ctx, &reason), lane))
            .catch_unwind()
            .await;
        match stopping {
            Ok(Some(())) => {}
            Ok(None) => reason = StopReason::Killed,
            Err(panic) => reason = panicked(panic, "on_stop"),
        }
        // Children spawned by on_stop itself.
        runner.collect();
        stop_children(runner, lane.is_killed(), lane).await;
    }
    // Supervised children are stopped by their supervisor's own policies
    // in its on_stop; if that did not run (it was killed), they go now.
    for child in runner.ctx.take_supervised() {
        child.stop_now();
        child.endpoint().wait_for_stop().await;
    }
    reason
}

/// Stops the children newest first, waiting for each; kills them all if
/// `kill` is set or this actor is killed while waiting.
async fn stop_children<A: Actor, S>(runner: &mut Runner<A>, kill: bool, lane: &SignalLane<S>) {
    let children: Vec<Arc<dyn Endpoint>> =
        runner.rare.as_mut().map(|r| std::mem::take(&mut r.children)).unwrap_or_default();
    let mut killing = kill;
    for child in children.iter().rev() {
        if !killing {
            let _ = child.signal(Signal::Stop(StopReason::Shutdown));
            if Killable::new(child.wait_for_stop(), lane).await.is_some() {
                continue;
            }
            killing = true;
        }
        // Killed: the rest go at once, and we wait only for them to end.
        for child in &children {
            let _ = child.signal(Signal::Kill);
        }
        break;
    }
    if killing {
        for child in &children {
            child.wait_for_stop().await;
        }
    }
}

/// Dead letters, stop reason, watchers, system table, fact.
pub(super) fn finish<A: Actor>(runner: &mut Runner<A>, reason: StopReason) {
    let myself = runner.myself.clone();
    let cell = myself.cell();
    // The mailbox is closed by now, and a push checks that under the
    // queue's lock, so what is in the queue is all there will ever be.
    while let Some(envelope) = runner.inbox.try_recv(cell.mailbox()) {
        cell.dead_letter(envelope.message_type());
        envelope.reject(&reason);
    }
    cell.metrics().stopped();
    cell.system().untrack(cell.table_slot());
    cell.set_stopped(reason.clone());
    // The reason is set before the lane closes: a watcher refused by the
    // closed lane reads it and notifies itself.
    for signal in cell.close_lane() {
        if let LaneSignal::Watch(watcher) = signal {
            Rare::add_watcher(&mut runner.rare, watcher);
        }
    }
    let watchers = runner.rare.as_mut().map(|r| std::mem::take(&mut r.watchers)).unwrap_or_default();
    for watcher in watchers {
        let _ = watcher.signal(Signal::Terminated(Terminated { id: cell.id(), reason: reason.clone() }));
    }
    cell.system().events().actor_stopped(|| ActorStopped { id: cell.id(), reason: reason.clone() });
    match &reason {
        StopReason::Normal | StopReason::Shutdown => tracing::debug!(%reason, "actor stopped"),
        _ => tracing::warn!(%reason, "actor stopped abnormally"),
    }
}
