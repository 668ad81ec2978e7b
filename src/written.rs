//! A value as a TOML or JSON file writes it ([`Written`]), kept whatever
//! its type, and read again by a type's own `Deserialize` through a
//! [`Fault`]-reporting deserializer, so that the value at fault can be
//! named. serde's derived reading of a table tagged by `kind` reads the
//! table whole first, and its error ("invalid type: string \"180\",
//! expected f64") names no field: TOML's caret falls on the whole table,
//! JSON's column on its end. The policies' settings (`policy::spec`) and
//! the simulator's scenarios (`sim::dist`) both read their tagged tables
//! this way.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Unexpected};

/// A value as written. A number is kept as the parser handed it over, so
/// that an integer reads back exact (a `u64` seed above 2^53 included)
/// and a float stays a float for a field that takes only integers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Written {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number handed over as unsigned.
    Unsigned(u64),
    /// A whole number handed over as signed (TOML hands over every integer so).
    Signed(i64),
    /// A number with a fraction or an exponent.
    Float(f64),
    /// A string.
    Text(String),
    /// JSON's `null`.
    Null,
    /// A list.
    List(Vec<Written>),
    /// A table, its keys in the order written (a key given twice is kept
    /// twice, to be refused).
    Table(Vec<(String, Written)>),
}

impl<'de> Deserialize<'de> for Written {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Written, D::Error> {
        d.deserialize_any(WrittenVisitor)
    }
}

struct WrittenVisitor;

