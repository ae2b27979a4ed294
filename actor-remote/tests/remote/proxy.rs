//! A TCP proxy between a node and its peer that records, injects, stalls
//! and cuts: how the tests reach a link after its handshake.

use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// Injected bytes on their way to the server; an empty chunk closes.
type Injected = Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Vec<u8>>>>;

/// The proxy's controls.
pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    /// Everything clients sent, in order.
    pub(crate) recorded: Arc<Mutex<Vec<u8>>>,
    /// Everything the server sent back, in order.
    pub(crate) answered: Arc<Mutex<Vec<u8>>>,
    inject: mpsc::UnboundedSender<Vec<u8>>,
    stall: watch::Sender<bool>,
    stall_answers: watch::Sender<bool>,
    cut: watch::Sender<u64>,
    sever: watch::Sender<u64>,
    refuse: watch::Sender<bool>,
}

impl Proxy {
    /// Forwards every connection to `target`.
    pub(crate) async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let answered = Arc::new(Mutex::new(Vec::new()));
        let answer = answered.clone();
        let (inject, injected) = mpsc::unbounded_channel::<Vec<u8>>();
        let injected: Injected = Arc::new(tokio::sync::Mutex::new(injected));
        let (stall, stalled) = watch::channel(false);
        let (stall_answers, answers_stalled) = watch::channel(false);
        let (cut, cuts) = watch::channel(0u64);
        let (refuse, refusing) = watch::channel(false);
        let (sever, severs) = watch::channel(0u64);
        // The server ends of severed connections: open, and silent.
        let held: Arc<Mutex<Vec<OwnedFd>>> = Arc::default();
        let record = recorded.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                if *refusing.borrow() {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(target).await else { return };
                let generation = *cuts.borrow();
                let mut cut_here = cuts.clone();
                let severed = *severs.borrow();
                let mut sever_here = severs.clone();
                // A second descriptor of the server's socket keeps it open
                // after the forwarding ends, if the client's end is severed.
                let Ok(server_fd) = server.as_fd().try_clone_to_owned() else { return };
                let held = held.clone();
                let forward = forward(
                    client,
                    server,
                    [record.clone(), answer.clone()],
                    injected.clone(),
                    [stalled.clone(), answers_stalled.clone()],
                );
                tokio::spawn(async move {
                    tokio::select! {
                        () = forward => {}
                        _ = cut_here.wait_for(|g| *g != generation) => {}
                        _ = sever_here.wait_for(|g| *g != severed) => held.lock().push(server_fd),
                    }
                });
            }
        });
        Proxy { addr, recorded, answered, inject, stall, stall_answers, cut, sever, refuse }
    }

    /// Writes `bytes` to the server as if the client had sent them.
    pub(crate) fn inject(&self, bytes: &[u8]) {
        let _ = self.inject.send(bytes.to_vec());
    }

    /// Closes the server side's stream after what was injected so far.
    pub(crate) fn close(&self) {
        let _ = self.inject.send(Vec::new());
    }

    /// Stops (or resumes) reading what the client sends.
    pub(crate) fn stall(&self, stalled: bool) {
        self.stall.send_replace(stalled);
    }

    /// Stops (or resumes) reading what the server sends back.
    pub(crate) fn stall_answers(&self, stalled: bool) {
        self.stall_answers.send_replace(stalled);
    }

    /// A network partition (or its end): live connections go silent both
    /// ways without closing, and new ones are refused.
    pub(crate) fn partition(&self, on: bool) {
        self.refuse.send_replace(on);
        self.stall(on);
        self.stall_answers(on);
    }

    /// Breaks the live connections, both directions at once; later
    /// connections are forwarded again.
    pub(crate) fn cut(&self) {
        self.cut.send_modify(|g| *g += 1);
    }

    /// Closes the client's end of the live connections and leaves the
    /// server's open and silent: the client sees its link end, the server
    /// still holds it (until something tells it otherwise).
    pub(crate) fn sever_client(&self) {
        self.sever.send_modify(|g| *g += 1);
    }
}

/// Forwards one connection until either side closes (or the future is
/// dropped, which drops both sockets).
async fn forward(
    client: TcpStream,
    server: TcpStream,
    [record, answer]: [Arc<Mutex<Vec<u8>>>; 2],
    injected: Injected,
    [mut stalled, mut answers_stalled]: [watch::Receiver<bool>; 2],
) {
    let (mut client_r, mut client_w) = client.into_split();
    let (mut server_r, mut server_w) = server.into_split();
    let up = async move {
        let mut injected = injected.lock().await;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if *stalled.borrow() {
                // Stop reading from the client: its writes back up.
                let _ = stalled.wait_for(|s| !*s).await;
            }
            tokio::select! {
                read = client_r.read(&mut buf) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        record.lock().extend_from_slice(&buf[..n]);
                        if server_w.write_all(&buf[..n]).await.is_err() { return }
                    }
                },
                Some(bytes) = injected.recv() => {
                    if bytes.is_empty() { return }
                    if server_w.write_all(&bytes).await.is_err() { return }
                }
                _ = stalled.changed() => {}
            }
        }
    };
    let down = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if *answers_stalled.borrow() {
                let _ = answers_stalled.wait_for(|s| !*s).await;
            }
            match server_r.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    answer.lock().extend_from_slice(&buf[..n]);
                    if client_w.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    // Either direction ending ends both: the sockets drop together.
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}
