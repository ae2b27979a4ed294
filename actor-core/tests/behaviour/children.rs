//! `Context::spawn_child`: children stop before their parent (newest
//! first), so the parent's `on_stop` sees them gone; a child's own stop or
//! failure leaves the parent running.

use actor_core::prelude::*;

use crate::common::{Boom, Log, Ping};

/// Logs its stop; spawns `depth` more generations below itself.
struct Child {
    label: String,
    log: Log,
    depth: u32,
}

impl Actor for Child {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if self.depth > 0 {
            let label = format!("{}.1", self.label);
            ctx.spawn_child(Child { label, log: self.log.clone(), depth: self.depth - 1 });
        }
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("{} stopped: {reason}", self.label));
    }
}

impl Handler<Ping> for Child {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        msg.0
    }
}

impl Handler<Boom> for Child {
    async fn handle(&mut self, msg: Boom, _ctx: &mut Context<Self>) -> u64 {
        panic!("{}", msg.0)
    }
}

/// Spawns `count` children in `on_start` (and more on request).
struct Parent {
    log: Log,
    count: usize,
    depth: u32,
    children: Vec<ActorRef<Child>>,
}

impl Parent {
    fn new(log: &Log, count: usize) -> Self {
        Parent { log: log.clone(), count, depth: 0, children: Vec::new() }
    }
}

impl Actor for Parent {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        for i in 1..=self.count {
            let child = Child { label: format!("child {i}"), log: self.log.clone(), depth: self.depth };
            self.children.push(ctx.spawn_child(child));
        }
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        let alive = self.children.iter().filter(|c| c.is_alive()).count();
        self.log.push(format!("parent stopped: {reason}, children alive: {alive}"));
    }
}

struct Children;
impl Message for Children {
    type Reply = Vec<ActorRef<Child>>;
}
impl Handler<Children> for Parent {
    async fn handle(&mut self, _: Children, _ctx: &mut Context<Self>) -> Vec<ActorRef<Child>> {
        self.children.clone()
    }
}

