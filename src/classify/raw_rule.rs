//! A rule as written in `config.toml`, before anything is checked.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};

use super::{RuleError, RuleErrorKind};

/// One `[[rules]]` table, exactly as written. Plain serde; nothing is
/// validated here. [`Classifier::from_rules`](super::Classifier::from_rules)
/// checks and compiles it.
///
/// Every matcher is optional, but a rule needs at least one. A rule matches an
/// event when all of its matchers match. Keys that take a list of strings
/// also accept a single string (`title = "1:1"`), because a one-element list
/// is an easy thing to forget the brackets on.
///
/// See `default_rules.toml` for what each key means; its header is the
/// reference text, and [`RawRule::KEYS`] is the list of keys.
#[derive(serde::Deserialize, serde::Serialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Shown by `--explain` and in errors; unique within a rule list.
    pub name: String,
    /// One of `people`, `technical`, `deep_work`, `other`, or `personal` (not work time).
    pub category: String,

    /// Keywords, any of which must appear in the SUMMARY (word-aware, any case).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<Vec<String>>,
    /// Keywords for DESCRIPTION.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Vec<String>>,
    /// Keywords for LOCATION.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub location: Option<Vec<String>>,
    /// Keywords for any of SUMMARY, DESCRIPTION or LOCATION.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub any_text: Option<Vec<String>>,

    /// A regex the SUMMARY must match (case-insensitive unless `(?-i)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_regex: Option<String>,
    /// A regex for DESCRIPTION.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_regex: Option<String>,
    /// A regex for LOCATION.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_regex: Option<String>,
    /// A regex for any of SUMMARY, DESCRIPTION or LOCATION.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_text_regex: Option<String>,

    /// Keywords none of which may appear in the SUMMARY.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_title: Option<Vec<String>>,
    /// Keywords none of which may appear in DESCRIPTION.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_description: Option<Vec<String>>,
    /// Keywords none of which may appear in LOCATION.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_location: Option<Vec<String>>,
    /// Keywords none of which may appear in SUMMARY, DESCRIPTION or LOCATION.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_any_text: Option<Vec<String>>,

    /// CATEGORIES values, any of which must be on the event (any case).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub categories: Option<Vec<String>>,
    /// Addresses or `@domain`s, any of which must be the organizer.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub organizer: Option<Vec<String>>,
    /// Addresses or `@domain`s, any of which must be among the participants.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub attendee: Option<Vec<String>>,
    /// Exact number of distinct participants (attendees plus organizer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendees: Option<u32>,
    /// At least this many distinct participants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_attendees: Option<u32>,
    /// At most this many distinct participants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attendees: Option<u32>,
    /// Exact number of people other than me (rooms and resources left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others: Option<u32>,
    /// At least this many people other than me.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_others: Option<u32>,
    /// At most this many people other than me.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_others: Option<u32>,
    /// Who organised it: any of `me`, `internal`, `external`, `none`.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub organizer_kind: Option<Vec<String>>,
    /// Whether the event is (part of) a recurring series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring: Option<bool>,
    /// At least this long, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_minutes: Option<u32>,
    /// At most this long, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_minutes: Option<u32>,
    /// Feed names, any of which must be the event's feed (exact match).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub feed: Option<Vec<String>>,
}

