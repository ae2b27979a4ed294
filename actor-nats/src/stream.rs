//! An ordered, reliable byte stream over two NATS subjects, one per
//! direction: what a link needs from a [`Network`](actor_remote::net::Network).
//!
//! NATS keeps the order of one publisher's messages on one subject, but
//! it has no flow control and drops messages for a subscriber that falls
//! behind or while a connection is down. So each data message carries a
//! sequence number (a gap ends the stream: the link breaks and is
//! redialed, as a broken TCP connection would be), and the receiver grants
//! credit as the link reads what arrived: a sender never has more than
//! [`WINDOW`] in flight, so nothing piles up in the server or in a
//! subscription's buffer.
//!
//! Messages on a stream subject (`<prefix>.s.<id>.<side>`):
//! `D` seq:u64 data — bytes; `C` consumed:u64 — the receiver's running
//! total of cost read (cumulative, so a repeat is harmless); `F` seq:u64 —
//! the sender is done. Every integer is little-endian. The cost of a data
//! message is its length plus [`OVERHEAD`], so that a window also bounds
//! how many messages are in flight.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::{CancellationToken, PollSender};

use crate::client::Nats;

/// Bytes (with [`OVERHEAD`] per message) a sender may have in flight.
pub(crate) const WINDOW: u64 = 1 << 20;
/// What each message costs beside its bytes.
pub(crate) const OVERHEAD: u64 = 256;
/// The largest data message.
const CHUNK: usize = 64 * 1024;
/// Chunks the link may have written that are not published yet.
const OUTBOX: usize = 16;

const DATA: u8 = b'D';
const CREDIT: u8 = b'C';
const FIN: u8 = b'F';

/// The stream's two subjects, as one side sees them.
#[derive(Clone, Debug)]
pub(crate) struct Subjects {
    /// Where this side publishes.
    pub(crate) out: String,
}

/// One end of a stream, as the link reads and writes it. Reading takes
/// the chunks [`receive`] queued (and grants credit as it goes); writing
/// hands chunks to [`send`], which publishes them within the window.
pub(crate) struct NatsStream {
    inbox: mpsc::UnboundedReceiver<Bytes>,
    current: Bytes,
    outbox: PollSender<Bytes>,
    /// Cost read so far; `send` grants it to the far side.
    read: Arc<AtomicU64>,
    /// What was read when a grant was last asked for.
    asked: u64,
    grant: Arc<Notify>,
    closed: CancellationToken,
}

/// Starts the tasks of a stream whose inbound subject `inbound` is
/// subscribed already; returns the end the link reads and writes.
pub(crate) fn open(nats: &Nats, subjects: Subjects, inbound: async_nats::Subscriber) -> NatsStream {
    let done = CancellationToken::new();
    let generation = nats.generation();
    let credit = Arc::new(Credit::default());
    let read = Arc::new(AtomicU64::new(0));
    let grant = Arc::new(Notify::new());
    // Bounded by the window: `receive` ends the stream if the sender overruns it.
    let (chunks, inbox) = mpsc::unbounded_channel();
    let (outbox, outgoing) = mpsc::channel(OUTBOX);
    let closed = CancellationToken::new();
    let sender = Sender {
        client: nats.client().clone(),
        out: subjects.out,
        credit: credit.clone(),
        read: read.clone(),
        grant: grant.clone(),
        done: done.clone(),
        closed: closed.clone(),
    };
    tokio::spawn(send(sender, outgoing));
    tokio::spawn(receive(inbound, chunks, credit, read.clone(), done.clone()));
    let ended = done.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = generation.cancelled() => ended.cancel(),
            () = ended.cancelled() => {}
        }
    });
    NatsStream {
        inbox,
        current: Bytes::new(),
        outbox: PollSender::new(outbox),
        read,
        asked: 0,
        grant,
        closed,
    }
}

