//! Spans that follow a message: a `handle` span per message, child of the
//! actor's span; a tell's handler follows from the sender's span, an ask's
//! handler is a child of the asker's span; the trace id travels along.
//! A capturing layer records every span's parent and follows-from links.
//!
//! A test binary of its own: tracing decides which spans are enabled from
//! every subscriber alive in the process, and the behaviour tests' threads
//! could make these tests' spans go unrecorded (actor-remote's trace test
//! failed that way once in CI, in a binary shared with other tests).

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};

use actor_core::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Instrument, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// One recorded span: its name, fields, parent and follows-from links.
#[derive(Clone, Debug, Default)]
struct Recorded {
    name: &'static str,
    fields: HashMap<String, String>,
    parent: Option<u64>,
    follows: Vec<u64>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<HashMap<u64, Recorded>>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut recorded = Recorded { name: attrs.metadata().name(), ..Recorded::default() };
        attrs.record(&mut Fields(&mut recorded.fields));
        recorded.parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.id().into_u64());
        self.0.lock().unwrap().insert(id.into_u64(), recorded);
    }

    fn on_record(&self, id: &Id, values: &tracing::span::Record<'_>, _: LayerContext<'_, S>) {
        if let Some(span) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, _: LayerContext<'_, S>) {
        if let Some(span) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            span.follows.push(follows.into_u64());
        }
    }
}

impl Capture {
    fn spans(&self) -> HashMap<u64, Recorded> {
        self.0.lock().unwrap().clone()
    }
}

/// The one span named `name` whose field `field` reads `value`.
fn find(spans: &HashMap<u64, Recorded>, name: &str, field: &str, value: &str) -> (u64, Recorded) {
    let found: Vec<_> = spans
        .iter()
        .filter(|(_, s)| s.name == name && s.fields.get(field).map(String::as_str) == Some(value))
        .collect();
    assert_eq!(found.len(), 1, "one {name} span with {field}={value}, in {spans:#?}");
    (*found[0].0, found[0].1.clone())
}

struct Front {
    back: ActorRef<Back>,
}
impl Actor for Front {}
struct Request;
impl Message for Request {
    type Reply = ();
}
impl Handler<Request> for Front {
    async fn handle(&mut self, _: Request, _: &mut Context<Self>) {
        self.back.tell(Job).await.unwrap();
    }
}

struct Back {
    store: ActorRef<Store>,
}
impl Actor for Back {}
struct Job;
impl Message for Job {
    type Reply = ();
}
impl Handler<Job> for Back {
    async fn handle(&mut self, _: Job, _: &mut Context<Self>) {
        self.store.ask(Save).await.unwrap();
    }
}
struct Sync;
impl Message for Sync {
    type Reply = ();
}
impl Handler<Sync> for Back {
    async fn handle(&mut self, _: Sync, _: &mut Context<Self>) {}
}

struct Store;
impl Actor for Store {}
struct Save;
impl Message for Save {
    type Reply = ();
}
impl Handler<Save> for Store {
    async fn handle(&mut self, _: Save, _: &mut Context<Self>) {}
}

#[tokio::test]
async fn a_request_through_three_actors_is_one_linked_trace() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));

    let system = ActorSystem::new();
    let store = system.spawn(Store);
    let back = system.spawn(Back { store });
    let front = system.spawn(Front { back: back.clone() });

    let request = tracing::info_span!("request");
    front.ask(Request).into_future().instrument(request).await.unwrap();
    // Back handles Job (and its ask to Store) before this.
    back.ask(Sync).await.unwrap();

    let spans = capture.spans();
    let request = *spans.iter().find(|(_, s)| s.name == "request").unwrap().0;
    let (front_actor, _) = find(&spans, "actor", "actor", "Front");
    let (back_actor, _) = find(&spans, "actor", "actor", "Back");
    let (store_actor, _) = find(&spans, "actor", "actor", "Store");
    let (front_handle, front_span) = find(&spans, "handle", "message", "Request");
    let (back_handle, back_span) = find(&spans, "handle", "message", "Job");
    let (_, store_span) = find(&spans, "handle", "message", "Save");

    // An ask from a span: the handler is its child, and follows from the actor.
    assert_eq!(front_span.parent, Some(request));
    assert_eq!(front_span.follows, vec![front_actor]);
    // A tell: the handler is the actor's child, and follows from the sender.
    assert_eq!(back_span.parent, Some(back_actor));
    assert_eq!(back_span.follows, vec![front_handle]);
    // An ask from a handler: a child of the asking handler's span.
    assert_eq!(store_span.parent, Some(back_handle));
    assert_eq!(store_span.follows, vec![store_actor]);
    // One trace id all the way.
    let trace = &front_span.fields["trace_id"];
    assert_eq!(trace.len(), 32);
    assert_eq!(&back_span.fields["trace_id"], trace);
    assert_eq!(&store_span.fields["trace_id"], trace);
    assert_eq!(front_span.fields["actor"], "Front");
    system.shutdown().await;
}

