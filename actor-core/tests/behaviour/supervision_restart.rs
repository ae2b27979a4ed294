//! A restarted child keeps its address and its mailbox: the same
//! `ActorRef` (and id) works across restarts, messages queued behind the
//! failing one are handled by the new instance in order, the failing
//! message's asker is told, and the state comes fresh from the factory.

use std::future::IntoFuture;
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actor_core::events::{ActorRestarted, ActorStopped};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Supervisor};
use actor_core::ActorId;
use tokio::sync::mpsc;

use crate::common::svc::{svc, Items, Push, Svc};
use crate::common::{block, is_pending, Boom, Handled, Log};

/// Schedules `Push(n)` after `delay`, then panics.
struct PushLaterThenFail(u64, Duration);
impl Message for PushLaterThenFail {
    type Reply = ();
}
impl Handler<PushLaterThenFail> for Svc {
    async fn handle(&mut self, msg: PushLaterThenFail, ctx: &mut Context<Self>) {
        ctx.send_after(Push(msg.0), msg.1);
        panic!("failing after scheduling a push");
    }
}

/// A supervisor with the one child "svc", and that child's address.
async fn one_child(system: &ActorSystem, log: &Log) -> (ActorRef<Supervisor>, ActorRef<Svc>) {
    let sup = Supervisor::builder()
        .max_restarts(10, Duration::from_secs(60))
        .child(ChildSpec::new("svc", svc("svc", log)))
        .spawn(system)
        .await
        .expect("supervisor starts");
    let child = sup.child::<Svc>("svc").await.expect("child svc");
    (sup, child)
}

#[tokio::test]
async fn the_same_address_and_id_work_across_restarts() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, svc) = one_child(&system, &log).await;
    let id = svc.id();
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    for round in 1..=3u32 {
        svc.tell(Push(u64::from(round))).await.expect("the old address still takes messages");
        assert_eq!(svc.ask(Boom("crash")).await, Err(AskError::Failed(StopReason::Panicked("crash".into()))));
        let restarted = restarts.recv().await.expect("a restart fact");
        assert_eq!((restarted.id, restarted.attempt), (id, round));
        assert_eq!(svc.id(), id, "the id does not change");
        assert!(svc.is_alive());
        assert_eq!(svc.ask(Items).await, Ok(vec![]), "answered by the new instance");
    }
    let again = sup.child::<Svc>("svc").await.unwrap();
    assert_eq!(again, svc, "the supervisor hands out the same address");
    assert_eq!(again.id(), id);
    assert_eq!(svc.name(), Some("svc"));
    system.shutdown().await;
}

#[tokio::test]
async fn messages_queued_behind_the_failing_one_are_handled_by_the_new_instance_in_order() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, svc) = one_child(&system, &log).await;
    svc.tell(Push(100)).await.unwrap(); // state of the first instance

    let release = block(&svc).await;
    svc.tell(Push(1)).await.unwrap(); // before the failure: old instance
    let mut failing = pin!(svc.ask(Boom("in the middle")).into_future());
    assert!(is_pending(failing.as_mut()), "the failing ask is queued");
    for n in 2..=5 {
        svc.tell(Push(n)).await.unwrap();
    }
    let mut behind = pin!(svc.ask(Items).into_future());
    assert!(is_pending(behind.as_mut()));
    assert_eq!(svc.mailbox_len(), Some(7));
    release.send(()).unwrap();

    let panicked = StopReason::Panicked("in the middle".into());
    assert_eq!(failing.await, Err(AskError::Failed(panicked)), "the failing message's asker is told");
    assert_eq!(behind.await, Ok(vec![2, 3, 4, 5]), "queued messages reach the new instance, in order");
    assert_eq!(system.dead_letter_count(), 0, "nothing queued was lost");
    assert_eq!(
        log.entries(),
        ["svc start", "svc stop: panicked: in the middle", "svc start"],
        "one failure, one restart"
    );
    system.shutdown().await;
}

#[tokio::test]
async fn asks_to_a_restarting_child_are_answered_not_dropped() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, svc) = one_child(&system, &log).await;
    // Fire the failure and an ask right behind it without waiting for the
    // restart in between.
    svc.tell(Boom("no wait")).await.unwrap();
    assert_eq!(svc.ask(Items).await, Ok(vec![]));
    svc.tell(Push(7)).await.unwrap();
    assert_eq!(svc.ask(Items).await, Ok(vec![7]));
    system.shutdown().await;
}

#[tokio::test]
async fn every_incarnation_comes_fresh_from_the_factory() {
    let system = ActorSystem::new();
    let made = Arc::new(AtomicU32::new(0));
    let factory = {
        let made = made.clone();
        move || {
            made.fetch_add(1, Ordering::SeqCst);
            Svc { label: "svc", log: Log::default(), items: Vec::new() }
        }
    };
    let sup = Supervisor::builder().child(ChildSpec::new("svc", factory)).spawn(&system).await.unwrap();
    let svc = sup.child::<Svc>("svc").await.unwrap();
    assert_eq!(made.load(Ordering::SeqCst), 1);
    svc.tell(Push(1)).await.unwrap();
    svc.tell(Push(2)).await.unwrap();
    assert_eq!(svc.ask(Items).await, Ok(vec![1, 2]));

    let mut restarts = system.events().subscribe::<ActorRestarted>();
    let _ = svc.ask(Boom("reset")).await;
    restarts.recv().await.unwrap();
    assert_eq!(made.load(Ordering::SeqCst), 2, "the factory made the new instance");
    assert_eq!(svc.ask(Items).await, Ok(vec![]), "no state survives the restart");
    system.shutdown().await;
}

