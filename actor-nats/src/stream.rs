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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;

use crate::client::Nats;

/// Bytes (with [`OVERHEAD`] per message) a sender may have in flight.
pub(crate) const WINDOW: u64 = 1 << 20;
/// What each message costs beside its bytes.
pub(crate) const OVERHEAD: u64 = 256;
/// The largest data message.
const CHUNK: usize = 64 * 1024;
/// The buffer between the link and the pumps, each way.
const PIPE: usize = 64 * 1024;

const DATA: u8 = b'D';
const CREDIT: u8 = b'C';
const FIN: u8 = b'F';

/// The stream's two subjects, as one side sees them.
#[derive(Clone, Debug)]
pub(crate) struct Subjects {
    /// Where this side publishes.
    pub(crate) out: String,
}

/// Starts the pumps of a stream whose inbound subject `inbound` is
/// subscribed already; returns the end the link reads and writes.
pub(crate) fn open(nats: &Nats, subjects: Subjects, inbound: async_nats::Subscriber) -> DuplexStream {
    let (link_end, pump_end) = tokio::io::duplex(PIPE);
    let (from_link, to_link) = tokio::io::split(pump_end);
    let done = CancellationToken::new();
    let generation = nats.generation();
    let credit = Arc::new(Credit::default());
    // Bounded by the window: `receive` ends the stream if the sender overruns it.
    let (chunks, queued) = mpsc::unbounded_channel();
    let read = Arc::new(AtomicU64::new(0));
    let client = nats.client().clone();
    tokio::spawn(send(client.clone(), subjects.out.clone(), from_link, credit.clone(), done.clone()));
    tokio::spawn(receive(inbound, chunks, credit, read.clone(), done.clone()));
    tokio::spawn(deliver(client, subjects.out, queued, to_link, read, done.clone()));
    tokio::spawn(async move {
        generation.cancelled().await;
        done.cancel();
    });
    link_end
}

/// What the far side has read, in cost: the sender's window slides with it.
#[derive(Default)]
struct Credit {
    consumed: AtomicU64,
    changed: Notify,
}

/// Reads what the link writes and publishes it, within the window.
async fn send(
    client: async_nats::Client,
    out: String,
    mut from_link: ReadHalf<DuplexStream>,
    credit: Arc<Credit>,
    done: CancellationToken,
) {
    let mut buf = vec![0u8; CHUNK];
    let mut seq = 0u64;
    let mut sent = 0u64;
    loop {
        let n = tokio::select! {
            () = done.cancelled() => break,
            read = from_link.read(&mut buf) => read.unwrap_or_default(),
        };
        if n == 0 {
            let mut fin = BytesMut::with_capacity(9);
            fin.put_u8(FIN);
            fin.put_u64_le(seq);
            let _ = client.publish(out.clone(), fin.freeze()).await;
            break;
        }
        let cost = n as u64 + OVERHEAD;
        loop {
            let waiting = credit.changed.notified();
            if sent + cost <= credit.consumed.load(Ordering::Acquire) + WINDOW {
                break;
            }
            tokio::select! {
                () = done.cancelled() => return,
                () = waiting => {}
            }
        }
        let mut data = BytesMut::with_capacity(9 + n);
        data.put_u8(DATA);
        data.put_u64_le(seq);
        data.put_slice(&buf[..n]);
        if client.publish(out.clone(), data.freeze()).await.is_err() {
            break;
        }
        seq += 1;
        sent += cost;
    }
    done.cancel();
}

/// Takes what arrives: credit at once, data in order onto the queue
/// [`deliver`] empties (so credit never waits behind data the link has not
/// read yet).
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
            Piece::Fin { .. } => {
                // The far side is done: what came before it is still delivered.
                drop(chunks);
                let _ = inbound.unsubscribe().await;
                return;
            }
        }
    }
    let _ = inbound.unsubscribe().await;
    done.cancel();
}

/// Writes data into the link in order, and tells the far side as it goes.
async fn deliver(
    client: async_nats::Client,
    out: String,
    mut queued: mpsc::UnboundedReceiver<Bytes>,
    mut to_link: WriteHalf<DuplexStream>,
    read: Arc<AtomicU64>,
    done: CancellationToken,
) {
    let mut consumed;
    let mut granted = 0u64;
    let mut queued_cost = 0u64;
    loop {
        let chunk = tokio::select! {
            () = done.cancelled() => break,
            chunk = queued.recv() => match chunk {
                Some(chunk) => chunk,
                None => break, // the far side finished: end of stream
            },
        };
        queued_cost += chunk.len() as u64 + OVERHEAD;
        let written = tokio::select! {
            () = done.cancelled() => break,
            written = to_link.write_all(&chunk) => written,
        };
        if written.is_err() {
            break; // the link dropped its end
        }
        consumed = queued_cost;
        read.store(consumed, Ordering::Release);
        if consumed - granted >= WINDOW / 4 {
            let mut grant = BytesMut::with_capacity(9);
            grant.put_u8(CREDIT);
            grant.put_u64_le(consumed);
            if client.publish(out.clone(), grant.freeze()).await.is_err() {
                break;
            }
            granted = consumed;
        }
    }
    let _ = to_link.shutdown().await;
    done.cancel();
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