impl RawRule {
    /// Every key a `[[rules]]` table may have, in documentation order.
    pub const KEYS: &'static [&'static str] = &[
        "name",
        "category",
        "title",
        "description",
        "location",
        "any_text",
        "title_regex",
        "description_regex",
        "location_regex",
        "any_text_regex",
        "not_title",
        "not_description",
        "not_location",
        "not_any_text",
        "categories",
        "organizer",
        "attendee",
        "attendees",
        "min_attendees",
        "max_attendees",
        "others",
        "min_others",
        "max_others",
        "organizer_kind",
        "recurring",
        "min_minutes",
        "max_minutes",
        "feed",
    ];

    /// Reads one rule from an already parsed TOML value (one element of the
    /// `rules` array), with errors that name the rule and the key.
    ///
    /// `index` is the rule's 1-based position, used only in errors. On error,
    /// every bad key of this rule is reported, not just the first.
    ///
    /// Why not just `Vec<RawRule>` through serde: serde stops at the first bad
    /// field of the first bad rule and its message names neither the rule nor,
    /// for unknown keys, the field path. Checking key by key gives one precise
    /// error per problem.
    pub fn from_toml(index: usize, value: &toml::Value) -> Result<RawRule, Vec<RuleError>> {
        let Some(table) = value.as_table() else {
            return Err(vec![RuleError {
                index,
                name: String::new(),
                kind: RuleErrorKind::NotATable,
            }]);
        };
        let name = table
            .get("name")
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let err = |kind| RuleError {
            index,
            name: name.clone(),
            kind,
        };
        let mut errors = Vec::new();
        for key in ["name", "category"] {
            if !table.contains_key(key) {
                errors.push(err(RuleErrorKind::MissingKey { key: key.into() }));
            }
        }
        // Known keys in documentation order, then unknown ones, so errors
        // read in the same order as the docs whatever the file's order.
        for key in Self::KEYS {
            let Some(value) = table.get(*key) else {
                continue;
            };
            // Deserialize this key alone inside an otherwise valid rule, so
            // the error (if any) belongs to this key and nothing else.
            let mut probe = toml::Table::new();
            probe.insert("name".into(), "probe".into());
            probe.insert("category".into(), "other".into());
            probe.insert((*key).into(), value.clone());
            if let Err(e) = toml::Value::Table(probe).try_into::<RawRule>() {
                errors.push(err(RuleErrorKind::InvalidValue {
                    key: (*key).into(),
                    message: first_line(&e.to_string()),
                }));
            }
        }
        for key in table.keys() {
            if !Self::KEYS.contains(&key.as_str()) {
                errors.push(err(RuleErrorKind::UnknownKey {
                    key: key.clone(),
                    expected: Self::KEYS
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                }));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        value.clone().try_into::<RawRule>().map_err(|e| {
            // Unreachable in practice: every key deserialized on its own.
            vec![err(RuleErrorKind::InvalidValue {
                key: "rules".into(),
                message: first_line(&e.to_string()),
            })]
        })
    }

    /// Reads every element of a `rules` array with [`RawRule::from_toml`],
    /// collecting the problems of all rules.
    pub fn from_toml_array(values: &[toml::Value]) -> Result<Vec<RawRule>, Vec<RuleError>> {
        let mut rules = Vec::with_capacity(values.len());
        let mut errors = Vec::new();
        for (i, value) in values.iter().enumerate() {
            match RawRule::from_toml(i + 1, value) {
                Ok(rule) => rules.push(rule),
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors)
        }
    }
}

/// The deserializer's message without the "in `key`" trailer it appends.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}

/// Accepts `"x"` as well as `["x", "y"]` for list-valued keys.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct OneOrMany;

    impl<'de> Visitor<'de> for OneOrMany {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a list of strings")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
            Ok(vec![v.to_owned()])
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
    }

    d.deserialize_any(OneOrMany).map(Some)
}

/// A value of the built-in rules as `build.rs` wrote them into the binary (a TOML string,
/// integer, boolean or array of strings), read by serde as a TOML value would be.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StaticValue {
    Str(&'static str),
    Int(i64),
    /// Written by build.rs for a key such as `recurring`, which the built-in rules may not use.
    #[allow(dead_code)]
    Bool(bool),
    List(&'static [&'static str]),
}

/// The built-in rules, as `build.rs` read them from `default_rules.toml`: `None` when it
/// met TOML it does not read (then they are parsed at start-up).
mod builtin {
    use super::StaticValue;
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

impl RawRule {
    /// The built-in rules from the data `build.rs` made of `default_rules.toml`, read with
    /// the same serde code as a TOML file (so the same rules), without parsing TOML: `None`
    /// when there is no such data or it does not read.
    #[cfg(test)]
    pub(crate) fn builtin() -> Option<Vec<RawRule>> {
        RawRule::builtin_without(|_, _| false)
    }

    /// [`RawRule::builtin`] without the keys for which `skip(rule's 0-based position, key)`
    /// says so: start-up leaves out the keyword lists that `build.rs` compiled, and so does
    /// not copy some 6,000 strings it would not read.
    pub(crate) fn builtin_without(skip: impl Fn(usize, &str) -> bool) -> Option<Vec<RawRule>> {
        use serde::Deserialize;
        builtin::RULES?
            .iter()
            .enumerate()
            .map(|(i, keys)| {
                RawRule::deserialize(de::value::MapDeserializer::<_, de::value::Error>::new(
                    keys.iter().copied().filter(|(key, _)| !skip(i, key)),
                ))
                .ok()
            })
            .collect()
    }
}

impl<'de> Deserializer<'de> for StaticValue {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            StaticValue::Str(s) => visitor.visit_borrowed_str(s),
            StaticValue::Int(n) => visitor.visit_i64(n),
            StaticValue::Bool(b) => visitor.visit_bool(b),
            StaticValue::List(items) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(items.iter().copied()))
            }
        }
    }

    /// A key that is there has a value: `Some`, as in TOML.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

impl<'de> de::IntoDeserializer<'de, de::value::Error> for StaticValue {
    type Deserializer = StaticValue;

    fn into_deserializer(self) -> StaticValue {
        self
    }
}
