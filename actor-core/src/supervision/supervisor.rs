//! The supervisor actor: starts, restarts and stops its children.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::link::{ChildExited, ChildLink, Phase};
use super::snapshot::TreeSnapshot;
use super::spec::{ChildSpec, Restart, Shutdown, Spawned};
use super::{Strategy, SupervisorBuilder, SupervisorError};
use crate::actor::{Actor, ActorError, StopReason};
use crate::address::ActorRef;
use crate::cell::{Control, SupervisedChild};
use crate::context::Context;
use crate::endpoint::{Endpoint, Signal};
use crate::events::{ActorRestarted, SupervisorEscalated};
use crate::id::ActorId;
use crate::message::{Handler, Message};
use crate::system::SpawnOptions;

/// A supervisor: an ordinary actor with an ordinary address, so it can be
/// watched, stopped and nested like any other. Build one with
/// [`Supervisor::builder`] or [`Supervisor::pool`].
pub struct Supervisor {
    strategy: Strategy,
    intensity: Intensity,
    /// Specs to start in `on_start`.
    initial: Vec<ChildSpec>,
    /// Running (or restarting) children, in start order.
    children: Vec<Child>,
    /// The template of a pool supervisor.
    pool: Option<ChildSpec>,
    pool_seq: u64,
}

struct Child {
    spec: ChildSpec,
    /// The child as its handles see it.
    endpoint: Arc<dyn Endpoint>,
    /// The same child, taking incarnation commands.
    handle: Arc<dyn SupervisedChild>,
    link: Arc<ChildLink>,
    /// The incarnation we last saw start (or fail to).
    incarnation: u64,
    restarts: u32,
    backoff_attempt: u32,
    started_at: Instant,
    restart_pending: bool,
}

struct Intensity {
    max: u32,
    within: Duration,
    recent: VecDeque<Instant>,
}

impl Intensity {
    /// Records one restart; false when it exceeds the intensity.
    fn allow(&mut self, now: Instant) -> bool {
        while self.recent.front().is_some_and(|t| now.duration_since(*t) > self.within) {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        self.recent.len() as u32 <= self.max
    }
}

impl Supervisor {
    /// Starts building a supervisor.
    pub fn builder() -> SupervisorBuilder {
        SupervisorBuilder::new()
    }

    /// A pool supervisor (OTP's `simple_one_for_one`): no children at
    /// first; [`spawn_pooled`](ActorRef::spawn_pooled) starts one more from
    /// `template` each call, restarted one-for-one, all stopped in parallel
    /// when the pool stops.
    pub fn pool(template: ChildSpec) -> SupervisorBuilder {
        SupervisorBuilder { pool: Some(template), ..SupervisorBuilder::new() }
    }

    pub(crate) fn from_builder(builder: SupervisorBuilder) -> Self {
        Supervisor {
            strategy: if builder.pool.is_some() { Strategy::OneForOne } else { builder.strategy },
            intensity: Intensity {
                max: builder.max_restarts,
                within: builder.within,
                recent: VecDeque::new(),
            },
            initial: builder.children,
            children: Vec::new(),
            pool: builder.pool,
            pool_seq: 0,
        }
    }

    fn index_of(&self, id: ActorId) -> Option<usize> {
        self.children.iter().position(|c| c.endpoint.id() == id)
    }

    /// Spawns a child from `spec` and waits until it runs.
    async fn start_new(&mut self, ctx: &mut Context<Self>, spec: ChildSpec) -> Result<(), SupervisorError> {
        if self.children.iter().any(|c| c.spec.name == spec.name) {
            return Err(SupervisorError::NameTaken(spec.name.to_string()));
        }
        let me = ctx.myself().clone();
        let link = Arc::new(ChildLink::new(move |exited| me.tell_priority(exited)));
        let options = SpawnOptions::new().name(spec.name.to_string());
        let Spawned { endpoint, handle } = (spec.spawn)(ctx.system(), options, link.clone());
        ctx.add_supervised(handle.clone());
        let (incarnation, outcome) = link.start_outcome(0).await;
        let child = Child {
            spec,
            endpoint,
            handle,
            link,
            incarnation,
            restarts: 0,
            backoff_attempt: 0,
            started_at: Instant::now(),
            restart_pending: false,
        };
        match outcome {
            Ok(()) => {
                self.children.push(child);
                Ok(())
            }
            Err(reason) => {
                let name = child.spec.name.to_string();
                stop_for_good(&child).await;
                Err(SupervisorError::ChildStartFailed { name, reason })
            }
        }
    }

