//! A link's writer: takes everything waiting in the peer's buffer and
//! writes it with one call, so a burst of small messages becomes few
//! syscalls.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncWriteExt, WriteHalf};
use tokio_util::sync::CancellationToken;

use crate::peer::{LinkState, Peer};
use crate::tls::Io;

/// Writes until the link breaks or is replaced; returns why it ended.
pub(super) async fn run(
    peer: &Peer,
    link: u64,
    mut write: WriteHalf<Box<dyn Io>>,
    cancel: &CancellationToken,
    write_timeout: Duration,
) -> String {
    let mut chunk = BytesMut::with_capacity(64 * 1024);
    loop {
        if peer.state() != LinkState::Up(link) {
            let _ = write.shutdown().await;
            return "the link was replaced".to_owned();
        }
        peer.take_buffered(&mut chunk);
        if chunk.is_empty() {
            tokio::select! {
                () = cancel.cancelled() => return "closed".to_owned(),
                () = peer.wake_writer.notified() => continue,
            }
        }
        tokio::select! {
            () = cancel.cancelled() => return "closed".to_owned(),
            written = tokio::time::timeout(write_timeout, write.write_all(&chunk)) => match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return format!("write failed: {e}"),
                Err(_) => {
                    return format!(
                        "the peer stopped reading (no write progress for {} ms)",
                        write_timeout.as_millis()
                    )
                }
            },
        }
        chunk.clear();
        peer.space.notify_waiters();
    }
}
