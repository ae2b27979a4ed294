//! One-way remote messages between two processes on loopback: actor-remote
//! next to ractor_cluster 0.16, kameo 0.22 (feature `remote`, libp2p) and
//! the raw TCP floor, each sending the same 100-byte ordered messages
//! (`benches::remote::Sample`) to an actor in a peer process that checks
//! every sequence number and reports at the end.
//!
//! ```text
//! cargo run --release -- [--rounds R] [--messages N] [--frameworks ours,floor,ractor,kameo]
//! ```
//!
//! Each measurement starts a fresh peer process (this binary with `--peer
//! FRAMEWORK`) and a fresh sender process (`--send FRAMEWORK`), so no
//! framework's global state (ractor's process groups, kameo's global
//! swarm) meets another's or outlives its measurement. Prints one line per
//! measurement, `key=value` pairs, and a table of medians. See
//! `docs/benchmarks-comparison.md`, "Remote".
#![allow(clippy::print_stdout)]

mod kameo_fw;
mod ractor_fw;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use benches::remote::{floor, ours, peer, Counts, OneWay};

/// Untimed, before each measurement.
const WARM_UP: u64 = 20_000;

fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|at| args.get(at + 1)).cloned();
    if let Some(framework) = value("--peer") {
        return serve_peer(&framework);
    }
    if let Some(framework) = value("--send") {
        let addr = value("--addr").expect("--addr");
        let messages = value("--messages").expect("--messages").parse().expect("--messages N");
        return send(&framework, &addr, messages);
    }
    let rounds: usize = value("--rounds").map_or(3, |r| r.parse().expect("--rounds N"));
    let messages: u64 =
        value("--messages").map_or(200_000, |n| n.replace('_', "").parse().expect("--messages N"));
    let frameworks: Vec<String> = value("--frameworks")
        .unwrap_or_else(|| "floor,ours,ractor,kameo".into())
        .split(',')
        .map(str::to_owned)
        .collect();
    println!("compare-remote: {rounds} round(s) of {messages} one-way messages; frameworks {frameworks:?}");
    let mut results: Vec<(String, Vec<f64>, u64, u64)> =
        frameworks.iter().map(|f| (f.clone(), Vec::new(), 0, 0)).collect();
    for round in 1..=rounds {
        // Rotate the order from round to round.
        for i in 0..frameworks.len() {
            let f = (i + round - 1) % frameworks.len();
            let framework = &frameworks[f];
            let (elapsed, counts) = measure(framework, messages);
            let ns = elapsed.as_nanos() as f64 / messages as f64;
            let lost = counts.lost(&[0], messages);
            println!(
                "round={round} framework={framework} n={messages} ns_per_msg={ns:.1} msg_per_s={:.3}M \
                 received={} lost={lost} reordered={}",
                1e3 / ns,
                counts.received,
                counts.out_of_order
            );
            results[f].1.push(ns);
            results[f].2 += lost;
            results[f].3 += counts.out_of_order;
        }
    }
    println!();
    println!(
        "| framework | ns/msg (median of {rounds}) | msg/s | lost (all rounds) | reordered (all rounds) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (framework, mut ns, lost, reordered) in results {
        ns.sort_by(f64::total_cmp);
        let median = ns[ns.len() / 2];
        println!("| {framework} | {median:.0} | {:.2} M/s | {lost} | {reordered} |", 1e3 / median);
    }
}

/// One measurement against a fresh peer, from a fresh sender process
/// (kameo's swarm and ractor's process groups are global to a process).
fn measure(framework: &str, messages: u64) -> (Duration, Counts) {
    let peer = Peer::start(framework);
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args(["--send", framework, "--addr", &peer.addr, "--messages", &messages.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .expect("run the sender process");
    drop(peer);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("elapsed_ns="))
        .unwrap_or_else(|| panic!("the {framework} sender failed ({}): {text}", out.status));
    let field = |key: &str| -> &str {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {line}"))
    };
    let counts = Counts {
        received: field("received=").parse().expect("received"),
        out_of_order: field("out_of_order=").parse().expect("out_of_order"),
        next: field("next=").split(',').filter(|s| !s.is_empty()).map(|n| n.parse().expect("next")).collect(),
    };
    (Duration::from_nanos(field("elapsed_ns=").parse().expect("elapsed")), counts)
}

/// The sender process: one measurement, printed as one line.
fn send(framework: &str, addr: &str, messages: u64) {
    let rt = benches::runtime();
    let framework = framework.to_owned();
    let addr = addr.to_owned();
    let outcome = rt.block_on(async move {
        let run = tokio::spawn(async move {
            match framework.as_str() {
                "floor" => {
                    floor::one_way(&addr, 1, WARM_UP).await;
                    let OneWay { elapsed, counts } = floor::one_way(&addr, 1, messages).await;
                    (elapsed, counts)
                }
                "ours" => {
                    let (system, node, sink) = ours::connect(&addr).await;
                    ours::one_way(&sink, 1, WARM_UP).await;
                    let OneWay { elapsed, counts } = ours::one_way(&sink, 1, messages).await;
                    node.shutdown().await;
                    system.shutdown().await;
                    (elapsed, counts)
                }
                "ractor" => ractor_fw::one_way(&addr, WARM_UP, messages).await,
                "kameo" => kameo_fw::one_way(&addr, 1_000, messages, false).await,
                "kameo-ack" => kameo_fw::one_way(&addr, 1_000, messages, true).await,
                other => panic!("unknown framework {other:?}"),
            }
        });
        tokio::time::timeout(Duration::from_secs(600), run).await
    });
    let (elapsed, counts) = match outcome {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => panic!("measurement failed: {e}"),
        Err(_) => panic!("measurement took longer than 600 s (lost messages?)"),
    };
    let next: Vec<String> = counts.next.iter().map(u64::to_string).collect();
    println!(
        "elapsed_ns={} received={} out_of_order={} next={}",
        elapsed.as_nanos(),
        counts.received,
        counts.out_of_order,
        next.join(",")
    );
    std::io::stdout().flush().expect("flush");
    // Frameworks' background tasks may not end on their own.
    std::process::exit(0);
}

/// The peer process: serves `framework`'s receiver until stdin closes.
fn serve_peer(framework: &str) {
    let rt = benches::runtime();
    let addr = rt.block_on(async {
        match framework {
            "floor" => peer::serve().await.floor,
            "ours" => peer::serve().await.node,
            "ractor" => ractor_fw::serve().await,
            "kameo" | "kameo-ack" => kameo_fw::serve().await,
            other => panic!("unknown framework {other:?}"),
        }
    });
    println!("addr={addr}");
    std::io::stdout().flush().expect("flush");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    rt.shutdown_timeout(Duration::from_millis(100));
}

struct Peer {
    child: Child,
    addr: String,
}

impl Peer {
    fn start(framework: &str) -> Peer {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .args(["--peer", framework])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the peer process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("peer stdout")).read_line(&mut line).expect("peer address");
        let addr =
            line.trim().strip_prefix("addr=").unwrap_or_else(|| panic!("peer printed {line:?}")).to_owned();
        Peer { child, addr }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (for servers that take a port, not a listener).
pub(crate) fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}
