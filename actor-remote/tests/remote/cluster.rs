//! The cluster: members found through one seed, failures detected and
//! agreed on, graceful leaves, remote watch, shared facts and cluster-wide
//! names. Nodes run in one process on loopback with a fast failure
//! detector; partitions go through a proxy that can go silent.

use std::collections::HashMap;
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::RemoteMessage;
use actor_remote::facts::{NameLost, NodeDown, NodeLeft, NodeUp, PeerDown};
use actor_remote::{ExposeError, Node, NodeBuilder};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::common::*;
use crate::proxy::Proxy;

const WAIT: Duration = Duration::from_secs(20);

/// A detector that decides within about a second and a half (and that
/// absorbs the stalls of a loaded two-core CI machine).
fn fast(builder: NodeBuilder) -> NodeBuilder {
    builder
        .heartbeat_interval(Duration::from_millis(100))
        .acceptable_pause(Duration::from_millis(600))
        .suspect_timeout(Duration::from_millis(500))
        .lookup_timeout(Duration::from_secs(2))
}

async fn start(seed: Option<String>) -> (ActorSystem, Node) {
    node_with(|b| {
        let b = fast(b);
        match seed {
            Some(seed) => b.seed(seed),
            None => b,
        }
    })
    .await
}

/// Waits until every node sees `n` other members.
async fn converge(nodes: &[&Node], n: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if nodes.iter().all(|node| node.members().len() == n && node.peers().len() == n) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "the cluster never converged");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn next<E: Event>(events: &mut actor_core::events::Subscription<E>) -> E {
    tokio::time::timeout(WAIT, events.recv()).await.expect("the fact comes").expect("stream open")
}

/// Watches what it is told to and reports every notice.
struct Watcher {
    notices: mpsc::UnboundedSender<Terminated>,
}
impl Actor for Watcher {
    async fn on_terminated(&mut self, _: &mut Context<Self>, terminated: Terminated) {
        let _ = self.notices.send(terminated);
    }
}
struct WatchIt(ActorRef<Ledger>);
impl Message for WatchIt {
    type Reply = ();
}
impl Handler<WatchIt> for Watcher {
    async fn handle(&mut self, WatchIt(target): WatchIt, ctx: &mut Context<Self>) {
        ctx.watch(&target);
    }
}

fn watcher(system: &ActorSystem) -> (ActorRef<Watcher>, mpsc::UnboundedReceiver<Terminated>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (system.spawn(Watcher { notices: tx }), rx)
}

async fn notice(rx: &mut mpsc::UnboundedReceiver<Terminated>) -> Terminated {
    tokio::time::timeout(WAIT, rx.recv()).await.expect("a notice comes").expect("watcher alive")
}

