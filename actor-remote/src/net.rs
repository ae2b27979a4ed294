//! The byte streams under links: TCP by default. Anything that opens and
//! accepts ordered, reliable byte streams can carry a node's links
//! instead — a network simulator in tests, a tunnel, an in-process pipe —
//! through [`Network`] and [`NodeBuilder::network`](crate::NodeBuilder::network).
//! Everything above the stream (TLS, the handshake, frames) stays the same.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use actor_core::dev::BoxFuture;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// An ordered, reliable byte stream: one link.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

/// A stream just opened or accepted, and the other end's address if the
/// network has one.
pub struct Connection {
    /// The stream.
    pub stream: Box<dyn Stream>,
    /// The other end's address (for facts and logs).
    pub peer: Option<SocketAddr>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("peer", &self.peer).finish_non_exhaustive()
    }
}

/// Opens streams to addresses and listens for them.
pub trait Network: Send + Sync + 'static {
    /// Opens a stream to `addr` (as given to `seed`, `connect` or
    /// advertised by a member).
    fn connect<'a>(&'a self, addr: &'a str) -> BoxFuture<'a, io::Result<Connection>>;

    /// Starts listening on `addr`.
    fn bind<'a>(&'a self, addr: &'a str) -> BoxFuture<'a, io::Result<Box<dyn Listener>>>;
}

/// Accepts the streams other nodes open.
pub trait Listener: Send + 'static {
    /// The address it listens on.
    fn local_addr(&self) -> io::Result<SocketAddr>;

    /// The next stream opened to it.
    fn accept(&mut self) -> BoxFuture<'_, io::Result<Connection>>;
}

/// TCP through tokio, with Nagle's algorithm off (writes are coalesced
/// already): the default network.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tcp;

impl Network for Tcp {
    fn connect<'a>(&'a self, addr: &'a str) -> BoxFuture<'a, io::Result<Connection>> {
        Box::pin(async move {
            let tcp = TcpStream::connect(addr).await?;
            let _ = tcp.set_nodelay(true);
            let peer = tcp.peer_addr().ok();
            Ok(Connection { stream: Box::new(tcp), peer })
        })
    }

    fn bind<'a>(&'a self, addr: &'a str) -> BoxFuture<'a, io::Result<Box<dyn Listener>>> {
        Box::pin(async move { Ok(Box::new(TcpListener::bind(addr).await?) as Box<dyn Listener>) })
    }
}

impl Listener for TcpListener {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpListener::local_addr(self)
    }

    fn accept(&mut self) -> BoxFuture<'_, io::Result<Connection>> {
        Box::pin(async move {
            let (tcp, peer) = TcpListener::accept(self).await?;
            let _ = tcp.set_nodelay(true);
            Ok(Connection { stream: Box::new(tcp), peer: Some(peer) })
        })
    }
}

/// A stream whose first byte was already read: it is read again first.
pub(crate) struct Rewound {
    first: Option<u8>,
    inner: Box<dyn Stream>,
}

impl Rewound {
    pub(crate) fn new(first: u8, inner: Box<dyn Stream>) -> Self {
        Rewound { first: Some(first), inner }
    }
}

impl AsyncRead for Rewound {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(byte) = self.first {
            if buf.remaining() > 0 {
                buf.put_slice(&[byte]);
                self.first = None;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewound {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_rewound_stream_reads_its_first_byte_again() {
        let (a, mut b) = tokio::io::duplex(64);
        b.write_all(b"ello").await.unwrap();
        let mut rewound = Rewound::new(b'h', Box::new(a));
        let mut out = [0u8; 5];
        rewound.read_exact(&mut out).await.unwrap();
        assert_eq!(&out, b"hello");
        rewound.write_all(b"back").await.unwrap();
        let mut back = [0u8; 4];
        b.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"back");
    }
}
