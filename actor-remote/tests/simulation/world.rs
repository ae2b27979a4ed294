//! The simulated cluster: turmoil hosts, each running one node, and a
//! driver (a turmoil client that is a node too) that plays a scenario.
//!
//! Every host records the membership facts its node publishes in one log
//! shared by the whole simulation (it runs on one thread), stamped with the
//! simulation's virtual time; the driver awaits facts in that log. Crashing
//! and restarting a host is done by the loop that steps the simulation, on
//! the driver's request.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_core::NodeId;
use actor_remote::facts::{NodeDown, NodeLeft, NodeReachable, NodeSuspect, NodeUp};
use actor_remote::{Node, NodeBuilder};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, watch};

use crate::net::SimNet;

pub(crate) const SECRET: &str = "simulation-secret";
pub(crate) const PORT: u16 = 7000;
/// How far virtual time moves in one step of the simulation (each host
/// runs that long, then the network delivers what is due).
pub(crate) const TICK: Duration = Duration::from_millis(2);
/// The longest a scenario waits for one thing to happen (virtual time).
pub(crate) const WAIT: Duration = Duration::from_secs(30);

pub(crate) fn addr(host: &str) -> String {
    format!("{host}:{PORT}")
}

/// The detector every node uses: heartbeats every 100 ms, a 600 ms pause
/// absorbed, suspects declared down after 500 ms (the loopback tests'
/// settings, so the two suites measure the same thing).
pub(crate) fn detector(builder: NodeBuilder) -> NodeBuilder {
    builder
        .heartbeat_interval(Duration::from_millis(100))
        .acceptable_pause(Duration::from_millis(600))
        .suspect_timeout(Duration::from_millis(500))
        .lookup_timeout(Duration::from_secs(2))
}

/// A node on host `me`, seeded with the other hosts (a static seed list,
/// as a deployment would have).
pub(crate) fn builder(system: &ActorSystem, me: &str, hosts: &[&str], net: SimNet) -> NodeBuilder {
    let mut builder = detector(Node::builder(system))
        .network(net)
        .listen(format!("0.0.0.0:{PORT}"))
        .advertise(addr(me))
        .secret(SECRET);
    for host in hosts.iter().filter(|h| **h != me) {
        builder = builder.seed(addr(host));
    }
    builder
}

/// What a host saw, when (virtual time since the simulation started).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) at: Duration,
    pub(crate) host: &'static str,
    pub(crate) fact: Fact,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Fact {
    /// The host's node started.
    Started {
        node: NodeId,
        incarnation: u64,
    },
    Up {
        node: NodeId,
        incarnation: u64,
    },
    Suspect {
        node: NodeId,
        incarnation: u64,
    },
    Reachable {
        node: NodeId,
        incarnation: u64,
    },
    Down {
        node: NodeId,
        incarnation: u64,
    },
    Left {
        node: NodeId,
        incarnation: u64,
    },
}

/// The facts of every host, in the order they happened.
#[derive(Clone)]
pub(crate) struct Log {
    entries: Rc<RefCell<Vec<Entry>>>,
    changed: Rc<watch::Sender<usize>>,
}

impl Log {
    fn new() -> Self {
        Log { entries: Rc::default(), changed: Rc::new(watch::Sender::new(0)) }
    }

    pub(crate) fn push(&self, host: &'static str, fact: Fact) {
        let at = turmoil::sim_elapsed().unwrap_or_default();
        tracing::debug!(?at, host, ?fact, "fact");
        self.entries.borrow_mut().push(Entry { at, host, fact });
        self.changed.send_modify(|n| *n += 1);
    }

    /// The entries of `host` that match.
    pub(crate) fn of(&self, host: &str, matches: impl Fn(&Fact) -> bool) -> Vec<Entry> {
        self.entries.borrow().iter().filter(|e| e.host == host && matches(&e.fact)).cloned().collect()
    }

