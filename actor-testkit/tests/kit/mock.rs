//! `MockActor`: closures behind an `ActorRef<A>`, refused types, failures
//! and the mock's life as an actor.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actor_core::prelude::*;
use actor_testkit::{MockActor, TestProbe};

use crate::common::{Boom, Double, Downstream, Note};

/// The code under test: forwards doubled numbers to its downstream and
/// returns what it answered.
struct Frontend {
    downstream: ActorRef<Downstream>,
}
impl Actor for Frontend {}
struct Request(u64);
impl Message for Request {
    type Reply = Result<u64, AskError>;
}
impl Handler<Request> for Frontend {
    async fn handle(&mut self, msg: Request, _: &mut Context<Self>) -> Result<u64, AskError> {
        self.downstream.tell(Note("request")).await.map_err(|_| AskError::Unsupported)?;
        self.downstream.ask(Double(msg.0)).await
    }
}

#[tokio::test]
async fn a_mock_stands_in_for_a_downstream_actor() {
    let system = ActorSystem::new();
    let notes = TestProbe::<Note>::new(&system);
    let forward = notes.recipient();
    let mock = MockActor::<Downstream>::builder()
        .on(|d: Double| d.0 * 10)
        .on_async(move |n: Note| {
            let forward = forward.clone();
            async move { forward.tell(n).await.unwrap() }
        })
        .spawn(&system);
    let frontend = system.spawn(Frontend { downstream: mock.actor_ref() });
    assert_eq!(frontend.ask(Request(4)).await.unwrap(), Ok(40));
    assert_eq!(frontend.ask(Request(5)).await.unwrap(), Ok(50));
    notes.expect_msg(Note("request")).await;
    notes.expect_msg(Note("request")).await;
    assert_eq!(mock.handled::<Double>(), 2);
    assert_eq!(mock.handled::<Note>(), 2);
    assert_eq!(mock.id().node(), system.node_id());

    // As "whoever handles Double", and found by name as a Downstream.
    assert_eq!(mock.recipient::<Double>().ask(Double(1)).await, Ok(10));
    system.register_endpoint("downstream", mock.endpoint()).unwrap();
    assert_eq!(system.lookup::<Downstream>("downstream").unwrap().ask(Double(2)).await, Ok(20));
    system.shutdown().await;
}

#[tokio::test]
async fn a_message_without_a_closure_is_refused_not_handled() {
    let system = ActorSystem::new();
    let mock = MockActor::<Downstream>::builder().on(|d: Double| d.0).spawn(&system);
    let downstream = mock.actor_ref();
    match downstream.tell(Note("no closure")).await {
        Err(SendError::Unsupported(Note("no closure"))) => {}
        other => panic!("expected the message back as Unsupported, got {other:?}"),
    }
    assert_eq!(downstream.ask(Boom("no closure")).await, Err(AskError::Unsupported));
    let frontend = system.spawn(Frontend { downstream });
    assert_eq!(frontend.ask(Request(1)).await.unwrap(), Err(AskError::Unsupported));
    assert_eq!(mock.unhandled().len(), 3);
    assert!(mock.unhandled()[0].ends_with("Note"), "{:?}", mock.unhandled());
    assert!(mock.stop_reason().is_none(), "still running");
    assert_eq!(mock.actor_ref().ask(Double(3)).await, Ok(3));
    system.shutdown().await;
}

#[tokio::test]
async fn messages_are_handled_one_at_a_time_in_order() {
    let system = ActorSystem::new();
    let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let busy = Arc::new(AtomicU64::new(0));
    let (log, busy_in) = (seen.clone(), busy.clone());
    let mock = MockActor::<Downstream>::builder()
        .on_async(move |d: Double| {
            let (log, busy) = (log.clone(), busy_in.clone());
            async move {
                assert_eq!(busy.fetch_add(1, Ordering::SeqCst), 0, "one handler at a time");
                tokio::task::yield_now().await;
                log.lock().push(d.0);
                busy.fetch_sub(1, Ordering::SeqCst);
                d.0
            }
        })
        .spawn(&system);
    let downstream = mock.actor_ref();
    for n in 0..50 {
        downstream.tell(Double(n)).await.unwrap();
    }
    assert_eq!(downstream.ask(Double(50)).await, Ok(50));
    assert_eq!(*seen.lock(), (0..=50).collect::<Vec<_>>());
    system.shutdown().await;
}

