//! Spawn + stop: spawn 100,000 actors, then stop them all and wait for each
//! to stop. `ours`: `system.spawn`, `stop`, `wait_for_stop`; `raw_tokio`:
//! `tokio::spawn` of 100,000 tasks each waiting on its own bounded `mpsc`,
//! then every sender dropped and every task joined. One iteration is the
//! whole 100k; criterion's element throughput gives actors per second.

use std::time::Duration;

use benches::{ours, raw, run, runtime, SPAWN_ACTORS};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

fn spawn_stop(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("spawn_stop");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(SPAWN_ACTORS));
    group.bench_function("ours", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, ours::spawn_stop(SPAWN_ACTORS))).sum())
    });
    group.bench_function("raw_tokio", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, raw::spawn_stop(SPAWN_ACTORS))).sum())
    });
    group.finish();
}

criterion_group!(benches, spawn_stop);
criterion_main!(benches);
