//! How message payloads become bytes: the [`Codec`] trait and its default,
//! [`Postcard`].

use bytes::BytesMut;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A payload that could not be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodecError(pub String);

/// Turns message payloads and replies into bytes and back.
///
/// Both nodes of a pair must use the same codec. Decoding reads bytes from
/// the network: an implementation must fail with an error, never panic or
/// allocate without bound, on any input.
pub trait Codec: Clone + Send + Sync + 'static {
    /// Appends the encoding of `value` to `out`.
    ///
    /// # Errors
    /// If the value cannot be represented (a serde error).
    fn encode<T: Serialize>(&self, value: &T, out: &mut BytesMut) -> Result<(), CodecError>;

    /// Decodes a `T` from exactly `bytes`.
    ///
    /// # Errors
    /// If the bytes are not a valid `T`.
    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, CodecError>;
}

/// The default codec: [postcard](https://docs.rs/postcard), a compact
/// binary serde format (varints, no field names). Hostile input fails
/// cleanly, without allocating more than the input's length.
///
/// Postcard identifies fields and enum variants by position: add fields
/// only in a new message version (a new `NAME`), as `docs/remote.md`
/// explains.
#[derive(Clone, Copy, Debug, Default)]
pub struct Postcard;

impl Codec for Postcard {
    fn encode<T: Serialize>(&self, value: &T, out: &mut BytesMut) -> Result<(), CodecError> {
        postcard_into(value, out).map_err(|e| CodecError(e.to_string()))
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, CodecError> {
        postcard::from_bytes(bytes).map_err(|e| CodecError(e.to_string()))
    }
}

/// Encodes `value` with postcard straight into `out`, without a buffer of
/// its own in between (the envelope's header uses it too).
pub(crate) fn postcard_into<T: Serialize + ?Sized>(value: &T, out: &mut BytesMut) -> postcard::Result<()> {
    postcard::serialize_with_flavor(value, Append(out))
}

/// A postcard flavor that appends to a `BytesMut`.
struct Append<'a>(&'a mut BytesMut);

impl postcard::ser_flavors::Flavor for Append<'_> {
    type Output = ();

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.extend_from_slice(&[data]);
        Ok(())
    }

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcard_round_trips_and_refuses_garbage() {
        let mut out = BytesMut::new();
        Postcard.encode(&(7u32, "seven".to_owned()), &mut out).unwrap();
        let back: (u32, String) = Postcard.decode(&out).unwrap();
        assert_eq!(back, (7, "seven".to_owned()));
        // A string that claims four billion bytes: an error, not an allocation.
        let err = Postcard.decode::<String>(&[0xff, 0xff, 0xff, 0xff, 0x0f]).unwrap_err();
        assert!(!err.0.is_empty());
    }
}