    /// A child's incarnation ended on its own: restart or forget it.
    async fn on_exit(&mut self, ctx: &mut Context<Self>, index: usize, reason: StopReason) {
        let restart = match self.children[index].spec.restart {
            Restart::Permanent => true,
            Restart::Transient => reason.is_abnormal(),
            Restart::Temporary => false,
        };
        if !restart {
            let child = self.children.remove(index);
            stop_for_good(&child).await;
            return;
        }
        if !self.intensity.allow(Instant::now()) {
            self.escalate(ctx, index, reason).await;
            return;
        }
        let range = match self.strategy {
            Strategy::OneForOne => {
                if !self.schedule_restart(ctx, index, true) {
                    self.restart_now(ctx, index, reason).await;
                }
                return;
            }
            Strategy::OneForAll => 0..self.children.len(),
            Strategy::RestForOne => index..self.children.len(),
        };
        // Group restart: the others stop, newest first, then all start in order.
        for i in range.clone().rev() {
            if i != index {
                suspend(&self.children[i]).await;
            }
        }
        let mut i = range.start;
        let mut end = range.end;
        while i < end {
            if self.children[i].spec.restart == Restart::Temporary && i != index {
                let child = self.children.remove(i);
                stop_for_good(&child).await;
                end -= 1;
                continue;
            }
            if !self.restart_now(ctx, i, reason.clone()).await {
                return; // escalated
            }
            i += 1;
        }
    }

    /// One-for-one with a back-off: schedules the restart after the
    /// child's delay. False if the child has no back-off (restart now).
    /// `after_run`: the child ran (and crashed) rather than failed to start;
    /// only a long enough run resets the back-off.
    fn schedule_restart(&mut self, ctx: &mut Context<Self>, index: usize, after_run: bool) -> bool {
        let child = &mut self.children[index];
        let Some(backoff) = child.spec.backoff else { return false };
        if after_run && child.started_at.elapsed() >= backoff.reset_after {
            child.backoff_attempt = 0;
        }
        let delay = backoff.delay(child.backoff_attempt, random_fraction());
        child.backoff_attempt += 1;
        child.restart_pending = true;
        let me = ctx.myself().clone();
        let child = child.endpoint.id();
        ctx.spawn_tied(async move {
            tokio::time::sleep(delay).await;
            me.tell_priority(RestartDue { child });
        });
        true
    }

    /// Starts a new incarnation of child `index`, retrying failed starts
    /// (each counts against the intensity). False if it escalated.
    async fn restart_now(&mut self, ctx: &mut Context<Self>, index: usize, mut reason: StopReason) -> bool {
        loop {
            let child = &mut self.children[index];
            child.restart_pending = false;
            child.handle.control(Control::Start);
            let (incarnation, outcome) = child.link.start_outcome(child.incarnation).await;
            child.incarnation = incarnation;
            child.restarts += 1;
            match outcome {
                Ok(()) => {
                    child.started_at = Instant::now();
                    let id = child.endpoint.id();
                    tracing::info!(child = %id, name = %child.spec.name, attempt = child.restarts, %reason, "child restarted");
                    crate::telemetry::metrics::restarted(child.endpoint.actor_type(), &child.spec.name);
                    ctx.system().events().publish(ActorRestarted { id, attempt: child.restarts, reason });
                    return true;
                }
                Err(failed) => {
                    tracing::warn!(name = %child.spec.name, reason = %failed, "child failed to restart");
                    if !self.intensity.allow(Instant::now()) {
                        self.escalate(ctx, index, failed).await;
                        return false;
                    }
                    if self.strategy == Strategy::OneForOne && self.schedule_restart(ctx, index, false) {
                        return true;
                    }
                    reason = failed;
                }
            }
        }
    }

