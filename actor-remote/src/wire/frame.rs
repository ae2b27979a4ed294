//! Framing: a 4-byte big-endian length, then that many bytes, with an
//! explicit maximum. A frame is decoded only once it is complete and within
//! the limit; a length over the limit is refused before any of its bytes
//! are buffered. The handshake reads frames with tokio-util's
//! `LengthDelimitedCodec`; a link's reader splits a read's complete frames
//! off together with [`complete`] and walks them with [`walk`], which the
//! fuzz target checks against the codec.

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

/// The size the frame prefix at the start of `buf` declares, if the
/// prefix is all there.
pub(crate) fn declared(buf: &[u8]) -> Option<usize> {
    match buf {
        [a, b, c, d, ..] => Some(u32::from_be_bytes([*a, *b, *c, *d]) as usize),
        _ => None,
    }
}

/// Where the complete frames at the start of `buf` end (0: none yet). An
/// error if the first frame that is not complete claims more than `limit`
/// bytes; complete frames before such a frame are counted, and the error
/// comes once they are taken off.
pub(crate) fn complete(buf: &[u8], limit: usize) -> Result<usize, WireError> {
    let mut end = 0;
    while let Some(size) = declared(&buf[end..]) {
        if size > limit {
            if end > 0 {
                break;
            }
            return Err(WireError::FrameTooLarge { size, limit });
        }
        if buf.len() - end - PREFIX < size {
            break;
        }
        end += PREFIX + size;
    }
    Ok(end)
}

/// The frames (without their prefixes) of `frames`, which holds complete
/// frames only (as [`complete`] found them).
pub(crate) fn walk(frames: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut rest = frames;
    std::iter::from_fn(move || {
        let size = declared(rest)?;
        let frame = rest.get(PREFIX..PREFIX + size)?;
        rest = &rest[PREFIX + size..];
        Some(frame)
    })
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

/// Splits `stream` into frames the link reader's way, as it would take
/// them off its buffer: the number of complete frames, or the first error.
pub(crate) fn walk_all(stream: &[u8], limit: usize) -> Result<usize, WireError> {
    let mut rest = stream;
    let mut frames = 0;
    loop {
        match complete(rest, limit)? {
            0 => return Ok(frames),
            end => {
                frames += walk(&rest[..end]).count();
                rest = &rest[end..];
            }
        }
    }
}

/// Splits `stream` into frames with the codec (for the fuzz target and tests).
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
    use proptest::prelude::*;

    /// The same answer from the codec and the reader's splitting (a
    /// too-large frame's size aside: the codec does not report it).
    fn agree(stream: &[u8], limit: usize) -> Result<(), TestCaseError> {
        match (split_all(stream, limit), walk_all(stream, limit)) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(WireError::FrameTooLarge { .. }), Err(WireError::FrameTooLarge { .. })) => {}
            (a, b) => prop_assert!(false, "{a:?} against {b:?}"),
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn the_reader_splits_as_the_codec_does(
            sizes in prop::collection::vec(0usize..40, 0..12),
            limit in 1usize..48,
            cut in any::<prop::sample::Index>(),
            garbage in prop::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut out = BytesMut::new();
            for (i, size) in sizes.iter().enumerate() {
                out.put_u32(*size as u32);
                out.extend_from_slice(&vec![i as u8; *size]);
            }
            out.extend_from_slice(&garbage);
            agree(&out, limit)?;
            agree(&out[..cut.index(out.len() + 1)], limit)?;
        }
    }

    #[test]
    fn frames_round_trip_and_the_limit_holds_both_ways() {
        let mut out = BytesMut::new();
        for body in [&b"a"[..], b"", b"hello"] {
            let start = begin(&mut out);
            out.extend_from_slice(body);
            finish(&mut out, start, 8).unwrap();
        }
        assert_eq!(split_all(&out, 8), Ok(3));
        assert_eq!(walk_all(&out, 8), Ok(3));
        // A truncated last frame is not a frame yet.
        assert_eq!(split_all(&out[..out.len() - 1], 8), Ok(2));
        assert_eq!(walk_all(&out[..out.len() - 1], 8), Ok(2));

        let start = begin(&mut out);
        out.extend_from_slice(&[0; 9]);
        let before = start;
        assert_eq!(finish(&mut out, start, 8), Err(WireError::FrameTooLarge { size: 9, limit: 8 }));
        assert_eq!(out.len(), before);

        // A prefix that claims 4 GiB is refused before anything is buffered.
        let huge = [0xff, 0xff, 0xff, 0xff, 1, 2, 3];
        assert!(matches!(split_all(&huge, 1024), Err(WireError::FrameTooLarge { .. })));
        assert!(matches!(walk_all(&huge, 1024), Err(WireError::FrameTooLarge { .. })));
    }
}
