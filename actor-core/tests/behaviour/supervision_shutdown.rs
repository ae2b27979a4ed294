//! Starting and stopping a supervisor's children: in order, and in reverse
//! order; `spawn` returns once the last child is up, or fails naming the
//! child that did not start after stopping those already started. Each
//! child stops within its `Shutdown` policy.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actor_core::events::{ActorRestarted, ActorStopped};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Restart, Shutdown, Supervisor, SupervisorError};
use tokio::time::Instant;

use crate::common::{block, Block, Log};

/// Logs its start and stop, each in two steps with yields in between, so
/// that overlapping starts or stops would interleave in the log.
struct Step {
    label: &'static str,
    log: Log,
}

impl Actor for Step {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.log.push(format!("{} starting", self.label));
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        self.log.push(format!("{} up", self.label));
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("{} stopping: {reason}", self.label));
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        self.log.push(format!("{} stopped", self.label));
    }
}

impl Handler<Block> for Step {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
    }
}

fn step(label: &'static str, log: &Log) -> ChildSpec {
    let log = log.clone();
    ChildSpec::new(label, move || Step { label, log: log.clone() })
}

/// Fails `on_start` with an error, or panics in it.
struct NoStart {
    panic: bool,
}

impl Actor for NoStart {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if self.panic {
            panic!("cannot start");
        }
        Err(ActorError::msg("no database"))
    }
}

/// Never finishes `on_stop` (but logs that it began).
struct Stubborn {
    log: Log,
}

impl Actor for Stubborn {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        self.log.push("stubborn stopping");
        std::future::pending::<()>().await;
    }
}

impl Handler<Block> for Stubborn {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
    }
}

fn stubborn(log: &Log) -> ChildSpec {
    let log = log.clone();
    ChildSpec::new("stubborn", move || Stubborn { log: log.clone() })
}

/// Takes an hour of (paused) time in `on_stop`.
struct Slow {
    log: Log,
}

impl Actor for Slow {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        self.log.push("slow stopped");
    }
}

#[tokio::test]
async fn children_start_one_after_the_other_and_spawn_returns_after_the_last() {
    let system = ActorSystem::new();
    let log = Log::default();
    let _sup = Supervisor::builder()
        .child(step("a", &log))
        .child(step("b", &log))
        .child(step("c", &log))
        .spawn(&system)
        .await
        .unwrap();
    assert_eq!(log.entries(), ["a starting", "a up", "b starting", "b up", "c starting", "c up"]);
    system.shutdown().await;
}

#[tokio::test]
async fn children_stop_one_after_the_other_in_reverse_order() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(step("a", &log))
        .child(step("b", &log))
        .child(step("c", &log))
        .spawn(&system)
        .await
        .unwrap();
    let a = sup.child::<Step>("a").await.unwrap();
    sup.stop();
    assert_eq!(sup.wait_for_stop().await, StopReason::Normal);
    assert_eq!(
        log.entries()[6..],
        [
            "c stopping: shutdown",
            "c stopped",
            "b stopping: shutdown",
            "b stopped",
            "a stopping: shutdown",
            "a stopped"
        ]
    );
    assert_eq!(a.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn a_child_failing_to_start_fails_spawn_with_its_name_after_stopping_the_others() {
    let system = ActorSystem::new();
    let log = Log::default();
    let result = Supervisor::builder()
        .child(step("a", &log))
        .child(step("b", &log))
        .child(ChildSpec::new("db", || NoStart { panic: false }))
        .child(step("never", &log))
        .spawn(&system)
        .await;
    let err = result.expect_err("the spawn fails");
    assert_eq!(
        err,
        SupervisorError::ChildStartFailed {
            name: "db".into(),
            reason: StopReason::StartFailed(ActorError::msg("no database"))
        }
    );
    assert!(err.to_string().contains("`db`"), "{err}");
    assert_eq!(
        log.entries(),
        [
            "a starting",
            "a up",
            "b starting",
            "b up",
            "b stopping: shutdown",
            "b stopped",
            "a stopping: shutdown",
            "a stopped"
        ],
        "the started ones stopped newest first; the one after never started"
    );
    assert_eq!(system.actor_count(), 0, "nothing left running, the supervisor included");
    system.shutdown().await;
}

#[tokio::test]
async fn a_panic_at_start_or_in_the_factory_fails_spawn_too() {
    let system = ActorSystem::new();
    let err = Supervisor::builder()
        .child(ChildSpec::new("panics", || NoStart { panic: true }))
        .spawn(&system)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupervisorError::ChildStartFailed {
            name: "panics".into(),
            reason: StopReason::Panicked("cannot start".into())
        }
    );

    let log = Log::default();
    let factory = || -> Step { panic!("no factory today") };
    let err = Supervisor::builder()
        .child(step("a", &log))
        .child(ChildSpec::new("broken", factory))
        .spawn(&system)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupervisorError::ChildStartFailed {
            name: "broken".into(),
            reason: StopReason::Panicked("no factory today".into())
        }
    );
    assert_eq!(log.entries()[2..], ["a stopping: shutdown", "a stopped"]);
    assert_eq!(system.actor_count(), 0);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_child_that_ignores_stop_is_killed_after_its_timeout() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(step("a", &log))
        .child(stubborn(&log).shutdown(Shutdown::Timeout(Duration::from_secs(3))))
        .spawn(&system)
        .await
        .unwrap();
    let child = sup.child::<Stubborn>("stubborn").await.unwrap();
    let began = Instant::now();
    sup.stop();
    sup.wait_for_stop().await;
    let took = began.elapsed();
    assert!(took >= Duration::from_secs(3) && took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(child.wait_for_stop().await, StopReason::Killed);
    assert_eq!(
        log.entries()[2..],
        ["stubborn stopping", "a stopping: shutdown", "a stopped"],
        "the older child stopped after the stubborn one was killed"
    );
}