    /// Too many restarts: stop every child, newest first, then ourselves.
    /// The child at `failed` will not be restarted: it is stopped first, at
    /// once, so its address says so (`is_alive` false, tells `Closed`, asks
    /// end with its reason) while the others stop.
    async fn escalate(&mut self, ctx: &mut Context<Self>, failed: usize, reason: StopReason) {
        tracing::error!(%reason, "restart intensity exceeded; supervisor gives up");
        let failed = self.children.remove(failed);
        stop_for_good(&failed).await;
        self.stop_all().await;
        let id = ctx.id();
        crate::telemetry::metrics::escalated(ctx.myself().name());
        ctx.system().events().publish(SupervisorEscalated { id, reason });
        ctx.stop_with(StopReason::Escalated);
    }

    /// Stops every child for good: newest first, or all at once for a pool.
    async fn stop_all(&mut self) {
        let children: Vec<Child> = self.children.drain(..).collect();
        if self.pool.is_some() {
            futures_util::future::join_all(children.iter().map(stop_for_good)).await;
        } else {
            for child in children.iter().rev() {
                stop_for_good(child).await;
            }
        }
    }

    async fn snapshot(&self, me: &ActorRef<Supervisor>) -> TreeSnapshot {
        let mut node = TreeSnapshot::of(&*me.endpoint(), 0);
        node.strategy = Some(self.strategy);
        for child in &self.children {
            // Only a running nested supervisor can answer; one waiting for
            // its restart is shown without its children.
            let running = matches!(child.link.phase(), Phase::Running(_));
            let nested = running && child.endpoint.actor_type() == std::any::type_name::<Supervisor>();
            let snap = match nested {
                true => Box::pin(ActorRef::<Supervisor>::from_endpoint(child.endpoint.clone()).snapshot())
                    .await
                    .ok(),
                false => None,
            };
            let mut snap = snap.unwrap_or_else(|| TreeSnapshot::of(&*child.endpoint, child.restarts));
            snap.restarts = child.restarts;
            snap.name = Some(child.spec.name.to_string());
            node.children.push(snap);
        }
        node
    }
}

/// Ends the running incarnation for a group restart, by the child's
/// shutdown policy, and waits until it is down.
async fn suspend(child: &Child) {
    match child.spec.shutdown {
        Shutdown::Brutal => {
            let _ = child.endpoint.signal(Signal::Kill);
        }
        _ => {
            child.handle.control(Control::Suspend);
        }
    }
    if let Shutdown::Timeout(limit) = child.spec.shutdown {
        if tokio::time::timeout(limit, child.link.down()).await.is_err() {
            let _ = child.endpoint.signal(Signal::Kill);
        }
    }
    child.link.down().await;
}

/// Stops a child for good, by its shutdown policy.
async fn stop_for_good(child: &Child) {
    child.handle.control(Control::Stop(StopReason::Shutdown));
    match child.spec.shutdown {
        Shutdown::Brutal => {
            let _ = child.endpoint.signal(Signal::Kill);
        }
        Shutdown::Timeout(limit) => {
            if tokio::time::timeout(limit, child.endpoint.wait_for_stop()).await.is_err() {
                tracing::warn!(name = %child.spec.name, "child ignored stop; killing it");
                let _ = child.endpoint.signal(Signal::Kill);
            }
        }
        Shutdown::Infinity => {}
    }
    child.endpoint.wait_for_stop().await;
}

/// A number in 0..1 for back-off jitter, from the OS's randomness.
fn random_fraction() -> f64 {
    (uuid::Uuid::new_v4().as_u128() as u64 >> 11) as f64 / (1u64 << 53) as f64
}

impl Actor for Supervisor {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        for spec in std::mem::take(&mut self.initial) {
            if let Err(err) = self.start_new(ctx, spec).await {
                self.stop_all().await;
                return Err(ActorError::from(err));
            }
        }
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        self.stop_all().await;
    }
}

// ---- the supervisor's notices, handled ahead of its mailbox ----

impl Handler<ChildExited> for Supervisor {
    async fn handle(&mut self, msg: ChildExited, ctx: &mut Context<Self>) {
        let Some(index) = self.index_of(msg.child) else { return };
        let child = &self.children[index];
        if child.incarnation != msg.incarnation || child.restart_pending {
            return; // about an incarnation already dealt with
        }
        let Phase::Down { reason, .. } = child.link.phase() else { return };
        self.on_exit(ctx, index, reason).await;
    }
}

