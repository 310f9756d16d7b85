//! What can be wrong with a rule.

use std::fmt;

/// One problem with one `[[rules]]` entry.
///
/// The display form names the rule by position and name, then the key, then
/// what was expected, e.g. `rule 3 ("one-on-ones"): invalid regex in
/// `title_regex`: ...`. Positions are 1-based, counting `[[rules]]` tables in
/// file order, because that is how a person counts them in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rule {index} ({}): {kind}", DisplayName(name))]
pub struct RuleError {
    /// 1-based position of the rule in the list.
    pub index: usize,
    /// The rule's `name` as written, or empty if it has none.
    pub name: String,
    /// What is wrong.
    pub kind: RuleErrorKind,
}

impl RuleError {
    /// The config key the problem is about, if it is about one key.
    pub fn key(&self) -> Option<&str> {
        use RuleErrorKind::*;
        match &self.kind {
            UnknownCategory { .. } => Some("category"),
            EmptyName | DuplicateName { .. } => Some("name"),
            MissingKey { key }
            | UnknownKey { key, .. }
            | InvalidValue { key, .. }
            | EmptyList { key }
            | EmptyKeyword { key }
            | InvalidRegex { key, .. }
            | InvalidAddress { key, .. }
            | EmptyFeed { key } => Some(key),
            ConflictingCounts { key } => Some(key),
            EmptyCountRange { key, .. } => Some(key),
            NoMatchers | NotATable => None,
        }
    }
}

/// The kinds of [`RuleError`]. Messages are lowercase fragments that name the
/// key and say what is expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleErrorKind {
    #[error("expected a table like `[[rules]]` with `name`, `category` and matchers")]
    NotATable,
    #[error("missing `{key}`")]
    MissingKey { key: String },
    #[error("unknown key `{key}`: expected one of {expected}")]
    UnknownKey { key: String, expected: String },
    /// Wrong TOML type or out-of-range number; `message` comes from the
    /// deserializer (e.g. "invalid type: string \"2\", expected u32").
    #[error("invalid value for `{key}`: {message}")]
    InvalidValue { key: String, message: String },
    #[error("`name` is empty: every rule needs a name so `--explain` can point at it")]
    EmptyName,
    #[error("duplicate `name`: rule {first} has the same name, and `--explain` could not tell them apart")]
    DuplicateName { first: usize },
    #[error("unknown category {value:?} in `category`: expected one of people, technical, deep_work, other, personal")]
    UnknownCategory { value: String },
    #[error("no matchers: give at least one of `title`, `description`, `location`, `any_text`, their `_regex` and `not_` forms, `categories`, `organizer`, `attendee`, `attendees`, `others` and their `min_`/`max_` forms, `organizer_kind`, `recurring`, `min_minutes`, `max_minutes` or `feed`")]
    NoMatchers,
    #[error("`{key}` is an empty list, which could never match: give at least one value or remove the key")]
    EmptyList { key: String },
    #[error("empty keyword in `{key}`: a keyword needs at least one non-space character")]
    EmptyKeyword { key: String },
    #[error("invalid regex in `{key}`: {reason}")]
    InvalidRegex { key: String, reason: String },
    #[error("invalid address {value:?} in `{key}`: expected an address like \"name@example.com\" or a domain like \"@example.com\"")]
    InvalidAddress { key: String, value: String },
    #[error("empty feed name in `{key}`")]
    EmptyFeed { key: String },
    /// `key` is the exact count (`attendees`, `others`).
    #[error("`{key}` (an exact count) cannot be combined with `min_{key}` or `max_{key}`")]
    ConflictingCounts { key: String },
    /// `key` is the `min_` key (`min_attendees`, `min_others`, `min_minutes`).
    #[error("`{key}` ({min}) is greater than `max_{}` ({max}), so the rule could never match", key.trim_start_matches("min_"))]
    EmptyCountRange { key: String, min: u32, max: u32 },
}

/// Shows a rule name quoted, or `unnamed` when there is none.
struct DisplayName<'a>(&'a str);

impl fmt::Display for DisplayName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("unnamed")
        } else {
            write!(f, "{:?}", self.0)
        }
    }
}
