//! The loop of a supervised actor: incarnations behind one cell and one
//! mailbox, started and stopped by its supervisor.

use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;

use crate::runtime::cell::{Command, Signal};
use crate::runtime::link::{ChildLink, Phase};
use crate::runtime::run::{finish, incarnation, panicked, Closing, Ended};
use crate::{Actor, Context, StopReason};

/// Makes a fresh actor state for each incarnation.
pub(crate) type Factory<A> = Arc<dyn Fn() -> A + Send + Sync>;

/// Runs incarnations until the supervisor stops the actor for good.
#[allow(clippy::manual_async_fn)] // keeps the arguments out of the task twice
pub(crate) fn run_supervised<A: Actor>(
    factory: Factory<A>,
    mut ctx: Context<A>,
    link: Arc<ChildLink>,
) -> impl std::future::Future<Output = ()> + Send {
    async move {
        let cell = ctx.myself().cell.clone();
        let lane = &cell.shared.signals;
        let mut number = 0;
        loop {
            number += 1;
            lane.clear_kill();
            link.set(Phase::Starting);
            let ran = std::sync::atomic::AtomicBool::new(false);
            let ended = match std::panic::catch_unwind(AssertUnwindSafe(|| factory())) {
                Ok(mut actor) => {
                    let running = || {
                        ran.store(true, std::sync::atomic::Ordering::Relaxed);
                        link.set(Phase::Running(number));
                    };
                    let ended = incarnation(&mut actor, &mut ctx, Closing::OnFinalStop, running).await;
                    // Dropped before the supervisor hears of the end.
                    drop(actor);
                    ended
                }
                Err(panic) => Ended::Stopped(panicked(panic, "factory")),
            };
            let reason = match ended {
                Ended::Final(reason) => {
                    finish(&cell, &mut ctx, reason);
                    link.set(Phase::Final);
                    return;
                }
                Ended::Suspended => {
                    link.set(Phase::Down { number, reason: StopReason::Shutdown, started: true });
                    None
                }
                Ended::Stopped(reason) => {
                    let started = ran.load(std::sync::atomic::Ordering::Relaxed);
                    link.set(Phase::Down { number, reason: reason.clone(), started });
                    // A failed start is seen by the supervisor that asked for
                    // it; only a running incarnation's end is news.
                    if started {
                        link.tell_supervisor(cell.shared.id, number);
                    }
                    Some(reason)
                }
            };
            ctx.reset_for_restart();
            match wait_for_command(&mut ctx).await {
                Command::Start => continue,
                Command::Stop(final_reason) => {
                    cell.mailbox.close();
                    // A child that stopped on its own keeps its own reason
                    // (normal or not) as the one watchers see.
                    let reason = reason.unwrap_or(final_reason);
                    finish(&cell, &mut ctx, reason);
                    link.set(Phase::Final);
                    return;
                }
                Command::Suspend => unreachable!("wait_for_command answers Suspend itself"),
            }
        }
    }
}

/// Between incarnations: keeps handling watch signals, and returns the
/// supervisor's next `Start` or `Stop`. Stop and kill requests from
/// elsewhere are left to the supervisor's decision, already under way.
async fn wait_for_command<A: Actor>(ctx: &mut Context<A>) -> Command {
    let cell = ctx.myself().cell.clone();
    let lane = &cell.shared.signals;
    loop {
        poll_fn(|cx| {
            lane.register(cx.waker());
            if lane.has_work() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        lane.clear_kill();
        let mut command = None;
        for signal in lane.take() {
            match signal {
                Signal::Supervise(Command::Suspend) => {} // already down
                Signal::Supervise(Command::Start) => {
                    command.get_or_insert(Command::Start);
                }
                Signal::Supervise(stop @ Command::Stop(_)) => command = Some(stop),
                Signal::Watch(watcher) => ctx.on_signal_watch(watcher),
                Signal::Unwatch(watcher) => ctx.on_signal_unwatch(watcher),
                Signal::ChildStopped(child) => ctx.on_child_stopped(child),
                Signal::Stop(_) | Signal::Terminated(_) | Signal::Notice(_) => {}
            }
        }
        if let Some(command) = command {
            return command;
        }
    }
}
