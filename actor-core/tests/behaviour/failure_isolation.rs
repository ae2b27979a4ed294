//! Failures stay inside the actor that had them: panics in hooks and
//! handlers, and `on_start` errors, each stop only that actor with the
//! matching reason. (Panics print to stderr; no global panic hook is set,
//! because tests run in parallel.)

use actor_core::prelude::*;

use crate::common::{Handled, Log, Ping, Worker};

#[derive(Clone, Copy, PartialEq)]
enum Fail {
    PanicInStart,
    ErrInStart,
    ParseErrInStart,
    PanicInStop,
    PanicInTerminated,
}

/// Fails where it is told to; logs its hooks.
struct Fragile {
    fail: Option<Fail>,
    log: Log,
}

impl Fragile {
    fn new(fail: Fail, log: &Log) -> Self {
        Fragile { fail: Some(fail), log: log.clone() }
    }
}

impl Actor for Fragile {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match self.fail {
            Some(Fail::PanicInStart) => panic!("start boom"),
            Some(Fail::ErrInStart) => return Err(ActorError::msg("no database")),
            Some(Fail::ParseErrInStart) => {
                let _port: u16 = "http".parse()?;
            }
            _ => {}
        }
        self.log.push("started");
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("on_stop: {reason}"));
        if self.fail == Some(Fail::PanicInStop) {
            panic!("stop boom");
        }
    }

    async fn on_terminated(&mut self, _ctx: &mut Context<Self>, _terminated: Terminated) {
        if self.fail == Some(Fail::PanicInTerminated) {
            panic!("terminated boom");
        }
    }
}

impl Handler<Ping> for Fragile {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        if msg.0 == 13 {
            panic!("handler boom {}", msg.0);
        }
        if msg.0 == 14 {
            std::panic::panic_any(14_u64);
        }
        msg.0
    }
}

struct WatchIt(ActorRef<Worker>);
impl Message for WatchIt {
    type Reply = ();
}
impl Handler<WatchIt> for Fragile {
    async fn handle(&mut self, msg: WatchIt, ctx: &mut Context<Self>) {
        ctx.watch(&msg.0);
    }
}

/// A bystander that must keep working whatever happens to its neighbours.
async fn assert_bystander_fine(system: &ActorSystem, bystander: &ActorRef<Worker>, pings: usize) {
    assert!(bystander.is_alive());
    assert_eq!(bystander.ask(Ping(1)).await, Ok(1));
    assert_eq!(bystander.ask(Handled).await, Ok(pings + 1));
    assert!(system.actor_count() >= 1);
}

#[tokio::test]
async fn a_panic_in_on_start_is_panicked_and_on_stop_does_not_run() {
    let system = ActorSystem::new();
    let bystander = system.spawn(Worker::default());
    let log = Log::default();
    let f = system.spawn(Fragile::new(Fail::PanicInStart, &log));
    let ask_after = f.ask(Ping(1)).await;
    assert_eq!(f.wait_for_stop().await, StopReason::Panicked("start boom".into()));
    assert_eq!(ask_after, Err(AskError::Stopped(Some(StopReason::Panicked("start boom".into())))));
    assert!(log.entries().is_empty(), "on_stop must not run: {:?}", log.entries());
    assert_bystander_fine(&system, &bystander, 0).await;
    assert_eq!(system.actor_count(), 1);
    system.shutdown().await;
}

#[tokio::test]
async fn a_panic_in_a_handler_is_panicked_with_its_text_and_on_stop_runs() {
    let system = ActorSystem::new();
    let bystander = system.spawn(Worker::default());
    bystander.tell(Ping(0)).await.unwrap();
    let log = Log::default();
    let f = system.spawn(Fragile { fail: None, log: log.clone() });
    assert_eq!(f.ask(Ping(2)).await, Ok(2));
    let failed = f.ask(Ping(13)).await;
    let reason = f.wait_for_stop().await;
    assert_eq!(failed, Err(AskError::Failed(reason.clone())), "the asker hears the panic");
    match &reason {
        StopReason::Panicked(text) => assert!(text.contains("handler boom 13"), "{text:?}"),
        other => panic!("expected Panicked, got {other:?}"),
    }
    assert!(reason.is_abnormal());
    assert_eq!(log.entries(), ["started".to_owned(), format!("on_stop: {reason}")]);
    assert_bystander_fine(&system, &bystander, 1).await;
    system.shutdown().await;
}

