//! What crosses the wire, and nothing else: frames, the envelope's header
//! and the handshake. Every decoder here reads hostile bytes: it returns a
//! [`WireError`] on any input it does not accept, and never panics.

pub(crate) mod envelope;
pub(crate) mod frame;
pub(crate) mod handshake;

/// Bytes that are not a valid frame, header or handshake message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The first bytes are not this protocol's.
    #[error("not an actor-remote peer (the stream does not start with the protocol's magic bytes)")]
    NotOurProtocol,
    /// The peer speaks another protocol version.
    #[error("protocol version {theirs} is not supported (this node speaks {ours})")]
    Version {
        /// The version the peer announced.
        theirs: u16,
        /// The version this node speaks.
        ours: u16,
    },
    /// A frame larger than the limit (or claiming to be).
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    FrameTooLarge {
        /// The size the frame claimed.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The stream ended in the middle of a frame.
    #[error("the peer closed the connection in the middle of a frame")]
    Truncated,
    /// The bytes could not be decoded as what was expected there.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
}

impl WireError {
    pub(crate) fn malformed(what: &'static str, detail: impl std::fmt::Display) -> Self {
        WireError::Malformed { what, detail: detail.to_string() }
    }
}

/// The decoders, for the fuzz targets in `fuzz/` and for property tests:
/// each takes any bytes and returns a value or an error.
#[doc(hidden)]
pub mod fuzzing {
    use super::WireError;

    /// Decodes one frame's envelope header (and splits off its payload).
    pub fn decode_envelope(frame: &[u8]) -> Result<usize, WireError> {
        super::envelope::Header::decode(frame).map(|(_, payload)| payload.len())
    }

    /// Decodes a first handshake frame (magic, version, hello).
    pub fn decode_hello(frame: &[u8]) -> Result<(), WireError> {
        super::handshake::Hello::decode(frame).map(|_| ())
    }

    /// Decodes a later handshake frame.
    pub fn decode_handshake_step(frame: &[u8]) -> Result<(), WireError> {
        super::handshake::Step::decode(frame).map(|_| ())
    }

    /// A complete tell frame (length prefix included), for tests that
    /// speak to a node at the byte level.
    pub fn tell_frame(target: u64, name: &str, payload: &[u8]) -> Vec<u8> {
        let mut out = bytes::BytesMut::new();
        let start = super::frame::begin(&mut out);
        super::envelope::Header::Tell { target, name }.encode(&mut out);
        out.extend_from_slice(payload);
        let _ = super::frame::finish(&mut out, start, usize::MAX);
        out.to_vec()
    }

    /// A complete lookup frame (length prefix included).
    pub fn lookup_frame(corr: u64, name: &str) -> Vec<u8> {
        let mut out = bytes::BytesMut::new();
        let start = super::frame::begin(&mut out);
        super::envelope::Header::Lookup { corr, name }.encode(&mut out);
        let _ = super::frame::finish(&mut out, start, usize::MAX);
        out.to_vec()
    }

    /// A complete ask frame (length prefix included).
    pub fn ask_frame(target: u64, corr: u64, name: &str, payload: &[u8]) -> Vec<u8> {
        let mut out = bytes::BytesMut::new();
        let start = super::frame::begin(&mut out);
        super::envelope::Header::Ask { target, corr, name }.encode(&mut out);
        out.extend_from_slice(payload);
        let _ = super::frame::finish(&mut out, start, usize::MAX);
        out.to_vec()
    }

    /// Splits a byte stream into frames under `limit`, both ways the
    /// transport does (the handshake's codec, the link reader's splitting);
    /// the number of complete frames, or the first error.
    ///
    /// # Panics
    /// If the two ways disagree: that is what the fuzz target looks for.
    pub fn decode_frames(stream: &[u8], limit: usize) -> Result<usize, WireError> {
        let codec = super::frame::split_all(stream, limit);
        let reader = super::frame::walk_all(stream, limit);
        match (&codec, &reader) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "the codec and the reader count different frames"),
            (Err(WireError::FrameTooLarge { .. }), Err(WireError::FrameTooLarge { .. })) => {}
            _ => panic!("the codec and the reader disagree: {codec:?} against {reader:?}"),
        }
        codec
    }
}
