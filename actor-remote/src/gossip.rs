//! The gossip task: it owns the SWIM state machine (`foca`, which does no
//! I/O of its own) and runs it over the node's links. SWIM packets travel
//! as `Swim` frames on the authenticated links; timers are a delay queue
//! in this task; foca's notifications become membership facts. The task
//! also sends this node's heartbeats and checks the failure detectors:
//! a member whose phi crosses the threshold is suspected through SWIM,
//! which declares it down after the suspect timeout unless it refutes.

use std::collections::HashMap;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use actor_core::NodeId;
use bytes::Bytes;
use foca::{
    AccumulatingRuntime, Foca, Incarnation, Member as SwimMember, NoCustomBroadcast, OwnedNotification,
    PostcardCodec, State, Timer,
};
use futures_util::StreamExt;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::time::DelayQueue;

use crate::facts::{NodeDown, NodeLeft, NodeReachable, NodeSuspect, NodeUp};
use crate::link;
use crate::membership::{Input, Member, MemberId, MemberState, Verdicts};
use crate::peer::LinkState;
use crate::shared::Shared;
use crate::wire::envelope::Header;

type Swim = Foca<MemberId, PostcardCodec, SmallRng, NoCustomBroadcast>;

/// This node's identity in the gossip.
pub(crate) fn me(shared: &Shared) -> MemberId {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default();
    MemberId {
        node: shared.me.node,
        incarnation: shared.me.incarnation,
        started,
        generation: 0,
        listen: shared.me.listen.clone(),
    }
}

/// SWIM's settings, from the node's: its own probe runs slower than the
/// heartbeats (the phi detector is the fast path), and a suspect is
/// declared down after the suspect timeout.
fn swim_config(shared: &Shared) -> foca::Config {
    let detector = shared.config.detector;
    let mut config = foca::Config::new_lan(NonZeroU32::new(64).unwrap_or(NonZeroU32::MIN));
    let probe_period = (detector.acceptable_pause + detector.interval * 2).max(Duration::from_millis(100));
    config.probe_period = probe_period;
    config.probe_rtt = probe_period / 3;
    config.suspect_to_down_after = shared.config.suspect_timeout;
    config.max_packet_size = NonZeroUsize::new(64 * 1024).unwrap_or(NonZeroUsize::MIN);
    config.notify_down_members = true;
    let frequency = (detector.interval * 2).max(Duration::from_millis(50));
    config.periodic_announce =
        Some(foca::PeriodicParams { frequency: frequency * 5, num_members: NonZeroUsize::MIN });
    config.periodic_announce_to_down_members = Some(foca::PeriodicParams {
        frequency,
        num_members: NonZeroUsize::new(2).unwrap_or(NonZeroUsize::MIN),
    });
    config.periodic_gossip = Some(foca::PeriodicParams {
        frequency: (detector.interval / 5).max(Duration::from_millis(20)),
        num_members: NonZeroUsize::new(3).unwrap_or(NonZeroUsize::MIN),
    });
    config
}

