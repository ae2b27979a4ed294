//! The reader's framing: reads the link's stream into one buffer and hands
//! out the complete frames of each read together, as one shared chunk
//! that the reader walks frame by frame. A frame then costs no reference
//! count and no split of the buffer of its own (tokio-util's `FramedRead`
//! split, froze and dropped each frame), and a payload becomes `Bytes`
//! only where it is kept (a message that waits for mailbox room).
//!
//! The format and its splitting are [`frame`](crate::wire::frame)'s: a
//! 4-byte big-endian length, then that many bytes, up to a limit; a length
//! over the limit is refused before any of its bytes are buffered.

use std::ops::Deref;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, ReadHalf};

use crate::tls::Io;
use crate::wire::frame::{self, PREFIX};
use crate::wire::WireError;

/// Bytes read at a time (at least): a read of a busy link brings hundreds
/// of small frames.
const READ_SIZE: usize = 64 * 1024;

/// The read half of a link, and what it read that is not handed out yet.
pub(super) struct Frames {
    read: ReadHalf<Box<dyn Io>>,
    buf: BytesMut,
    limit: usize,
}

impl Frames {
    /// Frames of up to `limit` bytes from `read`, after `read_buf` (what the
    /// handshake read past its own frames).
    pub(super) fn new(read: ReadHalf<Box<dyn Io>>, read_buf: BytesMut, limit: usize) -> Self {
        Frames { read, buf: read_buf, limit }
    }

    /// The complete frames at the front of the buffer, split off as one
    /// chunk (`None` if there is no complete frame yet); an error if the
    /// first frame not complete claims more than the limit.
    pub(super) fn complete(&mut self) -> Result<Option<Bytes>, WireError> {
        let end = frame::complete(&self.buf, self.limit)?;
        Ok((end > 0).then(|| self.buf.split_to(end).freeze()))
    }

    /// Reads more of the stream into the buffer; `Ok(0)` at its end.
    ///
    /// # Cancel safety
    /// Cancel safe: dropped before it completes, nothing was read.
    pub(super) async fn fill(&mut self) -> std::io::Result<usize> {
        // Room for the frame being read, if it is large, else for a batch.
        let wanted = frame::declared(&self.buf).map_or(0, |size| PREFIX + size.min(self.limit));
        let room = wanted.saturating_sub(self.buf.len()).max(READ_SIZE);
        if self.buf.capacity() - self.buf.len() < room / 2 {
            self.buf.reserve(room);
        }
        self.read.read_buf(&mut self.buf).await
    }

    /// Whether a frame was begun and not finished.
    pub(super) fn in_frame(&self) -> bool {
        !self.buf.is_empty()
    }
}

/// Walks the frames of a chunk made by [`Frames::complete`].
pub(super) fn each(chunk: &Bytes) -> impl Iterator<Item = &[u8]> + '_ {
    frame::walk(chunk)
}

/// A payload inside a chunk: read as a slice, kept as `Bytes` (sharing the
/// chunk) only when it has to wait.
#[derive(Clone, Copy)]
pub(super) struct Payload<'a> {
    pub(super) chunk: &'a Bytes,
    pub(super) bytes: &'a [u8],
}

impl Payload<'_> {
    /// The payload as `Bytes` of its own (the chunk's memory, shared).
    pub(super) fn to_bytes(self) -> Bytes {
        self.chunk.slice_ref(self.bytes)
    }
}

impl Deref for Payload<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.bytes
    }
}

#[cfg(test)]
mod tests;
