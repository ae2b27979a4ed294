//! The one signal dispatcher: what every signal in a local actor's lane
//! does, whether the actor is serving or, supervised, waiting between
//! incarnations for its supervisor's next command.

use std::future::poll_fn;
use std::task::Poll;

use super::killable::Killable;
use super::state::{Ended, Rare, Runner};
use crate::actor::{Actor, StopReason};
use crate::cell::{Control, LaneSignal};

/// Where the actor is when a batch of signals arrives.
enum Phase<'a, A> {
    /// Serving: hooks run, and a stop or a command ends the incarnation.
    Serving(&'a mut A),
    /// Between incarnations (supervised only): there is no actor to run
    /// hooks on; stop and kill requests are left to the supervisor, whose
    /// decision is already under way, and only its command counts.
    Waiting,
}

/// What a batch of signals decided.
#[derive(Default)]
struct Decision {
    /// A graceful stop asked for from outside.
    stop: Option<StopReason>,
    /// The supervisor's command (the last one wins, except that a
    /// `Start` never overrides a `Stop`).
    control: Option<Control>,
    /// Killed while a hook ran.
    killed: bool,
}

/// Handles one batch of signals while serving; `Some` when the actor must
/// leave.
pub(super) async fn handle_signals<A: Actor>(actor: &mut A, runner: &mut Runner<A>) -> Option<Ended> {
    if runner.myself.cell().lane().is_killed() {
        return Some(Ended::OnItsOwn(StopReason::Killed));
    }
    let decision = dispatch(Phase::Serving(actor), runner).await;
    if decision.killed {
        return Some(Ended::OnItsOwn(StopReason::Killed));
    }
    match decision.control {
        Some(Control::Stop(reason)) => return Some(Ended::ForGood(reason)),
        Some(Control::Suspend) => return Some(Ended::Suspended),
        Some(Control::Start) | None => {} // already running: a stale start
    }
    // A `ctx.stop()` from a hook wins over a stop from outside.
    runner.ctx.take_stop_request().or(decision.stop).map(Ended::OnItsOwn)
}

/// Between incarnations: keeps handling watch signals, and returns the
/// supervisor's next `Start` or `Stop`.
pub(super) async fn wait_for_command<A: Actor>(runner: &mut Runner<A>) -> Control {
    let myself = runner.myself.clone();
    let cell = myself.cell();
    loop {
        poll_fn(|cx| {
            cell.lane().register(cx.waker());
            if cell.lane().has_work() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        cell.lane().clear_kill();
        if let Some(control) = dispatch(Phase::Waiting, runner).await.control {
            return control;
        }
    }
}

/// Handles every signal queued now (none may be lost: watch signals change
/// who is told of the stop); hooks are skipped once the actor is leaving.
async fn dispatch<A: Actor>(mut phase: Phase<'_, A>, runner: &mut Runner<A>) -> Decision {
    let Runner { ctx, myself, rare, .. } = runner;
    let lane = myself.cell().lane();
    let mut decision = Decision::default();
    for signal in lane.take() {
        let leaving =
            decision.killed || matches!(decision.control, Some(Control::Stop(_) | Control::Suspend));
        match signal {
            LaneSignal::Watch(watcher) => Rare::add_watcher(rare, watcher),
            LaneSignal::Unwatch(watcher) => Rare::remove_watcher(rare, watcher),
            LaneSignal::Control(Control::Start) => {
                decision.control.get_or_insert(Control::Start);
            }
            LaneSignal::Control(Control::Suspend) => {
                // Already down when waiting; a stop for good outranks it.
                if matches!(phase, Phase::Serving(_)) && !matches!(decision.control, Some(Control::Stop(_))) {
                    decision.control = Some(Control::Suspend);
                }
            }
            LaneSignal::Control(stop @ Control::Stop(_)) => decision.control = Some(stop),
            LaneSignal::Stop(reason) => {
                if matches!(phase, Phase::Serving(_)) {
                    decision.stop.get_or_insert(reason);
                }
            }
            LaneSignal::Drain(reason) => {
                if matches!(phase, Phase::Serving(_)) {
                    Rare::get(rare).draining.get_or_insert(reason);
                }
            }
            LaneSignal::Terminated(notice) => {
                if let Phase::Serving(actor) = &mut phase {
                    if !leaving
                        && ctx.accept_terminated(notice.id)
                        && Killable::new(actor.on_terminated(ctx, *notice), lane).await.is_none()
                    {
                        decision.killed = true;
                    }
                }
            }
            LaneSignal::Priority(envelope) => {
                if let Phase::Serving(actor) = &mut phase {
                    if !leaving && Killable::new(envelope.deliver(actor, ctx), lane).await.is_none() {
                        decision.killed = true;
                    }
                }
            }
        }
    }
    decision
}