/// Runs until the node shuts down.
pub(crate) async fn run(shared: Arc<Shared>, mut inbox: mpsc::Receiver<Input>) {
    let mut seed = [0u8; 32];
    let _ = getrandom::fill(&mut seed);
    let mut swim: Swim =
        Foca::new(me(&shared), swim_config(&shared), SmallRng::from_seed(seed), PostcardCodec);
    let mut runtime = AccumulatingRuntime::new();
    let mut timers: DelayQueue<Timer<MemberId>> = DelayQueue::new();
    // The detector's suspicions, each declared down after the suspect
    // timeout unless the member refuted it (foca only times out the
    // suspicions of its own probes).
    let mut suspicions: DelayQueue<(MemberId, Incarnation)> = DelayQueue::new();
    let mut heartbeat = tokio::time::interval(shared.config.detector.interval);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut leaving = None;
    let mut lost = Lost::default();
    loop {
        let result = tokio::select! {
            () = shared.shutdown.cancelled() => return,
            input = inbox.recv() => match input {
                None => return,
                Some(Input::Swim(packet)) => swim.handle_data(&packet, &mut runtime),
                Some(Input::Linked(member)) => swim.announce(member, &mut runtime),
                Some(Input::Left(node)) => {
                    let gone: Vec<_> = swim
                        .iter_members()
                        .filter(|m| m.id().node == node)
                        .map(|m| SwimMember::new(m.id().clone(), m.incarnation(), State::Down))
                        .collect();
                    swim.apply_many(gone.into_iter(), true, &mut runtime)
                }
                Some(Input::Leave(done)) => {
                    leaving = Some(done);
                    lost.leaving = true;
                    lost.members.clear();
                    swim.leave_cluster(&mut runtime)
                }
            },
            Some(expired) = timers.next() => swim.handle_timer(expired.into_inner(), &mut runtime),
            Some(expired) = suspicions.next() => {
                let (id, incarnation) = expired.into_inner();
                let unrefuted: Vec<_> = swim
                    .iter_members()
                    .filter(|m| m.id() == &id && m.incarnation() == incarnation && m.state() == State::Suspect)
                    .map(|m| SwimMember::new(m.id().clone(), incarnation, State::Down))
                    .collect();
                swim.apply_many(unrefuted.into_iter(), true, &mut runtime)
            }
            _ = heartbeat.tick() => {
                beat(&shared);
                lost.retry(&shared, &mut swim, &mut runtime);
                suspect(&shared, &mut swim, &mut runtime, &mut suspicions)
            }
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "gossip refused an input");
        }
        drain(&shared, &mut runtime, &mut timers, &mut lost);
        if let Some(done) = leaving.take() {
            let _ = done.send(());
        }
    }
}

/// Sends a heartbeat on every live link.
fn beat(shared: &Shared) {
    let peers: Vec<_> = shared.peers.read().values().cloned().collect();
    for peer in peers {
        if matches!(peer.state(), LinkState::Up(_)) {
            peer.control(&Header::Heartbeat, &[]);
        }
    }
}

/// Checks the detectors: suspects go to SWIM (which spreads the suspicion
/// and declares the member down unless it refutes); both ways are facts.
fn suspect(
    shared: &Arc<Shared>,
    swim: &mut Swim,
    runtime: &mut AccumulatingRuntime<MemberId>,
    suspicions: &mut DelayQueue<(MemberId, Incarnation)>,
) -> Result<(), foca::Error> {
    let Verdicts { suspect: suspects, back } = shared.membership.check(Instant::now());
    for (node, incarnation) in back {
        tracing::info!(%node, "member reachable again");
        shared.system.events().publish(NodeReachable { node, incarnation });
    }
    for (node, incarnation, phi) in suspects {
        tracing::warn!(%node, phi, "member suspected: its heartbeats are overdue");
        shared.system.events().publish(NodeSuspect { node, incarnation, phi });
        let known: Vec<_> = swim
            .iter_members()
            .filter(|m| m.id().node == node && m.id().incarnation == incarnation)
            .map(|m| SwimMember::new(m.id().clone(), m.incarnation(), State::Suspect))
            .collect();
        if known.is_empty() {
            // SWIM already holds it down (a verdict this node kept, see
            // `down`): now this node's own detector agrees.
            declare_down(shared, node, incarnation);
            continue;
        }
        for member in &known {
            suspicions.insert((member.id().clone(), member.incarnation()), shared.config.suspect_timeout);
        }
        swim.apply_many(known.into_iter(), true, &mut *runtime)?;
    }
    Ok(())
}

/// Carries out what SWIM asked for: packets to send, timers to set,
/// membership changes to report.
fn drain(
    shared: &Arc<Shared>,
    runtime: &mut AccumulatingRuntime<MemberId>,
    timers: &mut DelayQueue<Timer<MemberId>>,
    lost: &mut Lost,
) {
    while let Some((to, packet)) = runtime.to_send() {
        send(shared, &to, &packet);
    }
    while let Some((after, timer)) = runtime.to_schedule() {
        timers.insert(timer, after);
    }
    while let Some(notification) = runtime.to_notify() {
        notify(shared, notification, lost);
    }
}

