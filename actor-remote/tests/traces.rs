//! A traced sender's trace crosses the link: the handler's span on the
//! other node records the sender's trace id and its span as the remote
//! parent, for tells and asks alike. One thread runs both nodes, so one
//! capturing subscriber sees both sides.
//!
//! A test binary of its own: tracing decides which spans are enabled
//! from every subscriber alive in the process, and another test's threads
//! could make this one's spans go unrecorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actor_core::TraceContext;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::{Instrument, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::Layer;

#[path = "remote/common.rs"]
#[allow(dead_code)]
mod common;

use common::*;

/// The fields of every `handle` span.
#[derive(Clone, Default)]
struct Handles(Arc<Mutex<HashMap<u64, HashMap<String, String>>>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber> Layer<S> for Handles {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: LayerContext<'_, S>) {
        if attrs.metadata().name() == "handle" {
            let mut fields = HashMap::new();
            attrs.record(&mut Fields(&mut fields));
            self.0.lock().unwrap().insert(id.into_u64(), fields);
        }
    }

    fn on_record(&self, id: &Id, values: &SpanRecord<'_>, _: LayerContext<'_, S>) {
        if let Some(fields) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
}

impl Handles {
    fn with_message(&self, message: &str) -> Vec<HashMap<String, String>> {
        let handles = self.0.lock().unwrap();
        handles.values().filter(|f| f.get("message").map(String::as_str) == Some(message)).cloned().collect()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_senders_trace_reaches_the_handler_on_the_other_node() {
    let handles = Handles::default();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(handles.clone()));
    let pair = pair().await;

    let request = tracing::info_span!("request");
    let sent = request.in_scope(TraceContext::current).expect("a span, recorded");
    async {
        pair.remote.tell(Record(1)).await.unwrap();
        pair.remote.ask(Double(2)).await.unwrap();
    }
    .instrument(request)
    .await;
    pair.remote.ask(Entries).await.unwrap(); // untraced: plain headers

    let trace_id = format!("{:032x}", sent.trace_id());
    let parent = format!("{:016x}", sent.span_id());
    for message in ["Record", "Double"] {
        let spans = handles.with_message(message);
        assert_eq!(spans.len(), 1, "{message}: {spans:?}");
        assert_eq!(spans[0]["actor"], "Ledger");
        assert_eq!(spans[0]["trace_id"], trace_id, "{message}");
        assert_eq!(spans[0]["remote_parent"], parent, "{message}");
    }
    let untraced = handles.with_message("Entries");
    assert_eq!(untraced.len(), 1);
    assert!(!untraced[0].contains_key("remote_parent"), "{untraced:?}");
    assert_ne!(untraced[0]["trace_id"], trace_id);
    pair.shutdown().await;
}
