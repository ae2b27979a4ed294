//! The node's `Network` over turmoil's simulated TCP, with one fault of our
//! own on top: breaking every link of a node at once (turmoil can partition
//! and delay hosts, but not reset one connection).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};

use actor_core::dev::BoxFuture;
use actor_remote::net::{Connection, Listener, Network};
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// One node's network: turmoil TCP, as seen from the host it runs on.
/// Clones share the list of live links.
#[derive(Clone, Default)]
pub(crate) struct SimNet {
    links: Arc<Mutex<Vec<Weak<Mutex<Slot>>>>>,
}

impl SimNet {
    /// Resets every live link of this node (both ends see the link break).
    /// Must be called from the node's own host.
    pub(crate) fn break_links(&self) -> usize {
        let slots: Vec<_> = {
            let mut links = self.links.lock();
            links.retain(|slot| slot.strong_count() > 0);
            links.iter().filter_map(Weak::upgrade).collect()
        };
        let mut broken = 0;
        for slot in slots {
            let (stream, wakers) = {
                let mut slot = slot.lock();
                (slot.stream.take(), [slot.read_waker.take(), slot.write_waker.take()])
            };
            if stream.is_some() {
                broken += 1;
            }
            // Dropped on this host: turmoil sends the peer a reset or a FIN.
            drop(stream);
            wakers.into_iter().flatten().for_each(Waker::wake);
        }
        broken
    }

    fn wrap(&self, stream: turmoil::net::TcpStream) -> Connection {
        let peer = stream.peer_addr().ok();
        let slot = Arc::new(Mutex::new(Slot { stream: Some(stream), read_waker: None, write_waker: None }));
        self.links.lock().push(Arc::downgrade(&slot));
        Connection { stream: Box::new(Breakable(slot)), peer }
    }
}

impl Network for SimNet {
    fn connect<'a>(&'a self, addr: &'a str) -> BoxFuture<'a, io::Result<Connection>> {
        Box::pin(async move { Ok(self.wrap(turmoil::net::TcpStream::connect(addr).await?)) })
    }

    fn bind<'a>(&'a self, addr: &'a str) -> BoxFuture<'a, io::Result<Box<dyn Listener>>> {
        Box::pin(async move {
            let listener = turmoil::net::TcpListener::bind(addr).await?;
            Ok(Box::new(SimListener { listener, net: self.clone() }) as Box<dyn Listener>)
        })
    }
}

struct SimListener {
    listener: turmoil::net::TcpListener,
    net: SimNet,
}

impl Listener for SimListener {
    fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    fn accept(&mut self) -> BoxFuture<'_, io::Result<Connection>> {
        Box::pin(async move {
            let (stream, _) = self.listener.accept().await?;
            Ok(self.net.wrap(stream))
        })
    }
}

struct Slot {
    stream: Option<turmoil::net::TcpStream>,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

/// A turmoil stream that [`SimNet::break_links`] can take away: from then
/// on every read and write fails, as on a reset connection.
struct Breakable(Arc<Mutex<Slot>>);

fn reset() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "link broken by the simulation")
}

impl AsyncRead for Breakable {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let mut slot = self.0.lock();
        let Some(stream) = slot.stream.as_mut() else { return Poll::Ready(Err(reset())) };
        let polled = Pin::new(stream).poll_read(cx, buf);
        if polled.is_pending() {
            slot.read_waker = Some(cx.waker().clone());
        }
        polled
    }
}

impl AsyncWrite for Breakable {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut slot = self.0.lock();
        let Some(stream) = slot.stream.as_mut() else { return Poll::Ready(Err(reset())) };
        let polled = Pin::new(stream).poll_write(cx, buf);
        if polled.is_pending() {
            slot.write_waker = Some(cx.waker().clone());
        }
        polled
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut slot = self.0.lock();
        let Some(stream) = slot.stream.as_mut() else { return Poll::Ready(Err(reset())) };
        let polled = Pin::new(stream).poll_flush(cx);
        if polled.is_pending() {
            slot.write_waker = Some(cx.waker().clone());
        }
        polled
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut slot = self.0.lock();
        let Some(stream) = slot.stream.as_mut() else { return Poll::Ready(Ok(())) };
        Pin::new(stream).poll_shutdown(cx)
    }
}
