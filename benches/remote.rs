//! The remote benchmark's workloads: actor-remote between two processes on
//! loopback, next to a raw TCP floor that sends the same bytes without
//! actors.
//!
//! Both carry the same message, [`Sample`]: a `u64` sequence number, a
//! `u32` sender id and a 100-byte payload, encoded with postcard (103 to
//! 105 bytes for the sequence numbers used here: both numbers are varints). The receiver checks every sender's sequence numbers
//! ([`Checker`]) and reports what it saw at the end ([`Counts`]), so a
//! run proves it lost and reordered nothing.
//!
//! * **ours**: a [`Sink`] actor exposed by the peer's node; the sender
//!   looks it up and uses `tell` and `ask` on the `ActorRef` as usual.
//!   Each actor-remote frame is the length prefix, an envelope header
//!   (target number and the wire name `bench.sample.v1`: 18 bytes for a
//!   tell) and the postcard payload.
//! * **floor**: tokio TCP (`TCP_NODELAY`, as actor-remote sets it) with
//!   tokio-util's `LengthDelimitedCodec` (4-byte big-endian length, the
//!   codec actor-remote uses) and nothing else: see [`floor`] for exactly
//!   what each side does.
//!
//! The peer process runs [`peer::serve`]; the sending process runs the
//! functions in [`ours`] and [`floor`]. The harness is
//! `benches/benches/remote.rs`; figures in `docs/benchmarks.md`.

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use serde::{Deserialize, Serialize};

/// Messages per one-way measurement (one sender, or all senders together).
pub const ONE_WAY_MESSAGES: u64 = 2_000_000;
/// Sequential round trips per ask measurement.
pub const ASKS: u64 = 20_000;
/// Senders sharing one link in the shared-link measurement.
pub const SENDERS: u32 = 4;
/// The shared secret of the benchmark's two nodes.
pub const SECRET: &str = "remote-bench";
/// The name the peer exposes its [`Sink`] under.
pub const SINK: &str = "sink";
/// The sender id of asks (one-way senders are numbered from 0).
pub const ASKER: u32 = 7;
/// Bytes of a [`Sample`]'s payload.
pub const PAYLOAD: usize = 100;

/// No measurement may take longer than this: a lost message would
/// otherwise hang the run instead of failing it.
pub const DEADLINE: Duration = Duration::from_secs(300);

/// The benchmark's message: a sequence number, a sender id and 100 bytes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sample {
    /// Per sender, from 0.
    pub seq: u64,
    /// Which sender (one-way: 0..SENDERS; asks: [`ASKER`]).
    pub sender: u32,
    /// 100 bytes, filled from `seq` so no two messages are alike.
    pub payload: Payload,
}

impl Sample {
    /// Message `seq` of `sender`.
    pub fn new(sender: u32, seq: u64) -> Sample {
        let mut payload = [0u8; PAYLOAD];
        for (i, chunk) in payload.chunks_mut(8).enumerate() {
            let word = seq.wrapping_add(i as u64).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Sample { seq, sender, payload: Payload(payload) }
    }
}

/// A tell; the reply (to an ask) echoes the sequence number.
impl Message for Sample {
    type Reply = u64;
}

impl RemoteMessage for Sample {
    const NAME: &'static str = "bench.sample.v1";
}

/// 100 bytes, serialised as one byte string (postcard: a 1-byte length,
/// then the bytes; serde has no impl for arrays this long).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload(pub [u8; PAYLOAD]);

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes100;
        impl serde::de::Visitor<'_> for Bytes100 {
            type Value = Payload;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{PAYLOAD} bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Payload, E> {
                let bytes = v.try_into().map_err(|_| E::invalid_length(v.len(), &self))?;
                Ok(Payload(bytes))
            }
        }
        deserializer.deserialize_bytes(Bytes100)
    }
}

/// Asks the sink what it received since the last report, and resets it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Report;

impl Message for Report {
    type Reply = Counts;
}

impl RemoteMessage for Report {
    const NAME: &'static str = "bench.report.v1";
}

/// What a receiver saw.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Messages received.
    pub received: u64,
    /// Messages whose sequence number was not the next one of their
    /// sender (a gap, a step back or a repeat).
    pub out_of_order: u64,
    /// Per sender id: one past the highest sequence number received.
    pub next: Vec<u64>,
}

