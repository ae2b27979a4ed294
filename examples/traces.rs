//! One request through three actors, and the trace it leaves.
//!
//! A `checkout` span asks the `Shop` to place an order (an ask: the
//! handler's span is a child of the request's); the shop tells `Billing`
//! to charge it (a tell: the handler's span is a child of Billing's actor
//! span and follows from the shop's handler); billing asks the `Ledger` to
//! record the payment (an ask again). A small layer written here records
//! every span and prints the trees at the end, with the follows-from
//! links and the trace id the three handlers share.
//!
//! `cargo run --example traces`
#![allow(clippy::print_stdout)] // a program whose output is the point

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};

use actor_core::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::{Instrument, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

struct Shop {
    billing: ActorRef<Billing>,
}
impl Actor for Shop {}

struct PlaceOrder {
    cents: u64,
}
impl Message for PlaceOrder {
    type Reply = u64;
}
impl Handler<PlaceOrder> for Shop {
    async fn handle(&mut self, order: PlaceOrder, _: &mut Context<Self>) -> u64 {
        tracing::info!(cents = order.cents, "order placed");
        let _ = self.billing.tell(Charge { order: 1, cents: order.cents }).await;
        1
    }
}

struct Billing {
    ledger: ActorRef<Ledger>,
}
impl Actor for Billing {}

struct Charge {
    order: u64,
    cents: u64,
}
impl Message for Charge {
    type Reply = ();
}
impl Handler<Charge> for Billing {
    async fn handle(&mut self, charge: Charge, _: &mut Context<Self>) {
        let _ = self.ledger.ask(Record { order: charge.order, cents: charge.cents }).await;
    }
}

struct Ledger {
    total: u64,
}
impl Actor for Ledger {}

struct Record {
    order: u64,
    cents: u64,
}
impl Message for Record {
    type Reply = u64;
}
impl Handler<Record> for Ledger {
    async fn handle(&mut self, record: Record, _: &mut Context<Self>) -> u64 {
        self.total += record.cents;
        tracing::info!(order = record.order, total = self.total, "payment recorded");
        self.total
    }
}

struct Total;
impl Message for Total {
    type Reply = u64;
}
impl Handler<Total> for Ledger {
    async fn handle(&mut self, _: Total, _: &mut Context<Self>) -> u64 {
        self.total
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spans = Spans::default();
    tracing_subscriber::registry().with(spans.clone()).init();

    let system = ActorSystem::new();
    let ledger = system.spawn_with(Ledger { total: 0 }, SpawnOptions::new().name("ledger"));
    let billing = system.spawn(Billing { ledger: ledger.clone() });
    let shop = system.spawn(Shop { billing });

    let checkout = tracing::info_span!("checkout", user = 7);
    shop.ask(PlaceOrder { cents: 2500 }).into_future().instrument(checkout).await?;
    // Billing's tell is handled after the shop's reply; wait for the ledger.
    while ledger.ask(Total).await? == 0 {
        tokio::task::yield_now().await;
    }
    system.shutdown().await;
    print!("{}", spans.tree());
    Ok(())
}

/// Every span: name, fields, parent, follows-from links, in creation order.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<BTreeMap<u64, Span>>>);

#[derive(Default)]
struct Span {
    order: usize,
    name: &'static str,
    fields: Vec<(String, String)>,
    parent: Option<u64>,
    follows: Vec<u64>,
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let value = format!("{value:?}");
        match self.0.iter_mut().find(|(name, _)| name == field.name()) {
            Some(slot) => slot.1 = value,
            None => self.0.push((field.name().to_owned(), value)),
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        let mut span = Span { order: spans.len(), name: attrs.metadata().name(), ..Span::default() };
        attrs.record(&mut Fields(&mut span.fields));
        span.parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.id().into_u64());
        spans.insert(id.into_u64(), span);
    }

    fn on_record(&self, id: &Id, values: &SpanRecord<'_>, _: LayerContext<'_, S>) {
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

impl Spans {
    /// The spans as trees (roots in creation order), each line
    /// `name{fields} #n`, and `⇠ follows from #m` under a linked span.
    fn tree(&self) -> String {
        let spans = self.0.lock().unwrap();
        let number = |id: &u64| spans[id].order + 1;
        let mut out = String::new();
        let mut roots: Vec<_> = spans.iter().filter(|(_, s)| s.parent.is_none()).map(|(id, _)| *id).collect();
        roots.sort_by_key(|id| spans[id].order);
        fn walk(
            out: &mut String,
            spans: &BTreeMap<u64, Span>,
            id: u64,
            depth: usize,
            number: &dyn Fn(&u64) -> usize,
        ) {
            let span = &spans[&id];
            let fields: Vec<String> =
                span.fields.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={v}")).collect();
            let indent = "   ".repeat(depth);
            let _ = writeln!(out, "{indent}{}{{{}}} #{}", span.name, fields.join(" "), number(&id));
            for follows in &span.follows {
                let _ = writeln!(out, "{indent}   ⇠ follows from #{}", number(follows));
            }
            let mut children: Vec<_> =
                spans.iter().filter(|(_, s)| s.parent == Some(id)).map(|(id, _)| *id).collect();
            children.sort_by_key(|id| spans[id].order);
            for child in children {
                walk(out, spans, child, depth + 1, number);
            }
        }
        for root in roots {
            walk(&mut out, &spans, root, 0, &number);
        }
        out
    }
}
