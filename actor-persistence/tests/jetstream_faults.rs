//! The JetStream journal through a server crash: the test starts its own
//! nats-server (a free port, JetStream on a temporary directory), has an
//! event-sourced actor persist deposits, kills the server (SIGKILL) and
//! starts it again on the same directory, then has a new actor replay. No
//! acknowledged command is lost, and the replayed state is exactly what
//! the journal kept. Runs when `ACTOR_NATS_URL` is set (the sign that NATS
//! tests run here) and a `nats-server` binary is found.
#![cfg(feature = "jetstream")]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actor_persistence::journal::{JetStreamJournal, Journal};
use actor_persistence::prelude::*;
use common::{Account, Command};

/// `ACTOR_NATS_SERVER` if set (as in `.ci/services`), else `nats-server`
/// on the PATH or in the system's usual places.
fn server_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ACTOR_NATS_SERVER") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).map(|dir| dir.join("nats-server")).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(
            ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
                .map(PathBuf::from),
        )
        .find(|p| p.is_file())
}

/// Starts the server and waits (at most ten seconds) until it accepts
/// connections.
async fn start_server(bin: &Path, port: u16, dir: &Path) -> Child {
    let child = Process::new(bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server on port {port} did not come up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_fact_is_lost_when_the_server_is_killed() {
    let say = |line: &str| {
        let _ = writeln!(std::io::stderr(), "{line}");
    };
    if std::env::var("ACTOR_NATS_URL").is_err() {
        say("actor-persistence: JetStream journal crash test not run (set ACTOR_NATS_URL to run it)");
        return;
    }
    let Some(bin) = server_binary() else {
        say(
            "actor-persistence: JetStream journal crash test not run (no nats-server; set ACTOR_NATS_SERVER)",
        );
        return;
    };
    actor_core::silence_caught_panics();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("actor-persistence-js-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = start_server(&bin, port, &dir).await;
    let url = format!("nats://127.0.0.1:{port}");
    let journal = JetStreamJournal::connect(&url, "crash").await.expect("open");

    let system = ActorSystem::new();
    let persistence = Persistence::new(journal.clone());
    let account = persistence.spawn(&system, "acct", Account::default());
    let mut acknowledged = 0u64;
    for _ in 0..200 {
        account.execute(Command::Deposit(1)).await.expect("persisted");
        acknowledged += 1;
    }
    // Commands in flight while the server dies: each either acknowledged
    // or failed (the actor stops on a journal failure).
    let progress = Arc::new(AtomicU64::new(0));
    let writer = {
        let (account, progress) = (account.clone(), progress.clone());
        tokio::spawn(async move {
            for _ in 0..100_000 {
                match tokio::time::timeout(Duration::from_secs(10), account.execute(Command::Deposit(1)))
                    .await
                {
                    Ok(Ok(_)) => progress.fetch_add(1, Ordering::AcqRel),
                    _ => break,
                };
            }
            progress.load(Ordering::Acquire)
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while progress.load(Ordering::Acquire) < 100 {
        assert!(Instant::now() < deadline, "the writer made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("kill");
    server.wait().expect("reaped");
    acknowledged += tokio::time::timeout(Duration::from_secs(60), writer).await.expect("bounded").unwrap();
    let mut server = start_server(&bin, port, &dir).await;

    // A new incarnation replays what the journal kept: at least every
    // acknowledged deposit, and exactly its facts.
    account.stop();
    account.wait_for_stop().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let (balance, kept) = loop {
        // The client reconnects by itself; until then, reads fail.
        let kept = journal.highest_sequence("acct").await;
        let again = persistence.spawn(&system, "acct", Account::default());
        match (kept, again.read(|a| a.balance).await) {
            (Ok(kept), Ok(balance)) => break (balance, kept),
            _ => {
                again.stop();
                assert!(Instant::now() < deadline, "no replay within 30 s of the restart");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert!(balance >= acknowledged, "{acknowledged} acknowledged, {balance} replayed");
    assert_eq!(balance, kept, "one deposit of 1 per fact kept");
    say(&format!("jetstream journal crash: {acknowledged} acknowledged, {kept} kept"));

    system.shutdown().await;
    journal.delete().await.expect("delete the journal");
    server.kill().expect("kill");
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
