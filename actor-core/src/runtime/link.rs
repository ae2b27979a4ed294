//! The link between a supervisor and one supervised child: the child's
//! phase, which the supervisor can await, and notices the other way.

use std::sync::Arc;

use tokio::sync::watch;

use crate::runtime::cell::{AnyActor, Signal};
use crate::{ActorId, StopReason};

/// Where a supervised child is in its life.
#[derive(Clone, Debug)]
pub(crate) enum Phase {
    /// An incarnation is being made or is running `on_start`.
    Starting,
    /// Incarnation `n` is handling messages.
    Running(u64),
    /// Incarnation `number` ended (`started`: after reaching `Running`);
    /// the child waits for a command.
    Down { number: u64, reason: StopReason, started: bool },
    /// Stopped for good.
    Final,
}

pub(crate) struct ChildLink {
    phase: watch::Sender<Phase>,
    supervisor: Arc<dyn AnyActor>,
}

/// News for a supervisor, carried in its signal lane. Internal.
#[doc(hidden)]
#[derive(Debug)]
pub struct Notice(pub(crate) NoticeKind);

#[derive(Debug)]
pub(crate) enum NoticeKind {
    /// Incarnation `number` of `child` ended on its own.
    Exited { child: ActorId, number: u64 },
    /// A back-off delay for `child` has passed.
    RestartDue { child: ActorId },
}

impl ChildLink {
    pub(crate) fn new(supervisor: Arc<dyn AnyActor>) -> Arc<Self> {
        Arc::new(ChildLink { phase: watch::Sender::new(Phase::Starting), supervisor })
    }

    pub(crate) fn set(&self, phase: Phase) {
        self.phase.send_replace(phase);
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase.borrow().clone()
    }

    /// Tells the supervisor that incarnation `number` ended on its own.
    pub(crate) fn tell_supervisor(&self, child: ActorId, number: u64) {
        let notice = Notice(NoticeKind::Exited { child, number });
        let _ = self.supervisor.shared().signals.push(Signal::Notice(Box::new(notice)));
    }

    /// Waits for the outcome of the first incarnation numbered above
    /// `after`: its number and `Ok` once running, or the reason it failed
    /// to start.
    pub(crate) async fn start_outcome(&self, after: u64) -> (u64, Result<(), StopReason>) {
        let mut phases = self.phase.subscribe();
        let seen = phases
            .wait_for(|p| match p {
                Phase::Running(n) => *n > after,
                Phase::Down { number, .. } => *number > after,
                Phase::Final => true,
                Phase::Starting => false,
            })
            .await
            .map(|p| p.clone());
        match seen {
            Ok(Phase::Running(n)) => (n, Ok(())),
            // It started, then stopped before we looked: a start all the
            // same; its end is reported separately.
            Ok(Phase::Down { number, started: true, .. }) => (number, Ok(())),
            Ok(Phase::Down { number, reason, .. }) => (number, Err(reason)),
            _ => (after, Err(StopReason::Shutdown)),
        }
    }

    /// Waits until the running incarnation has ended (or the child is gone).
    pub(crate) async fn down(&self) {
        let mut phases = self.phase.subscribe();
        let _ = phases.wait_for(|p| matches!(p, Phase::Down { .. } | Phase::Final)).await;
    }
}
