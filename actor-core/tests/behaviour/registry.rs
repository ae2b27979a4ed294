//! The per-system registry: typed lookup, taken names, stopped actors,
//! names freed when their actor stops, `unregister`.

use actor_core::prelude::*;
use actor_core::RegisterError;

use crate::common::{Boom, Log, Ping, Worker};

struct Other;
impl Actor for Other {}

fn worker(system: &ActorSystem) -> ActorRef<Worker> {
    system.spawn(Worker::new("w", &Log::default()))
}

#[tokio::test]
async fn lookup_returns_a_typed_working_address() {
    let system = ActorSystem::new();
    let w = worker(&system);
    system.register("db", &w).unwrap();
    let found = system.lookup::<Worker>("db").unwrap();
    assert_eq!(found, w);
    assert_eq!(found.id(), w.id());
    assert_eq!(found.ask(Ping(8)).await, Ok(8));
    system.shutdown().await;
}

#[tokio::test]
async fn lookup_of_the_wrong_type_or_an_unknown_name_fails() {
    let system = ActorSystem::new();
    let w = worker(&system);
    system.register("db", &w).unwrap();
    match system.lookup::<Other>("db") {
        Err(LookupError::WrongType { name, expected, found }) => {
            assert_eq!(name, "db");
            assert!(expected.contains("Other"), "{expected}");
            assert!(found.contains("Worker"), "{found}");
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    assert_eq!(system.lookup::<Worker>("cache"), Err(LookupError::NotFound("cache".into())));
    assert_eq!(system.lookup::<Worker>("DB"), Err(LookupError::NotFound("DB".into())), "names are exact");
    system.shutdown().await;
}

#[tokio::test]
async fn a_taken_name_is_refused_and_keeps_its_holder() {
    let system = ActorSystem::new();
    let (first, second) = (worker(&system), worker(&system));
    system.register("db", &first).unwrap();
    assert_eq!(
        system.register("db", &second),
        Err(RegisterError::NameTaken { name: "db".into(), holder: first.id() })
    );
    // Even another type cannot take it.
    let other = system.spawn(Other);
    assert!(matches!(system.register("db", &other), Err(RegisterError::NameTaken { .. })));
    assert_eq!(system.lookup::<Worker>("db").unwrap(), first);
    system.shutdown().await;
}

#[tokio::test]
async fn registering_a_stopped_actor_is_refused() {
    let system = ActorSystem::new();
    let w = worker(&system);
    w.stop();
    w.wait_for_stop().await;
    assert_eq!(system.register("db", &w), Err(RegisterError::Stopped(w.id())));
    assert_eq!(system.lookup::<Worker>("db"), Err(LookupError::NotFound("db".into())));
}

#[tokio::test]
async fn names_are_freed_when_the_actor_stops_for_any_reason() {
    let system = ActorSystem::new();
    let (stopped, killed, panicked) = (worker(&system), worker(&system), worker(&system));
    system.register("stopped", &stopped).unwrap();
    system.register("killed", &killed).unwrap();
    system.register("panicked", &panicked).unwrap();

    stopped.stop();
    stopped.wait_for_stop().await;
    killed.kill();
    killed.wait_for_stop().await;
    let _ = panicked.ask(Boom("registry boom")).await;
    panicked.wait_for_stop().await;

    for name in ["stopped", "killed", "panicked"] {
        assert_eq!(system.lookup::<Worker>(name), Err(LookupError::NotFound(name.into())));
        // The name is free for a new actor.
        let fresh = worker(&system);
        system.register(name, &fresh).unwrap();
        assert_eq!(system.lookup::<Worker>(name).unwrap(), fresh);
    }
    system.shutdown().await;
}

#[tokio::test]
async fn one_actor_may_hold_several_names_and_loses_all_when_it_stops() {
    let system = ActorSystem::new();
    let w = worker(&system);
    system.register("primary", &w).unwrap();
    system.register("alias", &w).unwrap();
    assert_eq!(system.lookup::<Worker>("primary").unwrap(), w);
    assert_eq!(system.lookup::<Worker>("alias").unwrap(), w);
    w.stop();
    w.wait_for_stop().await;
    assert!(system.lookup::<Worker>("primary").is_err());
    assert!(system.lookup::<Worker>("alias").is_err());
}

#[tokio::test]
async fn unregister_removes_the_name_but_not_the_actor() {
    let system = ActorSystem::new();
    let w = worker(&system);
    system.register("db", &w).unwrap();
    assert!(system.unregister("db"));
    assert!(!system.unregister("db"), "already gone");
    assert!(!system.unregister("never registered"));
    assert_eq!(system.lookup::<Worker>("db"), Err(LookupError::NotFound("db".into())));
    assert_eq!(w.ask(Ping(1)).await, Ok(1), "the actor keeps running");
    // Another actor may now take the name, and the old holder stopping
    // later does not remove it.
    let successor = worker(&system);
    system.register("db", &successor).unwrap();
    w.stop();
    w.wait_for_stop().await;
    assert_eq!(system.lookup::<Worker>("db").unwrap(), successor);
    system.shutdown().await;
}

#[tokio::test]
async fn register_error_messages_name_the_problem() {
    let system = ActorSystem::new();
    let w = worker(&system);
    system.register("db", &w).unwrap();
    let taken = system.register("db", &worker(&system)).unwrap_err();
    assert!(taken.to_string().contains("`db`"), "{taken}");
    assert!(taken.to_string().contains(&w.id().to_string()), "{taken}");
    let missing = system.lookup::<Worker>("nope").unwrap_err();
    assert_eq!(missing.to_string(), "no actor registered as `nope`");
    system.shutdown().await;
}

#[tokio::test]
async fn an_empty_name_is_refused() {
    let system = ActorSystem::new();
    let w = worker(&system);
    let empty = system.register("", &w).unwrap_err();
    assert_eq!(empty, RegisterError::EmptyName);
    assert_eq!(empty.to_string(), "an actor cannot be registered under an empty name");
    system.shutdown().await;
}

#[tokio::test]
async fn registering_the_same_actor_under_its_own_name_again_succeeds() {
    let system = ActorSystem::new();
    let w = worker(&system);
    system.register("db", &w).unwrap();
    system.register("db", &w).unwrap();
    assert_eq!(system.lookup::<Worker>("db").unwrap(), w);
    // Still its name alone: another actor is refused.
    assert!(matches!(system.register("db", &worker(&system)), Err(RegisterError::NameTaken { .. })));
    system.shutdown().await;
}
