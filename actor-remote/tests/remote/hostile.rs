//! Bad input, before and after the handshake: each gets a clear error or
//! fact, nothing panics, and the node goes on serving its other peers.

use std::time::Duration;

use actor_core::events::DeadLetter;
use actor_core::prelude::*;
use actor_remote::facts::{HandshakeFailed, PeerDisconnected};
use actor_remote::{ConnectError, HandshakeError, Node};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;
use crate::proxy::Proxy;

const WAIT: Duration = Duration::from_secs(10);

/// The next `E` on `system`'s stream, within [`WAIT`].
async fn next<E: Event>(events: &mut actor_core::events::Subscription<E>) -> E {
    tokio::time::timeout(WAIT, events.recv()).await.expect("the fact comes").expect("stream open")
}

/// The node still works for a well-behaved peer.
async fn still_serves(node: &Node) {
    let (system, other) = crate::common::node().await;
    let ledger = node.system().spawn(Ledger::default());
    let name = format!("probe-{}", ledger.id());
    node.expose(&name, &ledger).await.unwrap();
    other.connect(&node.local_addr().unwrap().to_string()).await.expect("a good peer still connects");
    let remote = other.lookup::<Ledger>(&name).await.unwrap();
    assert_eq!(remote.ask(Double(5)).await.unwrap(), 10);
    other.shutdown().await;
    system.shutdown().await;
}

/// Sends raw bytes to `node` as a fresh connection; the handshake failure
/// the node reports.
async fn raw(node: &Node, bytes: &[u8], then_close: bool) -> HandshakeFailed {
    let mut refused = node.system().events().subscribe::<HandshakeFailed>();
    let mut tcp = TcpStream::connect(node.local_addr().unwrap()).await.unwrap();
    tcp.write_all(bytes).await.unwrap();
    if then_close {
        tcp.shutdown().await.unwrap();
    }
    let fact = next(&mut refused).await;
    // Whatever the node answered, it then closed the connection.
    let mut rest = Vec::new();
    let _ =
        tokio::time::timeout(WAIT, tcp.read_to_end(&mut rest)).await.expect("the node closes the connection");
    fact
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_before_the_handshake_is_refused() {
    let (system, node) = node().await;
    let fact = raw(&node, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false).await;
    // "GET " read as a length prefix claims ~1.2 GB: refused before buffering.
    assert!(fact.reason.contains("exceeds the limit"), "{}", fact.reason);
    let fact = raw(&node, &[0, 0, 0, 4, b'J', b'U', b'N', b'K'], false).await;
    assert!(fact.reason.contains("not an actor-remote peer"), "{}", fact.reason);
    still_serves(&node).await;
    node.shutdown().await;
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_oversized_and_truncated_first_frames_are_refused() {
    let (system, node) = node().await;
    let fact = raw(&node, &[0xff, 0xff, 0xff, 0xff, 1, 2, 3], false).await;
    assert!(fact.reason.contains("exceeds the limit"), "{}", fact.reason);
    let mut oversized = 5000u32.to_be_bytes().to_vec();
    oversized.extend(std::iter::repeat_n(7u8, 5000));
    let fact = raw(&node, &oversized, false).await;
    assert!(fact.reason.contains("exceeds the limit"), "{}", fact.reason);
    let fact = raw(&node, &[0, 0, 0, 100, b'A', b'C'], true).await;
    assert!(fact.reason.contains("closed the connection"), "{}", fact.reason);
    still_serves(&node).await;
    node.shutdown().await;
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_version_is_named_on_both_sides() {
    refuses_version(9).await;
}

/// Version 1 could not decode version 2's traced headers: a version-1 peer
/// is refused in the handshake, clearly, rather than misreading frames.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_peer_is_refused_on_both_sides() {
    refuses_version(1).await;
}

/// Version 2 could not decode version 3's indexed tells (`TellAt`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_2_peer_is_refused_on_both_sides() {
    refuses_version(2).await;
}

/// Version 3 could not decode version 4's handshake step `Linked`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_3_peer_is_refused_on_both_sides() {
    refuses_version(3).await;
}

