//! `TestProbe`: recording, expectations and their failures, replies,
//! watch notices, and the probe's own life as an actor.

use std::time::Duration;

use actor_core::prelude::*;
use actor_testkit::{TestProbe, DEFAULT_TIMEOUT};

use crate::common::{panic_text, Boom, Double, Downstream, Fragile, Note};

#[tokio::test(start_paused = true)]
async fn a_recipient_records_in_order_and_each_message_is_taken_once() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system);
    let to = probe.recipient();
    for text in ["a", "b", "c", "d"] {
        to.tell(Note(text)).await.unwrap();
    }
    to.try_tell(Note("e")).unwrap();
    assert_eq!(probe.receive().await, Note("a"));
    probe.expect_msg(Note("b")).await;
    assert_eq!(probe.expect_msg_matching(|n| n.0 == "c").await, Note("c"));
    assert_eq!(probe.receive_n(2).await, [Note("d"), Note("e")]);
    assert_eq!(probe.try_receive(), None);
    probe.expect_no_msg(Duration::from_secs(60)).await;
    assert_eq!(probe.recipient().id(), probe.id());
    assert_eq!(probe.id().node(), system.node_id());
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_wrong_message_fails_with_both_and_the_callers_line() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system);
    probe.recipient().tell(Note("got")).await.unwrap();
    let text = panic_text(probe.expect_msg(Note("wanted"))).await;
    assert!(text.contains("expected Note(\"wanted\"), received Note(\"got\")"), "{text}");
    assert!(text.contains("tests/kit/probe.rs:"), "names the caller: {text}");

    probe.recipient().tell(Note("other")).await.unwrap();
    let text = panic_text(probe.expect_msg_matching(|n| n.0 == "x")).await;
    assert!(text.contains("received Note(\"other\"), which does not match"), "{text}");
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_timeout_says_nothing_arrived_and_how_long_it_waited() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system);
    let started = tokio::time::Instant::now();
    let text = panic_text(probe.expect_msg(Note("never"))).await;
    assert_eq!(started.elapsed(), DEFAULT_TIMEOUT);
    assert!(text.contains("but no message arrived within 3s"), "{text}");

    let probe = probe.with_timeout(Duration::from_millis(250));
    probe.recipient().tell(Note("one")).await.unwrap();
    let text = panic_text(probe.receive_n(3)).await;
    assert!(text.contains("received 1 of 3 messages within 250ms"), "{text}");
    let text = panic_text(probe.receive()).await;
    assert!(text.contains("no message within 250ms"), "{text}");
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn expect_no_msg_fails_on_a_message_and_says_when_it_came() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system);
    let to = probe.recipient();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        to.tell(Note("late")).await.unwrap();
    });
    let text = panic_text(probe.expect_no_msg(Duration::from_secs(1))).await;
    assert!(text.contains("expected no message for 1s, received Note(\"late\") after 700ms"), "{text}");
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn as_an_actor_ref_it_refuses_the_other_messages_and_reports_them() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system).with_timeout(Duration::from_millis(100));
    let downstream: ActorRef<Downstream> = probe.actor_ref();
    downstream.tell(Note("kept")).await.unwrap();
    match downstream.tell(Double(2)).await {
        Err(SendError::Unsupported(Double(2))) => {}
        other => panic!("expected the message back as Unsupported, got {other:?}"),
    }
    assert_eq!(downstream.ask(Double(3)).await, Err(AskError::Unsupported));
    probe.expect_msg(Note("kept")).await;
    let text = panic_text(probe.receive()).await;
    assert!(text.contains("refused 2 message(s) of other types"), "{text}");
    assert!(text.contains("Double"), "{text}");

    // Registered, a typed lookup finds it as the actor it stands for.
    system.register_endpoint("downstream", downstream.endpoint()).unwrap();
    let found = system.lookup::<Downstream>("downstream").unwrap();
    found.tell(Note("found")).await.unwrap();
    probe.expect_msg(Note("found")).await;
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_test_answers_the_ask_it_took_last() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Double>::new(&system);
    let to = probe.recipient();
    let first = tokio::spawn({
        let to = to.clone();
        async move { to.ask(Double(1)).timeout(Duration::from_secs(30)).await }
    });
    probe.expect_msg(Double(1)).await;
    let second = tokio::spawn(async move { to.ask(Double(2)).await });
    probe.expect_msg(Double(2)).await;
    assert!(probe.reply(4));
    assert_eq!(second.await.unwrap(), Ok(4));
    // The first, never answered, waits as on an actor that does not reply.
    assert_eq!(first.await.unwrap(), Err(AskError::Timeout));
    let text = panic_text(async { probe.reply(0) }).await;
    assert!(text.contains("no ask is waiting for an answer"), "{text}");

    probe.recipient().tell(Double(5)).await.unwrap();
    probe.expect_msg(Double(5)).await;
    let text = panic_text(async { probe.reply(10) }).await;
    assert!(text.contains("the last message taken was a tell"), "{text}");
    system.shutdown().await;
}

