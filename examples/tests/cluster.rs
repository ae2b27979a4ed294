//! Nodes as separate OS processes on loopback: the cluster example's
//! binary started as a service and a client doing tell and ask across
//! them, and as the three-node demo in which the serving node is killed.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The example binary cargo built beside this test (`target/<profile>/examples/cluster`).
fn cluster_example() -> PathBuf {
    let mut path = std::env::current_exe().expect("the test binary's path");
    path.pop(); // the test binary
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("examples").join(format!("cluster{}", std::env::consts::EXE_SUFFIX))
}

#[tokio::test]
async fn a_service_and_a_client_in_two_processes_tell_and_ask() {
    let binary = cluster_example();
    assert!(binary.exists(), "{} is built by `cargo test` with the examples", binary.display());
    let mut service = Command::new(&binary)
        .args(["service", "127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the service starts");
    let mut lines = BufReader::new(service.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap();
    let addr = first
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .expect("the service prints its address");

    let client = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new(&binary).args(["client", addr, "1000"]).stderr(Stdio::inherit()).output(),
    )
    .await
    .expect("the client finishes")
    .expect("the client runs");
    let output = String::from_utf8_lossy(&client.stdout);
    assert!(client.status.success(), "client failed: {}\n{output}", client.status);
    assert!(output.contains("1000 deposits told, then asked: balance 1000"), "{output}");
    assert!(output.contains("withdraw 1001 refused by the bank: balance 1000 is short of 1001"), "{output}");
    assert!(output.contains("withdraw 1: balance now Ok(999)"), "{output}");

    drop(service.stdin.take());
    let status = tokio::time::timeout(Duration::from_secs(30), service.wait()).await.unwrap().unwrap();
    assert!(status.success(), "the service exits cleanly when its stdin closes: {status}");
}

#[tokio::test]
async fn three_nodes_one_killed_and_the_service_recovered_elsewhere() {
    let binary = cluster_example();
    let run = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new(&binary).stderr(Stdio::inherit()).output(),
    )
    .await
    .expect("the demo finishes")
    .expect("the demo runs");
    let output = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "the demo failed: {}\n{output}", run.status);
    // Both survivors were told, once each, that the bank's node died...
    let told = output.lines().filter(|l| l.contains("stopped: node down")).count();
    assert!(told >= 2, "{output}");
    assert!(output.contains("both watchers told after"), "{output}");
    // ...and exactly one of them took the bank over while the other found it.
    let summary = output.lines().find(|l| l.contains("serves the bank,")).expect("a summary line");
    assert!(summary.contains("B serves") || summary.contains("C serves"), "{summary}");
    assert!(output.contains("all nodes are done"), "{output}");
}
