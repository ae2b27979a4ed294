//! How a durable fact is written in a NATS message: the encodings, and the
//! `Content-Type` header that names the one a message uses.

use async_nats::HeaderMap;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::DurableError;

/// The header naming a message's encoding.
pub(crate) const CONTENT_TYPE: &str = "Content-Type";

/// How facts are written in the stream.
///
/// Every message names its encoding in a `Content-Type` header; a reader
/// follows the header, and takes a message without one as JSON if its
/// payload starts with `{`, `[` or `"`, else as postcard. So a fact written
/// by any NATS client as JSON (`Content-Type: application/json`, or no
/// header) reaches actor subscribers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// [postcard](https://docs.rs/postcard): compact and fast, the default.
    /// `Content-Type: application/x-postcard`.
    #[default]
    Postcard,
    /// JSON (serde_json), readable by any client in any language.
    /// `Content-Type: application/json`.
    Json,
}

impl Encoding {
    /// The `Content-Type` header's value.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Postcard => "application/x-postcard",
            Encoding::Json => "application/json",
        }
    }

    fn from_content_type(value: &str) -> Option<Encoding> {
        match value.split(';').next().unwrap_or("").trim() {
            "application/x-postcard" | "application/postcard" => Some(Encoding::Postcard),
            "application/json" => Some(Encoding::Json),
            _ => None,
        }
    }

    pub(crate) fn encode<E: Serialize>(self, fact: &E) -> Result<Bytes, DurableError> {
        let bytes = match self {
            Encoding::Postcard => {
                postcard::to_stdvec(fact).map_err(|e| DurableError::Encoding(e.to_string()))?
            }
            Encoding::Json => serde_json::to_vec(fact).map_err(|e| DurableError::Encoding(e.to_string()))?,
        };
        Ok(Bytes::from(bytes))
    }

    pub(crate) fn decode<E: DeserializeOwned>(self, payload: &[u8]) -> Result<E, DurableError> {
        match self {
            Encoding::Postcard => {
                postcard::from_bytes(payload).map_err(|e| DurableError::Encoding(e.to_string()))
            }
            Encoding::Json => {
                serde_json::from_slice(payload).map_err(|e| DurableError::Encoding(e.to_string()))
            }
        }
    }

    /// The encoding of a message with these headers and payload.
    pub(crate) fn of_message(headers: Option<&HeaderMap>, payload: &[u8]) -> Result<Encoding, DurableError> {
        match headers.and_then(|h| h.get(CONTENT_TYPE)) {
            Some(value) => Encoding::from_content_type(value.as_str())
                .ok_or_else(|| DurableError::Encoding(format!("unknown Content-Type {:?}", value.as_str()))),
            None if matches!(payload.first(), Some(b'{' | b'[' | b'"')) => Ok(Encoding::Json),
            None => Ok(Encoding::Postcard),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Paid {
        order: u64,
        cents: u64,
    }

    #[test]
    fn both_encodings_round_trip_and_name_themselves() {
        for encoding in [Encoding::Postcard, Encoding::Json] {
            let bytes = encoding.encode(&Paid { order: 7, cents: 250 }).unwrap();
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, encoding.content_type());
            assert_eq!(Encoding::of_message(Some(&headers), &bytes).unwrap(), encoding);
            assert_eq!(encoding.decode::<Paid>(&bytes).unwrap(), Paid { order: 7, cents: 250 });
        }
    }

    #[test]
    fn a_message_without_header_is_json_when_it_looks_like_json() {
        assert_eq!(Encoding::of_message(None, br#"{"order":1,"cents":2}"#).unwrap(), Encoding::Json);
        assert_eq!(Encoding::of_message(None, &[1, 2]).unwrap(), Encoding::Postcard);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "text/plain");
        assert!(Encoding::of_message(Some(&headers), b"x").is_err());
    }

    #[test]
    fn hostile_payloads_fail_without_panicking() {
        assert!(Encoding::Postcard.decode::<Paid>(&[0xff; 3]).is_err());
        assert!(Encoding::Json.decode::<Paid>(b"{").is_err());
    }
}
