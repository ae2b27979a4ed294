//! Remote messaging between two processes on loopback: actor-remote next
//! to a raw TCP floor (tokio TCP + the same frame codec, no actors), in
//! the same run. Not criterion: a plain harness that prints one line per
//! measurement and a table of medians at the end.
//!
//! Each round starts a fresh peer process (this binary re-executed with
//! `--peer`) that hosts the receiving node and its sink actor, and the
//! floor's receiver; this process sends. A round measures, after an
//! untimed warm-up, each workload on the floor and on actor-remote, one
//! right after the other (the order alternates from round to round):
//!
//! * one way: 2,000,000 samples from one sender, then a report;
//! * asks: 20,000 sequential round trips (p50, p99);
//! * shared link: four sender tasks, 500,000 samples each, one link.
//!
//! The receiver checks every sender's sequence numbers; lost and
//! reordered messages are counted and printed.
//!
//! ```text
//! cargo bench -p benches --bench remote                    # 3 rounds
//! cargo bench -p benches --bench remote -- --rounds 5 --messages 1000000 --asks 10000
//! # one variant and workload, for a profiler (`--only ours|floor`,
//! # `--workload one_way|asks|shared`, `--no-warm-up`); no table
//! cargo bench -p benches --bench remote -- --rounds 1 --only ours --workload one_way
//! # both processes on one tokio worker each instead of two
//! ACTOR_BENCH_WORKERS=1 cargo bench -p benches --bench remote -- --workload one_way
//! ```
//!
//! Figures: `docs/benchmarks.md`, section "Remote (actor-remote)".
#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use benches::remote::{floor, ours, peer, Asks, OneWay, ASKER, ASKS, DEADLINE, ONE_WAY_MESSAGES, SENDERS};
use benches::runtime;

/// Untimed, before each round's measurements.
const WARM_UP_MESSAGES: u64 = 200_000;
const WARM_UP_ASKS: u64 = 2_000;

