//! What the fuzz targets share with the seed writer (`examples/seeds.rs`):
//! how the `frames` target reads its input.

/// Bytes of the `frames` input's leading limit.
pub const LIMIT_PREFIX: usize = 2;

/// Splits a `frames` input into the frame limit and the stream: the first
/// two bytes, big-endian, plus one (so 1..=65536), then the rest. `None`
/// for an input shorter than the limit.
pub fn frames_input(data: &[u8]) -> Option<(usize, &[u8])> {
    let (limit, stream) = data.split_first_chunk::<LIMIT_PREFIX>()?;
    Some((usize::from(u16::from_be_bytes(*limit)) + 1, stream))
}
