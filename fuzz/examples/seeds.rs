//! Writes the seed corpus, `fuzz/seeds/<target>/`: a few valid encodings of
//! each kind of frame, so the fuzzer starts past the first enum tag and
//! length instead of finding them by chance.
//!
//! The wire's encoders are private to actor-remote, so the bytes are spelled
//! out here in postcard's format (varint integers and lengths, enum variants
//! by index, fixed arrays as raw bytes). Each seed is checked against the
//! real decoder before it is written: if the wire format changes, this
//! fails and names the seed, rather than leaving seeds that stop at the
//! first byte.
//!
//! Run from anywhere: `cargo run --manifest-path fuzz/Cargo.toml --example seeds`.

use std::fs;
use std::path::Path;

use actor_remote::__fuzzing::{decode_envelope, decode_frames, decode_handshake_step, decode_hello};
use actor_remote_fuzz::frames_input;

/// Postcard bytes, built up field by field.
#[derive(Clone, Default)]
struct Bytes(Vec<u8>);

impl Bytes {
    /// An unsigned integer wider than a byte (u16, u32, u64, usize, an enum
    /// variant's index): LEB128.
    fn varint(self, value: u64) -> Self {
        self.varint128(u128::from(value))
    }

    /// A u128 (a trace id): LEB128 as well.
    fn varint128(mut self, mut value: u128) -> Self {
        while value >= 0x80 {
            self.0.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
        self
    }

    /// A `&str` or `String`: its length, then its bytes.
    fn str(self, text: &str) -> Self {
        self.varint(text.len() as u64).raw(text.as_bytes())
    }

    /// Bytes as they are: a fixed array, a payload, the hello's magic.
    fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
}

fn new() -> Bytes {
    Bytes::default()
}

/// `Header`'s variants, by index.
mod header {
    pub(crate) const TELL: u64 = 0;
    pub(crate) const ASK: u64 = 1;
    pub(crate) const REPLY: u64 = 2;
    pub(crate) const FAILED: u64 = 3;
    pub(crate) const CREDIT: u64 = 4;
    pub(crate) const LOOKUP: u64 = 5;
    pub(crate) const FOUND: u64 = 6;
    pub(crate) const NOT_FOUND: u64 = 7;
    pub(crate) const STOP: u64 = 8;
    pub(crate) const TRACED_TELL: u64 = 9;
    pub(crate) const TRACED_ASK: u64 = 10;
}

/// `Failure`'s variants, by index.
mod failure {
    pub(crate) const STOPPED: u64 = 0;
    pub(crate) const FAILED: u64 = 1;
    pub(crate) const UNKNOWN_ACTOR: u64 = 2;
    pub(crate) const UNKNOWN_MESSAGE: u64 = 3;
    pub(crate) const CODEC: u64 = 4;
    pub(crate) const OVERFLOW: u64 = 5;
}

/// `StopReason`'s variants, by index (actor-core's `STOP_REASONS`).
mod stop_reason {
    pub(crate) const PANICKED: u64 = 3;
    pub(crate) const START_FAILED: u64 = 4;
    pub(crate) const NODE_DOWN: u64 = 5;
}

/// `Step`'s variants, by index.
mod step {
    pub(crate) const CHALLENGE: u64 = 0;
    pub(crate) const PROOF: u64 = 1;
    pub(crate) const WELCOME: u64 = 2;
    pub(crate) const REFUSED: u64 = 3;
}

/// A hello's body (after the magic and version): node id (two u64, high
/// first), incarnation, listen address, max frame, nonce.
fn hello_body(listen: Option<&str>, nonce: u8) -> Bytes {
    let b = new().varint(0x3f2a_9c01_0000_0001).varint(u64::MAX).varint(7);
    let b = match listen {
        Some(addr) => b.raw(&[1]).str(addr),
        None => b.raw(&[0]),
    };
    b.varint(1 << 20).raw(&[nonce; 32])
}

/// One frame: a 4-byte big-endian length, then the body.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// A `frames` input: the limit (less one, big-endian), then the stream.
fn frames(limit: u16, frames: &[&[u8]]) -> Vec<u8> {
    let mut out = (limit - 1).to_be_bytes().to_vec();
    for body in frames {
        out.extend_from_slice(&frame(body));
    }
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut written = 0;
    let mut write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        written += 1;
    };