impl Counts {
    /// Messages of `senders` × `each` that never came.
    pub fn lost(&self, senders: &[u32], each: u64) -> u64 {
        let expected = senders.len() as u64 * each;
        let seen_tail: u64 =
            senders.iter().map(|&s| self.next.get(s as usize).copied().unwrap_or(0).min(each)).sum();
        // Missing at the end of a sender's run, or missing in the middle
        // (counted by `received` falling short).
        (expected - seen_tail).max(expected.saturating_sub(self.received))
    }
}

/// Checks that each sender's sequence numbers arrive as 0, 1, 2, …
#[derive(Debug, Default)]
pub struct Checker {
    counts: Counts,
}

impl Checker {
    /// One message of `sender` with sequence number `seq`.
    #[inline]
    pub fn check(&mut self, sender: u32, seq: u64) {
        let sender = sender as usize;
        if sender >= self.counts.next.len() {
            self.counts.next.resize(sender + 1, 0);
        }
        let next = &mut self.counts.next[sender];
        if seq != *next {
            self.counts.out_of_order += 1;
        }
        *next = (*next).max(seq + 1);
        self.counts.received += 1;
    }

    /// What was seen since the last call; starts afresh.
    pub fn take(&mut self) -> Counts {
        std::mem::take(&mut self.counts)
    }
}

/// The receiving actor: checks every sample, answers an ask with its
/// sequence number, reports on [`Report`].
#[derive(Debug, Default)]
pub struct Sink {
    checker: Checker,
}

impl Actor for Sink {}

impl Handler<Sample> for Sink {
    async fn handle(&mut self, sample: Sample, _: &mut Context<Self>) -> u64 {
        self.checker.check(sample.sender, sample.seq);
        sample.seq
    }
}

impl Handler<Report> for Sink {
    async fn handle(&mut self, _: Report, _: &mut Context<Self>) -> Counts {
        self.checker.take()
    }
}

impl RemoteActor for Sink {
    fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
        handlers.handler::<Sample>();
        handlers.handler::<Report>();
    }
}

/// A one-way measurement: its time and what the receiver reported.
#[derive(Debug)]
pub struct OneWay {
    /// From the first send until the receiver's report came back.
    pub elapsed: Duration,
    /// What the receiver saw.
    pub counts: Counts,
}

/// An ask measurement: every round trip's time, in order.
#[derive(Debug)]
pub struct Asks {
    /// One per round trip.
    pub round_trips: Vec<Duration>,
    /// What the receiver saw (the asks' samples, checked like tells).
    pub counts: Counts,
}

/// The peer process: a node exposing a [`Sink`], and the floor's listener.
pub mod peer {
    use actor_remote::Node;
    use tokio::net::TcpListener;

    use super::{floor, Sink, SECRET, SINK};
    use actor_core::ActorSystem;

    /// The peer's addresses, as the sender needs them.
    #[derive(Debug)]
    pub struct Addresses {
        /// The node's listen address.
        pub node: String,
        /// The floor's listen address.
        pub floor: String,
    }

    /// Starts the node and the floor's listener on loopback; they serve
    /// until the runtime ends.
    ///
    /// # Panics
    /// If either cannot bind.
    pub async fn serve() -> Addresses {
        let system = ActorSystem::new();
        let node =
            Node::builder(&system).listen("127.0.0.1:0").secret(SECRET).start().await.expect("node starts");
        let sink = system.spawn(Sink::default());
        node.expose(SINK, &sink).await.expect("expose the sink");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the floor's listener");
        let floor_addr = listener.local_addr().expect("floor address");
        let node_addr = node.local_addr().expect("the node listens");
        tokio::spawn(async move {
            // Keeps the system and the node alive as long as the listener.
            let _keep = (system, node);
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(floor::receive(tcp));
            }
        });
        Addresses { node: node_addr.to_string(), floor: floor_addr.to_string() }
    }
}

/// actor-remote's side of the sender.
pub mod ours {
    use std::time::Instant;

    use actor_core::{ActorRef, ActorSystem};
    use actor_remote::Node;

    use super::{Asks, OneWay, Report, Sample, Sink, ASKER, SECRET, SINK};

    /// A node connected to the peer at `addr`, and the peer's sink.
    ///
    /// # Panics
    /// If the peer cannot be reached or has no sink.
    pub async fn connect(addr: &str) -> (ActorSystem, Node, ActorRef<Sink>) {
        let system = ActorSystem::new();
        let node = Node::builder(&system).secret(SECRET).start().await.expect("node starts");
        node.connect(addr).await.expect("connect to the peer");
        let sink = node.lookup::<Sink>(SINK).await.expect("the peer exposes the sink");
        (system, node, sink)
    }