struct Settings {
    rounds: usize,
    messages: u64,
    asks: u64,
    /// Only this variant (`ours` or `floor`), for profiling one of them.
    only: Option<String>,
    /// Only this workload (`one_way`, `asks` or `shared`).
    workload: Option<String>,
    warm_up: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--peer") {
        return serve_peer();
    }
    let number = |name: &str| -> Option<u64> {
        let at = args.iter().position(|a| a == name)?;
        Some(args.get(at + 1)?.replace('_', "").parse().unwrap_or_else(|_| panic!("{name} takes a number")))
    };
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`)
    // one small round checks that everything arrives, and times nothing
    // worth reading.
    let text = |name: &str| -> Option<String> {
        let at = args.iter().position(|a| a == name)?;
        Some(args.get(at + 1)?.clone())
    };
    let bench = args.iter().any(|a| a == "--bench");
    let settings = if bench {
        Settings {
            rounds: number("--rounds").unwrap_or(3) as usize,
            messages: number("--messages").unwrap_or(ONE_WAY_MESSAGES),
            asks: number("--asks").unwrap_or(ASKS),
            only: text("--only"),
            workload: text("--workload"),
            warm_up: !args.iter().any(|a| a == "--no-warm-up"),
        }
    } else {
        println!("remote: not run by `cargo bench`: one small round, a check only");
        Settings { rounds: 1, messages: 20_000, asks: 200, only: None, workload: None, warm_up: false }
    };
    println!(
        "remote: {} round(s); one way {} samples, asks {}, shared link {} × {}; {} tokio workers per process",
        settings.rounds,
        settings.messages,
        settings.asks,
        SENDERS,
        settings.messages / u64::from(SENDERS),
        benches::workers()
    );
    let mut rounds = Vec::new();
    for round in 1..=settings.rounds {
        rounds.push(run_round(round, &settings));
    }
    if settings.only.is_none() && settings.workload.is_none() {
        summarize(&rounds, &settings);
    }
}

/// The peer process: serves until its standard input closes (the sender
/// is done, or died).
fn serve_peer() {
    let rt = runtime();
    let addresses = rt.block_on(peer::serve());
    println!("node={} floor={}", addresses.node, addresses.floor);
    std::io::stdout().flush().expect("flush");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    rt.shutdown_timeout(Duration::from_millis(100));
}

/// The peer process of one round; killed when dropped.
struct Peer {
    child: Child,
    node: String,
    floor: String,
}

impl Peer {
    fn start() -> Peer {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .arg("--peer")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the peer process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("peer stdout"))
            .read_line(&mut line)
            .expect("peer's addresses");
        let field = |key: &str| {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(key))
                .unwrap_or_else(|| panic!("the peer printed no {key}: {line:?}"))
                .to_owned()
        };
        let (node, floor) = (field("node="), field("floor="));
        Peer { child, node, floor }
    }
}

impl Drop for Peer {
    /// Closes the peer's standard input, which ends it; kills it if it is
    /// still there after a while (a profiler around it needs it to end
    /// by itself, to write its output).
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        for _ in 0..300 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One round's figures.
#[derive(Default)]
struct Round {
    /// ns per message: (floor, ours).
    one_way: (f64, f64),
    shared: (f64, f64),
    /// Round trip percentiles in µs: (floor, ours) for p50 and p99.
    p50: (f64, f64),
    p99: (f64, f64),
    /// Lost and reordered messages over the round's ours measurements,
    /// and the floor's.
    ours_lost: u64,
    ours_reordered: u64,
    floor_lost: u64,
    floor_reordered: u64,
}

fn run_round(round: usize, settings: &Settings) -> Round {
    let peer = Peer::start();
    let rt = runtime();
    let (system, node, sink) = rt.block_on(ours::connect(&peer.node));
    let timed = |what: &str, future: std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + Send>>| {
        let outcome = rt.block_on(async {
            match tokio::time::timeout(DEADLINE, tokio::spawn(future)).await {
                Ok(done) => done.expect("measurement panicked"),
                Err(_) => panic!("{what} took longer than {DEADLINE:?}: a message was lost?"),
            }
        });
        outcome
    };
    if settings.warm_up {
        let (f, s) = (peer.floor.clone(), sink.clone());
        timed(
            "warm-up",
            Box::pin(async move {
                floor::one_way(&f, 1, WARM_UP_MESSAGES).await;
                ours::one_way(&s, 1, WARM_UP_MESSAGES).await;
                floor::asks(&f, WARM_UP_ASKS).await;
                ours::asks(&s, WARM_UP_ASKS).await;
                Outcome::Done
            }),
        );
    }
    let mut r = Round::default();
    let ours_first = round.is_multiple_of(2);
    let each = settings.messages / u64::from(SENDERS);
    for workload in ["one_way", "asks", "shared"] {
        if settings.workload.as_deref().is_some_and(|w| w != workload) {
            continue;
        }
        let order = if ours_first { ["ours", "floor"] } else { ["floor", "ours"] };
        for variant in order {
            if settings.only.as_deref().is_some_and(|v| v != variant) {
                continue;
            }
            let (f, s, messages, asks) = (peer.floor.clone(), sink.clone(), settings.messages, settings.asks);
            let outcome = timed(
                &format!("{variant} {workload}"),
                Box::pin(async move {
                    match (workload, variant) {
                        ("one_way", "floor") => Outcome::OneWay(floor::one_way(&f, 1, messages).await),
                        ("one_way", _) => Outcome::OneWay(ours::one_way(&s, 1, messages).await),
                        ("asks", "floor") => Outcome::Asks(floor::asks(&f, asks).await),
                        ("asks", _) => Outcome::Asks(ours::asks(&s, asks).await),
                        ("shared", "floor") => Outcome::OneWay(floor::one_way(&f, SENDERS, each).await),
                        _ => Outcome::OneWay(ours::one_way(&s, SENDERS, each).await),
                    }
                }),
            );
            let (lost, reordered) = match outcome {
                Outcome::OneWay(OneWay { elapsed, counts }) => {
                    let (senders, per): (Vec<u32>, u64) = match workload {
                        "shared" => ((0..SENDERS).collect(), each),
                        _ => (vec![0], messages),
                    };
                    let n = senders.len() as u64 * per;
                    let ns = elapsed.as_nanos() as f64 / n as f64;
                    let lost = counts.lost(&senders, per);
                    println!(
                        "round={round} workload={workload} variant={variant} n={n} ns_per_msg={ns:.1} \
                         msg_per_s={:.3}M received={} lost={lost} reordered={}",
                        1e3 / ns,
                        counts.received,
                        counts.out_of_order
                    );
                    let slot = if workload == "shared" { &mut r.shared } else { &mut r.one_way };
                    set(slot, variant, ns);
                    (lost, counts.out_of_order)
                }
                Outcome::Asks(Asks { mut round_trips, counts }) => {
                    round_trips.sort_unstable();
                    let p50 = percentile_us(&round_trips, 0.50);
                    let p99 = percentile_us(&round_trips, 0.99);
                    let mean = round_trips.iter().sum::<Duration>().as_nanos() as f64
                        / round_trips.len() as f64
                        / 1e3;
                    let lost = counts.lost(&[ASKER], asks);
                    println!(
                        "round={round} workload=asks variant={variant} n={} p50_us={p50:.1} p99_us={p99:.1} \
                         mean_us={mean:.1} received={} lost={lost} reordered={}",
                        round_trips.len(),
                        counts.received,
                        counts.out_of_order
                    );
                    set(&mut r.p50, variant, p50);
                    set(&mut r.p99, variant, p99);
                    (lost, counts.out_of_order)
                }
                Outcome::Done => unreachable!(),
            };
            if variant == "ours" {
                r.ours_lost += lost;
                r.ours_reordered += reordered;
            } else {
                r.floor_lost += lost;
                r.floor_reordered += reordered;
            }
        }
    }
    rt.block_on(async {
        node.shutdown().await;
        system.shutdown().await;
    });
    drop(peer);
    r
}

enum Outcome {
    OneWay(OneWay),
    Asks(Asks),
    Done,
}

fn set(slot: &mut (f64, f64), variant: &str, value: f64) {
    if variant == "ours" {
        slot.1 = value;
    } else {
        slot.0 = value;
    }
}

/// The `q` quantile of sorted durations, in µs (nearest rank).
fn percentile_us(sorted: &[Duration], q: f64) -> f64 {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_nanos() as f64 / 1e3
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The medians over rounds, ratios taken within each round.
fn summarize(rounds: &[Round], settings: &Settings) {
    let rate = |ns: f64| format!("{:.2} M/s", 1e3 / ns);
    let row =
        |label: &str, unit: &str, pick: &dyn Fn(&Round) -> (f64, f64), target: &str, show_rate: bool| {
            let floor = median(rounds.iter().map(|r| pick(r).0).collect());
            let ours = median(rounds.iter().map(|r| pick(r).1).collect());
            let ratios: Vec<f64> = rounds.iter().map(|r| pick(r).1 / pick(r).0).collect();
            let (lo, hi) = ratios.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            let cell = |v: f64| {
                if show_rate {
                    format!("{v:.1} {unit} ({})", rate(v))
                } else {
                    format!("{v:.1} {unit}")
                }
            };
            println!(
                "| {label} | {} | {} | {:.2} ({lo:.2}–{hi:.2}) | {target} |",
                cell(floor),
                cell(ours),
                median(ratios.clone())
            );
        };
    println!();
    println!(
        "remote, medians of {} round(s) ({} samples one way, {} asks); ratio = ours ÷ floor within a round, median (range)",
        rounds.len(),
        settings.messages,
        settings.asks
    );
    println!();
    println!("| workload | floor | actor-remote | ratio | target |");
    println!("|---|---:|---:|---:|---|");
    row("one way, 1 sender", "ns/msg", &|r| r.one_way, "≥ 3 M/s, ratio ≤ 1.6", true);
    row("ask round trip p50", "µs", &|r| r.p50, "ratio ≤ 1.2", false);
    row("ask round trip p99", "µs", &|r| r.p99, "—", false);
    row(&format!("{SENDERS} senders, one link"), "ns/msg", &|r| r.shared, "≥ 2 M/s total", true);
    let sum = |f: &dyn Fn(&Round) -> u64| rounds.iter().map(f).sum::<u64>();
    println!();
    println!(
        "lost / reordered over all rounds: actor-remote {} / {}, floor {} / {}",
        sum(&|r| r.ours_lost),
        sum(&|r| r.ours_reordered),
        sum(&|r| r.floor_lost),
        sum(&|r| r.floor_reordered)
    );
}
