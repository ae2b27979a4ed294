//! tell, try_tell and ask across nodes: same API, same semantics.

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::SendError;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tell_and_ask_cross_nodes_in_order() {
    let pair = pair().await;
    assert_eq!(pair.remote.id(), pair.ledger.id());
    for n in 0..1000 {
        pair.remote.tell(Record(n)).await.unwrap();
    }
    let entries = pair.remote.ask(Entries).await.unwrap();
    assert_eq!(entries, (0..1000).collect::<Vec<_>>());
    assert_eq!(pair.remote.ask(Double(21)).await.unwrap(), 42);
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_works_like_a_local_one() {
    let pair = pair().await;
    let double: Recipient<Double> = pair.a.lookup_recipient("ledger").await.unwrap();
    assert_eq!(double.ask(Double(4)).await.unwrap(), 8);
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_without_a_wire_name_comes_back() {
    let pair = pair().await;
    match pair.remote.tell(LocalOnly(7)).await {
        Err(SendError::Unsupported(LocalOnly(7))) => {}
        other => panic!("expected the message back, got {other:?}"),
    }
    assert_eq!(pair.remote.ask(LocalOnly(7)).await, Err(AskError::Unsupported));
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_fails_the_remote_ask() {
    let pair = pair().await;
    let failed = pair.remote.ask(Double(0)).await.unwrap_err();
    assert_eq!(failed, AskError::Failed(StopReason::Panicked("zero is not doubled".into())));
    // The actor is gone: the next ask says so, and the name is no longer exposed.
    let next = pair.remote.ask(Double(1)).await.unwrap_err();
    assert!(matches!(next, AskError::Stopped(_)), "{next:?}");
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_timeout_holds_across_nodes() {
    let pair = pair().await;
    let slow = pair.remote.ask(Entries);
    pair.remote.tell(Nap(300)).await.unwrap();
    drop(slow);
    let timed_out = pair.remote.ask(Entries).timeout(Duration::from_millis(50)).await;
    assert_eq!(timed_out, Err(AskError::Timeout));
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_remote_actor_makes_senders_wait_and_try_tell_full() {
    let pair = pair_with(|a| a, |b| b.window(8)).await;
    // The remote actor sleeps; its mailbox (capacity from Ledger's default)
    // and the window fill up, then try_tell is refused.
    pair.remote.tell(Nap(400)).await.unwrap();
    let mut accepted = 0u64;
    let full = loop {
        match pair.remote.try_tell(Record(accepted)) {
            Ok(()) => accepted += 1,
            Err(SendError::Full(Record(n))) => break n,
            Err(other) => panic!("unexpected {other:?}"),
        }
        assert!(accepted < 100_000, "try_tell never reported Full");
    };
    assert_eq!(full, accepted);
    // tell waits for room, then gets through, in order.
    tokio::time::timeout(Duration::from_secs(10), pair.remote.tell(Record(accepted))).await.unwrap().unwrap();
    let entries = pair.remote.ask(Entries).await.unwrap();
    assert_eq!(entries, (0..=accepted).collect::<Vec<_>>());
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_of_an_unknown_name_or_type_is_a_clear_error() {
    let pair = pair().await;
    let missing = pair.a.lookup::<Ledger>("nobody").await.unwrap_err();
    assert_eq!(missing, actor_remote::LookupError::NotFound("nobody".into()));
    pair.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_kill_reach_the_remote_actor() {
    let pair = pair().await;
    pair.remote.tell(Record(1)).await.unwrap();
    pair.remote.stop();
    assert_eq!(pair.ledger.wait_for_stop().await, StopReason::Normal);
    // The name went with the actor: a new lookup does not find it.
    let gone = pair.a.lookup::<Ledger>("ledger").await.unwrap_err();
    assert_eq!(gone, actor_remote::LookupError::NotFound("ledger".into()));

    let other = pair.sys_b.spawn(Ledger::default());
    pair.b.expose("other", &other).await.unwrap();
    pair.a.lookup::<Ledger>("other").await.unwrap().kill();
    assert_eq!(other.wait_for_stop().await, StopReason::Killed);
    pair.shutdown().await;
}

/// The same wire name as `Double`, with another reply type: two nodes that
/// disagree about a message.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct SkewedDouble(u64);
impl Message for SkewedDouble {
    type Reply = String;
}
impl actor_core::remote::RemoteMessage for SkewedDouble {
    const NAME: &'static str = "test.double.v1";
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_fails_to_decode_is_a_codec_error() {
    let pair = pair().await;
    let skewed: Recipient<SkewedDouble> = pair.a.lookup_recipient("ledger").await.unwrap();
    match skewed.ask(SkewedDouble(42)).await {
        Err(AskError::Codec(text)) => {
            assert!(text.contains("the reply to test.double.v1 failed to decode"), "{text}")
        }
        other => panic!("expected a codec error, got {other:?}"),
    }
    pair.shutdown().await;
}