    // Envelope headers, one per variant (and per failure), with a payload
    // after some: the decoder must split it off whole.
    let payload = b"\x02hi";
    let envelopes = [
        ("tell", new().varint(header::TELL).varint(3).str("chat.Say/1").raw(payload), payload.len()),
        (
            "ask",
            new().varint(header::ASK).varint(3).varint(1 << 40).str("kv.Get/1").raw(payload),
            payload.len(),
        ),
        ("reply", new().varint(header::REPLY).varint(9).raw(payload), payload.len()),
        (
            "failed_stopped",
            new()
                .varint(header::FAILED)
                .varint(9)
                .varint(failure::STOPPED)
                .raw(&[1])
                .varint(stop_reason::NODE_DOWN),
            0,
        ),
        (
            "failed_stopped_unknown",
            new().varint(header::FAILED).varint(9).varint(failure::STOPPED).raw(&[0]),
            0,
        ),
        (
            "failed_panicked",
            new()
                .varint(header::FAILED)
                .varint(9)
                .varint(failure::FAILED)
                .varint(stop_reason::PANICKED)
                .str("boom"),
            0,
        ),
        (
            "failed_start",
            new()
                .varint(header::FAILED)
                .varint(9)
                .varint(failure::FAILED)
                .varint(stop_reason::START_FAILED)
                .str("no database"),
            0,
        ),
        ("failed_unknown_actor", new().varint(header::FAILED).varint(9).varint(failure::UNKNOWN_ACTOR), 0),
        (
            "failed_unknown_message",
            new().varint(header::FAILED).varint(9).varint(failure::UNKNOWN_MESSAGE).str("kv.Put/2"),
            0,
        ),
        (
            "failed_codec",
            new().varint(header::FAILED).varint(9).varint(failure::CODEC).str("unexpected end"),
            0,
        ),
        ("failed_overflow", new().varint(header::FAILED).varint(9).varint(failure::OVERFLOW), 0),
        ("credit", new().varint(header::CREDIT).varint(3).varint(64), 0),
        ("lookup", new().varint(header::LOOKUP).varint(1).str("counter"), 0),
        (
            "found",
            new()
                .varint(header::FOUND)
                .varint(1)
                .varint(3)
                .varint(64)
                .varint(2)
                .str("kv.Get/1")
                .str("kv.Put/1"),
            0,
        ),
        ("not_found", new().varint(header::NOT_FOUND).varint(1), 0),
        ("stop", new().varint(header::STOP).varint(3).varint(1), 0),
        // A trace: trace id (u128), span id, flags (one byte).
        (
            "traced_tell",
            new()
                .varint(header::TRACED_TELL)
                .varint(3)
                .str("chat.Say/1")
                .varint128(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736)
                .varint(0x00f0_67aa_0ba9_02b7)
                .raw(&[1])
                .raw(payload),
            payload.len(),
        ),
        (
            "traced_ask",
            new()
                .varint(header::TRACED_ASK)
                .varint(3)
                .varint(1 << 40)
                .str("kv.Get/1")
                .varint128(u128::MAX)
                .varint(u64::MAX)
                .raw(&[0])
                .raw(payload),
            payload.len(),
        ),
    ];
    for (name, bytes, payload_len) in envelopes {
        assert_eq!(decode_envelope(&bytes.0), Ok(payload_len), "envelope seed {name}");
        write("envelope", name, &bytes.0);
    }

    // First frames: magic, version 2, hello; with and without a listen address.
    let magic = new().raw(b"ACTR").raw(&2u16.to_be_bytes());
    let hellos = [
        ("listen", magic.clone().raw(&hello_body(Some("127.0.0.1:7000"), 0xa5).0)),
        ("no_listen", magic.clone().raw(&hello_body(None, 0).0)),
    ];
    for (name, bytes) in hellos {
        assert_eq!(decode_hello(&bytes.0), Ok(()), "hello seed {name}");
        write("hello", name, &bytes.0);
    }

    // Later handshake frames, one per step.
    let steps = [
        ("challenge", new().varint(step::CHALLENGE).raw(&hello_body(Some("[::1]:7000"), 1).0).raw(&[2; 32])),
        ("proof", new().varint(step::PROOF).raw(&[3; 32])),
        ("welcome", new().varint(step::WELCOME)),
        ("refused", new().varint(step::REFUSED).str("bad proof")),
    ];
    for (name, bytes) in steps {
        assert_eq!(decode_handshake_step(&bytes.0), Ok(()), "handshake_step seed {name}");
        write("handshake_step", name, &bytes.0);
    }

    // Streams of frames: whole ones, a cut-off last one, one at the limit,
    // one over it (refused before its bytes are read), and real frames.
    let hello = magic.raw(&hello_body(None, 4).0).0;
    let tell = new().varint(header::TELL).varint(3).str("chat.Say/1").raw(payload).0;
    let mut cut = frames(64, &[b"a", b"", b"hello"]);
    cut.pop();
    let streams: [(&str, Vec<u8>, Result<usize, ()>); 5] = [
        ("three", frames(64, &[b"a", b"", b"hello"]), Ok(3)),
        ("cut_off", cut, Ok(2)),
        ("at_limit", frames(8, &[&[7; 8]]), Ok(1)),
        ("over_limit", frames(8, &[&[7; 9]]), Err(())),
        ("handshake_then_tell", frames(4096, &[&hello, &tell]), Ok(2)),
    ];
    for (name, bytes, expected) in streams {
        let (limit, stream) = frames_input(&bytes).expect("a frames seed starts with its limit");
        assert_eq!(decode_frames(stream, limit).map_err(|_| ()), expected, "frames seed {name}");
        write("frames", name, &bytes);
    }

    println!("wrote {written} seeds under {}", root.display());
}
