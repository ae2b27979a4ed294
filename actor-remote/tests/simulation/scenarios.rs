//! The scenarios: partition and heal, crash and restart, a slow peer, and
//! links broken again and again.

use std::time::Duration;

use actor_core::prelude::*;
use actor_remote::Node;

use crate::world::*;

/// How long after a cut the detector's settings say a member is down.
fn bound() -> Duration {
    detector(Node::builder(&ActorSystem::new())).detection_time()
}

/// Tells `from..to` to `target`, then checks that everything it received
/// so far is in order; returns what it received.
async fn tell_range(target: &ActorRef<Ledger>, from: u64, to: u64) -> Vec<u64> {
    for n in from..to {
        target.tell(Seq(n)).await.expect("the tell is taken");
    }
    let received = target.ask(Received).await.expect("the ledger answers");
    assert_in_order(&received);
    received
}

#[test]
fn partition_and_heal() {
    crate::init_tracing();
    simulate(Setup::default(), |d| partition_then_heal(d, Duration::ZERO));
}

/// When the partition heals, the cut-off side's verdict "b is down" is
/// gossiped to c, which never lost b: c keeps b (its heartbeats arrive),
/// publishes no `NodeDown`, and b rejoins under a new SWIM identity.
/// (Whether the stale verdict reaches c depends on SWIM's random choices,
/// which the test cannot seed: it did in most runs before the fix.)
#[test]
fn healing_a_partition_leaves_members_that_never_lost_each_other_alone() {
    crate::init_tracing();
    let log = simulate(Setup::default(), |d| partition_then_heal(d, Duration::from_secs(5)));
    let (b, _) = log.started("b");
    let (c, _) = log.started("c");
    let false_downs: Vec<_> = log
        .of("b", |f| matches!(f, Fact::Down { node, .. } if *node == c))
        .into_iter()
        .chain(log.of("c", |f| matches!(f, Fact::Down { node, .. } if *node == b)))
        .collect();
    assert!(
        false_downs.is_empty(),
        "b and c were never cut off from each other: {false_downs:?}\n{}",
        log.dump()
    );
}

/// a is cut off from b and c (which still see each other), both sides
/// detect it, then the partition heals; `settle` is how long the driver
/// lets the healed cluster run before it ends.
async fn partition_then_heal(d: Driver, settle: Duration) {
    {
        d.converged().await;
        let (b, b_inc) = d.log.started("b");
        let (a, a_inc) = d.log.started("a");
        let old = d.node.lookup::<Ledger>("ledger-b").await.expect("a finds b's ledger");
        let received = tell_range(&old, 0, 100).await;
        assert_eq!(received, (0..100).collect::<Vec<_>>());
        let mut notices = watch(&d.system, &old).await;

        // Cut a off from b and c (b and c still see each other).
        let mark = d.log.mark();
        let cut = turmoil::sim_elapsed().unwrap();
        turmoil::partition("a", "b");
        turmoil::partition("a", "c");
        let a_sees =
            d.log.wait(mark, "a", "b down", |f| *f == Fact::Down { node: b, incarnation: b_inc }).await;
        let b_sees =
            d.log.wait(mark, "b", "a down", |f| *f == Fact::Down { node: a, incarnation: a_inc }).await;
        d.log.wait(mark, "c", "a down", |f| matches!(f, Fact::Down { node, .. } if *node == a)).await;
        let told = notice(&mut notices).await;
        assert_eq!((told.id, told.reason), (old.id(), StopReason::NodeDown));
        eprintln!(
            "partition: a saw b down after {:?}, b saw a down after {:?} (detection_time {:?})",
            a_sees.at - cut,
            b_sees.at - cut,
            bound()
        );
        // Every side within the detector's bound, plus the gossip that
        // `detection_time` leaves out (measured: up to about 1.2 s more).
        for took in [a_sees.at - cut, b_sees.at - cut] {
            assert!(took <= bound() * 2, "detected after {took:?}\n{}", d.log.dump());
        }
        // The old handle is stopped for good.
        assert_eq!(old.ask(Received).await, Err(AskError::Stopped(Some(StopReason::NodeDown))));

        // Heal: both sides rejoin, with the incarnations they had.
        let mark = d.log.mark();
        let healed = turmoil::sim_elapsed().unwrap();
        turmoil::repair("a", "b");
        turmoil::repair("a", "c");
        let a_sees = d.log.wait(mark, "a", "b up", |f| *f == Fact::Up { node: b, incarnation: b_inc }).await;
        let b_sees = d.log.wait(mark, "b", "a up", |f| *f == Fact::Up { node: a, incarnation: a_inc }).await;
        d.converged().await;
        eprintln!(
            "heal: a saw b up after {:?}, b saw a up after {:?}",
            a_sees.at - healed,
            b_sees.at - healed
        );
        // Messages flow again through a new handle, in order; the old one
        // stays stopped and its watcher heard once.
        let new = d.node.lookup::<Ledger>("ledger-b").await.expect("a finds b's ledger again");
        let received = tell_range(&new, 100, 200).await;
        assert_eq!(received.last(), Some(&199));
        assert_eq!(old.ask(Received).await, Err(AskError::Stopped(Some(StopReason::NodeDown))));
        assert!(old.tell(Seq(1_000)).await.is_err(), "a tell to the old handle was taken");
        assert!(notices.try_recv().is_err(), "a second notice came");
        // One down of b on a, no more: the heal did not take b down again.
        assert_eq!(d.log.of("a", |f| matches!(f, Fact::Down { node, .. } if *node == b)).len(), 1);
        tokio::time::sleep(settle).await;
    }
}

