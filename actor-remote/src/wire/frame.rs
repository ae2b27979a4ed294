//! Framing: a 4-byte big-endian length, then that many bytes, with an
//! explicit maximum (tokio-util's `LengthDelimitedCodec`). A frame is
//! decoded only once it is complete and within the limit; a length over the
//! limit is refused before any of its bytes are buffered.

use bytes::{BufMut, BytesMut};
use tokio_util::codec::{Decoder, LengthDelimitedCodec};

use super::WireError;

/// Bytes of the length prefix.
pub(crate) const PREFIX: usize = 4;

/// The limit on handshake frames: they are small, and come from a peer not
/// yet authenticated.
pub(crate) const HANDSHAKE_LIMIT: usize = 4 * 1024;

/// The frame codec for a connection whose frames may be up to `limit` bytes.
pub(crate) fn codec(limit: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder().length_field_length(PREFIX).max_frame_length(limit).new_codec()
}

/// Reserves a frame's length prefix at the end of `out`; returns where the
/// frame starts, for [`finish`].
pub(crate) fn begin(out: &mut BytesMut) -> usize {
    let start = out.len();
    out.put_u32(0);
    start
}

/// Writes the length of the frame begun at `start`; refuses (and removes
/// the frame) if it is over `limit`.
pub(crate) fn finish(out: &mut BytesMut, start: usize, limit: usize) -> Result<(), WireError> {
    let size = out.len() - start - PREFIX;
    if size > limit {
        out.truncate(start);
        return Err(WireError::FrameTooLarge { size, limit });
    }
    out[start..start + PREFIX].copy_from_slice(&(size as u32).to_be_bytes());
    Ok(())
}

/// The codec's error as a wire error.
pub(crate) fn read_error(error: std::io::Error, limit: usize) -> Result<WireError, std::io::Error> {
    // LengthDelimitedCodec reports an oversized frame as InvalidData, and
    // the end of the stream inside a frame as "bytes remaining on stream".
    match error.kind() {
        std::io::ErrorKind::InvalidData => Ok(WireError::FrameTooLarge { size: limit + 1, limit }),
        std::io::ErrorKind::Other if error.to_string().contains("bytes remaining") => {
            Ok(WireError::Truncated)
        }
        _ => Err(error),
    }
}

/// Splits `stream` into frames (for the fuzz target and tests).
pub(crate) fn split_all(stream: &[u8], limit: usize) -> Result<usize, WireError> {
    let mut codec = codec(limit);
    let mut buf = BytesMut::from(stream);
    let mut frames = 0;
    loop {
        match codec.decode(&mut buf) {
            Ok(Some(_)) => frames += 1,
            Ok(None) => return Ok(frames),
            Err(e) => return Err(read_error(e, limit).unwrap_or_else(|e| WireError::malformed("frame", e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_the_limit_holds_both_ways() {
        let mut out = BytesMut::new();
        for body in [&b"a"[..], b"", b"hello"] {
            let start = begin(&mut out);
            out.extend_from_slice(body);
            finish(&mut out, start, 8).unwrap();
        }
        assert_eq!(split_all(&out, 8), Ok(3));
        // A truncated last frame is not a frame yet.
        assert_eq!(split_all(&out[..out.len() - 1], 8), Ok(2));

        let start = begin(&mut out);
        out.extend_from_slice(&[0; 9]);
        let before = start;
        assert_eq!(finish(&mut out, start, 8), Err(WireError::FrameTooLarge { size: 9, limit: 8 }));
        assert_eq!(out.len(), before);

        // A prefix that claims 4 GiB is refused before anything is buffered.
        let huge = [0xff, 0xff, 0xff, 0xff, 1, 2, 3];
        assert!(matches!(split_all(&huge, 1024), Err(WireError::FrameTooLarge { .. })));
    }
}
