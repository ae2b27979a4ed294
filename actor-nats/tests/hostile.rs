//! Hostile clients on the NATS server: bytes that are not a node's, a
//! stream with lost messages, a sender past its window. Each is refused
//! with a fact, and the node goes on serving real nodes. Needs
//! `ACTOR_NATS_URL`; without it, prints one line and passes.

use std::time::Duration;

use actor_core::prelude::*;
use actor_nats::async_nats;
use actor_nats::{Nats, NatsNodeBuilder};
use actor_remote::facts::HandshakeFailed;
use actor_remote::Node;
use bytes::{BufMut, Bytes, BytesMut};
use futures_util::StreamExt;

const WAIT: Duration = Duration::from_secs(20);

fn message(kind: u8, number: u64, data: &[u8]) -> Bytes {
    let mut out = BytesMut::new();
    out.put_u8(kind);
    out.put_u64_le(number);
    out.put_slice(data);
    out.freeze()
}

/// Opens a stream to the node at `addr` by hand; returns the subject to
/// write to and the subscription of what comes back.
async fn open(
    client: &async_nats::Client,
    prefix: &str,
    addr: &str,
    id: &str,
) -> (String, async_nats::Subscriber) {
    let back = client.subscribe(format!("{prefix}.s.{id}.c")).await.unwrap();
    client.request(format!("{prefix}.n.{addr}"), Bytes::from(id.to_owned())).await.expect("the node accepts");
    (format!("{prefix}.s.{id}.a"), back)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_streams_are_refused_and_the_node_serves_on() {
    let Ok(url) = std::env::var("ACTOR_NATS_URL") else {
        eprintln!("ACTOR_NATS_URL is not set: the NATS hostile-client tests were not run");
        return;
    };
    let prefix = format!("hostile{}", std::process::id());
    let nats = Nats::connect(&url).await.expect("NATS reachable").with_prefix(&prefix);
    let system = ActorSystem::new();
    let mut refused = system.events().subscribe::<HandshakeFailed>();
    let node = Node::builder(&system)
        .secret("hostile")
        .handshake_timeout(Duration::from_secs(2))
        .nats(&nats)
        .start()
        .await
        .unwrap();
    let client = async_nats::connect(&url).await.unwrap();
    let addr =
        client.request(format!("{prefix}.discover"), "someone else".into()).await.expect("the node answers");
    let addr = String::from_utf8(addr.payload.to_vec()).unwrap();

    // Bytes that are not a node's hello.
    let (to, _back) = open(&client, &prefix, &addr, "garbage1").await;
    client.publish(to, message(b'D', 0, b"GET / HTTP/1.1\r\n\r\n")).await.unwrap();
    let why = tokio::time::timeout(WAIT, refused.recv()).await.expect("refused").unwrap();
    assert!(!why.reason.is_empty());

    // A stream that lost a message: it ends, the handshake with it.
    let (to, mut back) = open(&client, &prefix, &addr, "gappy1").await;
    client.publish(to, message(b'D', 3, b"late")).await.unwrap();
    tokio::time::timeout(WAIT, refused.recv()).await.expect("refused").unwrap();

    // Not a stream message at all; then a sender far past its window.
    let (to, _back2) = open(&client, &prefix, &addr, "flood1").await;
    client.publish(to.clone(), Bytes::from_static(b"\x00")).await.unwrap();
    tokio::time::timeout(WAIT, refused.recv()).await.expect("refused").unwrap();
    let (to, _back3) = open(&client, &prefix, &addr, "flood2").await;
    let chunk = vec![0u8; 60 * 1024];
    for seq in 0..40 {
        client.publish(to.clone(), message(b'D', seq, &chunk)).await.unwrap();
    }
    tokio::time::timeout(WAIT, refused.recv()).await.expect("refused").unwrap();
    // The node said goodbye on the gappy stream (its hello, maybe, then the end).
    let _ = tokio::time::timeout(Duration::from_millis(100), back.next()).await;

    // A real node still links.
    let other_system = ActorSystem::new();
    let other = Node::builder(&other_system).secret("hostile").nats(&nats).start().await.unwrap();
    assert!(other.wait_for_peer(node.id(), WAIT).await, "a real node links after the hostile ones");
    other.shutdown().await;
    node.shutdown().await;
}