#[test]
fn crash_and_restart() {
    crate::init_tracing();
    simulate(Setup::default(), |d| async move {
        d.converged().await;
        let (b, b_inc) = d.log.started("b");
        let old = d.node.lookup::<Ledger>("ledger-b").await.expect("a finds b's ledger");
        tell_range(&old, 0, 100).await;
        let mut notices = watch(&d.system, &old).await;

        // b dies without a word: its runtime and every task on it are dropped.
        let mark = d.log.mark();
        let crashed = turmoil::sim_elapsed().unwrap();
        d.control.act(Action::Crash("b")).await;
        let a_sees =
            d.log.wait(mark, "a", "b down", |f| *f == Fact::Down { node: b, incarnation: b_inc }).await;
        let c_sees =
            d.log.wait(mark, "c", "b down", |f| *f == Fact::Down { node: b, incarnation: b_inc }).await;
        eprintln!(
            "crash: a saw b down after {:?}, c after {:?} (detection_time {:?})",
            a_sees.at - crashed,
            c_sees.at - crashed,
            bound()
        );
        for took in [a_sees.at - crashed, c_sees.at - crashed] {
            assert!(took <= bound() * 2, "detected after {took:?}\n{}", d.log.dump());
        }
        let told = notice(&mut notices).await;
        assert_eq!((told.id, told.reason), (old.id(), StopReason::NodeDown));
        assert_eq!(old.ask(Received).await, Err(AskError::Stopped(Some(StopReason::NodeDown))));
        assert!(
            matches!(d.node.lookup::<Ledger>("ledger-b").await, Err(actor_remote::LookupError::NotFound(_))),
            "a dead node's name is still found"
        );

        // b starts again on the same address: a new node, a new incarnation.
        let mark = d.log.mark();
        let restarted = turmoil::sim_elapsed().unwrap();
        d.control.act(Action::Restart("b")).await;
        let (b2, b2_inc) = d.log.restarted(mark, "b").await;
        assert_ne!(b2_inc, b_inc);
        let a_sees =
            d.log.wait(mark, "a", "b up again", |f| *f == Fact::Up { node: b2, incarnation: b2_inc }).await;
        d.log.wait(mark, "c", "b up again", |f| *f == Fact::Up { node: b2, incarnation: b2_inc }).await;
        eprintln!("restart: a saw the new b up after {:?}", a_sees.at - restarted);
        d.converged().await;
        let new = d.node.lookup::<Ledger>("ledger-b").await.expect("a finds the new ledger");
        assert_eq!(new.id().node(), b2);
        assert_eq!(tell_range(&new, 0, 100).await, (0..100).collect::<Vec<_>>());
        // The old handle stays stopped, its watcher was told once.
        assert_eq!(old.ask(Received).await, Err(AskError::Stopped(Some(StopReason::NodeDown))));
        assert!(notices.try_recv().is_err(), "a second notice came");
        // The old incarnation was down once, and never came back up.
        assert_eq!(d.log.of("a", |f| *f == Fact::Down { node: b, incarnation: b_inc }).len(), 1);
        assert_eq!(d.log.of("a", |f| *f == Fact::Up { node: b, incarnation: b_inc }).len(), 1);
    });
}

