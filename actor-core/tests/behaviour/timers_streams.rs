//! Work started from the context: `send_after`, `interval`, `add_stream`
//! and `add_stream_with_end`. Timers run on paused time, so every deadline
//! is exact and nothing waits for real. What the actor handles is reported
//! to a test probe.

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::TaskHandle;
use actor_testkit::TestProbe;
use futures_util::{stream, Stream};
use tokio::sync::mpsc;
use tokio::time::{timeout, Instant};

/// What the clock reports for each message it handles.
#[derive(Debug, PartialEq)]
struct Report(String);
impl Message for Report {
    type Reply = ();
}

fn report(text: &str) -> Report {
    Report(text.to_owned())
}

/// Reports every message it handles to `report`.
struct Clock {
    report: Recipient<Report>,
    handles: Vec<TaskHandle>,
}

impl Actor for Clock {}

impl Clock {
    fn report(&self, text: String) {
        self.report.try_tell(Report(text)).expect("the probe records everything");
    }
}

/// A clock and the probe it reports to, which waits up to `LONG` (the
/// timers run for tens of seconds of paused time).
fn clock(system: &ActorSystem) -> (ActorRef<Clock>, TestProbe<Report>) {
    let probe = TestProbe::new(system).with_timeout(LONG);
    (system.spawn(Clock { report: probe.recipient(), handles: Vec::new() }), probe)
}

struct Tick(&'static str);
impl Message for Tick {
    type Reply = ();
}
impl Handler<Tick> for Clock {
    async fn handle(&mut self, msg: Tick, _ctx: &mut Context<Self>) {
        self.report(msg.0.to_owned());
    }
}

enum Start {
    After(Duration, &'static str),
    Every(Duration),
}
impl Message for Start {
    type Reply = ();
}
impl Handler<Start> for Clock {
    async fn handle(&mut self, msg: Start, ctx: &mut Context<Self>) {
        let handle = match msg {
            Start::After(delay, label) => ctx.send_after(Tick(label), delay),
            Start::Every(period) => ctx.interval(period, || Tick("tick")),
        };
        self.handles.push(handle);
    }
}

struct CancelAll;
impl Message for CancelAll {
    type Reply = ();
}
impl Handler<CancelAll> for Clock {
    async fn handle(&mut self, _: CancelAll, _ctx: &mut Context<Self>) {
        self.handles.iter().for_each(TaskHandle::cancel);
    }
}

struct Item(u32);
impl Message for Item {
    type Reply = ();
}
impl Handler<Item> for Clock {
    async fn handle(&mut self, msg: Item, _ctx: &mut Context<Self>) {
        self.report(format!("item {}", msg.0));
    }
}

struct End;
impl Message for End {
    type Reply = ();
}
impl Handler<End> for Clock {
    async fn handle(&mut self, _: End, _ctx: &mut Context<Self>) {
        self.report("end".to_owned());
    }
}

/// Feeds the stream to the actor, with an `End` after it if asked.
struct Feed<S>(S, bool);
impl<S: Stream<Item = Item> + Send + 'static> Message for Feed<S> {
    type Reply = ();
}
impl<S: Stream<Item = Item> + Send + 'static> Handler<Feed<S>> for Clock {
    async fn handle(&mut self, msg: Feed<S>, ctx: &mut Context<Self>) {
        let handle = if msg.1 { ctx.add_stream_with_end(msg.0, End) } else { ctx.add_stream(msg.0) };
        self.handles.push(handle);
    }
}

/// A stream the test feeds by hand.
fn manual_stream() -> (mpsc::UnboundedSender<u32>, impl Stream<Item = Item> + Send + 'static) {
    let (tx, rx) = mpsc::unbounded_channel::<u32>();
    let items = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|n| (Item(n), rx)) });
    (tx, items)
}

