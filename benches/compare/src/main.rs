//! actor-core side by side with actix, kameo, ractor and raw tokio.
//!
//! ```text
//! compare <workload> <framework> [--runtime multi|current] [--scale F] [--no-warmup] [--ring-actors N]
//!   workload:  w1 (tell) | w2 (ask) | w3 (spawn) | w4 (ring) | w5 (fanout) | w6 (memory)
//!   framework: ours | actix | kameo | ractor | tokio
//! ```
//!
//! Prints one line per result, `key=value` pairs separated by spaces:
//! `workload=w1 framework=ours runtime=multi executor=tokio-mt2 metric=tell value=123.4 unit=ns_per_msg n=2000000`.
//! W1 without `--runtime` measures both runtimes (two lines); every other
//! workload defaults to `multi`. `run.py` next to this crate runs every
//! combination in fresh processes and summarises. See
//! `docs/benchmarks-comparison.md`.

mod actix_fw;
mod common;
mod kameo_fw;
mod ours;
mod ractor_fw;
mod raw;

use std::process::ExitCode;
use std::time::Duration;

use common::{on_tokio, percentile, AskRun, Counts, FanOut, Memory, Rt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    Tell,
    Ask,
    Spawn,
    Ring,
    FanOut,
    Memory,
}

impl Workload {
    fn parse(s: &str) -> Option<Workload> {
        Some(match s {
            "w1" | "tell" => Workload::Tell,
            "w2" | "ask" => Workload::Ask,
            "w3" | "spawn" => Workload::Spawn,
            "w4" | "ring" => Workload::Ring,
            "w5" | "fanout" => Workload::FanOut,
            "w6" | "memory" => Workload::Memory,
            _ => return None,
        })
    }

    fn id(self) -> &'static str {
        match self {
            Workload::Tell => "w1",
            Workload::Ask => "w2",
            Workload::Spawn => "w3",
            Workload::Ring => "w4",
            Workload::FanOut => "w5",
            Workload::Memory => "w6",
        }
    }
}

const FRAMEWORKS: [&str; 5] = ["ours", "actix", "kameo", "ractor", "tokio"];

/// What one workload run produced.
enum Outcome {
    /// Time for `items` items.
    Time(Duration, u64),
    Asks(AskRun),
    FanOut(Duration, FanOut, u64),
    Memory(Memory, usize),
}

struct Args {
    workload: Workload,
    framework: &'static str,
    runtimes: Vec<Rt>,
    counts: Counts,
    warmup: bool,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: compare <w1|w2|w3|w4|w5|w6> <ours|actix|kameo|ractor|tokio> \
         [--runtime multi|current] [--scale F] [--no-warmup] [--ring-actors N]"
    );
    ExitCode::from(2)
}

fn parse_args() -> Option<Args> {
    let mut args = std::env::args().skip(1);
    let workload = Workload::parse(&args.next()?)?;
    let fw = args.next()?;
    let framework = *FRAMEWORKS.iter().find(|f| **f == fw)?;
    let mut runtimes = None;
    let mut scale = 1.0;
    let mut warmup = true;
    let mut ring_actors = None;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--runtime" => {
                runtimes = Some(vec![match args.next()?.as_str() {
                    "multi" => Rt::Multi,
                    "current" => Rt::Current,
                    _ => return None,
                }])
            }
            "--scale" => scale = args.next()?.parse().ok()?,
            "--no-warmup" => warmup = false,
            // For analysis only (the issue's ring has 1,000 actors): a
            // smaller ring shows how much of a hop is cache misses.
            "--ring-actors" => ring_actors = Some(args.next()?.parse().ok()?),
            _ => return None,
        }
    }
    let runtimes = runtimes.unwrap_or_else(|| match workload {
        Workload::Tell => vec![Rt::Multi, Rt::Current],
        _ => vec![Rt::Multi],
    });
    let mut counts = Counts::scaled(scale);
    if let Some(n) = ring_actors {
        counts.ring_actors = n;
    }
    Some(Args { workload, framework, runtimes, counts, warmup })
}