/// No second notice within a detector's decision time.
async fn no_more(rx: &mut mpsc::UnboundedReceiver<Terminated>) {
    let extra = tokio::time::timeout(Duration::from_millis(1500), rx.recv()).await;
    assert!(extra.is_err(), "a second notice came: {extra:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_find_each_other_through_one_seed() {
    let (_sa, a) = start(None).await;
    let seed = a.local_addr().unwrap().to_string();
    // Subscribed before b starts: b may hear of a before `start` returns.
    let sb = ActorSystem::new();
    let mut b_ups = sb.events().subscribe::<NodeUp>();
    let b = fast(Node::builder(&sb).listen("127.0.0.1:0").secret(SECRET))
        .seed(seed.clone())
        .start()
        .await
        .unwrap();
    let (_sc, c) = start(Some(seed)).await;
    converge(&[&a, &b, &c], 2).await;
    // b was never told c's address: gossip did.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        seen.push(next(&mut b_ups).await.node);
    }
    seen.sort();
    let mut expected = vec![a.id(), c.id()];
    expected.sort();
    assert_eq!(seen, expected);
    let c_seen_by_b = b.members().into_iter().find(|m| m.node == c.id()).unwrap();
    assert_eq!(c_seen_by_b.incarnation, c.incarnation());
    for node in [&a, &b, &c] {
        node.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_member_is_down_everywhere_within_the_detector_bound_and_watchers_hear_once() {
    let (sa, a) = start(None).await;
    let seed = a.local_addr().unwrap().to_string();
    let (sb, b) = start(Some(seed.clone())).await;
    let (sc, c) = start(Some(seed)).await;
    converge(&[&a, &b, &c], 2).await;
    let ledger = sc.spawn(Ledger::default());
    c.expose("ledger", &ledger).await.unwrap();
    let remote = b.lookup::<Ledger>("ledger").await.unwrap();
    let (watching, mut notices) = watcher(&sb);
    watching.ask(WatchIt(remote.clone())).await.unwrap();
    // The watch has reached c once c's actor counts it (a round trip).
    remote.ask(Entries).await.unwrap();

    let (mut a_down, mut b_down) = (sa.events().subscribe::<NodeDown>(), sb.events().subscribe::<NodeDown>());
    let bound = fast(Node::builder(&sa)).detection_time();
    let crashed = tokio::time::Instant::now();
    // No goodbye: to the others this is a crash.
    c.shutdown().await;
    let down = next(&mut a_down).await;
    assert_eq!((down.node, down.incarnation), (c.id(), c.incarnation()));
    assert_eq!(next(&mut b_down).await.node, c.id());
    let took = crashed.elapsed();
    // Gossip and scheduling add a little to the detector's own bound.
    assert!(took < bound * 3, "detected after {took:?}; the bound is {bound:?}");
    let told = notice(&mut notices).await;
    assert_eq!((told.id, told.reason), (remote.id(), StopReason::NodeDown));
    no_more(&mut notices).await;
    assert_eq!(a.members().len(), 1);
    assert_eq!(remote.ask(Entries).await, Err(AskError::Stopped(Some(StopReason::NodeDown))));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_leaves_is_left_not_down() {
    let (sa, a) = start(None).await;
    let seed = a.local_addr().unwrap().to_string();
    let (_sb, b) = start(Some(seed.clone())).await;
    let (sc, c) = start(Some(seed)).await;
    converge(&[&a, &b, &c], 2).await;
    let (mut a_left, mut c_left) = (sa.events().subscribe::<NodeLeft>(), sc.events().subscribe::<NodeLeft>());
    let (mut a_down, mut c_down) = (sa.events().subscribe::<NodeDown>(), sc.events().subscribe::<NodeDown>());
    b.leave().await;
    for left in [&mut a_left, &mut c_left] {
        let fact = next(left).await;
        assert_eq!((fact.node, fact.incarnation), (b.id(), b.incarnation()));
    }
    assert_eq!(a.members().len(), 1);
    assert_eq!(c.members().len(), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await; // a down would come within this
    assert!(a_down.try_recv().is_none() && c_down.try_recv().is_none(), "a leave was reported as a failure");
    a.shutdown().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_watch_reports_the_actors_own_reason_once() {
    let pair = pair_with(fast, fast).await;
    let (watching, mut notices) = watcher(&pair.sys_a);
    watching.ask(WatchIt(pair.remote.clone())).await.unwrap();
    pair.remote.ask(Entries).await.unwrap();
    // Watching twice is one watch.
    watching.ask(WatchIt(pair.remote.clone())).await.unwrap();
    pair.ledger.stop();
    let told = notice(&mut notices).await;
    assert_eq!((told.id, told.reason), (pair.remote.id(), StopReason::Normal));
    no_more(&mut notices).await;

    // Watching an actor that already stopped is told at once, with its reason.
    let (late, mut late_notices) = watcher(&pair.sys_a);
    late.ask(WatchIt(pair.remote.clone())).await.unwrap();
    assert_eq!(notice(&mut late_notices).await.reason, StopReason::Normal);

    // The node going down later tells nobody twice.
    pair.b.shutdown().await;
    no_more(&mut notices).await;
    pair.a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_and_its_notice_survive_a_broken_link() {
    let (sys_b, b) = start(None).await;
    let ledger = sys_b.spawn(Ledger::default());
    b.expose("ledger", &ledger).await.unwrap();
    let proxy = Proxy::start(b.local_addr().unwrap()).await;
    // a dials only through the proxy: b does not dial a (a does not listen).
    let sys_a = ActorSystem::new();
    let a = fast(Node::builder(&sys_a).secret(SECRET)).start().await.unwrap();
    a.connect(&proxy.addr.to_string()).await.unwrap();
    let remote = a.lookup::<Ledger>("ledger").await.unwrap();
    let (watching, mut notices) = watcher(&sys_a);
    watching.ask(WatchIt(remote.clone())).await.unwrap();
    remote.ask(Entries).await.unwrap();
    // The link breaks; the actor stops while it is down.
    proxy.cut();
    ledger.stop();
    let told = notice(&mut notices).await;
    assert_eq!((told.id, told.reason), (remote.id(), StopReason::Normal));
    no_more(&mut notices).await;
    a.shutdown().await;
    b.shutdown().await;
}

/// A fact every node shares: who published it, and its number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Tick {
    from: u8,
    n: u32,
}
impl Event for Tick {}
impl Message for Tick {
    type Reply = ();
}
impl RemoteMessage for Tick {
    const NAME: &'static str = "test.tick.v1";
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_facts_reach_every_member_once_in_order() {
    const N: u32 = 2_000;
    let (sa, a) = start(None).await;
    let seed = a.local_addr().unwrap().to_string();
    let (sb, b) = start(Some(seed.clone())).await;
    let (sc, c) = start(Some(seed)).await;
    converge(&[&a, &b, &c], 2).await;
    let systems = [&sa, &sb, &sc];
    let mut subs: Vec<_> = systems
        .iter()
        .map(|s| {
            s.events()
                .subscribe_with(actor_core::events::SubscribeOptions::<Tick>::new().buffer(8 * N as usize))
        })
        .collect();
    for node in [&a, &b, &c] {
        // A buffer that holds a burst: the publishers below never yield.
        node.share_events_with::<Tick>(N as usize, actor_core::events::Overflow::DropOldest);
        node.share_events::<Tick>(); // again: nothing changes
    }
    for (from, system) in systems.iter().enumerate() {
        let publisher = system.events().publisher::<Tick>();
        for n in 0..N {
            publisher.publish(Tick { from: from as u8, n });
        }
    }
    for sub in &mut subs {
        let mut last: HashMap<u8, u32> = HashMap::new();
        for _ in 0..3 * N {
            let tick = next(sub).await;
            let expected = last.get(&tick.from).map_or(0, |n| n + 1);
            assert_eq!(tick.n, expected, "out of order or duplicated from {}", tick.from);
            last.insert(tick.from, tick.n);
        }
        assert!(tokio::time::timeout(Duration::from_millis(300), sub.recv()).await.is_err(), "an extra fact");
        assert_eq!(sub.dropped(), 0);
    }
    for node in [&a, &b, &c] {
        node.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_member_does_not_slow_the_publisher() {
    // The default detector: b stays a member while a publishes.
    let (sys_b, b) = node().await;
    let proxy = Proxy::start(b.local_addr().unwrap()).await;
    let sys_a = ActorSystem::new();
    let a = Node::builder(&sys_a).secret(SECRET).outbound_buffer(64 * 1024).start().await.unwrap();
    a.connect(&proxy.addr.to_string()).await.unwrap();
    converge(&[&a, &b], 1).await;
    a.share_events::<Tick>();
    b.share_events::<Tick>();
    let mut drops = sys_a.events().subscribe::<actor_remote::facts::SharedEventsDropped>();
    proxy.partition(true);
    // Publish in batches until b's link is full (the kernel's socket
    // buffers take a few MB first): no batch may wait on b.
    let publisher = sys_a.events().publisher::<Tick>();
    let mut slowest = Duration::ZERO;
    let mut dropped = None;
    for batch in 0..500u32 {
        let started = std::time::Instant::now();
        for n in 0..10_000 {
            publisher.publish(Tick { from: 0, n: batch * 10_000 + n });
        }
        slowest = slowest.max(started.elapsed());
        tokio::task::yield_now().await; // let the sending task run
        if let Some(fact) = drops.try_recv() {
            dropped = Some(fact);
            break;
        }
    }
    let dropped = dropped.expect("b's link filled up and facts for it were dropped");
    assert_eq!(dropped.node, b.id());
    assert!(slowest < Duration::from_secs(1), "a batch of 10 000 publishes took {slowest:?}");
    proxy.partition(false);
    a.shutdown().await;
    b.shutdown().await;
    drop(sys_b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_names_one_actor_in_the_cluster() {
    let (_sa, a) = start(None).await;
    let seed = a.local_addr().unwrap().to_string();
    let (sb, b) = start(Some(seed.clone())).await;
    let (sc, c) = start(Some(seed)).await;
    converge(&[&a, &b, &c], 2).await;
    let first = sb.spawn(Ledger::default());
    b.expose("svc", &first).await.unwrap();
    let second = sc.spawn(Ledger::default());
    match c.expose("svc", &second).await {
        Err(ExposeError::NameHeldBy { holder, .. }) => assert_eq!(holder, b.id()),
        other => panic!("the second claim should lose: {other:?}"),
    }
    // Every node finds the one holder.
    for node in [&a, &c] {
        let svc = node.lookup::<Ledger>("svc").await.unwrap();
        svc.tell(Record(1)).await.unwrap();
        svc.ask(Entries).await.unwrap(); // after the tell: per-pair order
    }
    assert_eq!(first.ask(Entries).await.unwrap(), vec![1, 1]);
    // The name goes with its actor, and is free again.
    first.stop();
    first.wait_for_stop().await;
    c.expose("svc", &second).await.unwrap();
    let svc = a.lookup::<Ledger>("svc").await.unwrap();
    svc.tell(Record(2)).await.unwrap();
    assert_eq!(svc.id(), second.id());
    assert_eq!(svc.ask(Entries).await.unwrap(), vec![2]);
    for node in [&a, &b, &c] {
        node.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_is_detected_both_ways_and_healing_settles_names() {
    // b listens behind a proxy it advertises; a does not listen: every
    // link between them crosses the proxy, which can go silent.
    let sys_b = ActorSystem::new();
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_addr = probe.local_addr().unwrap();
    drop(probe);
    let proxy = Proxy::start(b_addr).await;
    let b = fast(Node::builder(&sys_b).secret(SECRET))
        .listen(b_addr.to_string())
        .advertise(proxy.addr.to_string())
        .start()
        .await
        .unwrap();
    let sys_a = ActorSystem::new();
    let a = fast(Node::builder(&sys_a).secret(SECRET)).seed(proxy.addr.to_string()).start().await.unwrap();
    converge(&[&a, &b], 1).await;
    let ledger = sys_b.spawn(Ledger::default());
    b.expose("ledger", &ledger).await.unwrap();
    let remote = a.lookup::<Ledger>("ledger").await.unwrap();
    let (watching, mut notices) = watcher(&sys_a);
    watching.ask(WatchIt(remote.clone())).await.unwrap();
    remote.ask(Entries).await.unwrap();

    let (mut a_down, mut b_down) =
        (sys_a.events().subscribe::<NodeDown>(), sys_b.events().subscribe::<NodeDown>());
    let mut a_up = sys_a.events().subscribe::<NodeUp>();
    let mut names_lost = sys_a.events().subscribe::<NameLost>();
    let mut names_lost_b = sys_b.events().subscribe::<NameLost>();
    proxy.partition(true);
    assert_eq!(next(&mut a_down).await.node, b.id());
    assert_eq!(next(&mut b_down).await.node, a.id());
    let told = notice(&mut notices).await;
    assert_eq!(told.reason, StopReason::NodeDown);

    // During the partition both sides expose one name.
    let mine = sys_a.spawn(Ledger::default());
    a.expose("svc", &mine).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2)).await;
    let theirs = sys_b.spawn(Ledger::default());
    b.expose("svc", &theirs).await.unwrap();

    proxy.partition(false);
    // b comes back (as a rejoin of the same incarnation)...
    let up = next(&mut a_up).await;
    assert_eq!((up.node, up.incarnation), (b.id(), b.incarnation()));
    // ...its old actors are not revived: the handle stays stopped...
    assert_eq!(remote.ask(Entries).await, Err(AskError::Stopped(Some(StopReason::NodeDown))));
    no_more(&mut notices).await;
    // ...and the younger claim of "svc" (b's) is withdrawn.
    let fact = next(&mut names_lost_b).await;
    assert_eq!((fact.name.as_str(), fact.holder), ("svc", a.id()));
    assert!(names_lost.try_recv().is_none());
    let svc = b.lookup::<Ledger>("svc").await.unwrap();
    assert_eq!(svc.id(), mine.id());
    a.shutdown().await;
    b.shutdown().await;
}

/// A member that leaves and is started again at once on the same address
/// (another node) is given up everywhere: the others publish `PeerDown` for
/// the one that left, so no link state, buffer or redial is kept for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_left_and_was_restarted_on_its_address_is_given_up() {
    let (sa, a) = start(None).await;
    let seed = a.local_addr().unwrap().to_string();
    let (sc, c) = start(Some(seed.clone())).await;
    let addr = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        free.local_addr().unwrap().to_string()
    };
    let start_b = || {
        let (seed, addr) = (seed.clone(), addr.clone());
        node_with(move |b| fast(b).listen(addr).seed(seed))
    };
    let (_sb, mut b) = start_b().await;
    for round in 0..4 {
        converge(&[&a, &b, &c], 2).await;
        let (mut a_gone, mut c_gone) =
            (sa.events().subscribe::<PeerDown>(), sc.events().subscribe::<PeerDown>());
        let (left, incarnation) = (b.id(), b.incarnation());
        b.leave().await;
        let (_sb, next_b) = start_b().await; // at once, on the same address
        b = next_b;
        for gone in [&mut a_gone, &mut c_gone] {
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let fact = tokio::time::timeout_at(deadline, gone.recv())
                    .await
                    .unwrap_or_else(|_| panic!("round {round}: the member that left was never given up"))
                    .expect("stream open");
                if fact.node == left {
                    assert_eq!(fact.incarnation, incarnation);
                    break;
                }
            }
        }
    }
    b.shutdown().await;
    a.shutdown().await;
    c.shutdown().await;
}

/// A node that redials a lost peer and reaches another node at its address
/// (the peer was restarted there) gives the lost one up at once, without
/// waiting for the failure detector: `PeerDown` for it, and the link to the
/// successor is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redial_that_reaches_a_successor_gives_the_lost_peer_up() {
    // The default detector: it would take about 6.5 s to say so.
    let (sa, a) = node_with(|b| b).await;
    let addr = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        free.local_addr().unwrap().to_string()
    };
    let listen_at = |addr: String| node_with(move |b| b.listen(addr));
    let (_sb, b) = listen_at(addr.clone()).await;
    assert_eq!(a.connect(&addr).await.expect("linked"), b.id()); // a dialed: a redials
    let mut gone = sa.events().subscribe::<PeerDown>();
    let (lost, incarnation) = (b.id(), b.incarnation());
    b.shutdown().await; // not a leave: the link just breaks
    let (_sb, successor) = listen_at(addr).await;
    let started = tokio::time::Instant::now();
    let fact = next(&mut gone).await;
    assert_eq!((fact.node, fact.incarnation), (lost, incarnation));
    assert!(started.elapsed() < Duration::from_secs(3), "given up after {:?}", started.elapsed());
    assert!(a.wait_for_peer(successor.id(), WAIT).await, "linked to the successor");
    a.shutdown().await;
    successor.shutdown().await;
}

/// The test kit's event probe on one member sees the facts another member
/// shares, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_probe_on_one_member_sees_the_facts_another_shares() {
    let (sa, a) = start(None).await;
    let seed = a.local_addr().unwrap().to_string();
    let (sb, b) = start(Some(seed)).await;
    converge(&[&a, &b], 1).await;
    a.share_events::<Tick>();
    b.share_events::<Tick>();
    let mut probe = actor_testkit::EventProbe::new(&sb).with_timeout(WAIT).subscribe::<Tick>();
    for n in 0..3 {
        sa.events().publish(Tick { from: 0, n });
    }
    for n in 0..3 {
        assert_eq!(probe.expect_event::<Tick>().await, Tick { from: 0, n });
    }
    probe.expect_no_event::<Tick>(Duration::from_millis(300)).await;
    a.shutdown().await;
    b.shutdown().await;
}