const LONG: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn send_after_delivers_once_after_exactly_the_delay() {
    let system = ActorSystem::new();
    let (c, probe) = clock(&system);
    let start = Instant::now();
    c.ask(Start::After(Duration::from_secs(30), "late")).await.unwrap();
    c.ask(Start::After(Duration::from_secs(10), "early")).await.unwrap();
    probe.expect_msg(report("early")).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    probe.expect_msg(report("late")).await;
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    probe.expect_no_msg(LONG).await; // each fires once
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn send_after_is_never_early() {
    let system = ActorSystem::new();
    let (c, probe) = clock(&system);
    let start = Instant::now();
    c.ask(Start::After(Duration::from_secs(10), "due")).await.unwrap();
    tokio::time::advance(Duration::from_millis(9_999)).await;
    c.ask(Tick("probe")).await.unwrap(); // a round trip: anything due is handled by now
    probe.expect_msg(report("probe")).await; // nothing before the deadline
    tokio::time::advance(Duration::from_millis(1)).await;
    probe.expect_msg(report("due")).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_send_after_sends_nothing() {
    let system = ActorSystem::new();
    let (c, probe) = clock(&system);
    c.ask(Start::After(Duration::from_secs(10), "cancelled")).await.unwrap();
    c.ask(CancelAll).await.unwrap();
    c.ask(Start::After(Duration::from_secs(20), "kept")).await.unwrap();
    probe.expect_msg(report("kept")).await;
    probe.expect_no_msg(LONG).await;
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn timers_end_when_the_actor_stops() {
    let system = ActorSystem::new();
    let (c, _probe) = clock(&system);
    c.ask(Start::After(Duration::from_secs(10), "too late")).await.unwrap();
    c.ask(Start::Every(Duration::from_secs(3))).await.unwrap();
    c.stop();
    c.wait_for_stop().await;
    // Paused time moves only when every task is idle: a timer still alive
    // would fire in this hour, find the actor stopped and count a dead letter.
    tokio::time::sleep(LONG).await;
    assert_eq!(system.dead_letter_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn interval_ticks_every_period_until_cancelled() {
    let system = ActorSystem::new();
    let (c, probe) = clock(&system);
    let start = Instant::now();
    c.ask(Start::Every(Duration::from_secs(5))).await.unwrap();
    for n in 1..=4 {
        probe.expect_msg(report("tick")).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5 * n), "tick {n}");
    }
    c.ask(CancelAll).await.unwrap();
    probe.expect_no_msg(LONG).await; // no tick after cancel
    assert!(c.is_alive());
    system.shutdown().await;
}

#[tokio::test]
async fn add_stream_delivers_items_in_order() {
    let system = ActorSystem::new();
    let (c, probe) = clock(&system);
    c.ask(Feed(stream::iter((1..=50).map(Item)), false)).await.unwrap();
    for n in 1..=50 {
        probe.expect_msg(Report(format!("item {n}"))).await;
    }
    system.shutdown().await;
}

#[tokio::test]
async fn add_stream_with_end_sends_the_end_after_the_last_item() {
    let system = ActorSystem::new();
    let (c, probe) = clock(&system);
    let (tx, items) = manual_stream();
    c.ask(Feed(items, true)).await.unwrap();
    for n in 1..=3 {
        tx.send(n).unwrap();
        probe.expect_msg(Report(format!("item {n}"))).await;
    }
    c.tell(Tick("between")).await.unwrap(); // ordinary messages interleave
    probe.expect_msg(report("between")).await;
    tx.send(4).unwrap();
    drop(tx); // the stream ends after item 4
    probe.expect_msg(report("item 4")).await;
    probe.expect_msg(report("end")).await;
    system.shutdown().await;
}

#[tokio::test]
async fn add_stream_with_end_on_a_finite_stream() {
    let system = ActorSystem::new();
    let (c, probe) = clock(&system);
    c.ask(Feed(stream::iter((1..=20).map(Item)), true)).await.unwrap();
    let mut expected: Vec<Report> = (1..=20).map(|n| Report(format!("item {n}"))).collect();
    expected.push(report("end"));
    assert_eq!(probe.receive_n(21).await, expected);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_stream_is_dropped_when_cancelled_or_when_the_actor_stops() {
    let system = ActorSystem::new();
    let (c, probe) = clock(&system);
    let (tx, items) = manual_stream();
    c.ask(Feed(items, true)).await.unwrap();
    tx.send(1).unwrap();
    probe.expect_msg(report("item 1")).await;
    c.ask(CancelAll).await.unwrap();
    // The stream (and with it the channel's receiver) is dropped.
    assert!(timeout(LONG, tx.closed()).await.is_ok(), "stream still held after cancel");
    probe.expect_no_msg(LONG).await; // no end message after a cancel

    let (tx, items) = manual_stream();
    c.ask(Feed(items, false)).await.unwrap();
    c.stop();
    c.wait_for_stop().await;
    assert!(timeout(LONG, tx.closed()).await.is_ok(), "stream still held after the actor stopped");
}
