//! Serde support (feature `serde`): ids and stop reasons on the wire.
//!
//! Hand-written, so the feature brings in `serde` alone, without its derive
//! macros. The shapes are the ones a derive would give, in every format:
//!
//! | type | shape | JSON |
//! |---|---|---|
//! | [`NodeId`] | tuple struct of two `u64`, high word first | `[81985529216486895, 18364758544493064720]` |
//! | [`ActorId`] | struct `{ node, sequence }` | `{"node":[1,2],"sequence":7}` |
//! | [`StopReason`] | enum; `Panicked` and `StartFailed` carry a string | `"Normal"`, `{"Panicked":"boom"}` |
//!
//! A `NodeId` is two `u64`s rather than one `u128` because not every format
//! (nor every language reading it) has 128-bit integers.
//!
//! `StopReason::StartFailed` carries the error's text; it comes back as
//! [`ActorError::msg`] of that text, which compares equal to the original
//! (errors are equal when they print the same). Binary formats identify a
//! variant by its index, so new variants of `StopReason` go at the end of
//! [`STOP_REASONS`].

use std::borrow::Cow;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde::ser::{SerializeStruct, SerializeTupleStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::actor::{ActorError, StopReason};
use crate::id::{ActorId, NodeId};

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.as_u128();
        let mut words = serializer.serialize_tuple_struct("NodeId", 2)?;
        words.serialize_field(&((value >> 64) as u64))?;
        words.serialize_field(&(value as u64))?;
        words.end()
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Words;

        impl<'de> Visitor<'de> for Words {
            type Value = NodeId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a node id: two u64, high word first")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeId, A::Error> {
                let high: u64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let low: u64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(NodeId::from_u128((u128::from(high) << 64) | u128::from(low)))
            }
        }

        deserializer.deserialize_tuple_struct("NodeId", 2, Words)
    }
}

const ACTOR_ID_FIELDS: &[&str] = &["node", "sequence"];

impl Serialize for ActorId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fields = serializer.serialize_struct("ActorId", 2)?;
        fields.serialize_field("node", &self.node())?;
        fields.serialize_field("sequence", &self.sequence())?;
        fields.end()
    }
}

impl<'de> Deserialize<'de> for ActorId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;

        impl<'de> Visitor<'de> for Fields {
            type Value = ActorId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an actor id: node and sequence")
            }

            // Formats that write structs as sequences (most binary ones).
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ActorId, A::Error> {
                let node = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let sequence = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(ActorId::from_parts(node, sequence))
            }

            // Self-describing formats; unknown fields are skipped, as a derive would.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ActorId, A::Error> {
                let (mut node, mut sequence) = (None, None);
                while let Some(field) = map.next_key_seed(Name(ACTOR_ID_FIELDS))? {
                    match field {
                        Some(0) if node.is_some() => return Err(de::Error::duplicate_field("node")),
                        Some(0) => node = Some(map.next_value()?),
                        Some(1) if sequence.is_some() => return Err(de::Error::duplicate_field("sequence")),
                        Some(1) => sequence = Some(map.next_value()?),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                let node = node.ok_or_else(|| de::Error::missing_field("node"))?;
                let sequence = sequence.ok_or_else(|| de::Error::missing_field("sequence"))?;
                Ok(ActorId::from_parts(node, sequence))
            }
        }

        deserializer.deserialize_struct("ActorId", ACTOR_ID_FIELDS, Fields)
    }
}

/// The variants of [`StopReason`] on the wire, in index order. Append only:
/// binary formats send the index.
const STOP_REASONS: &[&str] =
    &["Normal", "Shutdown", "Killed", "Panicked", "StartFailed", "NodeDown", "Escalated"];

impl Serialize for StopReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // No wildcard arm: a new variant must be given its place on the wire here.
        let (index, text) = match self {
            StopReason::Normal => (0, None),
            StopReason::Shutdown => (1, None),
            StopReason::Killed => (2, None),
            StopReason::Panicked(message) => (3, Some(Cow::Borrowed(message.as_str()))),
            StopReason::StartFailed(error) => (4, Some(Cow::Owned(error.to_string()))),
            StopReason::NodeDown => (5, None),
            StopReason::Escalated => (6, None),
        };
        let name = STOP_REASONS[index as usize];
        match text {
            None => serializer.serialize_unit_variant("StopReason", index, name),
            Some(text) => serializer.serialize_newtype_variant("StopReason", index, name, &*text),
        }
    }
}

impl<'de> Deserialize<'de> for StopReason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Variants;

        impl<'de> Visitor<'de> for Variants {
            type Value = StopReason;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a stop reason")
            }

            fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<StopReason, A::Error> {
                let (index, variant) = data.variant_seed(Name(STOP_REASONS))?;
                let unit = |variant: A::Variant, reason| variant.unit_variant().map(|()| reason);
                match index {
                    Some(0) => unit(variant, StopReason::Normal),
                    Some(1) => unit(variant, StopReason::Shutdown),
                    Some(2) => unit(variant, StopReason::Killed),
                    Some(3) => variant.newtype_variant::<String>().map(StopReason::Panicked),
                    Some(4) => variant
                        .newtype_variant::<String>()
                        .map(|text| StopReason::StartFailed(ActorError::msg(text))),
                    Some(5) => unit(variant, StopReason::NodeDown),
                    Some(6) => unit(variant, StopReason::Escalated),
                    _ => Err(de::Error::custom("unknown StopReason variant")),
                }
            }
        }

        deserializer.deserialize_enum("StopReason", STOP_REASONS, Variants)
    }
}

