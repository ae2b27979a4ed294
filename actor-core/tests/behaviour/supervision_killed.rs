//! A supervisor that is killed (so its `on_stop` does not run) still takes
//! its children down with it: no orphans.

use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Supervisor};

#[derive(Default)]
struct Worker;
impl Actor for Worker {}

#[tokio::test]
async fn killing_a_supervisor_stops_its_children() {
    let system = ActorSystem::new();
    let sup = Supervisor::builder()
        .child(ChildSpec::new("a", Worker::default))
        .child(ChildSpec::new("b", Worker::default))
        .spawn(&system)
        .await
        .unwrap();
    let a = sup.child::<Worker>("a").await.unwrap();
    let b = sup.child::<Worker>("b").await.unwrap();
    sup.kill();
    assert_eq!(sup.wait_for_stop().await, StopReason::Killed);
    assert!(!a.is_alive() && !b.is_alive(), "children outlived their killed supervisor");
    assert_eq!(system.actor_count(), 0);
}

#[tokio::test]
async fn system_shutdown_stops_supervised_children_before_their_supervisor() {
    let system = ActorSystem::new();
    let sup = Supervisor::builder().child(ChildSpec::new("a", Worker::default)).spawn(&system).await.unwrap();
    let a = sup.child::<Worker>("a").await.unwrap();
    system.shutdown().await;
    assert_eq!(a.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(sup.wait_for_stop().await, StopReason::Shutdown);
    assert_eq!(system.actor_count(), 0);
}
