//! Runs one benchmark workload once and prints its time: a small target for
//! profilers (`valgrind --tool=callgrind`, `perf record`).
//!
//! ```text
//! cargo run --release -p benches --example workload -- WORKLOAD VARIANT [COUNT]
//!   WORKLOAD: tell | ask | spawn_stop | ring | idle     VARIANT: ours | raw
//!   COUNT: messages, round trips, actors or hops (defaults: the bench sizes)
//!   WORKLOAD: fanout   VARIANT: ours (actor subscribers) | streams | raw (broadcast)
//!   COUNT: events, each delivered to 100 subscribers
//!   WORKLOAD: publish  VARIANT: none | stuck (one subscriber that never reads)
//!   COUNT: events published
//! ```
//!
//! `idle` spawns COUNT idle actors and waits until all have started (the
//! memory probe's workload; run it under `valgrind --tool=dhat` to see
//! where each actor's bytes go).
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::Duration;

use benches::fanout::{self, EVENTS, STUCK_EVENTS, SUBSCRIBERS};
use benches::{
    ns_per, ours, raw, run, runtime, IDLE_ACTORS, RING_ACTORS, RING_HOPS, SPAWN_ACTORS, TELL_MESSAGES,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(workload), Some(variant)) = (args.first(), args.get(1)) else {
        eprintln!("usage: workload tell|ask|spawn_stop|ring|idle ours|raw [COUNT], fanout ours|streams|raw [EVENTS], publish none|stuck [EVENTS]");
        return ExitCode::FAILURE;
    };
    let count: Option<u64> = args.get(2).map(|c| c.replace('_', "").parse().expect("COUNT is a number"));
    let rt = runtime();
    let (n, elapsed): (u64, Duration) = match (workload.as_str(), variant.as_str()) {
        ("tell", "ours") => with(count, TELL_MESSAGES, |n| run(&rt, ours::tell_sum(n))),
        ("tell", "raw") => with(count, TELL_MESSAGES, |n| run(&rt, raw::tell_sum(n))),
        ("ask", "ours") => with(count, 100_000, |n| run(&rt, ours::ask_round_trips(n))),
        ("ask", "raw") => with(count, 100_000, |n| run(&rt, raw::ask_round_trips(n))),
        ("spawn_stop", "ours") => with(count, SPAWN_ACTORS, |n| run(&rt, ours::spawn_stop(n))),
        ("spawn_stop", "raw") => with(count, SPAWN_ACTORS, |n| run(&rt, raw::spawn_stop(n))),
        ("ring", "ours") => with(count, RING_HOPS, |n| run(&rt, ours::ring(RING_ACTORS, n))),
        ("ring", "raw") => with(count, RING_HOPS, |n| run(&rt, raw::ring(RING_ACTORS, n))),
        ("idle", "ours") => with(count, IDLE_ACTORS as u64, |n| run(&rt, ours::idle(n as usize))),
        ("idle", "raw") => with(count, IDLE_ACTORS as u64, |n| run(&rt, raw::idle(n as usize))),
        ("fanout", "ours") => with(count, EVENTS, |n| run(&rt, fanout::ours_actors(SUBSCRIBERS, n))),
        ("fanout", "streams") => with(count, EVENTS, |n| run(&rt, fanout::ours_streams(SUBSCRIBERS, n))),
        ("fanout", "raw") => with(count, EVENTS, |n| run(&rt, fanout::raw_broadcast(SUBSCRIBERS, n))),
        ("publish", "none") => with(count, STUCK_EVENTS, |n| run(&rt, fanout::publish_past_stuck(0, n))),
        ("publish", "stuck") => with(count, STUCK_EVENTS, |n| run(&rt, fanout::publish_past_stuck(1, n))),
        _ => {
            eprintln!("unknown workload {workload:?} or variant {variant:?}");
            return ExitCode::FAILURE;
        }
    };
    println!("{workload} {variant}: {n} in {elapsed:?} = {:.1} ns each", ns_per(elapsed, n));
    ExitCode::SUCCESS
}

fn with(count: Option<u64>, default: u64, f: impl FnOnce(u64) -> Duration) -> (u64, Duration) {
    let n = count.unwrap_or(default);
    (n, f(n))
}