#[tokio::test]
async fn a_non_string_panic_payload_still_stops_with_panicked() {
    let system = ActorSystem::new();
    let f = system.spawn(Fragile { fail: None, log: Log::default() });
    let failed = f.ask(Ping(14)).await;
    assert_eq!(failed, Err(AskError::Failed(StopReason::Panicked("non-string panic payload".into()))));
    assert!(matches!(f.wait_for_stop().await, StopReason::Panicked(_)));
}

#[tokio::test]
async fn a_panic_in_on_stop_is_panicked() {
    let system = ActorSystem::new();
    let bystander = system.spawn(Worker::default());
    let log = Log::default();
    let f = system.spawn(Fragile::new(Fail::PanicInStop, &log));
    assert_eq!(f.ask(Ping(3)).await, Ok(3));
    f.stop();
    assert_eq!(f.wait_for_stop().await, StopReason::Panicked("stop boom".into()));
    assert_eq!(log.entries(), ["started", "on_stop: normal"]);
    assert_bystander_fine(&system, &bystander, 0).await;
    system.shutdown().await;
}

#[tokio::test]
async fn a_panic_in_on_terminated_is_panicked() {
    let system = ActorSystem::new();
    let bystander = system.spawn(Worker::default());
    let watched = system.spawn(Worker::default());
    let f = system.spawn(Fragile::new(Fail::PanicInTerminated, &Log::default()));
    f.ask(WatchIt(watched.clone())).await.unwrap();
    watched.stop();
    assert_eq!(f.wait_for_stop().await, StopReason::Panicked("terminated boom".into()));
    assert_bystander_fine(&system, &bystander, 0).await;
    system.shutdown().await;
}

#[tokio::test]
async fn an_err_from_on_start_is_start_failed_and_on_stop_does_not_run() {
    let system = ActorSystem::new();
    let bystander = system.spawn(Worker::default());
    let log = Log::default();
    let f = system.spawn(Fragile::new(Fail::ErrInStart, &log));
    let reason = f.wait_for_stop().await;
    assert_eq!(reason, StopReason::StartFailed(ActorError::msg("no database")));
    assert_eq!(reason.to_string(), "start failed: no database");
    assert!(log.entries().is_empty());
    assert_bystander_fine(&system, &bystander, 0).await;
    system.shutdown().await;
}

#[tokio::test]
async fn an_error_returned_with_question_mark_keeps_its_source() {
    let system = ActorSystem::new();
    let f = system.spawn(Fragile::new(Fail::ParseErrInStart, &Log::default()));
    match f.wait_for_stop().await {
        StopReason::StartFailed(err) => {
            let expected = "http".parse::<u16>().unwrap_err();
            assert_eq!(err.to_string(), expected.to_string());
            assert!(err.source().downcast_ref::<std::num::ParseIntError>().is_some());
        }
        other => panic!("expected StartFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn many_failures_at_once_leave_the_rest_of_the_system_running() {
    let system = ActorSystem::new();
    let bystander = system.spawn(Worker::default());
    let log = Log::default();
    let failing: Vec<_> = (0..20)
        .map(|i| match i % 3 {
            0 => system.spawn(Fragile::new(Fail::PanicInStart, &log)),
            1 => system.spawn(Fragile::new(Fail::ErrInStart, &log)),
            _ => system.spawn(Fragile { fail: None, log: log.clone() }),
        })
        .collect();
    for f in &failing {
        let _ = f.tell(Ping(13)).await;
    }
    for f in &failing {
        assert!(f.wait_for_stop().await.is_abnormal());
    }
    assert_eq!(system.actor_count(), 1);
    assert_bystander_fine(&system, &bystander, 0).await;
    system.shutdown().await;
}
