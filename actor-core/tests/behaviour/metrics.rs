//! The `metrics` feature: what the runtime records, with which labels,
//! through a recorder installed for the whole test process (the labels
//! name types of this file alone, so other tests recording into it do not
//! disturb the figures read here).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Supervisor};
use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

/// One metric's value: a counter's total, a gauge's level, or how many
/// values a histogram received.
#[derive(Default)]
struct Value(AtomicU64);

impl CounterFn for Value {
    fn increment(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    fn absolute(&self, n: u64) {
        self.0.store(n, Ordering::Relaxed);
    }
}

impl GaugeFn for Value {
    fn increment(&self, n: f64) {
        self.set(f64::from_bits(self.0.load(Ordering::Relaxed)) + n);
    }
    fn decrement(&self, n: f64) {
        self.set(f64::from_bits(self.0.load(Ordering::Relaxed)) - n);
    }
    fn set(&self, n: f64) {
        self.0.store(n.to_bits(), Ordering::Relaxed);
    }
}

impl HistogramFn for Value {
    fn record(&self, _: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Recorded(Mutex<HashMap<String, Arc<Value>>>);

/// `name{a=x,b=y}`, labels in the order given.
fn render(key: &Key) -> String {
    let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl Recorded {
    fn value(&self, key: &Key) -> Arc<Value> {
        self.0.lock().unwrap().entry(render(key)).or_default().clone()
    }
    fn read(&self, key: &str) -> Option<u64> {
        self.0.lock().unwrap().get(key).map(|v| v.0.load(Ordering::Relaxed))
    }
    fn gauge(&self, key: &str) -> Option<f64> {
        self.read(key).map(f64::from_bits)
    }
}

struct TestRecorder(Arc<Recorded>);

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.0.value(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.0.value(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.0.value(key))
    }
}

fn recorded() -> &'static Recorded {
    static RECORDED: OnceLock<Arc<Recorded>> = OnceLock::new();
    RECORDED.get_or_init(|| {
        let recorded = Arc::new(Recorded::default());
        metrics::set_global_recorder(TestRecorder(recorded.clone()))
            .expect("the only recorder of this process");
        recorded
    })
}

struct Meter;
impl Actor for Meter {}
struct Tick;
impl Message for Tick {
    type Reply = ();
}
impl Handler<Tick> for Meter {
    async fn handle(&mut self, _: Tick, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn handled_messages_duration_and_mailbox_per_actor_type_and_name() {
    let recorded = recorded();
    let system = ActorSystem::new();
    let a = system.spawn(Meter);
    let b = system.spawn(Meter);
    let named = system.spawn_with(Meter, SpawnOptions::new().name("meter-1"));
    for _ in 0..3 {
        a.ask(Tick).await.unwrap();
        b.tell(Tick).await.unwrap();
    }
    b.ask(Tick).await.unwrap();
    named.ask(Tick).await.unwrap();

    // Unnamed actors of one type share their series; a named one has its own.
    assert_eq!(recorded.read("actor_messages_handled_total{actor=Meter}"), Some(7));
    assert_eq!(recorded.read("actor_handler_duration_seconds{actor=Meter}"), Some(7));
    assert_eq!(recorded.read("actor_messages_handled_total{actor=Meter,name=meter-1}"), Some(1));
    // Every handled message left the mailboxes empty.
    assert_eq!(recorded.gauge("actor_mailbox_depth{actor=Meter}"), Some(0.0));
    system.shutdown().await;
}

struct Sleeper;
impl Actor for Sleeper {}
struct Nap(tokio::sync::oneshot::Receiver<()>);
impl Message for Nap {
    type Reply = ();
}
impl Handler<Nap> for Sleeper {
    async fn handle(&mut self, Nap(wake): Nap, _: &mut Context<Self>) {
        let _ = wake.await;
    }
}
impl Handler<Tick> for Sleeper {
    async fn handle(&mut self, _: Tick, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn the_mailbox_gauge_reads_what_waits_and_clears_when_the_actor_stops() {
    let recorded = recorded();
    let system = ActorSystem::new();
    let sleeper = system.spawn(Sleeper);
    let (wake_first, first) = tokio::sync::oneshot::channel();
    let (_wake_second, second) = tokio::sync::oneshot::channel::<()>();
    sleeper.tell(Nap(first)).await.unwrap();
    sleeper.tell(Nap(second)).await.unwrap();
    for _ in 0..5 {
        sleeper.tell(Tick).await.unwrap();
    }
    // The first nap ends with six messages behind it; the second holds
    // the actor, so nothing changes the gauge after that.
    wake_first.send(()).unwrap();
    let key = "actor_mailbox_depth{actor=Sleeper}";
    while recorded.gauge(key) != Some(6.0) {
        tokio::task::yield_now().await;
    }
    sleeper.kill();
    sleeper.wait_for_stop().await;
    assert_eq!(recorded.gauge(key), Some(0.0));
    system.shutdown().await;
}

struct Flaky;
impl Actor for Flaky {}
struct Fail;
impl Message for Fail {
    type Reply = ();
}
impl Handler<Fail> for Flaky {
    async fn handle(&mut self, _: Fail, _: &mut Context<Self>) {
        panic!("told to fail");
    }
}
impl Handler<Tick> for Flaky {
    async fn handle(&mut self, _: Tick, _: &mut Context<Self>) {}
}

#[derive(Clone)]
struct Reading;
impl Event for Reading {}
impl Message for Reading {
    type Reply = ();
}

#[tokio::test]
async fn dead_letters_restarts_escalations_and_events() {
    actor_core::silence_caught_panics();
    let recorded = recorded();
    let system = ActorSystem::new();

    // A dead letter, by message type.
    let gone = system.spawn(Meter);
    gone.stop();
    gone.wait_for_stop().await;
    let _ = gone.tell(Tick).await;
    assert!(recorded.read("actor_dead_letters_total{message=Tick}").unwrap() >= 1);

    // A restart, then an escalation (one restart allowed).
    let sup = Supervisor::builder()
        .max_restarts(1, Duration::from_secs(60))
        .name("flaky-sup")
        .child(ChildSpec::new("flaky", || Flaky))
        .spawn(&system)
        .await
        .unwrap();
    let flaky = sup.child::<Flaky>("flaky").await.unwrap();
    let _ = flaky.ask(Fail).await;
    while recorded.read("actor_restarts_total{actor=Flaky,name=flaky}") != Some(1) {
        tokio::task::yield_now().await;
    }
    let _ = flaky.ask(Fail).await;
    sup.wait_for_stop().await;
    assert_eq!(recorded.read("actor_escalations_total{actor=Supervisor,name=flaky-sup}"), Some(1));

    // Events published, and dropped by a stream that never reads.
    let stuck =
        system.events().subscribe_with(actor_core::events::SubscribeOptions::<Reading>::new().buffer(2));
    for _ in 0..5 {
        system.events().publish(Reading);
    }
    assert_eq!(recorded.read("actor_events_published_total{event=Reading}"), Some(5));
    assert_eq!(recorded.read("actor_events_dropped_total{event=Reading,subscriber=stream}"), Some(3));
    assert_eq!(stuck.dropped(), 3);
    system.shutdown().await;
}
