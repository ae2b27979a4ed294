//! Every timer of actor-core follows tokio's paused clock: each test runs
//! minutes or hours of virtual time and checks that the real time it took
//! stayed tiny. Run with `--nocapture` to see both figures per test.

use std::time::Duration;

use actor_core::events::{ActorRestarted, SupervisorEscalated};
use actor_core::prelude::*;
use actor_core::supervision::{Backoff, ChildSpec, Shutdown, Supervisor};
use actor_testkit::{EventProbe, TestProbe};

use crate::common::{Boom, Double, Fragile, Note};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// Real time a paused-time test may take: far below the virtual time each
/// test runs, with room for a loaded machine.
const WALL_LIMIT: Duration = Duration::from_secs(1);

/// The virtual and the real clock, started together.
struct Clocks {
    virtual_start: tokio::time::Instant,
    wall_start: std::time::Instant,
}

impl Clocks {
    fn start() -> Self {
        // The supervision tests' panics would otherwise print (with a
        // backtrace under RUST_BACKTRACE=1), which costs real time.
        actor_core::silence_caught_panics();
        Clocks { virtual_start: tokio::time::Instant::now(), wall_start: std::time::Instant::now() }
    }

    /// Checks that between `at_least` and `at_most` of virtual time passed,
    /// in less than `WALL_LIMIT` of real time.
    fn check(&self, what: &str, at_least: Duration, at_most: Duration) {
        let (virtual_elapsed, wall) = (self.virtual_start.elapsed(), self.wall_start.elapsed());
        eprintln!("paused time, {what}: virtual {virtual_elapsed:?}, wall {wall:?}");
        assert!(
            virtual_elapsed >= at_least && virtual_elapsed <= at_most,
            "{what}: {virtual_elapsed:?} of virtual time, expected {at_least:?}..={at_most:?}"
        );
        assert!(wall < WALL_LIMIT, "{what}: took {wall:?} of real time");
    }
}

/// Starts timers on request and reports their ticks to a probe.
struct Timers {
    report: Recipient<Note>,
}
impl Actor for Timers {}
enum Start {
    After(Duration),
    Every(Duration),
}
impl Message for Start {
    type Reply = ();
}
impl Handler<Start> for Timers {
    async fn handle(&mut self, msg: Start, ctx: &mut Context<Self>) {
        match msg {
            Start::After(delay) => drop(ctx.send_after(Note("after"), delay)),
            Start::Every(period) => drop(ctx.interval(period, || Note("tick"))),
        }
    }
}
impl Handler<Note> for Timers {
    async fn handle(&mut self, msg: Note, _: &mut Context<Self>) {
        let _ = self.report.tell(msg).await;
    }
}

