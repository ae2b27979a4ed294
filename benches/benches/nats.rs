//! A node's links over NATS (actor-nats) next to a floor of plain
//! async-nats, through the same NATS server, in the same run. Not
//! criterion: a plain harness that prints one line per measurement and a
//! table of medians at the end. Needs `ACTOR_NATS_URL`.
//!
//! Both sides run in this process, each with its own NATS connection (so
//! every byte goes through the server and back). Each round measures,
//! alternating which goes first:
//!
//! * one way: `--messages` samples (a sequence number and 100 bytes,
//!   postcard: the remote benchmark's `Sample`) from one sender, in order;
//!   the receiver checks every sequence number;
//!   * floor: one client publishes each encoded sample to a subject, the
//!     other's subscriber decodes and checks it;
//!   * ours: `tell` to a sink actor on the other node, then an ask for
//!     its report;
//! * asks: `--asks` sequential round trips (p50, p99);
//!   * floor: async-nats `request` to a subscriber that replies with the
//!     sequence number;
//!   * ours: `ask` to the sink.
//!
//! ```text
//! ACTOR_NATS_URL=nats://127.0.0.1:4222 cargo bench -p benches --bench nats
//! ACTOR_NATS_URL=... cargo bench -p benches --bench nats -- --rounds 5 --messages 500000 --asks 5000
//! ```
//!
//! Figures: `docs/benchmarks.md`, section "Remote over NATS (actor-nats)".
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use actor_core::{ActorRef, ActorSystem};
use actor_nats::{Nats, NatsNodeBuilder};
use actor_remote::Node;
use benches::remote::{ours, Asks, Checker, Counts, OneWay, Sample, Sink, ASKER, SECRET, SINK};
use bytes::Bytes;
use futures_util::StreamExt;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Ok(url) = std::env::var("ACTOR_NATS_URL") else {
        println!("nats: ACTOR_NATS_URL is not set; the NATS benchmark was not run");
        return;
    };
    let number = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|at| args.get(at + 1))
            .map(|n| n.replace('_', "").parse().unwrap_or_else(|_| panic!("{name} takes a number")))
            .unwrap_or(default)
    };
    let bench = args.iter().any(|a| a == "--bench");
    let (rounds, messages, asks) = if bench {
        (number("--rounds", 3) as usize, number("--messages", 500_000), number("--asks", 5_000))
    } else {
        println!("nats: not run by `cargo bench`: one small round, a check only");
        (1, 5_000, 100)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(run(&url, rounds, messages, asks));
}

#[derive(Default)]
struct Table {
    floor_one_way: Vec<f64>,
    ours_one_way: Vec<f64>,
    floor_p50: Vec<Duration>,
    ours_p50: Vec<Duration>,
}

async fn run(url: &str, rounds: usize, messages: u64, asks: u64) {
    let prefix = format!("bench{}", std::process::id());
    let (_systems, _nodes, sink) = connect(url, &prefix).await;
    let floor = Floor::connect(url, &prefix).await;
    let mut table = Table::default();
    for round in 0..rounds {
        let warm = (messages / 10).max(1_000);
        let _ = floor.one_way(warm).await;
        let _ = ours::one_way(&sink, 1, warm).await;
        for order in if round % 2 == 0 { ["floor", "ours"] } else { ["ours", "floor"] } {
            let measured = match order {
                "floor" => floor.one_way(messages).await,
                _ => ours::one_way(&sink, 1, messages).await,
            };
            let lost = measured.counts.lost(&[0], messages);
            let rate = messages as f64 / measured.elapsed.as_secs_f64();
            println!(
                "round {round} {order:5} one way: {messages} in {:?} = {:.0} msg/s, lost {lost}, out of order {}",
                measured.elapsed, rate, measured.counts.out_of_order
            );
            if order == "ours" {
                assert_eq!(
                    (lost, measured.counts.out_of_order),
                    (0, 0),
                    "actor-nats lost or reordered messages"
                );
            }
            match order {
                "floor" => table.floor_one_way.push(rate),
                _ => table.ours_one_way.push(rate),
            }
        }
        for order in if round % 2 == 0 { ["floor", "ours"] } else { ["ours", "floor"] } {
            let measured = match order {
                "floor" => floor.asks(asks).await,
                _ => ours::asks(&sink, asks).await,
            };
            let mut trips = measured.round_trips.clone();
            trips.sort();
            let (p50, p99) = (trips[trips.len() / 2], trips[trips.len() * 99 / 100]);
            println!("round {round} {order:5} asks: {asks}, p50 {p50:?}, p99 {p99:?}");
            match order {
                "floor" => table.floor_p50.push(p50),
                _ => table.ours_p50.push(p50),
            }
        }
    }
    let median_f = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let median_d = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    // Ratios within each round (the machine's load shifts between rounds).
    let mut one_way_ratios: Vec<f64> =
        table.ours_one_way.iter().zip(&table.floor_one_way).map(|(o, f)| o / f).collect();
    let mut ask_ratios: Vec<f64> =
        table.ours_p50.iter().zip(&table.floor_p50).map(|(o, f)| o.as_secs_f64() / f.as_secs_f64()).collect();
    let (r1, r2) = (median_f(&mut one_way_ratios), median_f(&mut ask_ratios));
    let (f1, o1) = (median_f(&mut table.floor_one_way), median_f(&mut table.ours_one_way));
    let (f2, o2) = (median_d(&mut table.floor_p50), median_d(&mut table.ours_p50));
    println!("\nmedians of {rounds} rounds ({messages} one-way messages, {asks} asks):");
    println!("| workload | async-nats floor | actor-nats | median of the rounds' ratios |");
    println!("|---|---|---|---|");
    println!("| one way (msg/s) | {f1:.0} | {o1:.0} | {r1:.2}x of the floor |");
    println!("| ask p50 | {f2:?} | {o2:?} | {r2:.2}x the floor's |");
}

