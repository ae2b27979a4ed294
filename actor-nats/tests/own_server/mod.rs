//! A `nats-server` of a test's own: a free port on loopback, the
//! arguments the test asks for, killed when dropped. The binary is
//! `ACTOR_NATS_SERVER` if set (as in `.ci/services`), else `nats-server`
//! on the PATH or in the system's usual places.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// How long a server may take to accept connections, or to exit.
const WAIT: Duration = Duration::from_secs(30);

/// A running server; restartable on the same port with the same arguments.
pub struct OwnServer {
    bin: PathBuf,
    child: Child,
    port: u16,
    args: Vec<String>,
}

impl OwnServer {
    /// The server binary, if this machine has one.
    pub fn binary() -> Option<PathBuf> {
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

    /// Starts a server with `args` on a free port and waits (bounded) until
    /// it accepts connections; `None`, after one line naming `what` did not
    /// run, when there is no binary.
    pub async fn start(args: &[&str], what: &str) -> Option<OwnServer> {
        let Some(bin) = Self::binary() else {
            eprintln!("no nats-server binary (set ACTOR_NATS_SERVER or put it on the PATH): {what} not run");
            return None;
        };
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let child = spawn(&bin, port, &args).await;
        Some(OwnServer { bin, child, port, args })
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no chance to write anything. Waits until it is gone.
    pub async fn kill(&mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(WAIT, self.child.wait()).await.expect("nats-server exits");
    }

    /// SIGTERM: the server shuts down in order. Waits until it is gone.
    pub async fn terminate(&mut self) {
        let pid = self.child.id().expect("running").to_string();
        // By its own pid only: never a process group.
        let status = Command::new("kill").args(["-TERM", &pid]).status().await.expect("kill -TERM");
        assert!(status.success(), "kill -TERM {pid}");
        let _ = tokio::time::timeout(WAIT, self.child.wait()).await.expect("nats-server exits");
    }

    /// Starts it again, on the same port with the same arguments (killing
    /// it first if it still runs).
    pub async fn restart(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.kill().await;
        }
        self.child = spawn(&self.bin, self.port, &self.args).await;
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn spawn(bin: &PathBuf, port: u16, args: &[String]) -> Child {
    let child = Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("nats-server starts");
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "nats-server on port {port} did not come up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child
}
