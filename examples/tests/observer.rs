//! The observer example as a process: it prints its address, serves the
//! shop's tree, and stops by itself with `--for-secs`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// The example binary cargo built beside this test.
fn observer_example() -> PathBuf {
    let mut path = std::env::current_exe().expect("the test binary's path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("examples").join(format!("observer{}", std::env::consts::EXE_SUFFIX))
}

#[tokio::test]
async fn the_example_serves_the_shop_and_stops_by_itself() {
    let binary = observer_example();
    assert!(binary.exists(), "{} is built by `cargo test` with the examples", binary.display());
    let mut example = Command::new(&binary)
        .args(["--for-secs", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts");
    let mut lines = BufReader::new(example.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap();
    let url = first.as_deref().and_then(|l| l.strip_prefix("observer: http://")).expect("the address");
    let addr = url.trim_end_matches('/').to_owned();

    let get = async {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connects");
        let request = format!("GET /api/state HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    };
    let response = tokio::time::timeout(Duration::from_secs(10), get).await.expect("an answer in time");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    for name in ["\"shop\"", "\"gateway\"", "\"payments\"", "\"audit\"", "\"stats\""] {
        assert!(response.contains(name), "{name} missing: {response}");
    }

    // The rest of its output (the runtime's error traces of the crashes
    // go to stdout too), then its exit.
    let rest = async {
        let mut output = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            output.push(line);
        }
        output
    };
    let output = tokio::time::timeout(Duration::from_secs(30), rest).await.expect("it stops by itself");
    assert_eq!(output.last().map(String::as_str), Some("observer: stopped"), "{output:?}");
    let status = tokio::time::timeout(Duration::from_secs(5), example.wait()).await.expect("it exits");
    assert!(status.expect("waited").success());
}