impl Drop for NatsStream {
    /// The far side is told (`send` publishes the end), then the stream's
    /// tasks end.
    fn drop(&mut self) {
        self.closed.cancel();
    }
}

impl AsyncRead for NatsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.current.is_empty() {
            match ready!(this.inbox.poll_recv(cx)) {
                Some(chunk) => this.current = chunk,
                None => return Poll::Ready(Ok(())), // the end of the stream
            }
        }
        let n = this.current.len().min(buf.remaining());
        buf.put_slice(&this.current.split_to(n));
        let read = this.read.fetch_add(n as u64, Ordering::AcqRel) + n as u64;
        if this.current.is_empty() {
            // A chunk's overhead counts once it is read through.
            this.read.fetch_add(OVERHEAD, Ordering::AcqRel);
        }
        if read - this.asked >= WINDOW / 4 {
            this.asked = read;
            this.grant.notify_one();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for NatsStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let broken = || io::Error::new(io::ErrorKind::BrokenPipe, "the NATS stream ended");
        ready!(self.outbox.poll_reserve(cx)).map_err(|_| broken())?;
        let n = buf.len().min(CHUNK);
        self.outbox.send_item(Bytes::copy_from_slice(&buf[..n])).map_err(|_| broken())?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // What was written is on its way: `send` publishes it as the window allows.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.outbox.close();
        Poll::Ready(Ok(()))
    }
}

/// What the far side has read, in cost: the sender's window slides with it.
#[derive(Default)]
struct Credit {
    consumed: AtomicU64,
    changed: Notify,
}

/// The publishing side of a stream.
struct Sender {
    client: async_nats::Client,
    out: String,
    credit: Arc<Credit>,
    read: Arc<AtomicU64>,
    grant: Arc<Notify>,
    done: CancellationToken,
    /// Cancelled when the link drops its end.
    closed: CancellationToken,
}

impl Sender {
    async fn publish(&self, kind: u8, number: u64, data: &[u8]) -> bool {
        let mut message = BytesMut::with_capacity(9 + data.len());
        message.put_u8(kind);
        message.put_u64_le(number);
        message.put_slice(data);
        self.client.publish(self.out.clone(), message.freeze()).await.is_ok()
    }
}

/// Publishes what the link writes, within the window, and the credit the
/// link's reading earns the far side (even while waiting for its own: two
/// senders waiting on each other's credit would otherwise wait forever).
async fn send(sender: Sender, mut outgoing: mpsc::Receiver<Bytes>) {
    let mut seq = 0u64;
    let mut sent = 0u64;
    let mut granted = 0u64;
    let mut pending: Option<Bytes> = None;
    loop {
        let read = sender.read.load(Ordering::Acquire);
        if read - granted >= WINDOW / 4 {
            if !sender.publish(CREDIT, read, &[]).await {
                break;
            }
            granted = read;
        }
        if let Some(chunk) = &pending {
            let cost = chunk.len() as u64 + OVERHEAD;
            if sent + cost <= sender.credit.consumed.load(Ordering::Acquire) + WINDOW {
                if !sender.publish(DATA, seq, chunk).await {
                    break;
                }
                seq += 1;
                sent += cost;
                pending = None;
                continue;
            }
            tokio::select! {
                () = sender.done.cancelled() => break,
                () = sender.closed.cancelled() => {
                    // The link let go: what it wrote last is not wanted any more.
                    let _ = sender.publish(FIN, seq, &[]).await;
                    break;
                }
                () = sender.credit.changed.notified() => {}
                () = sender.grant.notified() => {}
            }
            continue;
        }
        tokio::select! {
            () = sender.done.cancelled() => break,
            () = sender.grant.notified() => {}
            chunk = outgoing.recv() => match chunk {
                Some(chunk) => pending = Some(chunk),
                None => {
                    let _ = sender.publish(FIN, seq, &[]).await;
                    break;
                }
            },
        }
    }
    sender.done.cancel();
}