/// How long this node keeps trying to reach a member declared down (it may
/// only have been cut off): an hour.
const REJOIN_WINDOW: Duration = Duration::from_secs(3600);
/// The longest wait between two tries.
const REJOIN_MAX_DELAY: Duration = Duration::from_secs(5);

/// Members declared down (not left), tried again now and then with
/// back-off: when a partition heals, the two sides find each other and
/// rejoin. SWIM alone does not, once a side has no live member left.
#[derive(Default)]
struct Lost {
    members: HashMap<NodeId, (MemberId, Instant, Duration, Instant)>,
    /// This node is leaving: no rejoin, nobody retried.
    leaving: bool,
}

impl Lost {
    fn add(&mut self, id: &MemberId, first_delay: Duration) {
        if id.listen.is_some() {
            let now = Instant::now();
            self.members.insert(id.node, (id.clone(), now + first_delay, first_delay, now + REJOIN_WINDOW));
        }
    }

    fn remove(&mut self, node: NodeId) {
        self.members.remove(&node);
    }

    fn retry(&mut self, shared: &Arc<Shared>, swim: &mut Swim, runtime: &mut AccumulatingRuntime<MemberId>) {
        if self.leaving {
            return;
        }
        let now = Instant::now();
        self.members.retain(|_, (id, _, _, until)| {
            *until > now
                && id
                    .listen
                    .as_deref()
                    .is_none_or(|addr| shared.membership.member_at(addr, id.node).is_none())
        });
        for (id, next, delay, _) in self.members.values_mut() {
            if *next > now {
                continue;
            }
            *delay = (*delay * 2).min(REJOIN_MAX_DELAY);
            *next = now + *delay;
            let linked =
                shared.peer(id.node).is_some_and(|p| !p.is_gone() && matches!(p.state(), LinkState::Up(_)));
            if linked {
                let _ = swim.announce(id.clone(), &mut *runtime);
            } else {
                dial(shared, id);
            }
        }
    }
}

/// Sends a SWIM packet over the member's link, dialing it if there is none.
fn send(shared: &Arc<Shared>, to: &MemberId, packet: &Bytes) {
    match shared.peer(to.node) {
        Some(peer) if !peer.is_gone() => {
            if matches!(peer.state(), LinkState::Up(_)) {
                peer.control(&Header::Swim, packet);
            } else {
                dial(shared, to);
            }
        }
        _ => dial(shared, to),
    }
}

/// Dials a member that has no link (one dial at a time per member). Of two
/// members that both listen, the one with the lower node id dials: two
/// links dialed at once would be one too many, and a message sent on the
/// one dropped could overtake another.
fn dial(shared: &Arc<Shared>, to: &MemberId) {
    let Some(addr) = to.listen.clone() else { return };
    if shared.membership.has_departed(to.node, to.incarnation) {
        return; // it left: a packet for it goes nowhere
    }
    if shared.me.listen.is_some() && to.node < shared.node() {
        return; // it dials this node
    }
    if let Some(successor) = shared.membership.member_at(&addr, to.node) {
        // A node restarted on that address: the member dialed is gone, and
        // the link to its successor (if any) must not be replaced by a dial
        // meant for the dead one.
        tracing::debug!(peer = %to.node, %successor, %addr, "not dialing: another member has that address now");
        return;
    }
    if !shared.membership.dialing.lock().insert(to.node) {
        return;
    }
    let (s, node) = (shared.clone(), to.node);
    shared.tasks.spawn(async move {
        if let Err(e) = link::connect(&s, &addr).await {
            tracing::debug!(peer = %node, error = %e, "dialing a member failed");
        }
        s.membership.dialing.lock().remove(&node);
    });
}

fn member(id: &MemberId) -> Member {
    Member { node: id.node, incarnation: id.incarnation, addr: id.listen.clone(), state: MemberState::Up }
}