async fn refuses_version(version: u16) {
    let (system, node) = node().await;
    let mut hello = b"ACTR".to_vec();
    hello.extend_from_slice(&version.to_be_bytes());
    hello.extend_from_slice(&[0; 40]);
    let mut frame = (hello.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&hello);

    let mut refused = node.system().events().subscribe::<HandshakeFailed>();
    let mut tcp = TcpStream::connect(node.local_addr().unwrap()).await.unwrap();
    tcp.write_all(&frame).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut answer)).await.unwrap().unwrap();
    let fact = next(&mut refused).await;
    let expected = format!("protocol version {version} is not supported (this node speaks 4)");
    assert!(fact.reason.contains(&expected), "{}", fact.reason);
    // The refusal the peer reads says the same.
    assert!(String::from_utf8_lossy(&answer).contains(&expected), "{answer:?}");
    still_serves(&node).await;
    node.shutdown().await;
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_refused_on_both_sides() {
    let (system, node) = node().await;
    let mut refused_here = node.system().events().subscribe::<HandshakeFailed>();
    let (other_system, other) = node_with(|b| b.secret("not-the-secret")).await;
    let mut refused_there = other.system().events().subscribe::<HandshakeFailed>();
    let error = other.connect(&node.local_addr().unwrap().to_string()).await.unwrap_err();
    match &error {
        ConnectError::Handshake { reason: HandshakeError::BadProof, .. } => {}
        other => panic!("expected a bad proof, got {other:?}"),
    }
    assert!(error.to_string().contains("does not know the cluster secret"), "{error}");
    let here = next(&mut refused_here).await;
    assert!(here.reason.contains("proof of the cluster secret is wrong"), "{}", here.reason);
    let there = next(&mut refused_there).await;
    assert!(there.reason.contains("cluster secret"), "{}", there.reason);
    assert!(node.peers().is_empty() && other.peers().is_empty());
    still_serves(&node).await;
    other.shutdown().await;
    node.shutdown().await;
    other_system.shutdown().await;
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_speaks_times_out() {
    let (system, node) = node_with(|b| b.handshake_timeout(Duration::from_millis(200))).await;
    let mut refused = node.system().events().subscribe::<HandshakeFailed>();
    let _silent = TcpStream::connect(node.local_addr().unwrap()).await.unwrap();
    let fact = next(&mut refused).await;
    assert!(fact.reason.contains("did not finish the handshake in time"), "{}", fact.reason);
    still_serves(&node).await;
    node.shutdown().await;
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_handshake_is_refused() {
    let (system, node) = node().await;
    let proxy = Proxy::start(node.local_addr().unwrap()).await;
    let (other_system, other) = crate::common::node().await;
    other.connect(&proxy.addr.to_string()).await.unwrap();
    // Replay the dialer's recorded bytes (hello and proof) on a new connection.
    let recorded = proxy.recorded.lock().clone();
    let fact = raw(&node, &recorded, false).await;
    assert!(fact.reason.contains("does not know the cluster secret"), "{}", fact.reason);
    assert_eq!(node.peers(), vec![other.id()], "only the genuine link is up");
    other.shutdown().await;
    node.shutdown().await;
    other_system.shutdown().await;
    system.shutdown().await;
}

/// A pair linked through a proxy, with the ledger exposed on `b`.
async fn proxied(
    config_a: impl FnOnce(actor_remote::NodeBuilder) -> actor_remote::NodeBuilder,
    config_b: impl FnOnce(actor_remote::NodeBuilder) -> actor_remote::NodeBuilder,
) -> (Pair, Proxy) {
    let (sys_b, b) = node_with(config_b).await;
    let ledger = sys_b.spawn(Ledger::default());
    b.expose("ledger", &ledger).await.unwrap();
    let proxy = Proxy::start(b.local_addr().unwrap()).await;
    let (sys_a, a) = node_with(config_a).await;
    a.connect(&proxy.addr.to_string()).await.unwrap();
    let remote = a.lookup::<Ledger>("ledger").await.unwrap();
    (Pair { a, b, sys_a, sys_b, ledger, remote }, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_and_undecodable_payloads_are_dead_letters_and_the_link_stays() {
    let (pair, proxy) = proxied(|a| a, |b| b).await;
    let mut dead = pair.sys_b.events().subscribe::<DeadLetter>();
    let target = pair.ledger.id().sequence();
    proxy.inject(&actor_remote::__fuzzing::tell_frame(target, "no.such.message.v1", b"\x01"));
    let letter = next(&mut dead).await;
    assert_eq!(letter.to, pair.ledger.id());
    proxy.inject(&actor_remote::__fuzzing::tell_frame(target, "test.double.v1", b""));
    let letter = next(&mut dead).await;
    assert!(letter.message_type.ends_with("Double"), "{letter:?}");
    proxy.inject(&actor_remote::__fuzzing::tell_frame(target + 1000, "test.double.v1", b"\x01"));
    let letter = next(&mut dead).await;
    assert_eq!(letter.to.sequence(), target + 1000);
    // The link is still up and in order.
    pair.remote.tell(Record(1)).await.unwrap();
    assert_eq!(pair.remote.ask(Entries).await.unwrap(), vec![1]);
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_oversized_frames_after_the_handshake_drop_only_that_link() {
    for bytes in [
        &[0, 0, 0, 3, 0xff, 0xff, 0xff][..], // a header that does not decode
        &[0xff, 0xff, 0xff, 0xff][..],       // a frame claiming 4 GiB
        &[0x10, 0, 0, 0][..],                // 256 MiB: over the 8 MiB limit
    ] {
        let (pair, proxy) = proxied(|a| a, |b| b).await;
        let mut dropped = pair.sys_b.events().subscribe::<PeerDisconnected>();
        proxy.inject(bytes);
        let fact = next(&mut dropped).await;
        assert!(fact.reason.contains("protocol error"), "{}", fact.reason);
        assert_eq!(fact.node, pair.a.id());
        still_serves(&pair.b).await;
        pair.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_frame_then_close_is_a_lost_link_not_a_message() {
    let (pair, proxy) = proxied(|a| a.down_after(Duration::from_secs(30)), |b| b).await;
    let mut dropped = pair.sys_b.events().subscribe::<PeerDisconnected>();
    let mut dead = pair.sys_b.events().subscribe::<DeadLetter>();
    let frame = actor_remote::__fuzzing::tell_frame(pair.ledger.id().sequence(), "test.record.v1", b"\x07");
    proxy.inject(&frame[..frame.len() - 1]);
    proxy.close();
    let fact = next(&mut dropped).await;
    assert!(fact.reason.contains("closed"), "{}", fact.reason);
    assert!(dead.try_recv().is_none(), "nothing was delivered nor dead-lettered");
    assert_eq!(pair.ledger.ask(Entries).await.unwrap(), Vec::<u64>::new());
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_stops_reading_bounds_the_senders_memory() {
    // The receiver grants a window larger than anything sent here, so only
    // the sender's outbound buffer can say Full.
    let (pair, proxy) = proxied(
        |a| a.outbound_buffer(64 * 1024).write_timeout(Duration::from_millis(500)),
        |b| b.window(u32::MAX),
    )
    .await;
    let mut dropped = pair.sys_a.events().subscribe::<PeerDisconnected>();
    proxy.stall(true);
    // Kernel buffers take some; then the outbound buffer fills to its
    // bound and try_tell is refused.
    let mut sent = 0u64;
    loop {
        match pair.remote.try_tell(Record(sent)) {
            Ok(()) => sent += 1,
            Err(SendError::Full(_)) => break,
            Err(other) => panic!("unexpected {other:?}"),
        }
        assert!(sent < 2_000_000, "the sender's buffer grew without bound");
        if sent.is_multiple_of(1024) {
            tokio::task::yield_now().await;
        }
    }
    // Senders that keep going wait for room (memory stays bounded), the
    // kernel's buffers fill, and the writer gives up on the stalled link.
    let remote = pair.remote.clone();
    let keep_sending = tokio::spawn(async move {
        while remote.tell(Record(sent)).await.is_ok() {
            sent += 1;
        }
    });
    let fact = next(&mut dropped).await;
    keep_sending.abort();
    assert!(fact.reason.contains("stopped reading"), "{}", fact.reason);
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_of_an_unknown_name_is_answered_with_a_failure_naming_it() {
    let (pair, proxy) = proxied(|a| a, |b| b).await;
    let mut dead = pair.sys_b.events().subscribe::<DeadLetter>();
    let name = "no.such.question.v1";
    proxy.inject(&actor_remote::__fuzzing::ask_frame(pair.ledger.id().sequence(), 9_999_999, name, b""));
    next(&mut dead).await;
    // The answer went back on the link (to a correlation id the asking
    // node does not know, which it drops): it names the message.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !String::from_utf8_lossy(&proxy.answered.lock()).contains(name) {
        assert!(tokio::time::Instant::now() < deadline, "no failure came back");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(pair.remote.ask(Double(2)).await.unwrap(), 4, "the link is still up");
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_asks_but_never_reads_the_answers_is_dropped() {
    // The write timeout is long: the bound on what waits ends it first. So
    // is the detectors' pause: b's heartbeats stall with its answers, and a
    // must not give b up first.
    let patient = |n: actor_remote::NodeBuilder| n.acceptable_pause(Duration::from_secs(600));
    let (pair, proxy) =
        proxied(patient, |b| patient(b).outbound_buffer(64 * 1024).write_timeout(Duration::from_secs(600)))
            .await;
    let mut dropped = pair.sys_b.events().subscribe::<PeerDisconnected>();
    proxy.stall_answers(true);
    let lookups: Vec<u8> =
        (0..10_000u64).flat_map(|corr| actor_remote::__fuzzing::lookup_frame(corr, "x")).collect();
    let flood = async {
        for _ in 0..1_000 {
            proxy.inject(&lookups);
            tokio::task::yield_now().await;
        }
    };
    let fact = tokio::select! {
        // Slow on a loaded machine: ten million lookups go in first.
        fact = tokio::time::timeout(WAIT * 6, dropped.recv()) => fact.expect("the link is dropped").expect("stream open"),
        () = async { flood.await; std::future::pending::<()>().await } => unreachable!(),
    };
    assert!(fact.reason.contains("does not read what it is sent"), "{}", fact.reason);
    proxy.stall_answers(false);
    still_serves(&pair.b).await;
    pair.shutdown().await;
}