#[test]
fn slow_peer() {
    crate::init_tracing();
    simulate(Setup::default(), |d| async move {
        d.converged().await;
        let (a, _) = d.log.started("a");
        let (b, _) = d.log.started("b");
        let ledger = d.node.lookup::<Ledger>("ledger-b").await.expect("a finds b's ledger");
        let mut notices = watch(&d.system, &ledger).await;
        let about_a_or_b = move |f: &Fact| match f {
            Fact::Suspect { node, .. } | Fact::Down { node, .. } => *node == a || *node == b,
            _ => false,
        };

        // Slow and jittery, within what the detector absorbs: 20 to 300 ms
        // each way (the acceptable pause is 600 ms), for five seconds.
        let mark = d.log.mark();
        let slow = Duration::from_millis(20);
        d.control
            .act(Action::Latency { between: ("a", "b"), min: slow, max: Duration::from_millis(300) })
            .await;
        // A tell every 50 ms for five seconds, and no wait for answers.
        for n in 0..100 {
            ledger.tell(Seq(n)).await.expect("the tell is taken");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let received = ledger.ask(Received).await.expect("the ledger answers");
        assert_eq!(received, (0..100).collect::<Vec<_>>(), "a tell was lost or reordered");
        let alarms: Vec<_> =
            d.log.entries_since(mark).into_iter().filter(|e| about_a_or_b(&e.fact)).collect();
        assert!(alarms.is_empty(), "a slow peer within the pause was suspected: {alarms:?}");
        assert!(notices.try_recv().is_err(), "a watcher was told while b was only slow");

        // Beyond it: every message takes 2 s. a suspects b (and b a) as soon
        // as the heartbeats are that late.
        let mark = d.log.mark();
        let slowed = turmoil::sim_elapsed().unwrap();
        let late = Duration::from_secs(2);
        d.control.act(Action::Latency { between: ("a", "b"), min: late, max: late }).await;
        let suspected = d
            .log
            .wait(mark, "a", "b suspected", |f| matches!(f, Fact::Suspect { node, .. } if *node == b))
            .await;
        eprintln!(
            "slow peer: a suspected b {:?} after its messages started taking {late:?}",
            suspected.at - slowed
        );
        // Back to normal: the cluster settles, and messages flow in order.
        d.control.act(Action::Latency { between: ("a", "b"), min: slow, max: slow }).await;
        d.converged().await;
        let ledger = d.node.lookup::<Ledger>("ledger-b").await.expect("a finds b's ledger");
        let received = tell_range(&ledger, 10_000, 10_100).await;
        assert_eq!(received.last(), Some(&10_099));
        let outcome: Vec<_> = d.log.entries_since(mark).into_iter().filter(|e| e.host == "a").collect();
        eprintln!("slow peer beyond the pause, as a saw it: {outcome:?}");
    });
}

#[test]
fn links_broken_again_and_again() {
    crate::init_tracing();
    simulate(Setup::default(), |d| break_links(d, 25));
}

/// `rounds` times: 25 tells and an ask, while every link of a is reset
/// at a seeded random moment.
async fn break_links(d: Driver, rounds: u32) {
    use rand::{Rng, SeedableRng};
    {
        d.converged().await;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(13);
        let ledger = d.node.lookup::<Ledger>("ledger-b").await.expect("a finds b's ledger");
        let mark = d.log.mark();
        let (mut next, mut answered, mut unreachable, mut broken) = (0u64, 0, 0, 0);
        for _ in 0..rounds {
            let at = Duration::from_millis(rng.random_range(0..20));
            let sending = async {
                for n in next..next + 25 {
                    ledger.tell(Seq(n)).await.expect("a tell is taken while the link comes back");
                }
                tokio::time::timeout(WAIT, ledger.ask(Received)).await.expect("an ask hung")
            };
            let breaking = async {
                tokio::time::sleep(at).await;
                d.net.break_links()
            };
            let (asked, links) = tokio::join!(sending, breaking);
            next += 25;
            broken += links;
            match asked {
                Ok(received) => {
                    assert_in_order(&received);
                    answered += 1;
                }
                Err(AskError::Unreachable) => unreachable += 1,
                Err(other) => panic!("an ask ended with {other:?}"),
            }
            // Let the link come back before the next round, as a client would.
            assert!(d.node.wait_for_peer(d.log.started("b").0, WAIT).await);
        }
        // The last break may have taken the first ask after it: ask again.
        let mut received = None;
        for _ in 0..10 {
            match tokio::time::timeout(WAIT, ledger.ask(Received)).await.expect("an ask hung") {
                Ok(r) => {
                    received = Some(r);
                    break;
                }
                Err(AskError::Unreachable) => assert!(d.node.wait_for_peer(d.log.started("b").0, WAIT).await),
                Err(other) => panic!("an ask ended with {other:?}"),
            }
        }
        let received = received.expect("an ask is answered once the link is back");
        assert_in_order(&received);
        let lost = next - received.len() as u64;
        eprintln!(
            "broken links: {broken} links broken in {rounds} rounds; {answered} asks answered, {unreachable} unreachable; \
             {} of {next} tells received in order, {lost} lost with a broken link",
            received.len()
        );
        assert!(answered > 0 && broken >= rounds as usize);
        let downs: Vec<_> =
            d.log.entries_since(mark).into_iter().filter(|e| matches!(e.fact, Fact::Down { .. })).collect();
        assert!(downs.is_empty(), "broken links made a node down: {downs:?}");
    }
}
