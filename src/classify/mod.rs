//! Classification: which kind of time each event is.
//!
//! This module owns the rules (`[[rules]]` in `config.toml`, and the built-in
//! `default_rules.toml`), checking and compiling them, and the per-event
//! decision: the first rule whose matchers all match gives the category
//! (people, technical, deep work or other), and every decision can be
//! explained rule by rule.
//!
//! It does not parse ICS, expand recurrences or decide which occurrences
//! count (declined, cancelled, all-day): `ics` hands it a [`Subject`] per
//! event, and `report` counts the hours of each occurrence under the event's
//! [`Decision`].

mod cache;
mod category;
mod classifier;
mod explain;
pub mod fallback;
mod fold;
mod keywords;
pub mod labelled;
mod per_category;
mod raw_rule;
mod rule;
mod rule_error;
mod subject;

pub use cache::ClassifyCache;
pub use category::{Category, Outcome, ParseCategoryError};
pub use classifier::{
    parse_rules_document, Classifier, Decision, DEFAULT_CATEGORY, DEFAULT_RULES_TOML,
    DEFAULT_RULE_NAME, FALLBACK_RULE_NAME,
};
pub use explain::{Explanation, Step};
pub use fold::fold;
pub use per_category::PerCategory;
pub use raw_rule::RawRule;
pub use rule::Rule;
pub use rule_error::{RuleError, RuleErrorKind};
pub use subject::{AttendeeList, OrganizerKind, Subject};