#[tokio::test]
async fn restart_facts_carry_the_attempt_and_the_reason() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, svc) = one_child(&system, &log).await;
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    let _ = svc.ask(Boom("first")).await;
    let fact = restarts.recv().await.unwrap();
    assert_eq!((fact.id, fact.attempt, fact.reason), (svc.id(), 1, StopReason::Panicked("first".into())));

    let _ = svc.ask(Boom("second")).await;
    let fact = restarts.recv().await.unwrap();
    assert_eq!((fact.id, fact.attempt, fact.reason), (svc.id(), 2, StopReason::Panicked("second".into())));

    svc.stop();
    let fact = restarts.recv().await.unwrap();
    assert_eq!((fact.id, fact.attempt, fact.reason), (svc.id(), 3, StopReason::Normal));
    assert!(restarts.try_recv().is_none(), "one fact per restart");
    system.shutdown().await;
}

#[tokio::test]
async fn kill_of_a_supervised_child_restarts_it() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, svc) = one_child(&system, &log).await;
    let mut restarts = system.events().subscribe::<ActorRestarted>();
    svc.tell(Push(1)).await.unwrap();

    // Killed even while stuck in a handler.
    let _release = block(&svc).await;
    svc.kill();
    let fact = restarts.recv().await.unwrap();
    assert_eq!((fact.id, fact.reason), (svc.id(), StopReason::Killed));
    assert!(svc.is_alive());
    assert_eq!(svc.ask(Items).await, Ok(vec![]));
    assert_eq!(log.entries(), ["svc start", "svc start"], "killed: on_stop did not run");

    // And again: the kill flag of the last incarnation does not stick.
    svc.kill();
    let fact = restarts.recv().await.unwrap();
    assert_eq!((fact.attempt, fact.reason), (2, StopReason::Killed));
    svc.tell(Push(2)).await.unwrap();
    assert_eq!(svc.ask(Items).await, Ok(vec![2]));
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn timers_of_the_failed_instance_do_not_reach_the_new_one() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, svc) = one_child(&system, &log).await;
    let mut restarts = system.events().subscribe::<ActorRestarted>();
    svc.tell(PushLaterThenFail(99, Duration::from_secs(1))).await.unwrap();
    restarts.recv().await.unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(svc.ask(Items).await, Ok(vec![]), "the old instance's send_after was cancelled");
    system.shutdown().await;
}

/// Forwards every stop notice it gets.
struct Watcher {
    notices: mpsc::UnboundedSender<(ActorId, StopReason)>,
}

impl Actor for Watcher {
    async fn on_terminated(&mut self, _ctx: &mut Context<Self>, terminated: Terminated) {
        let _ = self.notices.send((terminated.id, terminated.reason));
    }
}

struct Watch(ActorRef<Svc>);
impl Message for Watch {
    type Reply = ();
}
impl Handler<Watch> for Watcher {
    async fn handle(&mut self, msg: Watch, ctx: &mut Context<Self>) {
        ctx.watch(&msg.0);
    }
}

#[tokio::test]
async fn a_restart_is_not_a_stop_for_watchers() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, svc) = one_child(&system, &log).await;
    let (tx, mut notices) = mpsc::unbounded_channel();
    let watcher = system.spawn(Watcher { notices: tx });
    watcher.ask(Watch(svc.clone())).await.unwrap();
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    let _ = svc.ask(Boom("restart me")).await;
    restarts.recv().await.unwrap();
    svc.kill();
    restarts.recv().await.unwrap();
    assert_eq!(svc.ask(Items).await, Ok(vec![]));
    assert!(notices.try_recv().is_err(), "no notice for a restart");

    // Stopped for good: exactly one notice.
    sup.terminate_child("svc").await.unwrap();
    assert_eq!(notices.recv().await, Some((svc.id(), StopReason::Shutdown)));
    watcher.ask(Watch(svc.clone())).await.unwrap(); // a late watch notifies at once ...
    assert_eq!(notices.recv().await, Some((svc.id(), StopReason::Shutdown)));
    watcher.stop();
    watcher.wait_for_stop().await;
    assert!(notices.recv().await.is_none(), "... and nothing else came");
    system.shutdown().await;
}

#[tokio::test]
async fn a_restart_is_not_a_stop_for_the_system() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, svc) = one_child(&system, &log).await;
    system.register("the-svc", &svc).unwrap();
    let count = system.actor_count();
    let mut stopped = system.events().subscribe::<ActorStopped>();
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    let _ = svc.ask(Boom("restart")).await;
    restarts.recv().await.unwrap();
    assert_eq!(svc.ask(Items).await, Ok(vec![]));
    assert!(stopped.try_recv().is_none(), "no ActorStopped for a restart");
    assert_eq!(system.actor_count(), count, "counted once, before and after");
    assert_eq!(system.lookup::<Svc>("the-svc").unwrap(), svc, "the registered name still leads to it");
    system.shutdown().await;
}

