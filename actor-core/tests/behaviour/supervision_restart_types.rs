//! Restart types (OTP): `Permanent` is restarted after any stop, `Normal`
//! included; `Transient` only after an abnormal one; `Temporary` never,
//! and its spec is forgotten.

use std::future::IntoFuture;
use std::pin::pin;
use std::time::Duration;

use actor_core::events::{ActorRestarted, Subscription};
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Restart, Supervisor, SupervisorError};

use crate::common::svc::{svc, Items, Push, Svc};
use crate::common::{block, is_pending, Boom, Log};

/// Stops the actor from inside, with `ctx.stop()`.
struct Quit;
impl Message for Quit {
    type Reply = ();
}
impl Handler<Quit> for Svc {
    async fn handle(&mut self, _: Quit, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// A supervisor with the one child "x" of the given restart type (and a
/// long-lived sibling "other"); the child holds one item.
async fn with_child(
    system: &ActorSystem,
    log: &Log,
    restart: Restart,
) -> (ActorRef<Supervisor>, ActorRef<Svc>, Subscription<ActorRestarted>) {
    let sup = Supervisor::builder()
        .max_restarts(10, Duration::from_secs(60))
        .child(ChildSpec::new("other", svc("other", log)))
        .child(ChildSpec::new("x", svc("x", log)).restart(restart))
        .spawn(system)
        .await
        .expect("supervisor starts");
    let x = sup.child::<Svc>("x").await.unwrap();
    x.tell(Push(1)).await.unwrap();
    assert_eq!(x.ask(Items).await, Ok(vec![1]));
    let facts = system.events().subscribe::<ActorRestarted>();
    (sup, x, facts)
}

/// True if no restart fact came: the supervisor has finished with the
/// child's stop once it answers.
async fn no_restart(sup: &ActorRef<Supervisor>, facts: &mut Subscription<ActorRestarted>) -> bool {
    sup.snapshot().await.expect("supervisor running");
    facts.try_recv().is_none()
}

#[tokio::test]
async fn permanent_is_the_default_and_restarted_after_any_stop() {
    let system = ActorSystem::new();
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(10, Duration::from_secs(60))
        .child(ChildSpec::new("x", svc("x", &log))) // no restart type given
        .spawn(&system)
        .await
        .unwrap();
    let x = sup.child::<Svc>("x").await.unwrap();
    let mut facts = system.events().subscribe::<ActorRestarted>();

    x.stop(); // Normal
    assert_eq!(facts.recv().await.unwrap().reason, StopReason::Normal);
    x.tell(Quit).await.unwrap(); // Normal, from inside
    assert_eq!(facts.recv().await.unwrap().reason, StopReason::Normal);
    let _ = x.ask(Boom("crash")).await;
    assert_eq!(facts.recv().await.unwrap().reason, StopReason::Panicked("crash".into()));
    x.kill();
    assert_eq!(facts.recv().await.unwrap().reason, StopReason::Killed);

    assert!(x.is_alive());
    x.tell(Push(5)).await.unwrap();
    assert_eq!(x.ask(Items).await, Ok(vec![5]));
    system.shutdown().await;
}

#[tokio::test]
async fn transient_is_restarted_after_a_panic_or_a_kill() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (_sup, x, mut facts) = with_child(&system, &log, Restart::Transient).await;

    let _ = x.ask(Boom("crash")).await;
    let fact = facts.recv().await.unwrap();
    assert_eq!((fact.id, fact.reason), (x.id(), StopReason::Panicked("crash".into())));
    assert_eq!(x.ask(Items).await, Ok(vec![]));
    x.kill();
    assert_eq!(facts.recv().await.unwrap().reason, StopReason::Killed);
    assert_eq!(x.ask(Items).await, Ok(vec![]));
    system.shutdown().await;
}

#[tokio::test]
async fn transient_is_not_restarted_after_a_normal_stop() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, x, mut facts) = with_child(&system, &log, Restart::Transient).await;

    x.stop();
    x.wait_for_stop().await;
    assert!(no_restart(&sup, &mut facts).await);
    assert!(!x.is_alive());
    assert_eq!(x.ask(Items).await, Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(log.entries()[2..], ["x stop: normal"], "on_stop ran once, nothing started again");
    let other = sup.child::<Svc>("other").await.unwrap();
    assert!(other.is_alive(), "the sibling is untouched");
    system.shutdown().await;
}

