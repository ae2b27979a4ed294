//! The runtime's metrics, exported in the Prometheus text format.
//!
//! actor-core records through the `metrics` facade (feature `metrics`);
//! this program installs `metrics-exporter-prometheus` as the recorder
//! *before* spawning anything (an actor takes its metric handles when it
//! is spawned), runs a little traffic, a restart, a dead letter and a slow
//! event subscriber, and prints what a scrape of the exporter returns. A
//! service would serve `handle.render()` on its `/metrics` route (or let
//! the exporter's own HTTP listener do it).
//!
//! `cargo run --example metrics`
#![allow(clippy::print_stdout)] // a program whose output is the point

use std::time::Duration;

use actor_core::events::SubscribeOptions;
use actor_core::prelude::*;
use actor_core::supervision::{ChildSpec, Supervisor};
use metrics_exporter_prometheus::PrometheusBuilder;

#[derive(Default)]
struct Worker {
    done: u64,
}
impl Actor for Worker {}

struct Job;
impl Message for Job {
    type Reply = u64;
}
impl Handler<Job> for Worker {
    async fn handle(&mut self, _: Job, _: &mut Context<Self>) -> u64 {
        self.done += 1;
        self.done
    }
}

struct Crash;
impl Message for Crash {
    type Reply = ();
}
impl Handler<Crash> for Worker {
    async fn handle(&mut self, _: Crash, _: &mut Context<Self>) {
        panic!("asked to crash");
    }
}

#[derive(Clone)]
struct PriceChanged;
impl Event for PriceChanged {}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    actor_core::silence_caught_panics();
    // First: handles taken before a recorder is installed stay no-ops.
    let prometheus = PrometheusBuilder::new()
        .set_buckets(&[0.000_001, 0.000_01, 0.000_1, 0.001, 0.01, 0.1, 1.0])?
        .install_recorder()?;

    let system = ActorSystem::new();
    let workers: Vec<_> = (0..3).map(|_| system.spawn(Worker::default())).collect();
    let sup = Supervisor::builder()
        .name("jobs")
        .child(ChildSpec::new("billing", Worker::default))
        .spawn(&system)
        .await?;
    let billing = sup.child::<Worker>("billing").await?;

    for i in 0..30 {
        workers[i % 3].tell(Job).await?;
    }
    billing.ask(Job).await?;
    let _ = billing.ask(Crash).await; // a panic: the supervisor restarts it
    while billing.ask(Job).timeout(Duration::from_secs(1)).await.is_err() {}

    let retired = system.spawn(Worker::default());
    retired.stop();
    retired.wait_for_stop().await;
    let _ = retired.tell(Job).await; // a dead letter

    // A subscriber that never reads, with room for 4 events.
    let _stuck = system.events().subscribe_with(SubscribeOptions::<PriceChanged>::new().buffer(4));
    for _ in 0..10 {
        system.events().publish(PriceChanged);
    }
    for worker in &workers {
        worker.ask(Job).await?;
    }

    print!("{}", prometheus.render());
    system.shutdown().await;
    Ok(())
}
