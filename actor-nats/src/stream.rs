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
    let mut expected = 0u64;
    let mut received = 0u64;
    loop {
        let message = tokio::select! {
            () = done.cancelled() => break,
            message = inbound.next() => match message {
                Some(message) => message,
                None => break,
            },
        };
        let payload = message.payload;
        let Some((&kind, rest)) = payload.split_first() else { break };
        let Some(number) = rest.get(..8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default())) else {
            tracing::warn!("a NATS stream message too short; the stream ends");
            break;
        };
        match kind {
            CREDIT => {
                credit.consumed.fetch_max(number, Ordering::AcqRel);
                credit.changed.notify_one();
            }
            DATA | FIN if number != expected => {
                tracing::warn!(expected, got = number, "a NATS stream lost messages; the stream ends");
                break;
            }
            DATA => {
                // A sender that ignores the window (or sends oversized
                // messages) is not a node of ours: the queue stays bounded.
                received += (payload.len() - 9) as u64 + OVERHEAD;
                if payload.len() - 9 > CHUNK || received > read.load(Ordering::Acquire) + WINDOW {
                    tracing::warn!("a NATS stream's sender overran its window; the stream ends");
                    break;
                }
                expected += 1;
                if chunks.send(payload.slice(9..)).is_err() {
                    break;
                }
            }
            FIN => {
                // The far side is done: what came before it is still delivered.
                drop(chunks);
                let _ = inbound.unsubscribe().await;
                return;
            }
            _ => {
                tracing::warn!(kind, "an unknown NATS stream message; the stream ends");
                break;
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
