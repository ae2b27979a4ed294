//! Shutdown of a system of 1,000,000 idle top-level actors: spawned
//! untimed, then `system.shutdown()` timed until it returns. One iteration
//! is the whole million; criterion's element throughput gives actors per
//! second. Before shutdown stopped top-level actors in groups it took about
//! 25 s here; the target is at most 2 s.

use std::time::Duration;

use benches::{ours, run, runtime};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

const ACTORS: u64 = 1_000_000;

fn shutdown(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("shutdown");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(ACTORS));
    group.bench_function("ours_1m_idle", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, ours::shutdown_idle(ACTORS))).sum())
    });
    group.finish();
}

criterion_group!(benches, shutdown);
criterion_main!(benches);