#[tokio::test(start_paused = true)]
async fn workers_are_given_five_seconds_by_default() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder().child(stubborn(&log)).spawn(&system).await.unwrap();
    let child = sup.child::<Stubborn>("stubborn").await.unwrap();
    let began = Instant::now();
    sup.stop();
    sup.wait_for_stop().await;
    let took = began.elapsed();
    assert!(took >= Duration::from_secs(5) && took < Duration::from_secs(6), "took {took:?}");
    assert_eq!(child.wait_for_stop().await, StopReason::Killed);
}

#[tokio::test(start_paused = true)]
async fn a_child_stuck_in_a_handler_is_killed_after_its_timeout() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(step("a", &log).shutdown(Shutdown::Timeout(Duration::from_secs(2))))
        .spawn(&system)
        .await
        .unwrap();
    let a = sup.child::<Step>("a").await.unwrap();
    let _never_released = block(&a).await;
    let began = Instant::now();
    sup.stop();
    assert_eq!(a.wait_for_stop().await, StopReason::Killed);
    let took = began.elapsed();
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(3), "took {took:?}");
    sup.wait_for_stop().await;
    assert_eq!(log.entries()[2..], [] as [&str; 0], "killed: on_stop did not run");
}

#[tokio::test(start_paused = true)]
async fn brutal_kills_at_once_without_on_stop() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(step("a", &log))
        .child(step("brutal", &log).shutdown(Shutdown::Brutal))
        .spawn(&system)
        .await
        .unwrap();
    let brutal = sup.child::<Step>("brutal").await.unwrap();
    let _never_released = block(&brutal).await; // busy: a graceful stop would wait
    let began = Instant::now();
    sup.stop();
    sup.wait_for_stop().await;
    assert_eq!(began.elapsed(), Duration::ZERO, "no waiting at all");
    assert_eq!(brutal.wait_for_stop().await, StopReason::Killed);
    assert_eq!(
        log.entries()[4..],
        ["a stopping: shutdown", "a stopped"],
        "brutal's on_stop did not run; the older child stopped gracefully after it"
    );
}

#[tokio::test(start_paused = true)]
async fn infinity_waits_as_long_as_the_child_takes() {
    let system = ActorSystem::new();
    let log = Log::default();
    let slow = {
        let log = log.clone();
        move || Slow { log: log.clone() }
    };
    let sup = Supervisor::builder()
        .child(ChildSpec::new("slow", slow).shutdown(Shutdown::Infinity))
        .spawn(&system)
        .await
        .unwrap();
    let child = sup.child::<Slow>("slow").await.unwrap();
    let began = Instant::now();
    sup.stop();
    sup.wait_for_stop().await;
    assert!(began.elapsed() >= Duration::from_secs(3600));
    assert_eq!(child.wait_for_stop().await, StopReason::Shutdown, "not killed");
    assert_eq!(log.entries(), ["slow stopped"]);
}