    /// `senders` tasks, each telling `each` samples in order through the
    /// same link; then one ask for the report.
    ///
    /// # Panics
    /// If a tell or the report fails.
    pub async fn one_way(sink: &ActorRef<Sink>, senders: u32, each: u64) -> OneWay {
        let start = Instant::now();
        if senders == 1 {
            send(sink.clone(), 0, each).await;
        } else {
            let tasks: Vec<_> = (0..senders).map(|s| tokio::spawn(send(sink.clone(), s, each))).collect();
            for task in tasks {
                task.await.expect("sender task");
            }
        }
        let counts = sink.ask(Report).await.expect("report");
        OneWay { elapsed: start.elapsed(), counts }
    }

    async fn send(sink: ActorRef<Sink>, sender: u32, each: u64) {
        for seq in 0..each {
            sink.tell(Sample::new(sender, seq)).await.expect("tell");
        }
    }

    /// `n` asks one after the other, each timed.
    ///
    /// # Panics
    /// If an ask fails or its echo is wrong.
    pub async fn asks(sink: &ActorRef<Sink>, n: u64) -> Asks {
        let mut round_trips = Vec::with_capacity(n as usize);
        for seq in 0..n {
            let start = Instant::now();
            let echo = sink.ask(Sample::new(ASKER, seq)).await.expect("ask");
            round_trips.push(start.elapsed());
            assert_eq!(echo, seq, "the echo of ask {seq}");
        }
        let counts = sink.ask(Report).await.expect("report");
        Asks { round_trips, counts }
    }
}

/// The raw TCP floor: tokio TCP and tokio-util's `LengthDelimitedCodec`
/// (4-byte big-endian length prefix), the same postcard-encoded
/// [`Sample`], no actors, no envelope header, no flow control.
///
/// Each measurement opens a fresh connection (untimed) whose first frame
/// is one byte, the mode.
///
/// * One way, one sender: the sending task encodes each sample (postcard
///   into a reused `BytesMut`, split off as `Bytes`) and `feed`s it to a
///   `FramedWrite`, which copies it into its buffer and writes the buffer
///   (one `write` call, usually) whenever it holds 64 KiB or more; no
///   flush per message. An empty frame ends the run (and flushes); the
///   receiver answers it with its [`Counts`].
/// * One way, four senders: each task encodes its samples and sends the
///   `Bytes` into one bounded `mpsc` (1024); one writer task `feed`s them
///   to the `FramedWrite` as above and flushes when the channel is empty.
/// * Request/response: one task sends a sample and flushes (`send`), then
///   reads the receiver's answer, the postcard-encoded sequence number.
/// * The receiver: one task per connection reads frames with a
///   `FramedRead` (the codec splits the read buffer into `Bytes`),
///   decodes each with postcard, checks it with a [`Checker`]; in
///   request/response mode it answers each with `send` (flushed).
pub mod floor {
    use std::time::Instant;

    use bytes::{Bytes, BytesMut};
    use futures_util::{SinkExt, StreamExt};
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
    use tokio::net::TcpStream;
    use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

    use super::{Asks, Checker, Counts, OneWay, Sample, ASKER};

    /// A one-way connection: samples, then an empty frame for the counts.
    const ONE_WAY: u8 = 1;
    /// A request/response connection: each sample is answered.
    const REQUEST: u8 = 2;
    /// The `FramedWrite` writes its buffer once it holds this much.
    const WRITE_BOUNDARY: usize = 64 * 1024;

    fn codec() -> LengthDelimitedCodec {
        LengthDelimitedCodec::builder().length_field_length(4).new_codec()
    }

    type Writer = FramedWrite<OwnedWriteHalf, LengthDelimitedCodec>;
    type Reader = FramedRead<OwnedReadHalf, LengthDelimitedCodec>;

    async fn open(addr: &str, mode: u8) -> (Reader, Writer) {
        let tcp = TcpStream::connect(addr).await.expect("connect to the floor");
        tcp.set_nodelay(true).expect("TCP_NODELAY");
        let (read, write) = tcp.into_split();
        let mut writer = FramedWrite::new(write, codec());
        writer.set_backpressure_boundary(WRITE_BOUNDARY);
        writer.send(Bytes::from(vec![mode])).await.expect("send the mode");
        (FramedRead::new(read, codec()), writer)
    }