#[tokio::test]
async fn transient_is_not_restarted_after_stopping_itself() {
    let system = ActorSystem::new();
    let log = Log::default();
    let (sup, x, mut facts) = with_child(&system, &log, Restart::Transient).await;

    x.tell(Quit).await.unwrap();
    x.wait_for_stop().await;
    assert!(no_restart(&sup, &mut facts).await);
    assert_eq!(log.entries()[2..], ["x stop: normal"]);
    system.shutdown().await;
}

#[tokio::test]

async fn a_child_stopped_normally_for_good_reports_normal_to_watchers() {
    for restart in [Restart::Transient, Restart::Temporary] {
        let system = ActorSystem::new();
        let log = Log::default();
        let (_sup, x, _facts) = with_child(&system, &log, restart).await;
        x.stop();
        assert_eq!(x.wait_for_stop().await, StopReason::Normal, "{restart:?}: it stopped on request");
        system.shutdown().await;
    }
}

#[tokio::test]
async fn temporary_is_never_restarted_and_its_spec_is_forgotten() {
    for how in ["panic", "stop", "kill"] {
        let system = ActorSystem::new();
        let log = Log::default();
        let (sup, x, mut facts) = with_child(&system, &log, Restart::Temporary).await;

        let expected = match how {
            "panic" => {
                let _ = x.ask(Boom("crash")).await;
                StopReason::Panicked("crash".into())
            }
            "stop" => {
                x.stop();
                StopReason::Normal
            }
            _ => {
                x.kill();
                StopReason::Killed
            }
        };
        let reason = x.wait_for_stop().await;
        if how != "stop" {
            // ("stop": see a_child_stopped_normally_for_good_reports_normal_to_watchers)
            assert_eq!(reason, expected, "{how}: watchers see the real reason");
        }
        assert!(no_restart(&sup, &mut facts).await, "{how}: not restarted");
        assert_eq!(
            sup.child::<Svc>("x").await.unwrap_err(),
            SupervisorError::NoSuchChild("x".into()),
            "{how}: the spec is forgotten"
        );
        let names: Vec<Option<String>> =
            sup.snapshot().await.unwrap().children.into_iter().map(|c| c.name).collect();
        assert_eq!(names, [Some("other".to_owned())], "{how}");
        // Forgotten, so the name is free again.
        sup.start_child(ChildSpec::new("x", svc("x2", &log))).await.expect("the name is free");
        assert_ne!(sup.child::<Svc>("x").await.unwrap().id(), x.id());
        system.shutdown().await;
    }
}

#[tokio::test]
async fn messages_queued_behind_a_child_that_is_not_restarted_become_dead_letters() {
    for restart in [Restart::Temporary, Restart::Transient] {
        let system = ActorSystem::new();
        let log = Log::default();
        let (_sup, x, _facts) = with_child(&system, &log, restart).await;

        let release = block(&x).await;
        let mut quit = pin!(x.ask(Quit).into_future());
        let mut behind = pin!(x.ask(Items).into_future());
        assert!(is_pending(quit.as_mut()) && is_pending(behind.as_mut()));
        release.send(()).unwrap();
        assert_eq!(quit.await, Ok(()));
        assert_eq!(
            behind.await,
            Err(AskError::Stopped(Some(StopReason::Normal))),
            "{restart:?}: the asker is told"
        );
        x.wait_for_stop().await;
        assert_eq!(system.dead_letter_count(), 1, "{restart:?}: one dead letter for the queued ask");
        system.shutdown().await;
    }
}