/// A back-off delay for `child` has passed.
pub(crate) struct RestartDue {
    pub(crate) child: ActorId,
}
impl Message for RestartDue {
    type Reply = ();
}
impl Handler<RestartDue> for Supervisor {
    async fn handle(&mut self, msg: RestartDue, ctx: &mut Context<Self>) {
        let Some(index) = self.index_of(msg.child) else { return };
        if self.children[index].restart_pending {
            let reason = match self.children[index].link.phase() {
                Phase::Down { reason, .. } => reason,
                _ => StopReason::Shutdown,
            };
            self.restart_now(ctx, index, reason).await;
        }
    }
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.children.iter().map(|c| &*c.spec.name).collect();
        f.debug_struct("Supervisor").field("strategy", &self.strategy).field("children", &names).finish()
    }
}

/// Waits until a freshly spawned supervisor has started its children.
pub(crate) async fn started(sup: &ActorRef<Supervisor>) -> Result<(), SupervisorError> {
    if sup.ask(Ping).await.is_ok() {
        return Ok(());
    }
    match sup.wait_for_stop().await {
        StopReason::StartFailed(err) => {
            Err(err.source().downcast_ref::<SupervisorError>().cloned().unwrap_or(SupervisorError::Stopped))
        }
        _ => Err(SupervisorError::Stopped),
    }
}

// ---- the supervisor's messages (its API is on `ActorRef<Supervisor>`) ----

pub(crate) struct Ping;
impl Message for Ping {
    type Reply = ();
}
impl Handler<Ping> for Supervisor {
    async fn handle(&mut self, _: Ping, _ctx: &mut Context<Self>) {}
}

pub(crate) struct GetChild(pub(crate) String);
impl Message for GetChild {
    type Reply = Result<Arc<dyn Endpoint>, SupervisorError>;
}
impl Handler<GetChild> for Supervisor {
    async fn handle(
        &mut self,
        msg: GetChild,
        _ctx: &mut Context<Self>,
    ) -> Result<Arc<dyn Endpoint>, SupervisorError> {
        let child = self.children.iter().find(|c| *c.spec.name == msg.0);
        child.map(|c| c.endpoint.clone()).ok_or(SupervisorError::NoSuchChild(msg.0))
    }
}

pub(crate) struct StartChild(pub(crate) ChildSpec);
impl Message for StartChild {
    type Reply = Result<(), SupervisorError>;
}
impl Handler<StartChild> for Supervisor {
    async fn handle(&mut self, msg: StartChild, ctx: &mut Context<Self>) -> Result<(), SupervisorError> {
        self.start_new(ctx, msg.0).await
    }
}

pub(crate) struct TerminateChild(pub(crate) String);
impl Message for TerminateChild {
    type Reply = Result<(), SupervisorError>;
}
impl Handler<TerminateChild> for Supervisor {
    async fn handle(&mut self, msg: TerminateChild, _ctx: &mut Context<Self>) -> Result<(), SupervisorError> {
        let index = self.children.iter().position(|c| *c.spec.name == msg.0);
        let index = index.ok_or(SupervisorError::NoSuchChild(msg.0))?;
        let child = self.children.remove(index);
        stop_for_good(&child).await;
        Ok(())
    }
}

pub(crate) struct SpawnPooled;
impl Message for SpawnPooled {
    type Reply = Result<String, SupervisorError>;
}
impl Handler<SpawnPooled> for Supervisor {
    async fn handle(&mut self, _: SpawnPooled, ctx: &mut Context<Self>) -> Result<String, SupervisorError> {
        let template = self.pool.as_ref().ok_or(SupervisorError::NotAPool)?;
        self.pool_seq += 1;
        let name = format!("{}-{}", template.name, self.pool_seq);
        let spec = template.with_name(name.clone());
        self.start_new(ctx, spec).await?;
        Ok(name)
    }
}

pub(crate) struct Snapshot;
impl Message for Snapshot {
    type Reply = TreeSnapshot;
}
impl Handler<Snapshot> for Supervisor {
    async fn handle(&mut self, _: Snapshot, ctx: &mut Context<Self>) -> TreeSnapshot {
        self.snapshot(ctx.myself()).await
    }
}
