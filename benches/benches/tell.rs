//! Tell throughput: one sender, one receiver, 2,000,000 `u64`s summed and
//! ended by a request for the sum. `ours`: `tell` then `ask` to one actor;
//! `raw_tokio`: a bounded `mpsc` (capacity 1024) to a summing task, ended
//! with a `oneshot`. One iteration is the whole 2M-message run; criterion's
//! element throughput gives messages per second.

use std::time::Duration;

use benches::{ours, raw, run, runtime, TELL_MESSAGES};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

fn tell(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("tell");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(TELL_MESSAGES));
    group.bench_function("ours", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, ours::tell_sum(TELL_MESSAGES))).sum())
    });
    group.bench_function("raw_tokio", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, raw::tell_sum(TELL_MESSAGES))).sum())
    });
    group.finish();
}

criterion_group!(benches, tell);
criterion_main!(benches);
