use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::AsyncWriteExt;

use super::{each, Frames};
use crate::tls::Io;
use crate::wire::WireError;

fn framed(bodies: &[&[u8]]) -> Vec<u8> {
    let mut out = BytesMut::new();
    for body in bodies {
        out.put_u32(body.len() as u32);
        out.extend_from_slice(body);
    }
    out.to_vec()
}

/// Frames over one end of an in-memory pipe, and the other end.
fn pipe(limit: usize, already: &[u8]) -> (Frames, tokio::io::DuplexStream) {
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let io: Box<dyn Io> = Box::new(ours);
    let (read, _write) = tokio::io::split(io);
    (Frames::new(read, BytesMut::from(already), limit), theirs)
}

fn bodies(chunk: &Bytes) -> Vec<Vec<u8>> {
    each(chunk).map(<[u8]>::to_vec).collect()
}

/// Reads until a chunk of complete frames comes; its frames.
async fn next_chunk(frames: &mut Frames) -> Vec<Vec<u8>> {
    for _ in 0..1000 {
        if let Some(chunk) = frames.complete().unwrap() {
            return bodies(&chunk);
        }
        assert!(frames.fill().await.unwrap() > 0, "the stream ended");
    }
    panic!("no complete frame after 1000 reads");
}

#[tokio::test]
async fn complete_frames_come_out_together_and_a_partial_one_waits() {
    let stream = framed(&[b"one", b"", b"three"]);
    let (mut frames, mut other) = pipe(16, &stream[..5]);
    assert!(frames.complete().unwrap().is_none(), "only a prefix and a byte");
    other.write_all(&stream[5..stream.len() - 2]).await.unwrap();
    assert_eq!(next_chunk(&mut frames).await, vec![b"one".to_vec(), vec![]]);
    assert!(frames.in_frame(), "\"three\" is begun");
    assert!(frames.complete().unwrap().is_none());
    other.write_all(&stream[stream.len() - 2..]).await.unwrap();
    assert_eq!(next_chunk(&mut frames).await, vec![b"three".to_vec()]);
    assert!(!frames.in_frame());
    drop(other);
    assert_eq!(frames.fill().await.unwrap(), 0, "the end of the stream");
}

#[tokio::test]
async fn a_frame_over_the_limit_is_refused_after_the_frames_before_it() {
    let mut stream = framed(&[b"ok"]);
    stream.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 1]);
    let (mut frames, _other) = pipe(8, &stream);
    let chunk = frames.complete().unwrap().expect("the first frame");
    assert_eq!(bodies(&chunk), vec![b"ok".to_vec()]);
    assert_eq!(frames.complete(), Err(WireError::FrameTooLarge { size: u32::MAX as usize, limit: 8 }));
    // Exactly the limit is fine.
    let (mut frames, _other) = pipe(8, &framed(&[&[7; 8]]));
    assert_eq!(bodies(&frames.complete().unwrap().unwrap()), vec![vec![7; 8]]);
}

#[tokio::test]
async fn a_frame_larger_than_a_read_is_read_whole() {
    let body = vec![3u8; 200_000];
    let stream = framed(&[&body, b"after"]);
    let (mut frames, mut other) = pipe(1 << 20, &[]);
    let writer = tokio::spawn(async move {
        other.write_all(&stream).await.unwrap();
        other
    });
    let mut seen = next_chunk(&mut frames).await;
    if seen.len() < 2 {
        seen.extend(next_chunk(&mut frames).await);
    }
    assert_eq!(seen, vec![body, b"after".to_vec()]);
    drop(writer.await.unwrap());
}
