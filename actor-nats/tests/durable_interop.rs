//! Durable facts and plain NATS clients (`ACTOR_NATS_URL`): a fact an actor
//! system persisted is read by a client that knows nothing of actors, and
//! a fact any client writes in the documented encoding reaches an actor.

mod durable_support;

use std::sync::Arc;
use std::time::Duration;

use actor_core::prelude::*;
use actor_nats::async_nats::{self, jetstream, HeaderMap};
use actor_nats::{Encoding, FactsConfig, Nats};
use durable_support::*;
use futures_util::StreamExt;

const WAIT: Duration = Duration::from_secs(20);

/// Reads every message of `stream` with a plain async-nats consumer.
async fn read_all(url: &str, stream: &str, count: usize) -> Vec<async_nats::jetstream::Message> {
    let client = async_nats::connect(url).await.expect("plain client");
    let js = jetstream::new(client);
    let stream = js.get_stream(stream).await.expect("stream");
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config::default())
        .await
        .expect("ephemeral consumer");
    let mut batch = consumer.fetch().max_messages(count).messages().await.expect("fetch");
    let mut out = Vec::new();
    while let Some(message) = tokio::time::timeout(WAIT, batch.next()).await.expect("bounded") {
        out.push(message.expect("message"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persisted_fact_is_read_by_any_nats_client_in_either_encoding() {
    let Some(url) = nats_url("durable facts: interop, reading") else { return };
    for encoding in [Encoding::Json, Encoding::Postcard] {
        let nats = Nats::connect(&url).await.expect("connect").with_prefix(&unique("interop"));
        let name = unique("interop");
        let facts = nats.facts(FactsConfig::new(&name).in_memory().encoding(encoding)).await.expect("stream");
        let system = ActorSystem::new();
        let persisting = facts.persist_events::<Paid>(&system);
        system.events().publish(Paid { order: 42, cents: 1999 });
        assert!(until(WAIT, || persisting.persisted() == 1).await);

        let read = read_all(&url, &name, 10).await;
        assert_eq!(read.len(), 1);
        let message = &read[0];
        assert_eq!(message.subject.as_str(), format!("{}.facts.test.paid.v1", nats.prefix()));
        let headers = message.headers.as_ref().expect("headers");
        assert_eq!(headers.get("Content-Type").map(|v| v.as_str()), Some(encoding.content_type()));
        assert!(headers.get("Nats-Msg-Id").is_some(), "a message id for de-duplication");
        let fact: Paid = match encoding {
            Encoding::Json => {
                assert_eq!(std::str::from_utf8(&message.payload).unwrap(), r#"{"order":42,"cents":1999}"#);
                serde_json::from_slice(&message.payload).unwrap()
            }
            _ => postcard::from_bytes(&message.payload).unwrap(),
        };
        assert_eq!(fact, Paid { order: 42, cents: 1999 });
        system.shutdown().await;
        facts.delete().await.expect("delete stream");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fact_written_by_any_nats_client_reaches_an_actor() {
    let Some(url) = nats_url("durable facts: interop, writing") else { return };
    let nats = Nats::connect(&url).await.expect("connect").with_prefix(&unique("interop"));
    let facts = nats.facts(FactsConfig::new(&unique("interop")).in_memory()).await.expect("stream");
    let subject = facts.subject::<Paid>();

    // A client that knows nothing of actors: JSON with the header, JSON
    // without, and postcard with its header; the same message id twice
    // (a retry) is stored once.
    let js = jetstream::new(async_nats::connect(&url).await.expect("plain client"));
    let mut json = HeaderMap::new();
    json.insert("Content-Type", "application/json");
    json.insert("Nats-Msg-Id", "client-1");
    for _ in 0..2 {
        js.publish_with_headers(subject.clone(), json.clone(), r#"{"order":1,"cents":100}"#.into())
            .await
            .expect("publish")
            .await
            .expect("stored");
    }
    js.publish(subject.clone(), r#"{"order":2,"cents":200}"#.into()).await.unwrap().await.unwrap();
    let mut compact = HeaderMap::new();
    compact.insert("Content-Type", "application/x-postcard");
    let payload = postcard::to_stdvec(&Paid { order: 3, cents: 300 }).unwrap();
    js.publish_with_headers(subject.clone(), compact, payload.into()).await.unwrap().await.unwrap();
    // Garbage is dropped (and reported), not handed to the actor.
    js.publish(subject.clone(), "{not json".into()).await.unwrap().await.unwrap();
    js.publish(subject.clone(), r#"{"order":4,"cents":400}"#.into()).await.unwrap().await.unwrap();

    let system = ActorSystem::new();
    let seen: Seen = Arc::default();
    let audit = system.spawn(Recorder { seen: seen.clone(), fail_once: None, slow: None });
    let sub = facts.subscribe::<Paid>("audit", audit.recipient()).await.expect("subscribe");
    assert!(until(WAIT, || sub.acked() == 4).await, "acked {}", sub.acked());
    assert_eq!(orders(&seen), vec![1, 2, 3, 4]);
    system.shutdown().await;
    facts.delete().await.expect("delete stream");
}
