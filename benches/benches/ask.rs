//! Ask round trip, sequential: one requester waits for each reply before
//! sending the next request. `ours`: `ask` to one actor; `raw_tokio`: a
//! bounded `mpsc` (capacity 1024) carrying a fresh `oneshot` per request.
//! One iteration is one round trip.

use std::time::Duration;

use benches::{ours, raw, run, runtime};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn ask(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("ask");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
    group.bench_function("ours", |b| b.iter_custom(|iters| run(&rt, ours::ask_round_trips(iters))));
    group.bench_function("raw_tokio", |b| b.iter_custom(|iters| run(&rt, raw::ask_round_trips(iters))));
    group.finish();
}

criterion_group!(benches, ask);
criterion_main!(benches);