#[tokio::test]
async fn a_message_sent_outside_any_span_is_handled_in_the_actors_span() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));

    let system = ActorSystem::new();
    let store = system.spawn(Store);
    store.tell(Save).await.unwrap();
    store.ask(Save).await.unwrap();

    let spans = capture.spans();
    let (store_actor, _) = find(&spans, "actor", "actor", "Store");
    let handles: Vec<_> = spans.values().filter(|s| s.name == "handle").collect();
    assert_eq!(handles.len(), 2);
    for handle in handles {
        assert_eq!(handle.parent, Some(store_actor));
        assert!(handle.follows.is_empty());
        assert_eq!(handle.fields["trace_id"].len(), 32);
    }
    system.shutdown().await;
}

#[tokio::test]
async fn events_handled_by_an_actor_get_a_span_too() {
    #[derive(Clone)]
    struct Ping;
    impl Event for Ping {}
    impl Message for Ping {
        type Reply = ();
    }
    struct Listener;
    impl Actor for Listener {
        async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
            ctx.subscribe::<Ping>();
            Ok(())
        }
    }
    impl Handler<Ping> for Listener {
        async fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
    }
    impl Handler<Save> for Listener {
        async fn handle(&mut self, _: Save, _: &mut Context<Self>) {}
    }

    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    let system = ActorSystem::new();
    let listener = system.spawn(Listener);
    listener.ask(Save).await.unwrap(); // subscribed by now
    system.events().publish(Ping);
    while !capture.spans().values().any(|s| s.fields.get("message").map(String::as_str) == Some("Ping")) {
        listener.ask(Save).await.unwrap();
    }
    system.shutdown().await;
}

#[tokio::test]
async fn with_message_spans_disabled_nothing_is_captured() {
    let capture = Capture::default();
    let filter = tracing_subscriber::filter::LevelFilter::INFO;
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::registry().with(capture.clone().with_filter(filter)),
    );

    let system = ActorSystem::new();
    let store = system.spawn(Store);
    let request = tracing::info_span!("request");
    store.ask(Save).into_future().instrument(request).await.unwrap();
    assert!(actor_core::TraceContext::current().is_none());
    let spans = capture.spans();
    assert!(spans.values().all(|s| s.name == "request"), "{spans:#?}");
    system.shutdown().await;
}

#[tokio::test]
async fn the_current_context_is_the_current_span_in_its_trace() {
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(Capture::default()));
    assert_eq!(actor_core::TraceContext::current(), None, "outside any span");
    let span = tracing::info_span!("outer");
    let _entered = span.enter();
    let cx = actor_core::TraceContext::current().expect("in a span");
    assert_eq!(cx.span_id(), span.id().unwrap().into_u64());
    assert!(cx.is_sampled());
    // A remote parent's scope: messages sent in it carry its trace.
    let remote = actor_core::TraceContext::new(7, 9, 1);
    assert_eq!(remote.in_scope(actor_core::TraceContext::current), Some(remote));
}

#[tokio::test]
async fn a_message_queued_in_a_remote_scope_carries_its_trace() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    let system = ActorSystem::new();
    let store = system.spawn(Store);
    let remote = actor_core::TraceContext::new(0xabc, 0x42, 1);
    remote.in_scope(|| store.try_tell(Save)).unwrap();
    store.ask(Save).await.unwrap();

    let spans = capture.spans();
    let (store_actor, _) = find(&spans, "actor", "actor", "Store");
    let (_, handle) = find(&spans, "handle", "remote_parent", "0000000000000042");
    assert_eq!(handle.fields["trace_id"], format!("{:032x}", 0xabc));
    assert_eq!(handle.parent, Some(store_actor));
    assert!(handle.follows.is_empty());
    system.shutdown().await;
}