#[tokio::test]
async fn a_panicking_closure_fails_its_ask_and_stops_the_mock() {
    let system = ActorSystem::new();
    let watcher = TestProbe::<Note>::new(&system);
    let mock =
        MockActor::<Downstream>::builder().on(|b: Boom| panic!("{}", b.0)).on(|d: Double| d.0).spawn(&system);
    let downstream = mock.actor_ref();
    watcher.watch(&downstream);
    let reason = StopReason::Panicked("mock failure".into());
    assert_eq!(downstream.ask(Boom("mock failure")).await, Err(AskError::Failed(reason.clone())));
    assert_eq!(watcher.expect_terminated(&downstream).await.reason, reason);
    assert_eq!(mock.wait_for_stop().await, reason);
    match downstream.tell(Double(1)).await {
        Err(SendError::Closed(Double(1))) => {}
        other => panic!("expected Closed with the message, got {other:?}"),
    }
    assert_eq!(downstream.ask(Double(2)).await, Err(AskError::Stopped(Some(reason))));
    assert_eq!(system.dead_letter_count(), 2);
    system.shutdown().await;
}

/// A mock `Downstream` whose `Double` closure says when it starts (to
/// `entered`) and then takes `takes` of (paused) time.
fn slow(
    system: &ActorSystem,
    entered: &TestProbe<Double>,
    takes: Duration,
    mailbox: usize,
) -> MockActor<Downstream> {
    let entered = entered.recipient();
    MockActor::<Downstream>::builder()
        .mailbox(MailboxCapacity::Bounded(mailbox))
        .on_async(move |d: Double| {
            let entered = entered.clone();
            async move {
                entered.try_tell(Double(d.0)).unwrap();
                tokio::time::sleep(takes).await;
                d.0
            }
        })
        .spawn(system)
}

/// Waits (a bounded number of scheduler turns) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("still not {what} after 1000 turns");
}

#[tokio::test(start_paused = true)]
async fn kill_drops_the_running_closure_and_stop_waits_for_it() {
    let system = ActorSystem::new();
    let entered = TestProbe::<Double>::new(&system);
    let killed = slow(&system, &entered, Duration::from_secs(60), 16);
    let asked = tokio::spawn({
        let to = killed.actor_ref();
        async move { to.ask(Double(1)).await }
    });
    entered.expect_msg(Double(1)).await; // the closure is running
    killed.actor_ref().kill();
    assert_eq!(asked.await.unwrap(), Err(AskError::Failed(StopReason::Killed)));
    assert_eq!(killed.wait_for_stop().await, StopReason::Killed);

    let stopped = slow(&system, &entered, Duration::from_secs(60), 16);
    let to = stopped.actor_ref();
    let first = tokio::spawn({
        let to = to.clone();
        async move { to.ask(Double(1)).await }
    });
    entered.expect_msg(Double(1)).await;
    let queued = tokio::spawn({
        let to = to.clone();
        async move { to.ask(Double(2)).await }
    });
    until("queued", || to.mailbox_len() == Some(1)).await;
    stopped.stop();
    assert_eq!(first.await.unwrap(), Ok(1), "the running closure finishes");
    assert_eq!(queued.await.unwrap(), Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(stopped.wait_for_stop().await, StopReason::Normal);
    entered.expect_no_msg(Duration::from_secs(60)).await;
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn drain_handles_what_is_queued_then_stops() {
    let system = ActorSystem::new();
    let entered = TestProbe::<Double>::new(&system);
    let mock = slow(&system, &entered, Duration::from_secs(1), 16);
    let to = mock.actor_ref();
    let asks: Vec<_> = (1..=3)
        .map(|n| {
            let to = to.clone();
            tokio::spawn(async move { to.ask(Double(n)).await })
        })
        .collect();
    entered.expect_msg(Double(1)).await;
    until("queued", || to.mailbox_len() == Some(2)).await; // the first is running, two wait
    to.drain_and_stop();
    assert!(matches!(to.try_tell(Double(9)), Err(SendError::Closed(Double(9)))));
    for (n, ask) in (1..=3).zip(asks) {
        assert_eq!(ask.await.unwrap(), Ok(n));
    }
    assert_eq!(mock.wait_for_stop().await, StopReason::Normal);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_bounded_mailbox_pushes_back() {
    let system = ActorSystem::new();
    let entered = TestProbe::<Double>::new(&system);
    let mock = slow(&system, &entered, Duration::from_secs(1), 1);
    let to = mock.actor_ref();
    to.try_tell(Double(1)).unwrap();
    entered.expect_msg(Double(1)).await; // taken by the mock's task: one slot free
    to.try_tell(Double(2)).unwrap();
    assert!(matches!(to.try_tell(Double(3)), Err(SendError::Full(Double(3)))));
    to.tell(Double(3)).await.unwrap(); // waits for room
    assert_eq!(to.ask(Double(4)).await, Ok(4));
    assert_eq!(mock.handled::<Double>(), 4);
    system.shutdown().await;
}

#[tokio::test]
async fn the_systems_shutdown_stops_the_mock() {
    let system = ActorSystem::new();
    let mock = MockActor::<Downstream>::builder().on(|d: Double| d.0).spawn(&system);
    system.shutdown().await;
    assert_eq!(mock.wait_for_stop().await, StopReason::Shutdown);
    assert!(!mock.actor_ref().is_alive());
}