    /// Waits (at most [`WAIT`] of virtual time) for the first entry after
    /// index `from` that `host` recorded and that matches; panics with
    /// `what` if none comes.
    pub(crate) async fn wait(
        &self,
        from: usize,
        host: &str,
        what: &str,
        matches: impl Fn(&Fact) -> bool,
    ) -> Entry {
        let mut changed = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found =
                self.entries.borrow().iter().skip(from).find(|e| e.host == host && matches(&e.fact)).cloned();
            if let Some(entry) = found {
                return entry;
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                _ => panic!("{host} never saw {what}; the log:\n{}", self.dump()),
            }
        }
    }

    /// Waits (at most [`WAIT`] of virtual time) until `done` holds for
    /// the log; panics with `what` if it does not.
    pub(crate) async fn wait_until(&self, what: &str, done: impl Fn(&Log) -> bool) {
        let mut changed = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        while !done(self) {
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                _ => panic!("never saw {what}; the log:\n{}", self.dump()),
            }
        }
    }

    /// The last membership fact `host` recorded about `node`.
    pub(crate) fn last_about(&self, host: &str, node: NodeId) -> Option<Fact> {
        self.entries.borrow().iter().rev().filter(|e| e.host == host).find_map(|e| match e.fact {
            Fact::Started { .. } => None,
            Fact::Up { node: n, .. }
            | Fact::Suspect { node: n, .. }
            | Fact::Reachable { node: n, .. }
            | Fact::Down { node: n, .. }
            | Fact::Left { node: n, .. } => (n == node).then(|| e.fact.clone()),
        })
    }

    /// The first start of `host` recorded after `from`.
    pub(crate) async fn restarted(&self, from: usize, host: &str) -> (NodeId, u64) {
        match self.wait(from, host, "a start", |f| matches!(f, Fact::Started { .. })).await.fact {
            Fact::Started { node, incarnation } => (node, incarnation),
            _ => unreachable!(),
        }
    }

    /// The entries recorded after index `from`.
    pub(crate) fn entries_since(&self, from: usize) -> Vec<Entry> {
        self.entries.borrow().iter().skip(from).cloned().collect()
    }

    /// How many entries there are: a mark to wait from.
    pub(crate) fn mark(&self) -> usize {
        self.entries.borrow().len()
    }

    pub(crate) fn dump(&self) -> String {
        self.entries
            .borrow()
            .iter()
            .map(|e| format!("  {:>10?} {:>2} {:?}\n", e.at, e.host, e.fact))
            .collect()
    }

    /// The node `host` runs now (its last start).
    pub(crate) fn started(&self, host: &str) -> (NodeId, u64) {
        self.try_started(host).unwrap_or_else(|| panic!("{host} has not started"))
    }

    /// The node `host` runs now, if it has started.
    pub(crate) fn try_started(&self, host: &str) -> Option<(NodeId, u64)> {
        self.entries.borrow().iter().rev().find_map(|e| match e.fact {
            Fact::Started { node, incarnation } if e.host == host => Some((node, incarnation)),
            _ => None,
        })
    }
}

/// Records the membership facts of `system` in the log, until the host
/// stops. It subscribes at once (call it before the node starts: a start
/// dials the seeds, and members come up during it); the facts go into the
/// log once the returned future runs.
pub(crate) fn record(
    system: ActorSystem,
    host: &'static str,
    log: Log,
) -> impl std::future::Future<Output = ()> {
    let events = system.events();
    let (mut up, mut suspect, mut reachable, mut down, mut left) = (
        events.subscribe::<NodeUp>(),
        events.subscribe::<NodeSuspect>(),
        events.subscribe::<NodeReachable>(),
        events.subscribe::<NodeDown>(),
        events.subscribe::<NodeLeft>(),
    );
    async move {
        loop {
            let fact = tokio::select! {
                Some(f) = up.recv() => Fact::Up { node: f.node, incarnation: f.incarnation },
                Some(f) = suspect.recv() => Fact::Suspect { node: f.node, incarnation: f.incarnation },
                Some(f) = reachable.recv() => Fact::Reachable { node: f.node, incarnation: f.incarnation },
                Some(f) = down.recv() => Fact::Down { node: f.node, incarnation: f.incarnation },
                Some(f) = left.recv() => Fact::Left { node: f.node, incarnation: f.incarnation },
                else => return,
            };
            log.push(host, fact);
        }
    }
}

