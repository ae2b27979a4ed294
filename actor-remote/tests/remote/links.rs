//! Links that break and come back, and nodes that restart: order holds
//! across a reconnect, asks in flight end as `Unreachable`, and a
//! restarted node's old actors are gone, not revived.

use std::time::Duration;

use actor_core::prelude::*;
use actor_remote::facts::{PeerConnected, PeerDisconnected, PeerDown};
use actor_remote::Node;

use crate::common::*;
use crate::proxy::Proxy;

const WAIT: Duration = Duration::from_secs(10);

/// Waits until `condition` holds (checked every millisecond, for at most
/// [`WAIT`]).
async fn eventually(condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "the condition never held");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn next<E: Event>(events: &mut actor_core::events::Subscription<E>) -> E {
    tokio::time::timeout(WAIT, events.recv()).await.expect("the fact comes").expect("stream open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_link_is_redialed_and_order_holds() {
    let (sys_b, b) = node().await;
    let ledger = sys_b.spawn(Ledger::default());
    b.expose("ledger", &ledger).await.unwrap();
    let proxy = Proxy::start(b.local_addr().unwrap()).await;
    let (sys_a, a) = node().await;
    let mut up = sys_a.events().subscribe::<PeerConnected>();
    let mut down = sys_a.events().subscribe::<PeerDisconnected>();
    a.connect(&proxy.addr.to_string()).await.unwrap();
    next(&mut up).await;
    let remote = a.lookup::<Ledger>("ledger").await.unwrap();
    for n in 0..100 {
        remote.tell(Record(n)).await.unwrap();
    }
    assert_eq!(remote.ask(Entries).await.unwrap().len(), 100);

    // An ask in flight when the link breaks ends at once, as Unreachable.
    remote.tell(Nap(300)).await.unwrap();
    let in_flight = tokio::spawn({
        let remote = remote.clone();
        async move { remote.ask(Entries).await }
    });
    // The ask has crossed once it waits in the ledger's mailbox.
    eventually(|| ledger.mailbox_len() == Some(1)).await;
    proxy.cut();
    next(&mut down).await;
    assert_eq!(in_flight.await.unwrap(), Err(AskError::Unreachable));

    // Messages sent while the link is down wait for it, and arrive in order.
    for n in 100..200 {
        remote.tell(Record(n)).await.unwrap();
    }
    let back = next(&mut up).await;
    assert_eq!(back.node, b.id());
    let entries = remote.ask(Entries).await.unwrap();
    assert_eq!(entries, (0..200).collect::<Vec<_>>());
    a.shutdown().await;
    b.shutdown().await;
    sys_a.shutdown().await;
    sys_b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_is_a_new_incarnation_and_old_handles_are_gone() {
    let (sys_b, b) = node().await;
    let addr = b.local_addr().unwrap().to_string();
    let first = sys_b.spawn(Ledger::default());
    b.expose("ledger", &first).await.unwrap();
    let (sys_a, a) = node_with(|n| n.seed(addr.clone())).await;
    assert!(a.wait_for_peer(b.id(), WAIT).await);
    let old = a.lookup::<Ledger>("ledger").await.unwrap();
    old.tell(Record(1)).await.unwrap();
    let mut gone = sys_a.events().subscribe::<PeerDown>();

    // The node restarts on the same address: same system, new incarnation.
    let old_incarnation = b.incarnation();
    b.shutdown().await;
    let b2 = Node::builder(&sys_b).listen(addr).secret(SECRET).start().await.unwrap();
    assert_ne!(b2.incarnation(), old_incarnation);
    let second = sys_b.spawn(Ledger::default());
    b2.expose("ledger", &second).await.unwrap();

    let down = next(&mut gone).await;
    assert_eq!((down.node, down.incarnation), (b.id(), old_incarnation));
    assert_eq!(old.wait_for_stop().await, StopReason::NodeDown);
    assert!(matches!(old.tell(Record(2)).await, Err(SendError::Closed(Record(2)))));
    assert_eq!(old.ask(Entries).await, Err(AskError::Stopped(Some(StopReason::NodeDown))));

    // A fresh lookup finds the new incarnation's actor.
    assert!(a.wait_for_peer(b2.id(), WAIT).await);
    let new = a.lookup::<Ledger>("ledger").await.unwrap();
    new.tell(Record(3)).await.unwrap();
    assert_eq!(new.ask(Entries).await.unwrap(), vec![3]);
    a.shutdown().await;
    b2.shutdown().await;
    sys_a.shutdown().await;
    sys_b.shutdown().await;
}

/// Records the watch notices it gets.
struct Watcher {
    target: ActorRef<Ledger>,
    notices: tokio::sync::mpsc::UnboundedSender<Terminated>,
}

impl Actor for Watcher {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.watch(&self.target);
        Ok(())
    }

    async fn on_terminated(&mut self, _ctx: &mut Context<Self>, terminated: Terminated) {
        let _ = self.notices.send(terminated);
    }
}

struct Ready;
impl Message for Ready {
    type Reply = ();
}
impl Handler<Ready> for Watcher {
    async fn handle(&mut self, _: Ready, _: &mut Context<Self>) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_unreachable_past_down_after_is_down_and_watchers_are_told() {
    let (sys_b, b) = node().await;
    let ledger = sys_b.spawn(Ledger::default());
    b.expose("ledger", &ledger).await.unwrap();
    let (sys_a, a) = node_with(|n| n.down_after(Duration::from_millis(300))).await;
    a.connect(&b.local_addr().unwrap().to_string()).await.unwrap();
    let remote = a.lookup::<Ledger>("ledger").await.unwrap();
    let (tx, mut notices) = tokio::sync::mpsc::unbounded_channel();
    let watcher = sys_a.spawn(Watcher { target: remote.clone(), notices: tx });
    let mut gone = sys_a.events().subscribe::<PeerDown>();
    watcher.ask(Ready).await.unwrap(); // on_start (and its watch) ran
    b.shutdown().await; // nothing listens there any more

    let down = next(&mut gone).await;
    assert_eq!(down.node, b.id());
    let notice = tokio::time::timeout(WAIT, notices.recv()).await.unwrap().unwrap();
    assert_eq!((notice.id, notice.reason), (remote.id(), StopReason::NodeDown));
    assert!(!remote.is_alive());
    a.shutdown().await;
    sys_a.shutdown().await;
    sys_b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_last_node_handle_closes_it() {
    let pair = pair().await;
    let Pair { a, b, sys_a, sys_b, remote, .. } = pair;
    let mut gone = sys_a.events().subscribe::<PeerDown>();
    let mut disconnected = sys_a.events().subscribe::<PeerDisconnected>();
    drop(b); // without shutdown: its links close
    let fact = next(&mut disconnected).await;
    // Closed, or reset if gossip was still unread in b's socket.
    assert_eq!(fact.node, sys_b.node_id(), "{}", fact.reason);
    drop(a); // a's own peers are given up at once
    let down = next(&mut gone).await;
    assert_eq!(down.node, sys_b.node_id());
    assert_eq!(remote.wait_for_stop().await, StopReason::NodeDown);
    sys_a.shutdown().await;
    sys_b.shutdown().await;
}

/// A second link between two linked nodes replaces the first while tells
/// stream over it: here the dialer's end of the first link breaks while
/// the other node still holds its own end (a one-sided break, as after a
/// reset that only one side saw), so the dialer redials and the other node
/// takes the new link in place of the old. What the actor receives stays
/// in order and nothing comes twice: the first link's reader hands nothing
/// on once the second is current (what it still held is lost with it: at
/// most once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_replaced_while_tells_stream_keeps_their_order() {
    const N: u64 = 20_000;
    let mut lost = Vec::new();
    for _ in 0..8 {
        let (sa, a) = node().await;
        let (sb, b) = node().await;
        let ledger = sb.spawn(Ledger::default());
        b.expose("ledger", &ledger).await.unwrap();
        let proxy = Proxy::start(b.local_addr().unwrap()).await;
        a.connect(&proxy.addr.to_string()).await.expect("linked");
        let remote = a.lookup::<Ledger>("ledger").await.expect("found");
        let quarter = std::sync::Arc::new(tokio::sync::Notify::new());
        let sender = {
            let (remote, quarter) = (remote.clone(), quarter.clone());
            tokio::spawn(async move {
                for n in 0..N {
                    if n == N / 4 {
                        quarter.notify_one();
                    }
                    remote.tell(Record(n)).await.expect("sent");
                }
            })
        };
        quarter.notified().await;
        let mut replaced = sb.events().subscribe::<PeerConnected>();
        proxy.sever_client();
        assert_eq!(next(&mut replaced).await.node, a.id(), "the second link replaced the first");
        tokio::time::timeout(WAIT, sender).await.expect("the sender ends").unwrap();
        let entries = remote.ask(Entries).await.expect("entries");
        assert!(entries.windows(2).all(|w| w[0] < w[1]), "out of order or twice: {entries:?}");
        assert_eq!(entries.last(), Some(&(N - 1)));
        lost.push(N as usize - entries.len());
        a.shutdown().await;
        b.shutdown().await;
        drop((sa, sb));
    }
    eprintln!("messages lost with the replaced link, per round: {lost:?}");
}

/// Two nodes that dial each other at the same moment (each a seed of the
/// other, or a discovery that answers both ways) keep one link, settled
/// in the handshake: neither sees a second link come up and replace the
/// first (which would end the asks waiting on it as `Unreachable`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_dialing_each_other_at_once_keep_one_link() {
    for round in 0..40 {
        let (sa, a) = node().await;
        let (sb, b) = node().await;
        let mut ups_a = sa.events().subscribe::<PeerConnected>();
        let mut ups_b = sb.events().subscribe::<PeerConnected>();
        let ledger = sb.spawn(Ledger::default());
        b.expose("ledger", &ledger).await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap().to_string(), b.local_addr().unwrap().to_string());
        let (from_a, from_b) = tokio::join!(a.connect(&b_addr), b.connect(&a_addr));
        assert_eq!(from_a.expect("a linked"), b.id(), "round {round}");
        assert_eq!(from_b.expect("b linked"), a.id(), "round {round}");
        // Both dials have ended: any second link would be up by now.
        let remote = a.lookup::<Ledger>("ledger").await.expect("found");
        remote.tell(Record(round)).await.unwrap();
        assert_eq!(remote.ask(Entries).await, Ok(vec![round]), "round {round}");
        assert_eq!(next(&mut ups_a).await.node, b.id());
        assert_eq!(next(&mut ups_b).await.node, a.id());
        assert!(ups_a.try_recv().is_none(), "a second link came up on a in round {round}");
        assert!(ups_b.try_recv().is_none(), "a second link came up on b in round {round}");
        a.shutdown().await;
        b.shutdown().await;
        drop((sa, sb));
    }
}
