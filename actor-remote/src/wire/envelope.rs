//! The envelope: a header (postcard) at the start of every frame after the
//! handshake, and the payload after it, as the payload's codec wrote it.
//!
//! The header names its target by the number the receiving node gave it
//! when the name was looked up (the target actor's sequence number there),
//! the message by its stable wire name, and an ask by a correlation id
//! that its reply carries back. The protocol version is agreed once per
//! connection, in the handshake.
//!
//! A tell or ask sent while its sender is traced is a `TracedTell` or
//! `TracedAsk`: the same fields and a [`Trace`] (version 2 of the
//! protocol). The plain variants keep their index and bytes, so a frame
//! without a trace is as it was in version 1. An untraced tell through a
//! looked-up handle is a `TellAt` (version 3): the message named by its
//! place in the target's sorted list of wire names.

use actor_core::{StopReason, TraceContext};
use bytes::BytesMut;
use serde::{Deserialize, Serialize};

use super::WireError;
use crate::codec::postcard_into;

/// What a frame is; the payload (if any) follows it in the frame.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Header<'a> {
    /// A tell; payload: the message.
    Tell { target: u64, name: &'a str },
    /// An ask; payload: the message. Answered by `Reply` or `Failed`.
    Ask { target: u64, corr: u64, name: &'a str },
    /// The reply to an ask; payload: the reply.
    Reply { corr: u64 },
    /// An ask that has no reply, and why.
    Failed { corr: u64, failure: Failure },
    /// The receiver queued `count` more messages for `target`: the sender
    /// may send that many more (flow control per target).
    Credit { target: u64, count: u32 },
    /// Which actor is exposed under `name`?
    Lookup { corr: u64, name: &'a str },
    /// The actor exposed under the name looked up: its number, how many
    /// messages may be in flight to it, and the wire names it handles.
    Found {
        corr: u64,
        target: u64,
        window: u32,
        #[serde(borrow)]
        handles: Vec<&'a str>,
    },
    /// Nothing is exposed under the name looked up.
    NotFound { corr: u64 },
    /// Stop the target (a remote `stop`, `drain_and_stop` or `kill`).
    Stop { target: u64, how: StopHow },
    /// Membership gossip; payload: one SWIM packet (foca's encoding).
    Swim,
    /// "Still here": one per heartbeat interval, for the failure detector.
    Heartbeat,
    /// The sender leaves the cluster on purpose (not a failure).
    Leave,
    /// `node` (this incarnation) said it leaves: relayed once by each member
    /// that heard it, for members without a link to the leaver.
    Departed { node: actor_core::NodeId, incarnation: u64 },
    /// Tell the sender's actor `watcher` when `target` stops. Resent on
    /// every new link until the notice comes back; idempotent.
    Watch { target: u64, watcher: u64 },
    /// Forget the watch of `target` by `watcher`.
    Unwatch { target: u64, watcher: u64 },
    /// `target`, watched by the receiver's `watcher`, stopped. Resent on
    /// every new link until acknowledged.
    Terminated { target: u64, watcher: u64, reason: StopReason },
    /// The notice for `(target, watcher)` arrived.
    TerminatedAck { target: u64, watcher: u64 },
    /// A fact shared across the cluster; payload: the fact.
    Event { name: &'a str },
    /// May the sender expose `name`? `since` orders claims: the older wins.
    Claim { corr: u64, name: &'a str, since: u64 },
    /// The answer to a claim: `None` if granted, or the node that holds
    /// the name with an older claim.
    Claimed { corr: u64, holder: Option<actor_core::NodeId> },
    /// A tell from a traced sender; payload: the message.
    TracedTell { target: u64, name: &'a str, trace: Trace },
    /// An ask from a traced sender; payload: the message.
    TracedAsk { target: u64, corr: u64, name: &'a str, trace: Trace },
    /// A tell naming its message by its place among the wire names the
    /// target handles, sorted (as `Found` listed them; version 3): no name
    /// to send, validate and compare per message. Payload: the message.
    TellAt { target: u64, index: u32 },
}

/// The sender's trace context, W3C `traceparent` fields: trace id, the
/// sending span's id, flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Trace {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    pub(crate) flags: u8,
}

impl From<TraceContext> for Trace {
    fn from(cx: TraceContext) -> Self {
        Trace { trace_id: cx.trace_id(), span_id: cx.span_id(), flags: cx.flags() }
    }
}

impl From<Trace> for TraceContext {
    fn from(trace: Trace) -> Self {
        TraceContext::new(trace.trace_id, trace.span_id, trace.flags)
    }
}

impl<'a> Header<'a> {
    /// A tell's header, with the trace if there is one.
    pub(crate) fn tell(target: u64, name: &'a str, trace: Option<TraceContext>) -> Self {
        match trace {
            None => Header::Tell { target, name },
            Some(cx) => Header::TracedTell { target, name, trace: cx.into() },
        }
    }

    /// An ask's header, with the trace if there is one.
    pub(crate) fn ask(target: u64, corr: u64, name: &'a str, trace: Option<TraceContext>) -> Self {
        match trace {
            None => Header::Ask { target, corr, name },
            Some(cx) => Header::TracedAsk { target, corr, name, trace: cx.into() },
        }
    }
}

/// How a remote stop stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum StopHow {
    Stop,
    Drain,
    Kill,
}

/// Why an ask got no reply, as the receiving node saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Failure {
    /// The actor had stopped, or stopped before handling the message.
    Stopped(Option<StopReason>),
    /// The actor failed while handling it.
    Failed(StopReason),
    /// No actor behind the target number (it stopped, or was never exposed).
    UnknownActor,
    /// The actor does not handle a message of this name.
    UnknownMessage(String),
    /// The message (or its reply) failed to encode or decode.
    Codec(String),
    /// More messages arrived for the actor than its window allows.
    Overflow,
}

impl Header<'_> {
    /// Appends this header to `out` (after a frame's length prefix).
    pub(crate) fn encode(&self, out: &mut BytesMut) {
        // Encoding a header into a growable buffer cannot fail: every field
        // has a postcard representation.
        if let Err(e) = postcard_into(self, out) {
            unreachable!("a header always encodes: {e}");
        }
    }

    /// The header at the start of `frame`, and the payload after it.
    pub(crate) fn decode(frame: &[u8]) -> Result<(Header<'_>, &[u8]), WireError> {
        if let Some((target, index, payload)) = tell_at(frame) {
            return Ok((Header::TellAt { target, index }, payload));
        }
        postcard::take_from_bytes(frame).map_err(|e| WireError::malformed("envelope header", e))
    }
}

/// `TellAt`'s variant index: the first byte of its header.
const TELL_AT: u8 = 22;

/// The header of almost every message, `TellAt`, read by hand: the bytes
/// postcard reads (the variant index, then two LEB128 varints), without
/// its generic decoder. Only varints shorter than postcard's longest are
/// read here, where the two agree bit for bit (postcard, too, takes
/// over-long encodings); anything else is left to postcard.
pub(crate) fn tell_at(frame: &[u8]) -> Option<(u64, u32, &[u8])> {
    let (&tag, rest) = frame.split_first()?;
    if tag != TELL_AT {
        return None;
    }
    let (target, rest) = varint(rest, 9)?;
    let (index, rest) = varint(rest, 4)?;
    Some((target, u32::try_from(index).ok()?, rest))
}

/// A LEB128 varint of at most `max` bytes (at most 9), and what follows it.
fn varint(bytes: &[u8], max: usize) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().take(max).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header() -> impl Strategy<Value = (u8, u64, u64, String, u32)> {
        (0u8..23, any::<u64>(), any::<u64>(), ".{0,40}", any::<u32>())
    }

    fn build(kind: u8, a: u64, b: u64, name: &str, n: u32) -> Header<'_> {
        match kind {
            0 => Header::Tell { target: a, name },
            1 => Header::Ask { target: a, corr: b, name },
            2 => Header::Reply { corr: b },
            3 => Header::Failed { corr: b, failure: Failure::Codec(name.to_owned()) },
            4 => Header::Credit { target: a, count: n },
            5 => Header::Lookup { corr: b, name },
            6 => Header::Found { corr: b, target: a, window: n, handles: vec![name, name] },
            7 => Header::NotFound { corr: b },
            8 => Header::Stop { target: a, how: StopHow::Drain },
            9 => Header::Swim,
            10 => Header::Heartbeat,
            11 => Header::Leave,
            12 => Header::Watch { target: a, watcher: b },
            13 => Header::Unwatch { target: a, watcher: b },
            14 => Header::Terminated { target: a, watcher: b, reason: StopReason::Panicked(name.to_owned()) },
            15 => Header::TerminatedAck { target: a, watcher: b },
            16 => Header::Event { name },
            17 => Header::Claim { corr: b, name, since: a },
            18 => Header::Claimed { corr: b, holder: Some(actor_core::NodeId::from_u128(u128::from(a))) },
            19 => Header::TracedTell { target: a, name, trace: trace(a, b, n) },
            20 => Header::TracedAsk { target: a, corr: b, name, trace: trace(a, b, n) },
            21 => Header::Departed { node: actor_core::NodeId::from_u128(u128::from(a)), incarnation: b },
            _ => Header::TellAt { target: a, index: n },
        }
    }

    fn trace(a: u64, b: u64, n: u32) -> Trace {
        Trace { trace_id: u128::from(a) << 64 | u128::from(b), span_id: b, flags: n as u8 }
    }

    proptest! {
        #[test]
        fn headers_round_trip_with_their_payload((kind, a, b, name, n) in header(), payload in prop::collection::vec(any::<u8>(), 0..64)) {
            let header = build(kind, a, b, &name, n);
            let mut out = BytesMut::new();
            header.encode(&mut out);
            out.extend_from_slice(&payload);
            let (back, rest) = Header::decode(&out).unwrap();
            prop_assert_eq!(back, header);
            prop_assert_eq!(rest, &payload[..]);
        }

        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = Header::decode(&bytes);
        }

        #[test]
        fn tell_at_read_by_hand_is_what_postcard_reads(
            tail in prop::collection::vec(prop_oneof![any::<u8>(), 0x80u8..=0xff], 0..24),
        ) {
            let mut bytes = vec![TELL_AT];
            bytes.extend_from_slice(&tail);
            if let Some((target, index, rest)) = tell_at(&bytes) {
                let (header, payload) = postcard::take_from_bytes::<Header<'_>>(&bytes).unwrap();
                prop_assert_eq!(header, Header::TellAt { target, index });
                prop_assert_eq!(payload, rest);
            }
        }
    }

    #[test]
    fn frames_without_a_trace_keep_their_version_1_bytes() {
        // Tell { target: 3, name: "a" } and Ask { target: 3, corr: 5, name: "a" },
        // as version 1 wrote them.
        assert_eq!(Header::decode(&[0, 3, 1, b'a']).unwrap().0, Header::Tell { target: 3, name: "a" });
        assert_eq!(
            Header::decode(&[1, 3, 5, 1, b'a']).unwrap().0,
            Header::Ask { target: 3, corr: 5, name: "a" }
        );
        let mut out = BytesMut::new();
        Header::tell(3, "a", None).encode(&mut out);
        assert_eq!(&out[..], &[0, 3, 1, b'a']);
    }

    #[test]
    fn a_trace_round_trips() {
        let cx = TraceContext::new(u128::MAX - 7, 42, 1);
        let mut out = BytesMut::new();
        Header::ask(3, 5, "kv.Get/1", Some(cx)).encode(&mut out);
        let (back, rest) = Header::decode(&out).unwrap();
        let Header::TracedAsk { target: 3, corr: 5, name: "kv.Get/1", trace } = back else {
            panic!("{back:?}")
        };
        assert_eq!(TraceContext::from(trace), cx);
        assert!(rest.is_empty());
        // Cut anywhere inside the trace: refused, not misread.
        for end in 0..out.len() {
            assert!(Header::decode(&out[..end]).is_err(), "cut at {end}");
        }
    }

    #[test]
    fn failures_carry_stop_reasons() {
        let failure = Failure::Failed(StopReason::Panicked("boom".into()));
        let header = Header::Failed { corr: 9, failure: failure.clone() };
        let mut out = BytesMut::new();
        header.encode(&mut out);
        assert_eq!(Header::decode(&out).unwrap().0, Header::Failed { corr: 9, failure });
        assert!(Header::decode(&[200]).is_err());
        assert!(Header::decode(&[]).is_err());
    }
}