/// What the driver asks the loop that steps the simulation to do.
pub(crate) enum Action {
    /// Kill the host's software: its runtime and every task on it are
    /// dropped, nothing says goodbye (a SIGKILL).
    Crash(&'static str),
    /// Start the host's software again (a new node, a new incarnation).
    Restart(&'static str),
    /// Messages between the two hosts take from `min` to `max` (turmoil
    /// draws each from an exponential curve between the two).
    Latency { between: (&'static str, &'static str), min: Duration, max: Duration },
}

#[derive(Clone)]
pub(crate) struct Control(mpsc::UnboundedSender<(Action, oneshot::Sender<()>)>);

impl Control {
    /// Has the action carried out (between two steps of the simulation).
    pub(crate) async fn act(&self, action: Action) {
        let (done, carried_out) = oneshot::channel();
        assert!(self.0.send((action, done)).is_ok(), "the simulation runs");
        carried_out.await.expect("the simulation carries actions out");
    }
}

/// What a scenario's driver gets: its own node and system on host `a`,
/// its network, the log and the control.
pub(crate) struct Driver {
    pub(crate) system: ActorSystem,
    pub(crate) node: Node,
    pub(crate) net: SimNet,
    pub(crate) log: Log,
    pub(crate) control: Control,
    pub(crate) hosts: Vec<&'static str>,
}

impl Driver {
    /// Waits until every host's view of every other host's current node
    /// is "up" (its last membership fact about it is `Up` or `Reachable`),
    /// and this node has a link to each.
    pub(crate) async fn converged(&self) {
        let hosts = self.hosts.clone();
        self.log
            .wait_until("a converged cluster", |log| {
                hosts.iter().all(|x| {
                    hosts.iter().filter(|y| *y != x).all(|y| match log.try_started(y) {
                        Some((node, _)) => {
                            matches!(log.last_about(x, node), Some(Fact::Up { .. } | Fact::Reachable { .. }))
                        }
                        None => false,
                    })
                })
            })
            .await;
        for host in self.hosts.iter().filter(|h| **h != "a") {
            let (node, _) = self.log.started(host);
            assert!(self.node.wait_for_peer(node, WAIT).await, "a has no link to {host}");
        }
    }
}

/// Settings of one simulation.
pub(crate) struct Setup {
    /// Seeds turmoil's random number generator (latency, host order).
    pub(crate) seed: u64,
    /// The other hosts, besides the driver's `a`.
    pub(crate) members: &'static [&'static str],
    /// Latency of every message, from min to max.
    pub(crate) latency: (Duration, Duration),
    /// How long the simulation may run, in virtual time.
    pub(crate) limit: Duration,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            seed: 7,
            members: &["b", "c"],
            latency: (Duration::from_millis(1), Duration::from_millis(5)),
            limit: Duration::from_secs(120),
        }
    }
}

/// Runs `scenario` as the driver on host `a`, with one node on each member
/// host; returns the log. Panics (fails the test) if the scenario fails
/// or the simulation runs past its limit.
pub(crate) fn simulate<F, Fut>(setup: Setup, scenario: F) -> Log
where
    F: FnOnce(Driver) -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let started = std::time::Instant::now();
    let mut sim = turmoil::Builder::new()
        .rng_seed(setup.seed)
        .tick_duration(TICK)
        .min_message_latency(setup.latency.0)
        .max_message_latency(setup.latency.1)
        .simulation_duration(setup.limit)
        .build();
    let log = Log::new();
    let mut hosts = vec!["a"];
    hosts.extend(setup.members);
    for &member in setup.members {
        let (log, hosts) = (log.clone(), hosts.clone());
        sim.host(member, move || {
            let (log, hosts) = (log.clone(), hosts.clone());
            async move {
                let system = ActorSystem::new();
                let recording = record(system.clone(), member, log.clone());
                let node = builder(&system, member, &hosts, SimNet::default()).start().await?;
                let ledger = system.spawn(Ledger::default());
                node.expose(&format!("ledger-{member}"), &ledger).await?;
                // Started, and serving: a lookup from now on finds the ledger.
                log.push(member, Fact::Started { node: node.id(), incarnation: node.incarnation() });
                recording.await;
                drop(node);
                Ok(())
            }
        });
    }
    let (control, mut actions) = mpsc::unbounded_channel();
    let driver_log = log.clone();
    sim.client("a", async move {
        let system = ActorSystem::new();
        let net = SimNet::default();
        let recording = record(system.clone(), "a", driver_log.clone());
        let node = builder(&system, "a", &hosts, net.clone()).start().await?;
        driver_log.push("a", Fact::Started { node: node.id(), incarnation: node.incarnation() });
        let recorder = tokio::task::spawn_local(recording);
        let driver = Driver { system, node, net, log: driver_log, control: Control(control), hosts };
        scenario(driver).await;
        recorder.abort();
        Ok(())
    });
    loop {
        while let Ok((action, done)) = actions.try_recv() {
            match action {
                Action::Crash(host) => sim.crash(host),
                Action::Restart(host) => sim.bounce(host),
                Action::Latency { between: (x, y), min, max } => {
                    sim.set_link_latency(x, y, min);
                    sim.set_link_max_message_latency(x, y, max);
                }
            }
            let _ = done.send(());
        }
        match sim.step() {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => panic!("the simulation failed: {e}\nthe log:\n{}", log.dump()),
        }
    }
    tracing::info!(virtual_time = ?sim.elapsed(), wall = ?started.elapsed(), "simulation done");
    eprintln!("simulated {:?} in {:?} of wall time", sim.elapsed(), started.elapsed());
    log
}

