//! The JSON API against a known tree: the exact document, its changes
//! after a restart, the bearer token, and that nothing but `GET` is served.

mod common;

use std::time::Duration;

use actor_core::events::{Overflow, SubscribeOptions};
use actor_core::prelude::*;
use actor_core::supervision::Supervisor;
use actor_observer::{Observer, ObserverError};
use serde_json::{json, Value};

use common::{crash_flaky, known_tree, request, state, Db, Loner, Tick, Work, Worker};

/// The figures that change with time or with sampling: uptime, the
/// node id, rates, and the supervisors' handled counts (each sample asks
/// them for their tree).
fn settle(mut state: Value) -> Value {
    state["uptime_ms"] = json!("-");
    state["node"] = json!("-");
    state["messages_per_sec"] = json!("-");
    for actor in state["actors"].as_array_mut().expect("actors") {
        actor["per_sec"] = json!("-");
        if actor["type"] == "Supervisor" {
            assert!(actor["handled"].as_u64().is_some(), "{actor}");
            actor["handled"] = json!("-");
        }
    }
    state
}

#[tokio::test]
async fn the_state_of_a_known_tree_is_exactly_this() {
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let app = known_tree(&system).await;
    let db = app.child::<Db>("db").await.unwrap();
    let web = app.child::<Supervisor>("web").await.unwrap();
    let flaky = web.child::<Worker>("flaky").await.unwrap();
    let loner = system.spawn_with(Loner, SpawnOptions::new().name("loner").unbounded());
    for _ in 0..3 {
        db.ask(Work).await.unwrap();
    }
    // A stream subscriber with room for 2 that is sent 5: 3 dropped.
    let _ticks = system
        .events()
        .subscribe_with::<Tick>(SubscribeOptions::new().buffer(2).overflow(Overflow::DropNewest));
    for _ in 0..5 {
        system.events().publish(Tick);
    }
    let observer = Observer::builder(&system).interval(Duration::from_secs(3600)).serve().await.unwrap();
    // A dead letter, once the observer listens: a message to a stopped actor.
    let gone = system.spawn(Worker);
    gone.stop();
    gone.wait_for_stop().await;
    assert!(gone.tell(Work).await.is_err());
    let addr = observer.local_addr();
    let (app_id, web_id, db_id) = (app.id().to_string(), web.id().to_string(), db.id().to_string());
    let (flaky_id, loner_id, gone_id) =
        (flaky.id().to_string(), loner.id().to_string(), gone.id().to_string());

    let actor = |id: &str, name: &str, ty: &str, top: bool, cap: Value, handled: Value, restarts: u32| {
        json!({
            "id": id, "name": name, "type": ty, "top_level": top, "restarts": restarts,
            "mailbox": { "len": 0, "capacity": cap }, "handled": handled, "per_sec": "-",
            "handling": null, "stuck": false
        })
    };
    let expected = |flaky_restarts: u32, flaky_handled: u64| {
        json!({
            "node": "-", "uptime_ms": "-", "actor_count": 5, "messages_per_sec": "-",
            "trees": [{
                "id": app_id, "name": "app", "type": "Supervisor", "strategy": "one_for_all", "restarts": 0,
                "children": [
                    { "id": db_id, "name": "db", "type": "Db", "strategy": null, "restarts": 0, "children": [], "children_omitted": 0 },
                    { "id": web_id, "name": "web", "type": "Supervisor", "strategy": "rest_for_one", "restarts": 0,
                      "children": [
                        { "id": flaky_id, "name": "flaky", "type": "Worker", "strategy": null,
                          "restarts": flaky_restarts, "children": [], "children_omitted": 0 }
                      ], "children_omitted": 0 }
                ],
                "children_omitted": 0
            }],
            "actors": [
                actor(&app_id, "app", "Supervisor", true, json!(1024), json!("-"), 0),
                actor(&db_id, "db", "Db", false, json!(16), json!(3), 0),
                actor(&web_id, "web", "Supervisor", false, json!(1024), json!("-"), 0),
                actor(&flaky_id, "flaky", "Worker", false, json!(1024), json!(flaky_handled), flaky_restarts),
                actor(&loner_id, "loner", "Loner", true, Value::Null, json!(0), 0),
            ],
            "actors_omitted": 0,
            "dead_letters": { "count": 1, "recent": [ { "to": gone_id, "message_type": "Work" } ] },
            "topics": [
                { "event_type": "ActorStarted", "subscribers": [] },
                { "event_type": "ActorStopped", "subscribers": [] },
                { "event_type": "DeadLetter", "subscribers": [
                    { "actor": null, "buffered": 0, "capacity": 20, "overflow": "drop_oldest", "dropped": 0 }
                ] },
                { "event_type": "EventsDropped", "subscribers": [] },
                { "event_type": "Tick", "subscribers": [
                    { "actor": null, "buffered": 2, "capacity": 2, "overflow": "drop_newest", "dropped": 3 }
                ] }
            ],
            "cluster": null
        })
    };
    assert_eq!(settle(state(addr).await), expected(0, 0));

    // A crash and a restart: the count goes up in the tree and in the
    // actor's row; the crashing message does not count as handled (its
    // handler never returned).
    crash_flaky(&system, &app).await;
    let after = settle(state(addr).await);
    let topics = after["topics"].clone();
    let mut expected = expected(1, 0);
    // The crash test's own subscription to restarts has ended by now, but
    // its topic stays listed.
    expected["topics"] = topics.clone();
    assert_eq!(after, expected);
    assert_eq!(topics[0]["event_type"], "ActorRestarted");

    observer.shutdown().await;
    system.shutdown().await;
}