/// Takes what arrives: credit at once, data in order onto the link's
/// inbox (so credit never waits behind data the link has not read yet).
async fn receive(
    mut inbound: async_nats::Subscriber,
    chunks: mpsc::UnboundedSender<Bytes>,
    credit: Arc<Credit>,
    read: Arc<AtomicU64>,
    done: CancellationToken,
) {
    let mut order = Order::default();
    loop {
        let message = tokio::select! {
            () = done.cancelled() => break,
            message = inbound.next() => match message {
                Some(message) => message,
                None => break,
            },
        };
        let piece = match decode(message.payload)
            .and_then(|piece| order.check(piece, read.load(Ordering::Acquire)))
        {
            Ok(piece) => piece,
            Err(e) => {
                tracing::warn!(error = %e, "a NATS stream message refused; the stream ends");
                break;
            }
        };
        match piece {
            Piece::Credit { consumed } => {
                credit.consumed.fetch_max(consumed, Ordering::AcqRel);
                credit.changed.notify_one();
            }
            Piece::Data { bytes, .. } => {
                if chunks.send(bytes).is_err() {
                    break;
                }
            }
            Piece::Fin { .. } => break, // what came before it is still read
        }
    }
    let _ = inbound.unsubscribe().await;
    // Dropping `chunks` ends the link's reading once it has read the rest.
}

/// One message of a stream, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Bytes of the stream.
    Data {
        /// Its number: 0, 1, 2, … per direction.
        seq: u64,
        /// The bytes.
        bytes: Bytes,
    },
    /// The receiver's running total of cost read.
    Credit {
        /// The total.
        consumed: u64,
    },
    /// The sender is done, after `seq - 1`.
    Fin {
        /// The number the next data message would have had.
        seq: u64,
    },
}

/// A stream message refused: the stream ends.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    #[error("a message shorter than its header ({0} bytes)")]
    Short(usize),
    #[error("an unknown kind of message ({0:#04x})")]
    Kind(u8),
    #[error("data larger than a chunk ({0} bytes)")]
    Oversized(usize),
    #[error("messages were lost: expected number {expected}, got {got}")]
    Gap { expected: u64, got: u64 },
    #[error("the sender overran its window")]
    Overrun,
}

/// Decodes one message of a stream; any bytes are safe to give it.
pub(crate) fn decode(payload: Bytes) -> Result<Piece, Refused> {
    if payload.len() < 9 {
        return Err(Refused::Short(payload.len()));
    }
    let mut number = [0u8; 8];
    number.copy_from_slice(&payload[1..9]);
    let number = u64::from_le_bytes(number);
    match payload[0] {
        DATA if payload.len() - 9 > CHUNK => Err(Refused::Oversized(payload.len() - 9)),
        DATA => Ok(Piece::Data { seq: number, bytes: payload.slice(9..) }),
        CREDIT if payload.len() == 9 => Ok(Piece::Credit { consumed: number }),
        FIN if payload.len() == 9 => Ok(Piece::Fin { seq: number }),
        CREDIT | FIN => Err(Refused::Short(payload.len())),
        kind => Err(Refused::Kind(kind)),
    }
}

/// What a receiver checks of the data coming in: numbers in order, and
/// no more in flight than the window allows.
#[derive(Debug, Default)]
pub(crate) struct Order {
    expected: u64,
    received: u64,
}

impl Order {
    /// Checks `piece` given the cost the link has read so far.
    pub(crate) fn check(&mut self, piece: Piece, read: u64) -> Result<Piece, Refused> {
        match &piece {
            Piece::Data { seq, .. } | Piece::Fin { seq } if *seq != self.expected => {
                Err(Refused::Gap { expected: self.expected, got: *seq })
            }
            Piece::Data { bytes, .. } => {
                self.received += bytes.len() as u64 + OVERHEAD;
                if self.received > read + WINDOW {
                    return Err(Refused::Overrun);
                }
                self.expected += 1;
                Ok(piece)
            }
            Piece::Fin { .. } | Piece::Credit { .. } => Ok(piece),
        }
    }
}