#[tokio::test]
async fn an_auto_reply_answers_at_once_and_still_records() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Double>::new(&system).with_auto_reply(|d| d.0 * 2);
    let downstream: ActorRef<Downstream> = probe.actor_ref();
    assert_eq!(downstream.ask(Double(21)).await, Ok(42));
    assert_eq!(probe.recipient().ask(Double(1)).await, Ok(2));
    probe.expect_msg(Double(21)).await;
    probe.expect_msg(Double(1)).await;
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn expect_terminated_watches_and_returns_the_reason() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system);
    let (stopped, panicked, already) = (system.spawn(Fragile), system.spawn(Fragile), system.spawn(Fragile));
    probe.watch(&stopped);
    probe.watch(&stopped); // twice: one notice
    stopped.stop();
    let notice = probe.expect_terminated(&stopped).await;
    assert_eq!((notice.id, notice.reason), (stopped.id(), StopReason::Normal));

    panicked.tell(Boom("watched")).await.unwrap();
    assert_eq!(probe.expect_terminated(&panicked).await.reason, StopReason::Panicked("watched".into()));

    already.kill();
    already.wait_for_stop().await;
    assert_eq!(probe.expect_terminated(&already).await.reason, StopReason::Killed);

    let alive = system.spawn(Fragile);
    let text = panic_text(probe.expect_terminated(&alive)).await;
    assert!(text.contains("did not stop within 3s (alive: true)"), "{text}");
    // No second notice of the actor watched twice.
    let text = panic_text(probe.with_timeout(Duration::from_secs(1)).expect_terminated(&stopped)).await;
    assert!(text.contains("did not stop within 1s (alive: false)"), "{text}");
    system.shutdown().await;
}

/// Watches the actor it is given and reports its stop to `report`.
struct Watcher {
    target: ActorRef<Downstream>,
    report: Recipient<Note>,
}
impl Actor for Watcher {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.watch(&self.target);
        Ok(())
    }
    async fn on_terminated(&mut self, _: &mut Context<Self>, terminated: Terminated) {
        assert_eq!(terminated.id, self.target.id());
        let _ = self.report.tell(Note("downstream stopped")).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_stopped_probe_tells_its_watchers_and_refuses_later_messages() {
    let system = ActorSystem::new();
    let reports = TestProbe::<Note>::new(&system);
    let downstream_probe = TestProbe::<Double>::new(&system);
    let downstream: ActorRef<Downstream> = downstream_probe.actor_ref();
    let watcher = system.spawn(Watcher { target: downstream.clone(), report: reports.recipient() });
    let asker = tokio::spawn({
        let downstream = downstream.clone();
        async move { downstream.ask(Double(1)).await }
    });
    downstream_probe.expect_msg(Double(1)).await;

    drop(downstream_probe); // as `stop()`: the probe stops with Normal
    reports.expect_msg(Note("downstream stopped")).await;
    assert_eq!(asker.await.unwrap(), Err(AskError::Stopped(Some(StopReason::Normal))));
    assert!(!downstream.is_alive());
    assert_eq!(downstream.wait_for_stop().await, StopReason::Normal);
    match downstream.try_tell(Double(2)) {
        Err(SendError::Closed(Double(2))) => {}
        other => panic!("expected Closed with the message, got {other:?}"),
    }
    assert_eq!(system.dead_letter_count(), 1);
    assert!(watcher.is_alive());
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_stop_through_a_handle_stops_the_probe() {
    let system = ActorSystem::new();
    let probe = TestProbe::<Note>::new(&system);
    let as_ref: ActorRef<Downstream> = probe.actor_ref();
    as_ref.kill();
    assert_eq!(as_ref.wait_for_stop().await, StopReason::Killed);
    assert_eq!(probe.stop_reason(), Some(StopReason::Killed));
    let text = panic_text(probe.receive()).await;
    assert!(text.contains("the probe has stopped (killed)"), "{text}");
    system.shutdown().await;
}