#[tokio::test]
async fn a_token_is_required_when_set_and_only_get_is_served() {
    let system = ActorSystem::new();
    let observer = Observer::builder(&system).token("s3cret-token").serve().await.unwrap();
    let addr = observer.local_addr();

    let (status, headers, _) = request(addr, "GET", "/api/state", &[]).await;
    assert_eq!(status, 401);
    assert!(headers.contains(&("www-authenticate".into(), "Bearer".into())));
    let (status, _, _) = request(addr, "GET", "/api/state", &[("Authorization", "Bearer wrong")]).await;
    assert_eq!(status, 401);
    let (status, _, _) =
        request(addr, "GET", "/api/state", &[("Authorization", "Bearer s3cret-token")]).await;
    assert_eq!(status, 200);
    let (status, _, _) = request(addr, "GET", "/api/state?token=s3cret-token", &[]).await;
    assert_eq!(status, 200);
    // The page itself holds no data.
    let (status, headers, body) = request(addr, "GET", "/", &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("observer.js"));
    assert!(headers.contains(&("cache-control".into(), "no-store".into())));
    // Read-only: no other method is routed.
    for method in ["POST", "PUT", "DELETE"] {
        let (status, _, _) = request(addr, method, "/api/state?token=s3cret-token", &[]).await;
        assert_eq!(status, 405, "{method}");
    }
    observer.shutdown().await;
}

#[tokio::test]
async fn a_public_address_without_a_token_is_refused() {
    let system = ActorSystem::new();
    let refused = Observer::builder(&system).bind("0.0.0.0:0".parse().unwrap()).serve().await;
    assert!(matches!(refused, Err(ObserverError::TokenRequired(_))), "{refused:?}");
    let refused = Observer::builder(&system).token("has space").serve().await;
    assert!(matches!(refused, Err(ObserverError::InvalidToken)), "{refused:?}");
}

#[tokio::test]
async fn the_stream_sends_a_state_at_once_and_ends_at_shutdown() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let system = ActorSystem::new();
    system.spawn_with(Loner, SpawnOptions::new().name("loner"));
    let observer = Observer::builder(&system).interval(Duration::from_millis(50)).serve().await.unwrap();
    let mut stream = tokio::net::TcpStream::connect(observer.local_addr()).await.unwrap();
    stream
        .write_all(b"GET /api/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        .await
        .unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let read = async {
        while !(seen.contains("event: state")
            && seen.contains("\"loner\"")
            && seen.matches("event: state").count() >= 2)
        {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the stream ended early: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    tokio::time::timeout(common::STEP, read).await.expect("two samples in time");
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(seen.to_ascii_lowercase().contains("content-type: text/event-stream"), "{seen}");
    // Shutdown ends the open stream (it does not wait for the client).
    tokio::time::timeout(common::STEP, observer.shutdown()).await.expect("shuts down in time");
    let rest = async { while stream.read(&mut buf).await.map(|n| n > 0).unwrap_or(false) {} };
    tokio::time::timeout(common::STEP, rest).await.expect("the stream ends");
    system.shutdown().await;
}

#[tokio::test]
async fn max_actors_bounds_the_document_and_counts_what_it_left_out() {
    let system = ActorSystem::new();
    let app = known_tree(&system).await;
    system.spawn_with(Loner, SpawnOptions::new().name("loner"));
    let observer = Observer::builder(&system).max_actors(3).serve().await.unwrap();
    let state = state(observer.local_addr()).await;
    assert_eq!(state["actor_count"], 5);
    assert_eq!(state["actors_omitted"], 2);
    let names: Vec<&str> =
        state["actors"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["app", "db", "web"]);
    // app, db, web fit; flaky (web's child) does not.
    let tree = &state["trees"][0];
    assert_eq!(tree["id"], app.id().to_string());
    assert_eq!(tree["children_omitted"], 0);
    assert_eq!(tree["children"][1]["name"], "web");
    assert_eq!(tree["children"][1]["children"], json!([]));
    assert_eq!(tree["children"][1]["children_omitted"], 1);
    observer.shutdown().await;
    system.shutdown().await;
}