impl<'de> de::Visitor<'de> for WrittenVisitor {
    type Value = Written;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Written, E> {
        Ok(Written::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Written, E> {
        Ok(Written::Signed(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Written, E> {
        Ok(Written::Unsigned(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Written, E> {
        Ok(Written::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Written, E> {
        Ok(Written::Text(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Written, E> {
        Ok(Written::Text(v))
    }
    fn visit_unit<E>(self) -> Result<Written, E> {
        Ok(Written::Null)
    }
    fn visit_none<E>(self) -> Result<Written, E> {
        Ok(Written::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Written, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Written, A::Error> {
        // The hint is the parser's; a hostile one must not reserve gigabytes.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Written::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Written, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = map.next_entry::<String, Written>()? {
            out.push(entry);
        }
        Ok(Written::Table(out))
    }
}

impl Written {
    /// What serde calls this value in a message.
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Written::Bool(b) => Unexpected::Bool(*b),
            Written::Unsigned(n) => Unexpected::Unsigned(*n),
            Written::Signed(n) => Unexpected::Signed(*n),
            Written::Float(x) => Unexpected::Float(*x),
            Written::Text(s) => Unexpected::Str(s),
            Written::Null => Unexpected::Unit,
            Written::List(_) => Unexpected::Seq,
            Written::Table(_) => Unexpected::Map,
        }
    }
}

/// One step from a value into a part of it. A table's entry is taken by
/// its position, as a key may be written twice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Step {
    /// The table's entry at this position.
    Entry(usize),
    /// The list's item at this index.
    Item(usize),
}

/// `steps[0].after`: a path into `w` as a message names it (empty: `w`
/// itself).
pub(crate) fn path_text(w: &Written, path: &[Step]) -> String {
    let mut out = String::new();
    let mut at = w;
    for step in path {
        match (at, *step) {
            (Written::Table(entries), Step::Entry(i)) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&entries[i].0);
                at = &entries[i].1;
            }
            (Written::List(items), Step::Item(i)) => {
                out.push_str(&format!("[{i}]"));
                at = &items[i];
            }
            _ => unreachable!("a path is built from the value it walks"),
        }
    }
    out
}

/// Why a [`Written`] value does not read as a type: serde's error kept by
/// kind, so that its reader can put it in its own words, with serde's own
/// text of it and the path to the part at fault.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fault {
    /// What went wrong.
    pub(crate) kind: FaultKind,
    /// serde's default words for it: the text a TOML or JSON parser's
    /// error holds, so that the two can be matched.
    pub(crate) text: String,
    /// From the value read to the part at fault, outermost first; it stops
    /// at a table that serde's derive read whole (a tagged enum's).
    pub(crate) path: Vec<Step>,
}

/// How serde's reading of a value went wrong.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FaultKind {
    /// A value of the wrong type (`value`: of the right type, out of
    /// range): serde's words for the value given (`string "ten"`, `null`
    /// for JSON's, as serde_json says it) and for what was expected (`f64`,
    /// `u8`, `a sequence`).
    Type {
        value: bool,
        given: String,
        expected: String,
    },
    /// A list of the wrong length, and what was expected.
    Length(usize, String),
    /// A `kind` or variant not among those known.
    UnknownVariant(String, &'static [&'static str]),
    /// A key the table does not take, and those it takes.
    UnknownField(String, &'static [&'static str]),
    /// A field not given.
    Missing(&'static str),
    /// A field given twice.
    Duplicate(&'static str),
    /// Anything else, in its own words ([`Fault::text`]).
    Other,
}

impl Fault {
    /// `serde` is serde's own error for the same fault, for its words.
    fn new(kind: FaultKind, serde: de::value::Error) -> Fault {
        Fault {
            kind,
            text: serde.to_string(),
            path: Vec::new(),
        }
    }

    fn at(mut self, step: Step) -> Fault {
        self.path.insert(0, step);
        self
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Fault {}

/// serde's words for a value given, but `null` for JSON's, as serde_json
/// says it (only JSON has a null).
fn given_words(unexp: Unexpected<'_>) -> String {
    match unexp {
        Unexpected::Unit => "null".into(),
        u => u.to_string(),
    }
}

type SerdeError = de::value::Error;

impl de::Error for Fault {
    fn custom<T: fmt::Display>(msg: T) -> Fault {
        Fault::new(FaultKind::Other, SerdeError::custom(msg))
    }
    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Fault {
        let kind = FaultKind::Type {
            value: false,
            given: given_words(unexp),
            expected: exp.to_string(),
        };
        Fault::new(kind, SerdeError::invalid_type(unexp, exp))
    }
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Fault {
        let kind = FaultKind::Type {
            value: true,
            given: given_words(unexp),
            expected: exp.to_string(),
        };
        Fault::new(kind, SerdeError::invalid_value(unexp, exp))
    }
    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Fault {
        let kind = FaultKind::Length(len, exp.to_string());
        Fault::new(kind, SerdeError::invalid_length(len, exp))
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Fault {
        let kind = FaultKind::UnknownVariant(variant.to_string(), expected);
        Fault::new(kind, SerdeError::unknown_variant(variant, expected))
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Fault {
        let kind = FaultKind::UnknownField(field.to_string(), expected);
        Fault::new(kind, SerdeError::unknown_field(field, expected))
    }
    fn missing_field(field: &'static str) -> Fault {
        Fault::new(FaultKind::Missing(field), SerdeError::missing_field(field))
    }
    fn duplicate_field(field: &'static str) -> Fault {
        let kind = FaultKind::Duplicate(field);
        Fault::new(kind, SerdeError::duplicate_field(field))
    }
}

/// A [`Written`] value read by a type's own `Deserialize`, as the parser
/// would hand it over, each part's fault marked with its path.
impl<'de> Deserializer<'de> for &Written {
    type Error = Fault;

    fn deserialize_any<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, Fault> {
        match self {
            Written::Bool(b) => v.visit_bool(*b),
            Written::Unsigned(n) => v.visit_u64(*n),
            Written::Signed(n) => v.visit_i64(*n),
            Written::Float(x) => v.visit_f64(*x),
            Written::Text(s) => v.visit_str(s),
            Written::Null => v.visit_unit(),
            Written::List(items) => {
                let mut list = List(items.iter().enumerate());
                let out = v.visit_seq(&mut list)?;
                match list.0.len() {
                    0 => Ok(out),
                    left => Err(de::Error::invalid_length(
                        items.len() - left,
                        &"fewer elements",
                    )),
                }
            }
            Written::Table(entries) => {
                let mut table = Table {
                    entries: entries.iter().enumerate(),
                    value: None,
                };
                let out = v.visit_map(&mut table)?;
                match table.entries.len() {
                    0 => Ok(out),
                    left => Err(de::Error::invalid_length(left, &"fewer entries")),
                }
            }
        }
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, Fault> {
        match self {
            Written::Null => v.visit_none(),
            w => v.visit_some(w),
        }
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Fault> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Fault> {
        match self {
            Written::Text(s) => v.visit_enum(s.as_str().into_deserializer()),
            w => Err(de::Error::invalid_type(w.unexpected(), &v)),
        }
    }

    fn deserialize_ignored_any<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, Fault> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier
    }
}

struct List<'a>(std::iter::Enumerate<std::slice::Iter<'a, Written>>);

impl<'de> de::SeqAccess<'de> for &mut List<'_> {
    type Error = Fault;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Fault> {
        self.0
            .next()
            .map(|(i, w)| seed.deserialize(w).map_err(|e| e.at(Step::Item(i))))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Table<'a> {
    entries: std::iter::Enumerate<std::slice::Iter<'a, (String, Written)>>,
    /// The value of the key just read, and its entry's position.
    value: Option<(usize, &'a Written)>,
}

impl<'de> MapAccess<'de> for &mut Table<'_> {
    type Error = Fault;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Fault> {
        let Some((i, (key, value))) = self.entries.next() else {
            return Ok(None);
        };
        // A key the table does not take is the table's fault, not the
        // key's value's: no step.
        let read = seed.deserialize(key.as_str().into_deserializer())?;
        self.value = Some((i, value));
        Ok(Some(read))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Fault> {
        let (i, value) = self
            .value
            .take()
            .ok_or_else(|| <Fault as de::Error>::custom("a value asked for before its key"))?;
        seed.deserialize(value).map_err(|e| e.at(Step::Entry(i)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