/// Reads a field or variant identifier, given by name or by index, as its
/// index in the list (`None` for one not in it).
struct Name(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of {:?}", self.0)
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Option<usize>, E> {
        Ok(usize::try_from(index).ok().filter(|&index| index < self.0.len()))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|known| *known == name))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|known| known.as_bytes() == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::value::{Error as ValueError, U64Deserializer};
    use serde::de::IntoDeserializer;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de>>(value: &T) -> (String, T) {
        let json = serde_json::to_string(value).expect("serialises");
        let back = serde_json::from_str(&json).expect("deserialises");
        (json, back)
    }

    #[test]
    fn node_ids_are_two_words_high_first() {
        let node = NodeId::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210);
        let (json, back) = round_trip(&node);
        assert_eq!(json, format!("[{},{}]", 0x0123_4567_89ab_cdef_u64, 0xfedc_ba98_7654_3210_u64));
        assert_eq!(back, node);
        for value in [0, 1, u128::from(u64::MAX), u128::MAX] {
            assert_eq!(round_trip(&NodeId::from_u128(value)).1.as_u128(), value);
        }
    }

    #[test]
    fn actor_ids_are_node_and_sequence() {
        let id = ActorId::from_parts(NodeId::from_u128((1 << 64) | 2), 7);
        let (json, back) = round_trip(&id);
        assert_eq!(json, r#"{"node":[1,2],"sequence":7}"#);
        assert_eq!(back, id);
        assert_eq!(back.node(), id.node());
        assert_eq!(back.sequence(), 7);
    }

    #[test]
    fn actor_ids_read_from_a_sequence_in_any_field_order_and_skip_unknown_fields() {
        let expected = ActorId::from_parts(NodeId::from_u128((1 << 64) | 2), 7);
        let from_seq: ActorId = serde_json::from_str("[[1,2],7]").expect("a sequence");
        assert_eq!(from_seq, expected);
        let reordered: ActorId =
            serde_json::from_str(r#"{"sequence":7,"extra":[true],"node":[1,2]}"#).expect("a map");
        assert_eq!(reordered, expected);
    }

    #[test]
    fn malformed_actor_ids_are_errors() {
        for bad in [
            r#"{"node":[1,2]}"#,
            r#"{"sequence":7}"#,
            r#"{"node":[1,2],"sequence":7,"sequence":8}"#,
            r#"{"node":[1],"sequence":7}"#,
            r#"{"node":[1,2],"sequence":-1}"#,
            "[[1,2]]",
            "7",
        ] {
            assert!(serde_json::from_str::<ActorId>(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn every_stop_reason_round_trips() {
        let reasons = [
            (StopReason::Normal, r#""Normal""#),
            (StopReason::Shutdown, r#""Shutdown""#),
            (StopReason::Killed, r#""Killed""#),
            (StopReason::Panicked("boom".into()), r#"{"Panicked":"boom"}"#),
            (StopReason::StartFailed(ActorError::msg("no database")), r#"{"StartFailed":"no database"}"#),
            (StopReason::NodeDown, r#""NodeDown""#),
            (StopReason::Escalated, r#""Escalated""#),
        ];
        for (reason, expected) in reasons {
            let (json, back) = round_trip(&reason);
            assert_eq!(json, expected);
            assert_eq!(back, reason);
            assert_eq!(back.is_abnormal(), reason.is_abnormal());
        }
    }

    #[test]
    fn a_start_failure_keeps_the_text_of_any_error() {
        let parse = "x".parse::<u32>().unwrap_err();
        let reason = StopReason::StartFailed(parse.clone().into());
        let (json, back) = round_trip(&reason);
        assert_eq!(json, r#"{"StartFailed":"invalid digit found in string"}"#);
        assert_eq!(back, reason);
        assert_eq!(back.to_string(), format!("start failed: {parse}"));
    }

    #[test]
    fn unknown_or_misshapen_stop_reasons_are_errors() {
        for bad in [r#""Vanished""#, r#"{"Panicked":7}"#, r#"{"Normal":"x"}"#, r#""Panicked""#, "3"] {
            assert!(serde_json::from_str::<StopReason>(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn identifiers_by_index_follow_the_wire_order() {
        let by_index = |index: u64| {
            let deserializer: U64Deserializer<ValueError> = index.into_deserializer();
            Name(STOP_REASONS).deserialize(deserializer).expect("an index")
        };
        assert_eq!(by_index(0), Some(0));
        assert_eq!(by_index(6), Some(6));
        assert_eq!(by_index(7), None);
        assert_eq!(STOP_REASONS[4], "StartFailed");
    }
}