/// Records the numbers it is told, in order.
#[derive(Default)]
pub(crate) struct Ledger {
    entries: Vec<u64>,
}
impl Actor for Ledger {}

/// One numbered message of a sequence.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Seq(pub u64);
impl Message for Seq {
    type Reply = ();
}
impl RemoteMessage for Seq {
    const NAME: &'static str = "sim.seq.v1";
}

/// The numbers received so far.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Received;
impl Message for Received {
    type Reply = Vec<u64>;
}
impl RemoteMessage for Received {
    const NAME: &'static str = "sim.received.v1";
}

impl Handler<Seq> for Ledger {
    async fn handle(&mut self, Seq(n): Seq, _: &mut Context<Self>) {
        self.entries.push(n);
    }
}
impl Handler<Received> for Ledger {
    async fn handle(&mut self, _: Received, _: &mut Context<Self>) -> Vec<u64> {
        self.entries.clone()
    }
}
impl RemoteActor for Ledger {
    fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
        handlers.handler::<Seq>();
        handlers.handler::<Received>();
    }
}

/// Panics unless `received` is strictly increasing: per-pair order kept,
/// nothing delivered twice.
pub(crate) fn assert_in_order(received: &[u64]) {
    for pair in received.windows(2) {
        assert!(
            pair[0] < pair[1],
            "out of order or duplicated: {} then {} in {received:?}",
            pair[0],
            pair[1]
        );
    }
}

/// Watches what it is told to and reports every notice.
pub(crate) struct Watcher {
    notices: mpsc::UnboundedSender<Terminated>,
}
impl Actor for Watcher {
    async fn on_terminated(&mut self, _: &mut Context<Self>, terminated: Terminated) {
        let _ = self.notices.send(terminated);
    }
}
pub(crate) struct WatchIt(pub ActorRef<Ledger>);
impl Message for WatchIt {
    type Reply = ();
}
impl Handler<WatchIt> for Watcher {
    async fn handle(&mut self, WatchIt(target): WatchIt, ctx: &mut Context<Self>) {
        ctx.watch(&target);
    }
}

/// A watcher on `system` already watching `target`, and its notices.
pub(crate) async fn watch(
    system: &ActorSystem,
    target: &ActorRef<Ledger>,
) -> mpsc::UnboundedReceiver<Terminated> {
    let (tx, rx) = mpsc::unbounded_channel();
    let watcher = system.spawn(Watcher { notices: tx });
    watcher.ask(WatchIt(target.clone())).await.expect("the watcher runs");
    // The watch has reached the target's node once a message sent after it
    // is answered (per-pair order).
    target.ask(Received).await.expect("the target answers");
    rx
}

pub(crate) async fn notice(rx: &mut mpsc::UnboundedReceiver<Terminated>) -> Terminated {
    tokio::time::timeout(WAIT, rx.recv()).await.expect("a notice comes").expect("watcher alive")
}
