//! [`ArrayLen`]: the length of a JSON array, read without keeping its elements (a page's
//! row counts, a pushed row's width).

use std::fmt;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};

/// How many values a JSON array holds (`None` for anything but an array), read without
/// keeping them.
pub(crate) struct ArrayLen(pub(crate) Option<u64>);

impl<'de> serde::Deserialize<'de> for ArrayLen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ArrayLen;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<ArrayLen, A::Error> {
                let mut n = 0u64;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n = n.saturating_add(1);
                }
                Ok(ArrayLen(Some(n)))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<ArrayLen, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ArrayLen(None))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<ArrayLen, E> {
                Ok(ArrayLen(None))
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<ArrayLen, E> {
                Ok(ArrayLen(None))
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<ArrayLen, E> {
                Ok(ArrayLen(None))
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<ArrayLen, E> {
                Ok(ArrayLen(None))
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<ArrayLen, E> {
                Ok(ArrayLen(None))
            }
            fn visit_unit<E>(self) -> std::result::Result<ArrayLen, E> {
                Ok(ArrayLen(None))
            }
        }
        d.deserialize_any(V)
    }
}
