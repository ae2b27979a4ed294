//! A handler that runs past its threshold is warned about, once, and once
//! more when it ends; what an actor is handling shows in its endpoint and
//! in tree snapshots.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Supervisor};
use tracing::field::{Field, Visit};
use tracing::{Event as TraceEvent, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::Layer;

/// The `warn` events of this thread: message and message type.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<(String, String)>>>);

impl Warnings {
    fn capture() -> (Warnings, tracing::subscriber::DefaultGuard) {
        let warnings = Warnings::default();
        let subscriber = tracing_subscriber::registry().with(warnings.clone());
        (warnings, tracing::subscriber::set_default(subscriber))
    }

    fn about(&self, message: &str) -> Vec<String> {
        let seen = self.0.lock().unwrap();
        seen.iter().filter(|(m, _)| m == message).map(|(_, t)| t.clone()).collect()
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    message_type: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message_type" {
            self.message_type = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Warnings {
    fn on_event(&self, event: &TraceEvent<'_>, _ctx: LayerContext<'_, S>) {
        if *event.metadata().level() == Level::WARN {
            let mut fields = Fields::default();
            event.record(&mut fields);
            self.0.lock().unwrap().push((fields.message, fields.message_type));
        }
    }
}

const STILL_RUNNING: &str = "handler still running past its threshold (a stuck await, an ask cycle?)";
const FINISHED: &str = "slow handler finished";

#[derive(Default)]
struct Napper;
impl Actor for Napper {}

struct Nap(Duration);
impl Message for Nap {
    type Reply = ();
}
impl Handler<Nap> for Napper {
    async fn handle(&mut self, msg: Nap, _ctx: &mut Context<Self>) {
        tokio::time::sleep(msg.0).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_handler_is_warned_about_once_and_again_when_it_ends() {
    let (warnings, _guard) = Warnings::capture();
    let system = ActorSystem::builder().slow_handler(Some(Duration::from_millis(500))).build();
    let napper = system.spawn(Napper);
    napper.ask(Nap(Duration::ZERO)).await.unwrap(); // a quick one: nothing to say

    let napping = {
        let napper = napper.clone();
        tokio::spawn(async move { napper.ask(Nap(Duration::from_secs(2))).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (message_type, elapsed) = napper.endpoint().handling().expect("handling a Nap");
    assert!(
        message_type.ends_with("Nap") && elapsed >= Duration::from_millis(300),
        "{message_type} {elapsed:?}"
    );
    assert!(warnings.about(STILL_RUNNING).is_empty(), "not past the threshold yet");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let warned = warnings.about(STILL_RUNNING);
    assert_eq!(warned.len(), 1, "one warning");
    assert!(warned[0].ends_with("Nap"), "{warned:?}");

    napping.await.unwrap().unwrap();
    assert_eq!(warnings.about(STILL_RUNNING).len(), 1, "still one");
    assert_eq!(warnings.about(FINISHED).len(), 1, "and one when it ended");
    assert_eq!(napper.endpoint().handling(), None);
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_spawn_can_turn_the_warning_off() {
    let (warnings, _guard) = Warnings::capture();
    let system = ActorSystem::builder().slow_handler(Some(Duration::from_millis(100))).build();
    let quiet = system.spawn_with(Napper, SpawnOptions::new().slow_handler(None));
    quiet.ask(Nap(Duration::from_secs(1))).await.unwrap();
    assert!(warnings.about(STILL_RUNNING).is_empty() && warnings.about(FINISHED).is_empty());
    system.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_tree_snapshot_shows_what_each_actor_is_handling() {
    let system = ActorSystem::new();
    let sup =
        Supervisor::builder().child(ChildSpec::new("napper", Napper::default)).spawn(&system).await.unwrap();
    let napper = sup.child::<Napper>("napper").await.unwrap();
    napper.tell(Nap(Duration::from_secs(10))).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let snap = sup.snapshot().await.unwrap();
    let child = &snap.children[0];
    let (message_type, elapsed) = child.handling.expect("handling");
    assert!(message_type.ends_with("Nap"));
    assert!(elapsed >= Duration::from_secs(2));
    assert!(snap.to_string().contains("handling=Nap for 2"), "{snap}");
    assert_eq!(snap.handling, None, "the supervisor itself is answering, not waiting");
    system.shutdown().await;
}