/// Spawns one more child from a handler.
struct SpawnOne(&'static str);
impl Message for SpawnOne {
    type Reply = ActorRef<Child>;
}
impl Handler<SpawnOne> for Parent {
    async fn handle(&mut self, msg: SpawnOne, ctx: &mut Context<Self>) -> ActorRef<Child> {
        let child = ctx.spawn_child(Child { label: msg.0.into(), log: self.log.clone(), depth: 0 });
        self.children.push(child.clone());
        child
    }
}

/// Spawns a named child with a mailbox of one.
struct SpawnNamed(&'static str);
impl Message for SpawnNamed {
    type Reply = ActorRef<Child>;
}
impl Handler<SpawnNamed> for Parent {
    async fn handle(&mut self, msg: SpawnNamed, ctx: &mut Context<Self>) -> ActorRef<Child> {
        let child = Child { label: msg.0.into(), log: self.log.clone(), depth: 0 };
        ctx.spawn_child_with(child, SpawnOptions::new().name(msg.0).capacity(1))
    }
}

impl Handler<Boom> for Parent {
    async fn handle(&mut self, msg: Boom, _ctx: &mut Context<Self>) -> u64 {
        panic!("{}", msg.0)
    }
}

#[tokio::test]
async fn children_stop_newest_first_before_the_parent() {
    let system = ActorSystem::new();
    let log = Log::default();
    let parent = system.spawn(Parent::new(&log, 3));
    let late = parent.ask(SpawnOne("child 4")).await.unwrap();
    let children = parent.ask(Children).await.unwrap();
    assert_eq!(system.actor_count(), 5);
    assert!(children.iter().all(ActorRef::is_alive));

    parent.stop();
    assert_eq!(parent.wait_for_stop().await, StopReason::Normal);
    assert_eq!(
        log.entries(),
        [
            "child 4 stopped: shutdown",
            "child 3 stopped: shutdown",
            "child 2 stopped: shutdown",
            "child 1 stopped: shutdown",
            "parent stopped: normal, children alive: 0",
        ]
    );
    for child in &children {
        assert_eq!(child.wait_for_stop().await, StopReason::Shutdown);
    }
    assert!(!late.is_alive());
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn grandchildren_stop_before_their_parents() {
    let system = ActorSystem::new();
    let log = Log::default();
    let parent = system.spawn(Parent { depth: 2, ..Parent::new(&log, 2) });
    // Whether or not the grandchildren have started yet, the order holds:
    // a child handles its stop only after its own on_start.
    parent.stop();
    parent.wait_for_stop().await;
    assert_eq!(
        log.entries(),
        [
            "child 2.1.1 stopped: shutdown",
            "child 2.1 stopped: shutdown",
            "child 2 stopped: shutdown",
            "child 1.1.1 stopped: shutdown",
            "child 1.1 stopped: shutdown",
            "child 1 stopped: shutdown",
            "parent stopped: normal, children alive: 0",
        ]
    );
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn a_panicking_parent_still_stops_its_children_first() {
    let system = ActorSystem::new();
    let log = Log::default();
    let parent = system.spawn(Parent::new(&log, 2));
    let children = parent.ask(Children).await.unwrap();
    assert_eq!(
        parent.ask(Boom("parent boom")).await,
        Err(AskError::Failed(StopReason::Panicked("parent boom".into())))
    );
    assert_eq!(parent.wait_for_stop().await, StopReason::Panicked("parent boom".into()));
    assert_eq!(
        log.entries(),
        [
            "child 2 stopped: shutdown",
            "child 1 stopped: shutdown",
            "parent stopped: panicked: parent boom, children alive: 0",
        ]
    );
    assert!(children.iter().all(|c| !c.is_alive()));
}

#[tokio::test]
async fn killing_the_parent_kills_its_children_without_on_stop() {
    let system = ActorSystem::new();
    let log = Log::default();
    let parent = system.spawn(Parent { depth: 1, ..Parent::new(&log, 2) });
    let children = parent.ask(Children).await.unwrap();
    parent.kill();
    assert_eq!(parent.wait_for_stop().await, StopReason::Killed);
    for child in &children {
        assert_eq!(child.wait_for_stop().await, StopReason::Killed);
    }
    assert!(log.entries().is_empty(), "no on_stop anywhere: {:?}", log.entries());
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn a_child_stopping_or_failing_on_its_own_leaves_the_parent_running() {
    let system = ActorSystem::new();
    let log = Log::default();
    let parent = system.spawn(Parent::new(&log, 3));
    let children = parent.ask(Children).await.unwrap();
    children[0].stop();
    assert_eq!(children[0].wait_for_stop().await, StopReason::Normal);
    assert_eq!(
        children[1].ask(Boom("child boom")).await,
        Err(AskError::Failed(StopReason::Panicked("child boom".into())))
    );
    assert_eq!(children[1].wait_for_stop().await, StopReason::Panicked("child boom".into()));

    assert!(parent.is_alive());
    assert_eq!(children[2].ask(Ping(3)).await, Ok(3));
    let fresh = parent.ask(SpawnOne("child 4")).await.unwrap();
    assert_eq!(fresh.ask(Ping(4)).await, Ok(4));

    parent.stop();
    assert_eq!(parent.wait_for_stop().await, StopReason::Normal);
    assert_eq!(
        log.entries(),
        [
            "child 1 stopped: normal",
            "child 2 stopped: panicked: child boom",
            "child 4 stopped: shutdown",
            "child 3 stopped: shutdown",
            "parent stopped: normal, children alive: 0",
        ]
    );
}

#[tokio::test]
async fn a_child_has_its_own_id_in_the_same_system() {
    let system = ActorSystem::new();
    let parent = system.spawn(Parent::new(&Log::default(), 2));
    let children = parent.ask(Children).await.unwrap();
    assert_ne!(children[0].id(), children[1].id());
    assert_ne!(children[0].id(), parent.id());
    assert!(children.iter().all(|c| c.id().node() == system.node_id()));
    system.shutdown().await;
}

#[tokio::test]
async fn spawn_child_with_applies_the_options_and_still_ties_the_child_to_its_parent() {
    let system = ActorSystem::new();
    let log = Log::default();
    let parent = system.spawn(Parent::new(&log, 0));
    let named = parent.ask(SpawnNamed("named child")).await.unwrap();
    assert_eq!(named.name(), Some("named child"));
    assert_eq!(named.mailbox_len(), Some(0), "bounded");
    parent.stop();
    parent.wait_for_stop().await;
    assert_eq!(named.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(log.entries(), ["named child stopped: shutdown", "parent stopped: normal, children alive: 0"]);
}