#[tokio::test(start_paused = true)]
async fn send_after_follows_the_paused_clock() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system).with_timeout(2 * HOUR);
    let timers = system.spawn(Timers { report: probe.recipient() });
    let clocks = Clocks::start();
    timers.ask(Start::After(HOUR)).await.unwrap();
    probe.expect_no_msg(HOUR - MINUTE).await;
    probe.expect_msg(Note("after")).await;
    clocks.check("send_after(1 h)", HOUR, HOUR + MINUTE);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn interval_follows_the_paused_clock() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system).with_timeout(2 * HOUR);
    let timers = system.spawn(Timers { report: probe.recipient() });
    let clocks = Clocks::start();
    timers.ask(Start::Every(10 * MINUTE)).await.unwrap();
    assert_eq!(probe.receive_n(6).await, vec![Note("tick"); 6]);
    clocks.check("interval(10 min) x 6", HOUR, HOUR + MINUTE);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_ask_timeout_follows_the_paused_clock() {
    let system = ActorSystem::new();
    let silent = TestProbe::<Double>::new(&system); // takes asks and never answers
    let clocks = Clocks::start();
    let asked = silent.recipient().ask(Double(1)).timeout(30 * MINUTE).await;
    assert_eq!(asked, Err(AskError::Timeout));
    clocks.check("ask timeout(30 min)", 30 * MINUTE, 30 * MINUTE + Duration::from_millis(1));
    silent.expect_msg(Double(1)).await;
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_supervision_back_off_follows_the_paused_clock() {
    let system = ActorSystem::new();
    let mut events = EventProbe::new(&system).with_timeout(HOUR).subscribe::<ActorRestarted>();
    let backoff = Backoff::exponential(MINUTE, 10 * MINUTE);
    let sup = Supervisor::builder()
        .max_restarts(100, HOUR)
        .child(ChildSpec::new("w", Fragile::default).backoff(backoff))
        .spawn(&system)
        .await
        .unwrap();
    let worker = sup.child::<Fragile>("w").await.unwrap();
    let clocks = Clocks::start();
    // Restarts wait 1, 2, 4, 8 and 10 minutes: 25 in all.
    for attempt in 1..=5 {
        let failed_at = tokio::time::Instant::now();
        worker.tell(Boom("again")).await.unwrap();
        assert_eq!(events.expect_event::<ActorRestarted>().await.attempt, attempt);
        let expected = (MINUTE * 2u32.pow(attempt - 1)).min(10 * MINUTE);
        let waited = failed_at.elapsed();
        assert!(waited >= expected && waited < expected + Duration::from_millis(5), "waited {waited:?}");
    }
    clocks.check("back-off 1+2+4+8+10 min", 25 * MINUTE, 25 * MINUTE + Duration::from_millis(50));
    system.shutdown().await;
}

/// Fails the supervisor's only child `failures` times, `apart` from each
/// other, and returns whether the supervisor escalated.
async fn fail_apart(failures: u32, apart: Duration) -> bool {
    let system = ActorSystem::new();
    let mut events =
        EventProbe::new(&system).subscribe::<ActorRestarted>().subscribe::<SupervisorEscalated>();
    let sup = Supervisor::builder()
        .max_restarts(3, Duration::from_secs(5))
        .child(ChildSpec::new("w", Fragile::default))
        .spawn(&system)
        .await
        .unwrap();
    let worker = sup.child::<Fragile>("w").await.unwrap();
    for failure in 1..=failures {
        tokio::time::sleep(apart).await;
        worker.tell(Boom("fail")).await.unwrap();
        if failure < failures {
            events.expect_event::<ActorRestarted>().await;
        }
    }
    let escalated = sup.wait_for_stop();
    let outcome = tokio::select! {
        _ = events.expect_event::<ActorRestarted>() => false,
        reason = escalated => {
            events.expect_event::<SupervisorEscalated>().await;
            assert_eq!(reason, StopReason::Escalated);
            true
        }
    };
    system.shutdown().await;
    outcome
}

#[tokio::test(start_paused = true)]
async fn the_restart_intensity_window_follows_the_paused_clock() {
    // At most 3 restarts within 5 s: a fourth failure 1 s after the others
    // is one too many...
    let clocks = Clocks::start();
    assert!(fail_apart(4, Duration::from_secs(1)).await, "4 failures within 4 s escalate");
    clocks.check("4 failures 1 s apart", Duration::from_secs(4), Duration::from_secs(5));
    // ...while failures 2 s apart never have more than 3 in a window.
    let clocks = Clocks::start();
    assert!(!fail_apart(8, Duration::from_secs(2)).await, "failures 2 s apart stay within the intensity");
    clocks.check("8 failures 2 s apart", Duration::from_secs(16), Duration::from_secs(17));
}

/// Handles `Note` forever, once it has said so: a stop never gets past it.
struct Stuck {
    entered: Recipient<Note>,
}
impl Actor for Stuck {}
impl Handler<Note> for Stuck {
    async fn handle(&mut self, _: Note, _: &mut Context<Self>) {
        let _ = self.entered.tell(Note("entered")).await;
        std::future::pending::<()>().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_childs_shutdown_timeout_follows_the_paused_clock() {
    let system = ActorSystem::new();
    let entered = TestProbe::<Note>::new(&system);
    let recipient = entered.recipient();
    let sup = Supervisor::builder()
        .child(
            ChildSpec::new("stuck", move || Stuck { entered: recipient.clone() })
                .shutdown(Shutdown::Timeout(10 * MINUTE)),
        )
        .spawn(&system)
        .await
        .unwrap();
    let stuck = sup.child::<Stuck>("stuck").await.unwrap();
    stuck.tell(Note("hold")).await.unwrap();
    entered.expect_msg(Note("entered")).await;
    let clocks = Clocks::start();
    sup.stop();
    assert_eq!(stuck.wait_for_stop().await, StopReason::Killed);
    clocks.check("child Shutdown::Timeout(10 min)", 10 * MINUTE, 10 * MINUTE + Duration::from_millis(10));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_systems_stop_timeout_follows_the_paused_clock() {
    let system = ActorSystem::new();
    let entered = TestProbe::<Note>::new(&system);
    let stuck = system.spawn(Stuck { entered: entered.recipient() });
    stuck.tell(Note("hold")).await.unwrap();
    entered.expect_msg(Note("entered")).await;
    let clocks = Clocks::start();
    system.shutdown_timeout(HOUR).await;
    assert_eq!(stuck.wait_for_stop().await, StopReason::Killed);
    clocks.check("shutdown_timeout(1 h)", HOUR, HOUR + Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn the_kits_own_waits_follow_the_paused_clock() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system).with_timeout(HOUR);
    let mut events = EventProbe::new(&system).with_timeout(HOUR).subscribe::<ActorRestarted>();
    let clocks = Clocks::start();
    probe.expect_no_msg(HOUR).await;
    events.expect_no_event::<ActorRestarted>(HOUR).await;
    let late = probe.recipient();
    tokio::spawn(async move {
        tokio::time::sleep(HOUR - MINUTE).await;
        late.tell(Note("just in time")).await.unwrap();
    });
    probe.expect_msg(Note("just in time")).await;
    clocks.check(
        "expect_no_msg(1 h), expect_no_event(1 h), expect_msg after 59 min",
        3 * HOUR - MINUTE,
        3 * HOUR,
    );
    system.shutdown().await;
}