    /// Encodes `value` at the end of `scratch` (with actor-remote's default
    /// codec, so both sides encode alike) and splits it off (the allocation
    /// is reused once the `Bytes` before it are dropped).
    fn encode<T: serde::Serialize>(value: &T, scratch: &mut BytesMut) -> Bytes {
        actor_remote::Codec::encode(&actor_remote::Postcard, value, scratch).expect("encode");
        scratch.split().freeze()
    }

    async fn counts(reader: &mut Reader) -> Counts {
        let frame = reader.next().await.expect("the receiver's counts").expect("read");
        postcard::from_bytes(&frame).expect("decode the counts")
    }

    /// `senders` tasks, each sending `each` samples in order over one
    /// connection; then the end frame and the receiver's counts.
    ///
    /// # Panics
    /// If the connection fails.
    pub async fn one_way(addr: &str, senders: u32, each: u64) -> OneWay {
        let (mut reader, mut writer) = open(addr, ONE_WAY).await;
        let start = Instant::now();
        if senders == 1 {
            let mut scratch = BytesMut::with_capacity(64 * 1024);
            for seq in 0..each {
                writer.feed(encode(&Sample::new(0, seq), &mut scratch)).await.expect("write");
            }
            writer.send(Bytes::new()).await.expect("write the end");
        } else {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(1024);
            let write_task = tokio::spawn(async move {
                while let Some(frame) = rx.recv().await {
                    writer.feed(frame).await.expect("write");
                    while let Ok(frame) = rx.try_recv() {
                        writer.feed(frame).await.expect("write");
                    }
                    SinkExt::<Bytes>::flush(&mut writer).await.expect("flush");
                }
                writer
            });
            let tasks: Vec<_> = (0..senders)
                .map(|sender| {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let mut scratch = BytesMut::with_capacity(64 * 1024);
                        for seq in 0..each {
                            tx.send(encode(&Sample::new(sender, seq), &mut scratch)).await.expect("queue");
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("sender task");
            }
            tx.send(Bytes::new()).await.expect("queue the end");
            drop(tx);
            let _writer = write_task.await.expect("writer task");
        }
        let counts = counts(&mut reader).await;
        OneWay { elapsed: start.elapsed(), counts }
    }

    /// `n` requests one after the other, each answered; each round trip
    /// timed.
    ///
    /// # Panics
    /// If the connection fails or an answer is wrong.
    pub async fn asks(addr: &str, n: u64) -> Asks {
        let (mut reader, mut writer) = open(addr, REQUEST).await;
        let mut scratch = BytesMut::with_capacity(64 * 1024);
        let mut round_trips = Vec::with_capacity(n as usize);
        for seq in 0..n {
            let start = Instant::now();
            writer.send(encode(&Sample::new(ASKER, seq), &mut scratch)).await.expect("write");
            let frame = reader.next().await.expect("an answer").expect("read");
            let echo: u64 = postcard::from_bytes(&frame).expect("decode the answer");
            round_trips.push(start.elapsed());
            assert_eq!(echo, seq, "the echo of request {seq}");
        }
        writer.send(Bytes::new()).await.expect("write the end");
        let counts = counts(&mut reader).await;
        Asks { round_trips, counts }
    }

    /// The receiving side of one floor connection.
    pub(crate) async fn receive(tcp: TcpStream) {
        let _ = tcp.set_nodelay(true);
        let (read, write) = tcp.into_split();
        let mut reader = FramedRead::new(read, codec());
        let mut writer = FramedWrite::new(write, codec());
        let Some(Ok(mode)) = reader.next().await else { return };
        let answer = mode.first() == Some(&REQUEST);
        let mut checker = Checker::default();
        let mut scratch = BytesMut::with_capacity(1024);
        while let Some(Ok(frame)) = reader.next().await {
            if frame.is_empty() {
                let counts = checker.take();
                if writer.send(encode(&counts, &mut scratch)).await.is_err() {
                    return;
                }
                continue;
            }
            let sample: Sample = postcard::from_bytes(&frame).expect("decode a sample");
            checker.check(sample.sender, sample.seq);
            if answer && writer.send(encode(&sample.seq, &mut scratch)).await.is_err() {
                return;
            }
        }
    }
}