fn notify(shared: &Arc<Shared>, notification: OwnedNotification<MemberId>, lost: &mut Lost) {
    let first_delay = shared.config.detector.interval * 2;
    match notification {
        OwnedNotification::MemberUp(id) => {
            lost.remove(id.node);
            up(shared, &id);
        }
        OwnedNotification::MemberDown(id) => {
            if down(shared, &id) == Verdict::Down {
                lost.add(&id, first_delay);
            }
        }
        OwnedNotification::Rename(old, new) => {
            if old.incarnation != new.incarnation {
                down(shared, &old);
                up(shared, &new);
            } else if shared.membership.member(new.node).is_none() {
                up(shared, &new);
            }
        }
        OwnedNotification::Defunct if shared.shutdown.is_cancelled() || lost.leaving => {
            tracing::debug!("left the cluster");
        }
        OwnedNotification::Defunct => {
            tracing::warn!("the cluster declared this node down; rejoining");
        }
        OwnedNotification::Rejoin(id) => {
            tracing::info!(generation = id.generation, "rejoined the cluster");
        }
        OwnedNotification::Active => tracing::debug!("in a cluster"),
        OwnedNotification::Idle => tracing::debug!("alone: no other member"),
    }
}

fn up(shared: &Arc<Shared>, id: &MemberId) {
    if shared.membership.member(id.node).is_some_and(|m| m.incarnation == id.incarnation) {
        return; // a rejoin of a member this node never saw go
    }
    if shared.membership.has_departed(id.node, id.incarnation) {
        return; // old news of a member that left
    }
    tracing::info!(node = %id.node, incarnation = id.incarnation, "member up");
    shared.membership.up(member(id));
    if shared.peer(id.node).is_none_or(|p| p.is_gone() || p.incarnation != id.incarnation) {
        dial(shared, id);
    }
    shared.system.events().publish(NodeUp {
        node: id.node,
        incarnation: id.incarnation,
        addr: id.listen.clone(),
    });
}

/// What became of a member SWIM reported down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Declared down: a crash or a partition (retried later: it may be back).
    Down,
    /// It left on purpose, or this node never knew it: nothing to retry.
    Gone,
    /// Down by the other side of a healed partition, alive from here: kept.
    Kept,
}

/// SWIM reported a member down.
fn down(shared: &Arc<Shared>, id: &MemberId) -> Verdict {
    if shared.membership.member(id.node).is_none_or(|m| m.incarnation != id.incarnation) {
        return Verdict::Gone;
    }
    let linked = shared
        .peer(id.node)
        .is_some_and(|p| p.incarnation == id.incarnation && matches!(p.state(), LinkState::Up(_)));
    let leaving = shared.membership.is_leaving(id.node, id.incarnation);
    if !leaving && linked && shared.membership.looks_alive(id.node, id.incarnation, Instant::now()) {
        // The verdict of the other side of a healed partition: from here the
        // member never went. SWIM's verdict stands for the identity it names,
        // so the member learns it and rejoins under a new generation; this
        // node keeps it and tells nobody it was down. (If it dies meanwhile,
        // its detector says so: see `suspect`.)
        tracing::info!(node = %id.node, "declared down elsewhere, but alive from here; waiting for it to rejoin");
        return Verdict::Kept;
    }
    declare_down(shared, id.node, id.incarnation)
}

/// Gives the member up: its peer, its watchers, its names; the fact.
fn declare_down(shared: &Arc<Shared>, node: NodeId, incarnation: u64) -> Verdict {
    let left = shared.membership.down(node, incarnation);
    if let Some(peer) = shared.peer(node) {
        if peer.incarnation == incarnation {
            shared.peer_gone(&peer);
        }
    }
    if left {
        tracing::info!(%node, incarnation, "member left");
        shared.system.events().publish(NodeLeft { node, incarnation });
        Verdict::Gone
    } else {
        tracing::warn!(%node, incarnation, "member down");
        shared.system.events().publish(NodeDown { node, incarnation });
        Verdict::Down
    }
}
