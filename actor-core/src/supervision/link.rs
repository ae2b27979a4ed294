//! The link between a supervisor and one supervised child: the child's
//! phase, which the supervisor can await, and notices the other way (as
//! priority messages, handled ahead of the supervisor's mailbox).

use tokio::sync::watch;

use crate::actor::StopReason;
use crate::id::ActorId;
use crate::message::Message;
use crate::runtime::Incarnations;

/// Where a supervised child is in its life.
#[derive(Clone, Debug)]
pub(crate) enum Phase {
    /// An incarnation is being made or is running `on_start`.
    Starting,
    /// Incarnation `n` is handling messages.
    Running(u64),
    /// Incarnation `incarnation` ended (`started`: after reaching
    /// `Running`); the child waits for a command.
    Down { incarnation: u64, reason: StopReason, started: bool },
    /// Stopped for good.
    Final,
}

/// News for the supervisor: incarnation `incarnation` of `child` ended on
/// its own. Handled ahead of the supervisor's mailbox.
pub(crate) struct ChildExited {
    pub(crate) child: ActorId,
    pub(crate) incarnation: u64,
}
impl Message for ChildExited {
    type Reply = ();
}

pub(crate) struct ChildLink {
    phase: watch::Sender<Phase>,
    /// Tells the supervisor (a priority message to it).
    notify: Box<dyn Fn(ChildExited) + Send + Sync>,
}

impl ChildLink {
    pub(crate) fn new(notify: impl Fn(ChildExited) + Send + Sync + 'static) -> Self {
        ChildLink { phase: watch::Sender::new(Phase::Starting), notify: Box::new(notify) }
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase.borrow().clone()
    }

    /// Waits for the outcome of the first incarnation numbered above
    /// `after`: its number and `Ok` once running, or the reason it failed
    /// to start.
    pub(crate) async fn start_outcome(&self, after: u64) -> (u64, Result<(), StopReason>) {
        let mut phases = self.phase.subscribe();
        let seen = phases
            .wait_for(|p| match p {
                Phase::Running(n) => *n > after,
                Phase::Down { incarnation, .. } => *incarnation > after,
                Phase::Final => true,
                Phase::Starting => false,
            })
            .await
            .map(|p| p.clone());
        match seen {
            Ok(Phase::Running(n)) => (n, Ok(())),
            // It started, then stopped before we looked: a start all the
            // same; its end is reported separately.
            Ok(Phase::Down { incarnation, started: true, .. }) => (incarnation, Ok(())),
            Ok(Phase::Down { incarnation, reason, .. }) => (incarnation, Err(reason)),
            _ => (after, Err(StopReason::Shutdown)),
        }
    }

    /// Waits until the running incarnation has ended (or the child is gone).
    pub(crate) async fn down(&self) {
        let mut phases = self.phase.subscribe();
        let _ = phases.wait_for(|p| matches!(p, Phase::Down { .. } | Phase::Final)).await;
    }
}

impl Incarnations for ChildLink {
    fn starting(&self) {
        self.phase.send_replace(Phase::Starting);
    }

    fn running(&self, incarnation: u64) {
        self.phase.send_replace(Phase::Running(incarnation));
    }

    fn ended(&self, child: ActorId, incarnation: u64, reason: &StopReason, started: bool) {
        self.phase.send_replace(Phase::Down { incarnation, reason: reason.clone(), started });
        // A failed start is seen by the supervisor that asked for it; only
        // a running incarnation's end is news.
        if started {
            (self.notify)(ChildExited { child, incarnation });
        }
    }

    fn suspended(&self, incarnation: u64) {
        self.phase.send_replace(Phase::Down { incarnation, reason: StopReason::Shutdown, started: true });
    }

    fn finished(&self) {
        self.phase.send_replace(Phase::Final);
    }
}