/// Two nodes over NATS, the second exposing the sink; the first's handle to it.
async fn connect(url: &str, prefix: &str) -> (Vec<ActorSystem>, Vec<Node>, ActorRef<Sink>) {
    let start = |system: ActorSystem| async move {
        let nats = Nats::connect(url).await.expect("NATS reachable").with_prefix(prefix);
        let node = Node::builder(&system).secret(SECRET).nats(&nats).start().await.expect("node starts");
        (system, node)
    };
    let (sys_b, b) = start(ActorSystem::new()).await;
    b.expose(SINK, &sys_b.spawn(Sink::default())).await.unwrap();
    let (sys_a, a) = start(ActorSystem::new()).await;
    assert!(a.wait_for_peer(b.id(), Duration::from_secs(20)).await, "the nodes link");
    let sink = a.lookup::<Sink>(SINK).await.expect("the sink");
    (vec![sys_a, sys_b], vec![a, b], sink)
}

/// Plain async-nats: a publisher and a subscriber on two connections.
struct Floor {
    publisher: async_nats::Client,
    subject: String,
    asks: String,
    counts: tokio::sync::mpsc::Sender<(u64, tokio::sync::oneshot::Sender<Counts>)>,
}

impl Floor {
    async fn connect(url: &str, prefix: &str) -> Floor {
        let publisher = async_nats::connect(url).await.unwrap();
        // A subscription buffer that holds a whole run: plain NATS has no
        // flow control, and a subscriber that falls behind loses messages.
        let receiver =
            async_nats::ConnectOptions::new().subscription_capacity(1 << 21).connect(url).await.unwrap();
        let subject = format!("{prefix}.floor.samples");
        let asks = format!("{prefix}.floor.asks");
        let mut samples = receiver.subscribe(subject.clone()).await.unwrap();
        let mut requests = receiver.subscribe(asks.clone()).await.unwrap();
        receiver.flush().await.unwrap();
        let (counts, mut expect) =
            tokio::sync::mpsc::channel::<(u64, tokio::sync::oneshot::Sender<Counts>)>(1);
        // The receiver: checks samples; when told how many to expect, says
        // what it saw once they are in.
        tokio::spawn(async move {
            let mut checker = Checker::default();
            while let Some((n, done)) = expect.recv().await {
                let mut received = 0;
                while received < n {
                    // A message lost on the way (a slow consumer) would
                    // leave this waiting: after 2 s of silence the counts
                    // say what came.
                    let Ok(Some(message)) =
                        tokio::time::timeout(Duration::from_secs(2), samples.next()).await
                    else {
                        break;
                    };
                    let sample: Sample = postcard::from_bytes(&message.payload).expect("a sample");
                    checker.check(sample.sender, sample.seq);
                    received += 1;
                }
                let _ = done.send(checker.take());
            }
        });
        let answering = receiver.clone();
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let sample: Sample = postcard::from_bytes(&request.payload).expect("a sample");
                let reply = postcard::to_allocvec(&sample.seq).unwrap();
                if let Some(to) = request.reply {
                    answering.publish(to, reply.into()).await.unwrap();
                }
            }
        });
        Floor { publisher, subject, asks, counts }
    }

    async fn one_way(&self, n: u64) -> OneWay {
        let (done, counted) = tokio::sync::oneshot::channel();
        self.counts.send((n, done)).await.unwrap();
        let start = Instant::now();
        for seq in 0..n {
            let payload = Bytes::from(postcard::to_allocvec(&Sample::new(0, seq)).unwrap());
            self.publisher.publish(self.subject.clone(), payload).await.unwrap();
        }
        self.publisher.flush().await.unwrap();
        let counts = counted.await.unwrap();
        OneWay { elapsed: start.elapsed(), counts }
    }

    async fn asks(&self, n: u64) -> Asks {
        let mut round_trips = Vec::with_capacity(n as usize);
        for seq in 0..n {
            let payload = Bytes::from(postcard::to_allocvec(&Sample::new(ASKER, seq)).unwrap());
            let start = Instant::now();
            let reply = self.publisher.request(self.asks.clone(), payload).await.unwrap();
            round_trips.push(start.elapsed());
            let echo: u64 = postcard::from_bytes(&reply.payload).unwrap();
            assert_eq!(echo, seq);
        }
        Asks { round_trips, counts: Counts::default() }
    }
}
