//! A TCP proxy between a node and its peer that records, injects and
//! stalls: how the tests reach a link after its handshake.

use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// One proxied connection's controls.
pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    /// Everything the client sent, in order.
    pub(crate) recorded: Arc<Mutex<Vec<u8>>>,
    inject: mpsc::UnboundedSender<Vec<u8>>,
    stall: watch::Sender<bool>,
}

impl Proxy {
    /// Forwards the first connection to `target`.
    pub(crate) async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let (inject, mut injected) = mpsc::unbounded_channel::<Vec<u8>>();
        let (stall, stalled) = watch::channel(false);
        let record = recorded.clone();
        tokio::spawn(async move {
            let (client, _) = listener.accept().await.unwrap();
            let server = TcpStream::connect(target).await.unwrap();
            let (mut client_r, mut client_w) = client.into_split();
            let (mut server_r, mut server_w) = server.into_split();
            // client -> server, with injections and a stall switch.
            let mut stalled_up = stalled.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    if *stalled_up.borrow() {
                        // Stop reading from the client: its writes back up.
                        let _ = stalled_up.wait_for(|s| !*s).await;
                    }
                    tokio::select! {
                        read = client_r.read(&mut buf) => match read {
                            Ok(0) | Err(_) => { let _ = server_w.shutdown().await; return }
                            Ok(n) => {
                                record.lock().extend_from_slice(&buf[..n]);
                                if server_w.write_all(&buf[..n]).await.is_err() { return }
                            }
                        },
                        Some(bytes) = injected.recv() => {
                            if bytes.is_empty() { let _ = server_w.shutdown().await; return }
                            if server_w.write_all(&bytes).await.is_err() { return }
                        }
                        _ = stalled_up.changed() => {}
                    }
                }
            });
            // server -> client.
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match server_r.read(&mut buf).await {
                    Ok(0) | Err(_) => {
                        let _ = client_w.shutdown().await;
                        return;
                    }
                    Ok(n) => {
                        if client_w.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Proxy { addr, recorded, inject, stall }
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
}