fn main() -> ExitCode {
    let Some(args) = parse_args() else { return usage() };
    let mut ok = true;
    for &rt in &args.runtimes {
        let outcome = measure(args.workload, args.framework, rt, args.counts, args.warmup);
        ok &= report(args.workload, args.framework, rt, &outcome);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Counts for the untimed warm-up run: a tenth of the measured one.
fn warmup_counts(c: Counts) -> Counts {
    Counts {
        tell: c.tell / 10 + 1,
        asks: c.asks / 10 + 1,
        spawn: c.spawn / 10 + 1,
        ring_actors: c.ring_actors,
        ring_hops: c.ring_hops / 10 + 1,
        subscribers: c.subscribers,
        events: c.events / 10 + 1,
        idle: 0,
    }
}

/// Runs one workload of one framework on a tokio runtime: the four
/// tokio-based frameworks share this shape.
macro_rules! tokio_fw {
    ($m:ident, $w:expr, $rt:expr, $c:expr, $warm:expr) => {{
        let (c, w) = ($c, $warm);
        match $w {
            Workload::Tell => {
                let warm = w.map(|w| $m::tell(w.tell));
                Outcome::Time(on_tokio($rt, warm, $m::tell(c.tell)), c.tell)
            }
            Workload::Ask => {
                let warm = w.map(|w| $m::ask(w.asks));
                Outcome::Asks(on_tokio($rt, warm, $m::ask(c.asks)))
            }
            Workload::Spawn => {
                let warm = w.map(|w| $m::spawn_stop(w.spawn));
                Outcome::Time(on_tokio($rt, warm, $m::spawn_stop(c.spawn)), c.spawn)
            }
            Workload::Ring => {
                let warm = w.map(|w| $m::ring(w.ring_actors, w.ring_hops));
                Outcome::Time(on_tokio($rt, warm, $m::ring(c.ring_actors, c.ring_hops)), c.ring_hops)
            }
            Workload::FanOut => {
                let warm = w.map(|w| $m::fanout(w.subscribers, w.events));
                let (elapsed, outcome) = on_tokio($rt, warm, $m::fanout(c.subscribers, c.events));
                Outcome::FanOut(elapsed, outcome, c.subscribers as u64 * c.events)
            }
            Workload::Memory => {
                let none: Option<std::future::Ready<()>> = None;
                Outcome::Memory(on_tokio($rt, none, $m::idle(c.idle)), c.idle)
            }
        }
    }};
}

fn measure(workload: Workload, framework: &str, rt: Rt, c: Counts, warmup: bool) -> Outcome {
    // W6 is a memory probe: no warm-up, so the process holds nothing else.
    let warm = (warmup && workload != Workload::Memory).then(|| warmup_counts(c));
    match framework {
        "ours" => tokio_fw!(ours, workload, rt, c, warm),
        "tokio" => tokio_fw!(raw, workload, rt, c, warm),
        "kameo" => tokio_fw!(kameo_fw, workload, rt, c, warm),
        "ractor" => tokio_fw!(ractor_fw, workload, rt, c, warm),
        "actix" => measure_actix(workload, rt, c, warm),
        _ => unreachable!("parse_args accepts only known frameworks"),
    }
}

/// Runs `warmup` then `measured` in a fresh actix `System` on this thread.
fn on_actix<W, M, T>(warmup: Option<W>, measured: M) -> T
where
    W: std::future::Future,
    M: std::future::Future<Output = T>,
{
    actix_rt::System::new().block_on(async move {
        if let Some(w) = warmup {
            w.await;
        }
        measured.await
    })
}

fn measure_actix(workload: Workload, rt: Rt, c: Counts, w: Option<Counts>) -> Outcome {
    use actix_fw as m;
    match workload {
        Workload::Tell => {
            let own_arbiter = rt == Rt::Multi;
            let warm = w.map(|w| m::tell(w.tell, own_arbiter));
            Outcome::Time(on_actix(warm, m::tell(c.tell, own_arbiter)), c.tell)
        }
        Workload::Ask => Outcome::Asks(on_actix(w.map(|w| m::ask(w.asks)), m::ask(c.asks))),
        Workload::Spawn => {
            Outcome::Time(on_actix(w.map(|w| m::spawn_stop(w.spawn)), m::spawn_stop(c.spawn)), c.spawn)
        }
        Workload::Ring => {
            let warm = w.map(|w| m::ring(w.ring_actors, w.ring_hops));
            Outcome::Time(on_actix(warm, m::ring(c.ring_actors, c.ring_hops)), c.ring_hops)
        }
        Workload::FanOut => {
            let warm = w.map(|w| m::fanout(w.subscribers, w.events));
            let (elapsed, outcome) = on_actix(warm, m::fanout(c.subscribers, c.events));
            Outcome::FanOut(elapsed, outcome, c.subscribers as u64 * c.events)
        }
        Workload::Memory => {
            let none: Option<std::future::Ready<()>> = None;
            Outcome::Memory(on_actix(none, m::idle(c.idle)), c.idle)
        }
    }
}

fn executor(framework: &str, workload: Workload, rt: Rt) -> &'static str {
    match (framework, rt) {
        ("actix", Rt::Multi) if workload == Workload::Tell => "actix-system+arbiter",
        ("actix", _) => "actix-system",
        (_, Rt::Multi) => "tokio-mt2",
        (_, Rt::Current) => "tokio-ct",
    }
}

#[allow(clippy::print_stdout)]
fn line(workload: Workload, framework: &str, rt: Rt, metric: &str, value: f64, unit: &str, extra: &str) {
    println!(
        "workload={} framework={} runtime={} executor={} metric={} value={:.3} unit={}{}",
        workload.id(),
        framework,
        rt.name(),
        executor(framework, workload, rt),
        metric,
        value,
        unit,
        extra
    );
}

/// Prints the result lines; false if the run did not complete.
fn report(workload: Workload, framework: &str, rt: Rt, outcome: &Outcome) -> bool {
    let ns_per = |d: &Duration, n: u64| d.as_nanos() as f64 / n.max(1) as f64;
    let per_s = |d: &Duration, n: u64| n as f64 / d.as_secs_f64();
    match (workload, outcome) {
        (Workload::Tell, Outcome::Time(d, n)) => {
            line(workload, framework, rt, "tell", ns_per(d, *n), "ns_per_msg", &format!(" n={n}"));
        }
        (Workload::Spawn, Outcome::Time(d, n)) => {
            line(workload, framework, rt, "spawn_stop", per_s(d, *n), "actors_per_s", &format!(" n={n}"));
        }
        (Workload::Ring, Outcome::Time(d, n)) => {
            line(workload, framework, rt, "ring", ns_per(d, *n), "ns_per_hop", &format!(" n={n}"));
        }
        (Workload::Ask, Outcome::Asks(run)) => {
            let n = run.samples.len() as u64;
            let mut sorted = run.samples.clone();
            sorted.sort_unstable();
            let extra = format!(" n={n}");
            line(workload, framework, rt, "mean", ns_per(&run.total, n), "ns", &extra);
            line(workload, framework, rt, "p50", percentile(&sorted, 50.0) as f64, "ns", &extra);
            line(workload, framework, rt, "p99", percentile(&sorted, 99.0) as f64, "ns", &extra);
        }
        (Workload::FanOut, Outcome::FanOut(d, result, n)) => match result {
            FanOut::Complete => {
                line(workload, framework, rt, "fanout", per_s(d, *n), "deliveries_per_s", &format!(" n={n}"));
            }
            FanOut::Stalled(delivered) => {
                let extra = format!(" n={n} complete=false delivered={delivered}");
                line(workload, framework, rt, "fanout", f64::NAN, "deliveries_per_s", &extra);
                eprintln!(
                    "{framework}: fan-out stalled after {delivered} of {n} deliveries ({:.1}% lost)",
                    100.0 * (n - delivered) as f64 / *n as f64
                );
                return false;
            }
        },
        (Workload::Memory, Outcome::Memory(m, n)) => {
            let per = m.after.saturating_sub(m.before) as f64 / *n as f64;
            let extra = format!(" n={n} rss_before={} rss_after={}", m.before, m.after);
            line(workload, framework, rt, "idle_memory", per, "bytes_per_actor", &extra);
        }
        _ => unreachable!("each workload produces its own outcome"),
    }
    true
}
