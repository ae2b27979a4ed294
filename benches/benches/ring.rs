//! Ring: 1,000 actors, each holding the address of the next, pass a token
//! 1,000,000 hops. `ours`: each actor `tell`s the next from its handler;
//! `raw_tokio`: 1,000 tasks joined by bounded `mpsc` channels (capacity
//! 1024). One iteration is the whole 1M hops (setup excluded); criterion's
//! element throughput gives hops per second.

use std::time::Duration;

use benches::{ours, raw, run, runtime, RING_ACTORS, RING_HOPS};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

fn ring(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("ring");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(RING_HOPS));
    group.bench_function("ours", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, ours::ring(RING_ACTORS, RING_HOPS))).sum())
    });
    group.bench_function("raw_tokio", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, raw::ring(RING_ACTORS, RING_HOPS))).sum())
    });
    group.finish();
}

criterion_group!(benches, ring);
criterion_main!(benches);