/// Spawns a plain child of its own in `on_start`.
struct Parent {
    kid: Option<ActorRef<Kid>>,
}

struct Kid;
impl Actor for Kid {}

impl Actor for Parent {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.kid = Some(ctx.spawn_child(Kid));
        Ok(())
    }
}

struct GetKid;
impl Message for GetKid {
    type Reply = ActorRef<Kid>;
}
impl Handler<GetKid> for Parent {
    async fn handle(&mut self, _: GetKid, _ctx: &mut Context<Self>) -> ActorRef<Kid> {
        self.kid.clone().expect("spawned in on_start")
    }
}

impl Handler<Boom> for Parent {
    async fn handle(&mut self, msg: Boom, _ctx: &mut Context<Self>) -> u64 {
        panic!("{}", msg.0);
    }
}

#[tokio::test]
async fn children_of_the_failed_instance_stop_with_it() {
    let system = ActorSystem::new();
    let sup = Supervisor::builder()
        .child(ChildSpec::new("parent", || Parent { kid: None }))
        .spawn(&system)
        .await
        .unwrap();
    let parent = sup.child::<Parent>("parent").await.unwrap();
    let old_kid = parent.ask(GetKid).await.unwrap();
    let mut restarts = system.events().subscribe::<ActorRestarted>();

    let _ = parent.ask(Boom("take the kid along")).await;
    restarts.recv().await.unwrap();
    assert_eq!(old_kid.wait_for_stop().await, StopReason::Shutdown);
    let new_kid = parent.ask(GetKid).await.unwrap();
    assert_ne!(new_kid.id(), old_kid.id());
    assert!(new_kid.is_alive());
    system.shutdown().await;
    assert!(!new_kid.is_alive());
}

/// Counts what it handles in a counter that outlives its incarnations.
struct Counting {
    handled: Arc<AtomicU32>,
}
impl Actor for Counting {}

impl Handler<Push> for Counting {
    async fn handle(&mut self, _: Push, _ctx: &mut Context<Self>) {
        self.handled.fetch_add(1, Ordering::SeqCst);
    }
}

impl Handler<Boom> for Counting {
    async fn handle(&mut self, msg: Boom, _ctx: &mut Context<Self>) -> u64 {
        panic!("{}", msg.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_message_is_lost_across_many_restarts_from_many_senders() {
    let system = ActorSystem::new();
    let handled = Arc::new(AtomicU32::new(0));
    let factory = {
        let handled = handled.clone();
        move || Counting { handled: handled.clone() }
    };
    let sup = Supervisor::builder()
        .max_restarts(100, Duration::from_secs(60))
        .child(ChildSpec::new("counting", factory))
        .spawn(&system)
        .await
        .unwrap();
    let child = sup.child::<Counting>("counting").await.unwrap();

    let senders: Vec<_> = (0..3)
        .map(|_| {
            let child = child.clone();
            tokio::spawn(async move {
                for n in 0..300 {
                    child.tell(Push(n)).await.expect("the mailbox stays open across restarts");
                }
            })
        })
        .collect();
    let crasher = {
        let child = child.clone();
        tokio::spawn(async move {
            for _ in 0..20 {
                child.tell(Boom("crash")).await.unwrap();
                tokio::task::yield_now().await;
            }
        })
    };
    for task in senders {
        task.await.unwrap();
    }
    crasher.await.unwrap();
    // Asked after everything above was enqueued, so answered after it.
    assert_eq!(child.ask(Handled).await, Ok(900), "every push was handled by some incarnation");
    assert_eq!(system.dead_letter_count(), 0);
    assert!(sup.is_alive());
    system.shutdown().await;
}

#[tokio::test]

async fn each_restart_publishes_its_fact_even_when_the_new_instance_fails_at_once() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, svc) = one_child(&system, &log).await;
    let mut restarts = system.events().subscribe::<ActorRestarted>();
    let release = block(&svc).await;
    svc.tell(Boom("one")).await.unwrap();
    svc.tell(Boom("two")).await.unwrap();
    release.send(()).unwrap();
    assert_eq!(svc.ask(Items).await, Ok(vec![]));
    let first = restarts.recv().await.unwrap();
    assert_eq!((first.attempt, first.reason), (1, StopReason::Panicked("one".into())));
    let second = restarts.try_recv().expect("a second fact: the second instance did run and fail");
    assert_eq!((second.attempt, second.reason), (2, StopReason::Panicked("two".into())));
    assert_eq!(log.entries().iter().filter(|e| *e == "svc start").count(), 3);
    assert_eq!(sup.snapshot().await.unwrap().children[0].restarts, 2);
    system.shutdown().await;
}

impl Handler<Handled> for Counting {
    async fn handle(&mut self, _: Handled, _ctx: &mut Context<Self>) -> usize {
        self.handled.load(Ordering::SeqCst) as usize
    }
}
