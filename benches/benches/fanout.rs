//! Event fan-out: 1 publisher, 100 subscribers, 20,000 events each (2M
//! deliveries per iteration). `ours_actors`: subscriber actors
//! (`ctx.subscribe`); `ours_streams`: subscriber tasks reading a
//! `Subscription`; `raw_broadcast`: `tokio::sync::broadcast`. Plus the
//! publisher alone, publishing 1M events with no subscriber and past one
//! that never reads.

use std::time::Duration;

use benches::fanout::{self, EVENTS, STUCK_EVENTS, SUBSCRIBERS};
use benches::{run, runtime};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

fn fan_out(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("fanout");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(EVENTS * SUBSCRIBERS as u64));
    group.bench_function("ours_actors", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, fanout::ours_actors(SUBSCRIBERS, EVENTS))).sum())
    });
    group.bench_function("ours_streams", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, fanout::ours_streams(SUBSCRIBERS, EVENTS))).sum())
    });
    group.bench_function("raw_broadcast", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, fanout::raw_broadcast(SUBSCRIBERS, EVENTS))).sum())
    });
    group.finish();

    let mut group = c.benchmark_group("publish_1m");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(STUCK_EVENTS));
    group.bench_function("no_subscriber", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, fanout::publish_past_stuck(0, STUCK_EVENTS))).sum())
    });
    group.bench_function("one_stuck_subscriber", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&rt, fanout::publish_past_stuck(1, STUCK_EVENTS))).sum())
    });
    group.finish();
}

criterion_group!(benches, fan_out);
criterion_main!(benches);