#[tokio::test]
async fn system_shutdown_stops_every_tree_newest_first() {
    let system = ActorSystem::new();
    let log = Log::default();
    let first =
        Supervisor::builder().child(step("a", &log)).child(step("b", &log)).spawn(&system).await.unwrap();
    let nested = {
        let log = log.clone();
        move || Supervisor::builder().child(step("d", &log)).child(step("e", &log))
    };
    let second = Supervisor::builder()
        .child(step("c", &log))
        .child(ChildSpec::supervisor("nested", nested))
        .spawn(&system)
        .await
        .unwrap();
    let before = log.entries().len();
    system.shutdown().await;
    let stops: Vec<String> =
        log.entries()[before..].iter().filter(|e| e.ends_with("stopped")).cloned().collect();
    assert_eq!(stops, ["e stopped", "d stopped", "c stopped", "b stopped", "a stopped"]);
    assert_eq!(first.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(second.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_killed_supervisor_leaves_no_child_running() {
    let system = ActorSystem::new();
    let log = Log::default();
    let nested = {
        let log = log.clone();
        move || Supervisor::builder().child(step("b", &log))
    };
    let sup = Supervisor::builder()
        .child(step("a", &log))
        .child(ChildSpec::supervisor("nested", nested))
        .spawn(&system)
        .await
        .unwrap();
    let a = sup.child::<Step>("a").await.unwrap();
    let b = sup.child::<Supervisor>("nested").await.unwrap().child::<Step>("b").await.unwrap();
    sup.kill();
    assert_eq!(sup.wait_for_stop().await, StopReason::Killed);
    // Bounded waits: an orphan would make these hang (paused time gives up at once).
    let limit = Duration::from_secs(60);
    assert!(tokio::time::timeout(limit, a.wait_for_stop()).await.is_ok(), "a stopped");
    assert!(tokio::time::timeout(limit, b.wait_for_stop()).await.is_ok(), "b stopped");
    assert!(tokio::time::timeout(limit, system.shutdown()).await.is_ok());
    assert_eq!(system.actor_count(), 0);
}

/// Sends itself `Go` from `on_start`; on `Go` it stops (a one-shot job)
/// or, in its first incarnation only, panics.
struct QuickExit {
    crash: bool,
    incarnation: u32,
}

struct Go;
impl Message for Go {
    type Reply = ();
}

impl Actor for QuickExit {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.myself().try_tell(Go).expect("room in the mailbox");
        Ok(())
    }
}

impl Handler<Go> for QuickExit {
    async fn handle(&mut self, _: Go, ctx: &mut Context<Self>) {
        if !self.crash {
            ctx.stop();
        } else if self.incarnation == 1 {
            panic!("crashed on its first message");
        }
    }
}

#[tokio::test]

async fn a_job_that_finishes_right_after_starting_did_not_fail_to_start() {
    let system = ActorSystem::new();
    let job =
        ChildSpec::new("job", || QuickExit { crash: false, incarnation: 1 }).restart(Restart::Temporary);
    let mut stopped = system.events().subscribe::<ActorStopped>();
    let sup = Supervisor::builder().child(job).spawn(&system).await.expect("its on_start succeeded");
    stopped.recv().await.expect("the job finished");
    assert_eq!(
        sup.child::<QuickExit>("job").await.unwrap_err(),
        SupervisorError::NoSuchChild("job".into()),
        "the finished temporary job is forgotten"
    );
    system.shutdown().await;
}

#[tokio::test]

async fn a_child_crashing_right_after_starting_is_restarted_not_a_start_failure() {
    let system = ActorSystem::new();
    let mut facts = system.events().subscribe::<ActorRestarted>();
    let made = Arc::new(AtomicU32::new(0));
    let factory = move || QuickExit { crash: true, incarnation: made.fetch_add(1, Ordering::SeqCst) + 1 };
    let sup = Supervisor::builder()
        .child(ChildSpec::new("quick", factory))
        .spawn(&system)
        .await
        .expect("its on_start succeeded");
    let fact = facts.recv().await.unwrap();
    assert_eq!(fact.reason, StopReason::Panicked("crashed on its first message".into()));
    assert!(sup.child::<QuickExit>("quick").await.unwrap().is_alive());
    system.shutdown().await;
}