/// Checks a sequence of stream messages as a receiver would (for the fuzz
/// target): every input ends in a verdict, none panics.
#[doc(hidden)]
pub fn check_messages(messages: &[&[u8]]) -> usize {
    let mut order = Order::default();
    let mut read = 0;
    for (taken, message) in messages.iter().enumerate() {
        match decode(Bytes::copy_from_slice(message)).and_then(|piece| order.check(piece, read)) {
            Ok(Piece::Data { bytes, .. }) => read += bytes.len() as u64 / 2,
            Ok(_) => {}
            Err(_) => return taken,
        }
    }
    messages.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u8, number: u64, data: &[u8]) -> Bytes {
        let mut out = BytesMut::new();
        out.put_u8(kind);
        out.put_u64_le(number);
        out.put_slice(data);
        out.freeze()
    }

    #[test]
    fn each_kind_decodes() {
        assert_eq!(
            decode(message(DATA, 3, b"hey")),
            Ok(Piece::Data { seq: 3, bytes: Bytes::from_static(b"hey") })
        );
        assert_eq!(decode(message(CREDIT, 7, b"")), Ok(Piece::Credit { consumed: 7 }));
        assert_eq!(decode(message(FIN, 2, b"")), Ok(Piece::Fin { seq: 2 }));
    }

    #[test]
    fn malformed_messages_are_refused() {
        assert_eq!(decode(Bytes::new()), Err(Refused::Short(0)));
        assert_eq!(decode(Bytes::from_static(b"D1234567")), Err(Refused::Short(8)));
        assert_eq!(decode(message(b'X', 0, b"")), Err(Refused::Kind(b'X')));
        assert_eq!(decode(message(CREDIT, 0, b"x")), Err(Refused::Short(10)));
        assert_eq!(decode(message(DATA, 0, &vec![0; CHUNK + 1])), Err(Refused::Oversized(CHUNK + 1)));
    }

    #[test]
    fn a_gap_ends_the_stream() {
        let mut order = Order::default();
        assert!(order.check(decode(message(DATA, 0, b"a")).unwrap(), 0).is_ok());
        assert_eq!(
            order.check(decode(message(DATA, 2, b"c")).unwrap(), 0),
            Err(Refused::Gap { expected: 1, got: 2 })
        );
        let mut order = Order::default();
        assert_eq!(order.check(Piece::Fin { seq: 1 }, 0), Err(Refused::Gap { expected: 0, got: 1 }));
    }

    #[test]
    fn a_sender_past_its_window_is_refused() {
        let mut order = Order::default();
        let chunk = vec![0u8; CHUNK];
        let fits = (WINDOW / (CHUNK as u64 + OVERHEAD)) as usize;
        for seq in 0..fits as u64 {
            assert!(order.check(decode(message(DATA, seq, &chunk)).unwrap(), 0).is_ok());
        }
        assert_eq!(
            order.check(decode(message(DATA, fits as u64, &chunk)).unwrap(), 0),
            Err(Refused::Overrun)
        );
        // Once the link has read, the window slides.
        let mut order = Order::default();
        for seq in 0..(fits as u64 * 4) {
            let read = seq * (CHUNK as u64 + OVERHEAD);
            assert!(order.check(decode(message(DATA, seq, &chunk)).unwrap(), read).is_ok());
        }
    }

    #[test]
    fn the_checker_never_panics_on_odd_input() {
        let odd: [&[u8]; 4] = [b"", b"D", &[b'D'; 9], &[0xff; 40]];
        assert_eq!(check_messages(&odd), 0);
        assert_eq!(check_messages(&[&message(DATA, 0, b"x"), &message(FIN, 1, b"")]), 2);
    }
}
