//! A grid unit's `elements`, read with every text in one buffer.
//!
//! A 10,000-row page of a report keyed by a unique attribute lists 10,000 elements; a
//! `String` (or `Arc<str>`) per form value and a `Vec` per element made most of the decoder's
//! allocations, and the thread that dropped a page's last row freed them one by one. Here a
//! unit's texts are appended to one `String` and an element holds spans of it.

use std::fmt::{self, Write as _};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// `start..end` of a unit's text buffer.
pub(super) type Span = (u32, u32);

/// A unit's elements and their texts.
#[derive(Default)]
pub(super) struct Elements {
    pub(super) text: String,
    /// Every element's form values, in order (`Element::forms` is a range of it); `None` for
    /// a JSON `null`.
    values: Vec<Option<Span>>,
    pub(super) list: Vec<Element>,
}

/// One element of a unit.
#[derive(Default)]
pub(super) struct Element {
    /// Its form values: `Elements::values[forms.0..forms.1]`.
    forms: (usize, usize),
    pub(super) name: Option<Span>,
    /// Read only when it may stand for the element (no form values before it): most
    /// elements of a big page list their forms first, and their ids are never shown.
    pub(super) id: Option<Span>,
    pub(super) subtotal: bool,
    pub(super) data_type: Option<String>,
    pub(super) number_formatting: Option<NumberFormatting>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NumberFormatting {
    #[serde(default)]
    pub(super) format_string: Option<String>,
}

impl Elements {
    /// The text of `span` (empty for a span that is not in the buffer, which none is).
    pub(super) fn text(&self, span: Span) -> &str {
        let (start, end) = (span.0 as usize, span.1 as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    /// `element`'s form values, as sent.
    pub(super) fn forms(&self, element: &Element) -> &[Option<Span>] {
        self.values
            .get(element.forms.0..element.forms.1)
            .unwrap_or_default()
    }

    /// `span`'s text, owned (metric names and ids).
    pub(super) fn owned(&self, span: Option<Span>) -> Option<String> {
        span.map(|s| self.text(s).to_owned())
    }
}

impl<'de> Deserialize<'de> for Elements {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Elements;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of elements")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Elements, E> {
                Ok(Elements::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Elements, A::Error> {
                let mut out = Elements::default();
                while seq.next_element_seed(ElementSeed(&mut out))?.is_some() {}
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads one element into the unit's buffers.
struct ElementSeed<'a>(&'a mut Elements);

impl<'de> DeserializeSeed<'de> for ElementSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "camelCase")]
        enum Field {
            FormValues,
            Name,
            Id,
            Subtotal,
            DataType,
            NumberFormatting,
            #[serde(other)]
            Other,
        }
        struct V<'a>(&'a mut Elements);
        impl<'de> Visitor<'de> for V<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an element")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                let out = self.0;
                let mut e = Element::default();
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::FormValues => {
                            let start = out.values.len();
                            map.next_value_seed(FormValues(out))?;
                            e.forms = (start, out.values.len());
                        }
                        Field::Name => e.name = map.next_value_seed(TextSeed(&mut out.text))?,
                        Field::Id if e.forms.0 == e.forms.1 => {
                            e.id = map.next_value_seed(TextSeed(&mut out.text))?;
                        }
                        Field::Subtotal => {
                            e.subtotal = map.next_value::<Option<bool>>()?.unwrap_or_default();
                        }
                        Field::DataType => e.data_type = map.next_value()?,
                        Field::NumberFormatting => e.number_formatting = map.next_value()?,
                        Field::Id | Field::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                out.list.push(e);
                Ok(())
            }
        }
        d.deserialize_map(V(self.0))
    }
}

/// An element's `formValues` (or `null`), appended to the unit's values.
struct FormValues<'a>(&'a mut Elements);

impl<'de> DeserializeSeed<'de> for FormValues<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        struct V<'a>(&'a mut Elements);
        impl<'de> Visitor<'de> for V<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of form values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<(), E> {
                Ok(())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                let out = self.0;
                while let Some(value) = seq.next_element_seed(TextSeed(&mut out.text))? {
                    out.values.push(value);
                }
                Ok(())
            }
        }
        d.deserialize_any(V(self.0))
    }
}

/// A value read as text into the buffer: strings as they are, numbers and booleans printed,
/// `null` as `None`.
struct TextSeed<'a>(&'a mut String);

impl TextSeed<'_> {
    fn push<E: de::Error>(self, write: impl FnOnce(&mut String)) -> Result<Option<Span>, E> {
        let too_big = || E::custom("a page's element texts exceed 4 GiB");
        let start = u32::try_from(self.0.len()).map_err(|_| too_big())?;
        write(self.0);
        let end = u32::try_from(self.0.len()).map_err(|_| too_big())?;
        Ok(Some((start, end)))
    }

    /// A number or boolean, as its `Display` text.
    fn push_display<E: de::Error>(self, v: impl fmt::Display) -> Result<Option<Span>, E> {
        self.push(|t| {
            // Writing into a `String` cannot fail.
            let _ = write!(t, "{v}");
        })
    }
}

impl<'de> DeserializeSeed<'de> for TextSeed<'_> {
    type Value = Option<Span>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Span>, D::Error> {
        struct V<'a>(TextSeed<'a>);
        impl<'de> Visitor<'de> for V<'_> {
            type Value = Option<Span>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a number, a boolean or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Span>, E> {
                self.0.push(|t| t.push_str(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<Span>, E> {
                self.0.push_display(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Span>, E> {
                self.0.push_display(v)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<Span>, E> {
                self.0.push_display(v)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<Span>, E> {
                self.0.push_display(v)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<Span>, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Option<Span>, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V(self))
    }
}
