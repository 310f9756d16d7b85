//! The ordered rule list and the first-match-wins decision.

use std::sync::OnceLock;

use super::cache::ClassifierId;
use super::fallback::{Because, Model};
use super::keywords::{Prepared, TitleIndex};
use super::{Category, ClassifyCache, Outcome, RawRule, Rule, RuleError, RuleErrorKind, Subject};

/// The text of the built-in rules, embedded at build time. `config.toml`
/// documentation shows it, and users copy from it.
pub const DEFAULT_RULES_TOML: &str = include_str!("default_rules.toml");

/// The built-in rules' keyword lists, compiled by `build.rs` (see [`Prepared`]): per rule of
/// [`RawRule::builtin`], its lists by key; `None` when `build.rs` did not read the rules.
mod prepared {
    use super::Prepared;
    include!(concat!(env!("OUT_DIR"), "/builtin_keywords.rs"));
}

/// Every keyword list of the built-in rules as `build.rs` compiled it: a user's rules copied
/// from `default_rules.toml` find theirs here (see `rule::keywords`).
pub(super) fn builtin_keyword_lists() -> impl Iterator<Item = &'static Prepared> {
    prepared::KEYWORDS
        .unwrap_or_default()
        .iter()
        .flat_map(|lists| lists.iter().map(|(_, p)| p))
}

/// The name reported when no rule matches.
pub const DEFAULT_RULE_NAME: &str = "default";

/// The name reported when no rule matched and the fallback model decided.
pub const FALLBACK_RULE_NAME: &str = "fallback";

/// The category of events no rule matches, when the fallback is off.
pub const DEFAULT_CATEGORY: Category = Category::Other;

/// What an event got, and which rule gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision<'c> {
    /// The category assigned, or personal time.
    pub outcome: Outcome,
    /// The matching rule's name; `"fallback"` when no rule matched and the fallback model
    /// decided; `"default"` when no rule matched and the fallback is off.
    pub rule: &'c str,
    /// For the fallback, what weighed most.
    pub because: Option<Because>,
}

impl Decision<'_> {
    /// The rule's name, or for the fallback its name and reasons:
    /// `fallback: "sync" + one other person`.
    pub fn describe(&self) -> String {
        match &self.because {
            Some(b) => format!("{}: {}", self.rule, b.describe()),
            None => self.rule.to_owned(),
        }
    }
}

/// Ordered rules; the first rule that matches an event decides its category.
///
/// # Example
///
/// ```
/// use calaudit::classify::{Category, Classifier, Outcome, Subject};
///
/// let c = Classifier::builtin();
/// let s = Subject { summary: "Sprint retro", ..Subject::default() };
/// assert_eq!(c.classify(&s).outcome, Outcome::Work(Category::Technical));
/// ```
#[derive(Clone, Debug)]
pub struct Classifier {
    rules: Vec<Rule>,
    /// Tells a [`ClassifyCache`] whose title-matcher results it holds.
    id: ClassifierId,
    /// How many title matchers the rules have (numbered `0..title_slots`).
    title_slots: usize,
    /// Decides events no rule matches; `None` leaves them to [`DEFAULT_CATEGORY`].
    fallback: Option<&'static Model>,
    /// All title keyword lists in one index, built when first needed (only
    /// [`Classifier::classify_cached`] uses it).
    title_index: OnceLock<TitleIndex>,
}

impl Classifier {
    /// The built-in defaults for a new engineering manager, parsed from
    /// [`DEFAULT_RULES_TOML`] through the same path as user rules.
    ///
    /// The embedded file is checked by this module's tests, so it cannot fail
    /// on a released build; if it ever did, that is a bug in calaudit and this
    /// panics saying so rather than silently classifying everything "other".
    // Not inlined: it runs once, and profiles of a run should show start-up by its name.
    #[inline(never)]
    pub fn builtin() -> Classifier {
        // The embedded file is known good. `build.rs` read it into static data, which serde
        // reads without parsing TOML (parsing it was a third of start-up's instructions);
        // failing that, it is read with serde in one go, which costs a third of the
        // key-by-key reading that gives user files precise errors (start-up time of every
        // run). Should both fail, the precise path says why.
        // Their keyword lists were compiled there too, from the same reading of the file:
        // those are left out of the rules read here, and filed as they were compiled.
        let lists = prepared::KEYWORDS.unwrap_or_default();
        let compiled = |rule: usize, key: &str| {
            lists
                .get(rule)
                .is_some_and(|l| l.iter().any(|(k, _)| *k == key))
        };
        if let Some(rules) = RawRule::builtin_without(compiled) {
            if let Ok(c) = Classifier::build(rules.into_iter().map(Ok), lists) {
                return c;
            }
        }
        if let Ok(doc) = toml::from_str::<BuiltinDoc>(DEFAULT_RULES_TOML) {
            if let Ok(c) = Classifier::build(doc.rules.into_iter().map(Ok), &[]) {
                return c;
            }
        }
        match Classifier::from_toml_str(DEFAULT_RULES_TOML) {
            Ok(c) => c,
            Err(errors) => panic!(
                "the built-in default_rules.toml is invalid; this is a bug in calaudit: {}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }

    /// Checks and compiles `rules`, keeping their order.
    ///
    /// On error returns every problem in every rule (bad category, bad regex,
    /// empty lists, bad addresses, contradictory counts, rules without
    /// matchers, empty or duplicate names), each naming the rule and key.
    pub fn from_rules(rules: &[RawRule]) -> Result<Classifier, Vec<RuleError>> {
        Classifier::build(rules.iter().map(|r| Ok(r.clone())), &[])
    }

    /// Reads and compiles the `[[rules]]` of a TOML document (the format of
    /// `default_rules.toml`) in one go.
    ///
    /// Unlike [`parse_rules_document`] followed by
    /// [`Classifier::from_rules`], a rule with a TOML-level problem (unknown
    /// key, wrong type) does not hide the compile-level problems of the other
    /// rules: every problem of every rule is returned, ordered by rule.
    pub fn from_toml_str(text: &str) -> Result<Classifier, Vec<RuleError>> {
        let values = rules_array(text)?;
        Classifier::build(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| RawRule::from_toml(i + 1, v)),
            &[],
        )
    }

    /// Compiles rules in order; an `Err` item is a rule that could not even be
    /// read, whose errors are passed through in its place. `prepared` holds, for
    /// each rule by position, keyword lists compiled ahead (see [`Prepared`]).
    fn build(
        rules: impl Iterator<Item = Result<RawRule, Vec<RuleError>>>,
        prepared: &[&[(&str, Prepared)]],
    ) -> Result<Classifier, Vec<RuleError>> {
        let mut compiled = Vec::new();
        let mut errors = Vec::new();
        // (name, 1-based index) of every readable rule so far.
        let mut names: Vec<(String, usize)> = Vec::new();
        for (i, raw) in rules.enumerate() {
            let index = i + 1;
            let raw = match raw {
                Ok(raw) => raw,
                Err(e) => {
                    errors.extend(e);
                    continue;
                }
            };
            let duplicate = names.iter().find(|(n, _)| *n == raw.name);
            if let (Some((_, first)), false) = (duplicate, raw.name.trim().is_empty()) {
                errors.push(RuleError {
                    index,
                    name: raw.name.clone(),
                    kind: RuleErrorKind::DuplicateName { first: *first },
                });
            }
            names.push((raw.name.clone(), index));
            let lists = prepared.get(i).copied().unwrap_or_default();
            match Rule::compile(index, &raw, lists) {
                Ok(rule) => compiled.push(rule),
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            let mut title_slots = 0;
            for rule in &mut compiled {
                rule.number_title_matchers(&mut title_slots);
            }
            Ok(Classifier {
                rules: compiled,
                id: ClassifierId::next(),
                title_slots,
                fallback: Some(Model::builtin()),
                title_index: OnceLock::new(),
            })
        } else {
            Err(errors)
        }
    }

    /// The same rules, with the fallback model on or off. It is on unless switched off:
    /// without it, events no rule matches are "other".
    pub fn with_fallback(self, on: bool) -> Classifier {
        Classifier {
            fallback: on.then(Model::builtin),
            id: ClassifierId::next(),
            ..self
        }
    }

    /// The same rules with another fallback model (the trainer's cross-validation scores the
    /// rules together with a model fitted without the rows it is scored on).
    pub fn with_model(self, model: &'static Model) -> Classifier {
        Classifier {
            fallback: Some(model),
            id: ClassifierId::next(),
            ..self
        }
    }

    /// Whether events no rule matches go to the fallback model.
    pub fn has_fallback(&self) -> bool {
        self.fallback.is_some()
    }

    /// The rules' names and outcomes, in order (for `--explain` listings).
    pub fn rules(&self) -> impl Iterator<Item = (&str, Outcome)> {
        self.rules.iter().map(|r| (r.name(), r.outcome()))
    }

    /// Whether any rule looks at the event's DESCRIPTION.
    pub fn reads_description(&self) -> bool {
        self.rules.iter().any(Rule::reads_description)
    }

    /// The compiled rules, in order.
    pub fn rule_list(&self) -> &[Rule] {
        &self.rules
    }

    /// The first matching rule's category, or [`DEFAULT_CATEGORY`] under the
    /// name [`DEFAULT_RULE_NAME`]. Allocates nothing beyond what the regex
    /// engine caches internally.
    pub fn classify(&self, s: &Subject) -> Decision<'_> {
        match self.rules.iter().find(|r| r.is_match(s)) {
            Some(r) => Classifier::decision(r),
            None => self.unmatched(s, None),
        }
    }

    /// The decision for an event no rule matched: the fallback's, else the default.
    fn unmatched(&self, s: &Subject, cache: Option<&mut ClassifyCache>) -> Decision<'_> {
        let Some(model) = self.fallback else {
            return Decision {
                outcome: Outcome::Work(DEFAULT_CATEGORY),
                rule: DEFAULT_RULE_NAME,
                because: None,
            };
        };
        let (outcome, because) = match cache {
            Some(cache) => model.predict_with(cache.title_score(model, s.summary), s),
            None => model.predict(s),
        };
        Decision {
            outcome,
            rule: FALLBACK_RULE_NAME,
            because: Some(because),
        }
    }

    /// The same decision as [`Classifier::classify`], reusing what `cache`
    /// learnt about `s.summary` from earlier events with the same title (and
    /// teaching it more). Meant for classifying many events: keep one cache
    /// per thread. The title is copied into the cache the first time it is
    /// seen; after that, a title costs a hash look-up instead of matching it
    /// against the rules' keyword lists.
    pub fn classify_cached(&self, s: &Subject, cache: &mut ClassifyCache) -> Decision<'_> {
        if self.title_slots == 0 {
            // Nothing would be remembered: skip the hashing.
            return self.classify(s);
        }
        let (new, memo) = cache.memo(self.id, self.title_slots, s.summary);
        if new {
            // A title seen for the first time: every keyword list is matched against it at
            // once, so that rules then only read the memo.
            self.title_index
                .get_or_init(|| TitleIndex::new(self.rules.iter().flat_map(Rule::title_keywords)))
                .fill(s.summary, memo);
        }
        match self.rules.iter().find(|r| r.is_match_memo(s, memo)) {
            Some(r) => Classifier::decision(r),
            None => self.unmatched(s, Some(cache)),
        }
    }

    /// The decision given by a matching rule.
    fn decision(rule: &Rule) -> Decision<'_> {
        Decision {
            outcome: rule.outcome(),
            rule: rule.name(),
            because: None,
        }
    }
}

impl Default for Classifier {
    /// The built-in rules.
    fn default() -> Classifier {
        Classifier::builtin()
    }
}

/// The built-in rules file, as serde reads it.
#[derive(serde::Deserialize)]
struct BuiltinDoc {
    rules: Vec<RawRule>,
}

/// Reads the `[[rules]]` tables of a TOML document (the format of
/// `default_rules.toml`), with per-rule errors.
///
/// A document that is not valid TOML, or whose `rules` is not an array of
/// tables, is reported as one error against rule 0, since it cannot be
/// pinned on a rule. A document without `rules` gives an empty list.
pub fn parse_rules_document(text: &str) -> Result<Vec<RawRule>, Vec<RuleError>> {
    RawRule::from_toml_array(&rules_array(text)?)
}

/// The `rules` array of a TOML document; see [`parse_rules_document`].
fn rules_array(text: &str) -> Result<Vec<toml::Value>, Vec<RuleError>> {
    let doc_error = |message: String| {
        vec![RuleError {
            index: 0,
            name: String::new(),
            kind: RuleErrorKind::InvalidValue {
                key: "rules".into(),
                message,
            },
        }]
    };
    let mut table: toml::Table = toml::from_str(text).map_err(|e| doc_error(e.to_string()))?;
    match table.remove("rules") {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(values)) => Ok(values),
        Some(other) => Err(doc_error(format!(
            "expected an array of tables (`[[rules]]`), found a {}",
            other.type_str()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classifier(doc: &str) -> Classifier {
        let raw = parse_rules_document(doc).unwrap_or_else(|e| panic!("{e:?}"));
        Classifier::from_rules(&raw).unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// The error messages for a rules document, one string each.
    fn errors(doc: &str) -> Vec<String> {
        match Classifier::from_toml_str(doc) {
            Ok(_) => panic!("expected errors for:\n{doc}"),
            Err(e) => e.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn first_match_wins_and_default_catches_the_rest() {
        let c = classifier(
            r#"
            [[rules]]
            name = "focus"
            category = "deep_work"
            title = "focus"
            [[rules]]
            name = "reviews"
            category = "technical"
            title = ["review"]
            [[rules]]
            name = "one-on-ones"
            category = "people"
            title = ["1:1"]
            "#,
        )
        .with_fallback(false);
        let table = [
            ("Focus: design review", Category::DeepWork, "focus"),
            ("1:1 design review", Category::Technical, "reviews"),
            ("1:1", Category::People, "one-on-ones"),
            ("Lunch", Category::Other, "default"),
            ("", Category::Other, "default"),
        ];
        for (summary, category, rule) in table {
            let s = Subject {
                summary,
                ..Subject::default()
            };
            let want = Decision {
                outcome: Outcome::Work(category),
                rule,
                because: None,
            };
            assert_eq!(c.classify(&s), want, "{summary:?}");
        }
        let names: Vec<_> = c.rules().collect();
        assert_eq!(
            names,
            [
                ("focus", Outcome::Work(Category::DeepWork)),
                ("reviews", Outcome::Work(Category::Technical)),
                ("one-on-ones", Outcome::Work(Category::People))
            ]
        );
    }

    #[test]
    fn explain_lists_each_rule_tried_and_its_miss() {
        let c = classifier(
            r#"
            [[rules]]
            name = "big"
            category = "other"
            min_attendees = 5
            [[rules]]
            name = "reviews"
            category = "technical"
            title = ["review"]
            [[rules]]
            name = "never-reached"
            category = "people"
            title = ["review"]
            "#,
        )
        .with_fallback(false);
        let s = Subject {
            summary: "Code review",
            ..Subject::default()
        };
        let e = c.explain(&s);
        assert_eq!(e.decision.rule, "reviews");
        let steps: Vec<_> = e.steps.iter().map(|s| (s.rule, s.missed_on)).collect();
        assert_eq!(steps, [("big", Some("min_attendees")), ("reviews", None)]);
        let e = c.explain(&Subject::default());
        assert_eq!(e.decision.rule, "default");
        assert_eq!(e.steps.len(), 3);
    }

    #[test]
    fn every_rule_error_names_the_rule_and_the_key() {
        let table: &[(&str, &[&str])] = &[
            (
                "name = \"one-on-ones\"\ncategory = \"peeple\"\ntitle = [\"1:1\"]",
                &[
                    r#"rule 1 ("one-on-ones"): unknown category "peeple" in `category`: expected one of people, technical, deep_work, other"#,
                ],
            ),
            (
                "name = \"one-on-ones\"\ncategory = \"people\"\ntitle_regex = \"(1:1\"",
                &[r#"rule 1 ("one-on-ones"): invalid regex in `title_regex`: regex parse error:"#],
            ),
            (
                "name = \"empty\"\ncategory = \"people\"",
                &[r#"rule 1 ("empty"): no matchers: give at least one of `title`"#],
            ),
            (
                "name = \"typo\"\ncategory = \"people\"\ntitel = [\"1:1\"]",
                &[
                    r#"rule 1 ("typo"): unknown key `titel`: expected one of `name`, `category`, `title`,"#,
                ],
            ),
            (
                "name = \"types\"\ncategory = \"people\"\nattendees = \"2\"",
                &[
                    r#"rule 1 ("types"): invalid value for `attendees`: invalid type: string "2", expected u32"#,
                ],
            ),
            (
                "name = \"types\"\ncategory = \"people\"\nattendees = -1",
                &[
                    r#"rule 1 ("types"): invalid value for `attendees`: invalid value: integer `-1`, expected u32"#,
                ],
            ),
            (
                "name = \"types\"\ncategory = \"people\"\ntitle = [1]",
                &[
                    r#"rule 1 ("types"): invalid value for `title`: invalid type: integer `1`, expected a string"#,
                ],
            ),
            (
                "name = \"types\"\ncategory = \"people\"\ntitle = 1",
                &[
                    r#"rule 1 ("types"): invalid value for `title`: invalid type: integer `1`, expected a string or a list of strings"#,
                ],
            ),
            (
                "name = \"types\"\ncategory = \"people\"\ntitle_regex = [\"a\"]",
                &[
                    r#"rule 1 ("types"): invalid value for `title_regex`: invalid type: sequence, expected a string"#,
                ],
            ),
            (
                "name = 7\ncategory = \"people\"\ntitle = \"x\"",
                &[
                    r#"rule 1 (unnamed): invalid value for `name`: invalid type: integer `7`, expected a string"#,
                ],
            ),
            (
                "category = \"people\"\ntitle = \"x\"",
                &[r#"rule 1 (unnamed): missing `name`"#],
            ),
            (
                "name = \"  \"\ncategory = \"people\"\ntitle = \"x\"",
                &[r#"rule 1 ("  "): `name` is empty"#],
            ),
            (
                "name = \"r\"\ncategory = \"people\"\ntitle = []",
                &[r#"rule 1 ("r"): `title` is an empty list, which could never match"#],
            ),
            (
                "name = \"r\"\ncategory = \"people\"\nnot_title = [\"ok\", \"  \"]",
                &[r#"rule 1 ("r"): empty keyword in `not_title`"#],
            ),
            (
                "name = \"r\"\ncategory = \"people\"\norganizer = [\"alex\"]",
                &[
                    r#"rule 1 ("r"): invalid address "alex" in `organizer`: expected an address like "name@example.com" or a domain like "@example.com""#,
                ],
            ),
            (
                "name = \"r\"\ncategory = \"people\"\nattendee = [\"a@b@c\", \"@\"]",
                &[r#"rule 1 ("r"): invalid address "a@b@c" in `attendee`"#],
            ),
            (
                "name = \"r\"\ncategory = \"people\"\nfeed = [\"\"]",
                &[r#"rule 1 ("r"): empty feed name in `feed`"#],
            ),
            (
                "name = \"r\"\ncategory = \"people\"\nattendees = 2\nmax_attendees = 3",
                &[
                    r#"rule 1 ("r"): `attendees` (an exact count) cannot be combined with `min_attendees` or `max_attendees`"#,
                ],
            ),
            (
                "name = \"r\"\ncategory = \"people\"\nmin_attendees = 5\nmax_attendees = 2",
                &[r#"rule 1 ("r"): `min_attendees` (5) is greater than `max_attendees` (2)"#],
            ),
            // All problems of a rule, not just the first.
            (
                "name = \"many\"\ncategory = \"meetings\"\ntitle_regex = \"[\"\norganizer = \"x\"",
                &[
                    r#"rule 1 ("many"): unknown category "meetings" in `category`"#,
                    r#"rule 1 ("many"): invalid address "x" in `organizer`"#,
                    r#"rule 1 ("many"): invalid regex in `title_regex`"#,
                ],
            ),
            (
                "name = \"many\"\ncategory = 3\ntitel = \"x\"\nmin_attendees = \"2\"",
                &[
                    r#"rule 1 ("many"): invalid value for `category`"#,
                    r#"rule 1 ("many"): invalid value for `min_attendees`"#,
                    r#"rule 1 ("many"): unknown key `titel`"#,
                ],
            ),
        ];
        for (body, want) in table {
            let got = errors(&format!("[[rules]]\n{body}\n"));
            assert_eq!(got.len(), want.len(), "{body}\n{got:#?}");
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(g.starts_with(w), "{body}\n got: {g}\nwant: {w}...");
            }
        }
    }

    #[test]
    fn errors_are_collected_across_rules_with_positions() {
        let got = errors(
            r#"
            [[rules]]
            name = "ok"
            category = "people"
            title = "1:1"
            [[rules]]
            name = "bad-regex"
            category = "people"
            title_regex = "("
            [[rules]]
            name = "ok"
            category = "other"
            title = "lunch"
            [[rules]]
            name = "typo"
            category = "other"
            tittle = "lunch"
            "#,
        );
        let keys: Vec<_> = got
            .iter()
            .map(|e| e.split(':').next().unwrap_or_default())
            .collect();
        assert_eq!(
            keys,
            [
                r#"rule 2 ("bad-regex")"#,
                r#"rule 3 ("ok")"#,
                r#"rule 4 ("typo")"#
            ],
            "{got:#?}"
        );
        assert!(got[1].contains("duplicate `name`: rule 1 has the same name"));
    }

    #[test]
    fn rule_error_key_accessor() {
        let raw = RawRule {
            name: "r".into(),
            category: "people".into(),
            title_regex: Some("(".into()),
            ..RawRule::default()
        };
        let e = Classifier::from_rules(&[raw]).unwrap_err();
        assert_eq!(e[0].key(), Some("title_regex"));
        assert_eq!((e[0].index, e[0].name.as_str()), (1, "r"));
    }

    #[test]
    fn document_level_problems_do_not_panic() {
        assert!(parse_rules_document("rules = 3").is_err());
        assert!(parse_rules_document("[[rules]\nname=").is_err());
        assert!(parse_rules_document("rules = [1]").unwrap_err()[0]
            .to_string()
            .contains("expected a table"));
        assert_eq!(parse_rules_document("").unwrap(), Vec::new());
        let empty = Classifier::from_rules(&[]).unwrap();
        assert_eq!(empty.classify(&Subject::default()).rule, "fallback");
        let empty = empty.with_fallback(false);
        assert_eq!(empty.classify(&Subject::default()).rule, "default");
    }

    #[test]
    fn keys_list_matches_the_struct() {
        // Every key in KEYS must deserialize; if a field were added without
        // updating KEYS, from_toml would call it unknown.
        let mut table = toml::Table::new();
        for key in RawRule::KEYS {
            let value: toml::Value = match *key {
                "attendees" | "min_attendees" | "max_attendees" | "others" | "min_others"
                | "max_others" | "min_minutes" | "max_minutes" => 1.into(),
                "recurring" => true.into(),
                k if k.ends_with("_regex") || k == "name" || k == "category" => "x".into(),
                _ => toml::Value::Array(vec!["x@y.z".into()]),
            };
            table.insert((*key).into(), value);
        }
        let raw = RawRule::from_toml(1, &toml::Value::Table(table)).unwrap();
        assert_eq!(raw.feed, Some(vec!["x@y.z".to_string()]));
        let serialized = toml::to_string(&raw).unwrap();
        assert_eq!(serialized.lines().count(), RawRule::KEYS.len());
    }

    #[test]
    fn builtin_rules_stay_cheap_to_start_and_to_parse_for() {
        // Every event of every feed pays for these two: a built-in rule that reads
        // descriptions makes the parser keep them all (cal_5y: 75 -> 88 M instructions), and a
        // regex the crate must compile costs ~1.5-4 M at each start. The flight and ticket
        // patterns are matched by hand (rule/known_regex.rs) while their text stays the same.
        let classifier = Classifier::builtin();
        assert!(
            !classifier.reads_description(),
            "a built-in rule reads DESCRIPTION: use title keywords instead"
        );
        for rule in RawRule::builtin().expect("build.rs read default_rules.toml") {
            for (key, pattern) in [
                ("title_regex", &rule.title_regex),
                ("description_regex", &rule.description_regex),
                ("location_regex", &rule.location_regex),
                ("any_text_regex", &rule.any_text_regex),
            ] {
                if let Some(pattern) = pattern {
                    assert!(
                        super::super::rule::is_hand_matched(pattern),
                        "{}: {key} {pattern:?} would be compiled at every start: use \
                         keywords, or match it in rule/known_regex.rs",
                        rule.name
                    );
                }
            }
        }
    }

    #[test]
    fn static_rules_are_the_toml_rules() {
        // What build.rs made of default_rules.toml is what the TOML parser reads in it (a
        // `None` would mean build.rs met TOML it does not read: start-up would parse it).
        let from_build = RawRule::builtin().expect("build.rs read default_rules.toml");
        let doc: BuiltinDoc = toml::from_str(DEFAULT_RULES_TOML).unwrap();
        assert_eq!(from_build, doc.rules);
        assert_eq!(
            from_build,
            parse_rules_document(DEFAULT_RULES_TOML).unwrap()
        );
    }

    #[test]
    fn prepared_keyword_lists_are_the_builtin_lists_compiled() {
        // build.rs compiled every keyword list of the built-in rules, with the same code as
        // a run would (`Keywords::new`): each is there, under its rule and key, and reads
        // back as what compiling it gives.
        use super::super::keywords::Keywords;
        let rules = RawRule::builtin().expect("build.rs read default_rules.toml");
        let prepared = prepared::KEYWORDS.expect("build.rs compiled the keyword lists");
        assert_eq!(prepared.len(), rules.len());
        let mut checked = 0;
        for (rule, lists) in rules.iter().zip(prepared) {
            let keyed = [
                ("title", &rule.title),
                ("not_title", &rule.not_title),
                ("location", &rule.location),
                ("not_location", &rule.not_location),
                ("description", &rule.description),
                ("not_description", &rule.not_description),
                ("any_text", &rule.any_text),
                ("not_any_text", &rule.not_any_text),
            ];
            let present = keyed.iter().filter(|(_, words)| words.is_some()).count();
            assert_eq!(lists.len(), present, "{}", rule.name);
            for (key, words) in keyed {
                let Some(words) = words else { continue };
                let (_, p) = lists
                    .iter()
                    .find(|(k, _)| *k == key)
                    .unwrap_or_else(|| panic!("{} {key}: not compiled ahead", rule.name));
                let ahead = Keywords::from_prepared(words, p).expect("the same words");
                let now = Keywords::new(words).expect("compiles");
                assert_eq!(
                    ahead.prepared_parts(words),
                    now.prepared_parts(words),
                    "{} {key}",
                    rule.name
                );
                checked += words.len();
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn builtin_files_the_keyword_lists_it_would_compile() {
        // Start-up reads the rules without the lists build.rs compiled, and files those as
        // they are: each rule gets the lists that compiling the TOML gives it, in its order.
        let fast = Classifier::builtin();
        let slow = Classifier::from_toml_str(DEFAULT_RULES_TOML).expect("valid");
        let raws = RawRule::builtin().expect("build.rs read default_rules.toml");
        assert_eq!(fast.rule_list().len(), raws.len());
        assert_eq!(slow.rule_list().len(), raws.len());
        assert_eq!(fast.title_slots, slow.title_slots);
        let mut lists = 0;
        for ((f, s), raw) in fast.rule_list().iter().zip(slow.rule_list()).zip(&raws) {
            let words: Vec<&Vec<String>> =
                [&raw.title, &raw.not_title].into_iter().flatten().collect();
            let f: Vec<_> = f.title_keywords().collect();
            let s: Vec<_> = s.title_keywords().collect();
            assert_eq!(f.len(), words.len(), "{}", raw.name);
            assert_eq!(s.len(), words.len(), "{}", raw.name);
            for (((fs, fk), (ss, _)), words) in f.into_iter().zip(s).zip(words) {
                assert_eq!(fs, ss, "{}", raw.name);
                assert_compiled_as_new(fk, words, &raw.name);
                lists += 1;
            }
        }
        assert!(lists > 30, "{lists}");
    }

    /// `list` holds what `Keywords::new` makes of `words` (`rule` names it when it does not).
    fn assert_compiled_as_new(
        list: &super::super::keywords::Keywords,
        words: &[String],
        rule: &str,
    ) {
        let now = super::super::keywords::Keywords::new(words).expect("compiles");
        assert_eq!(
            list.prepared_parts(words),
            now.prepared_parts(words),
            "{rule}"
        );
    }

    #[test]
    fn user_rules_copied_from_the_builtin_ones_find_their_compiled_lists() {
        // A user's rules go through `Keywords::from_prepared` for a list with the words of a
        // built-in one, and are compiled otherwise: either way, as `Keywords::new` compiles.
        let mut raws = RawRule::builtin().expect("build.rs read default_rules.toml");
        if let Some(title) = raws.first_mut().and_then(|r| r.title.as_mut()) {
            title.push("a keyword no built-in list has".into());
        }
        if let Some(title) = raws.get_mut(1).and_then(|r| r.title.as_mut()) {
            title.pop();
        }
        let c = Classifier::from_rules(&raws).expect("valid");
        let mut lists = 0;
        for (rule, raw) in c.rule_list().iter().zip(&raws) {
            let words = [&raw.title, &raw.not_title].into_iter().flatten();
            for ((_, list), words) in rule.title_keywords().zip(words) {
                assert_compiled_as_new(list, words, &raw.name);
                lists += 1;
            }
        }
        assert!(lists > 30, "{lists}");
    }

    #[test]
    fn builtin_reads_the_same_rules_as_the_precise_path() {
        let fast: Vec<(String, Outcome)> = Classifier::builtin()
            .rules()
            .map(|(n, o)| (n.to_owned(), o))
            .collect();
        let precise: Vec<(String, Outcome)> = Classifier::from_toml_str(DEFAULT_RULES_TOML)
            .expect("valid")
            .rules()
            .map(|(n, o)| (n.to_owned(), o))
            .collect();
        assert_eq!(fast, precise);
    }

    #[test]
    fn builtin_keyword_lists_name_each_keyword_once() {
        // A keyword twice in one list matches nothing more and costs start-up twice.
        for rule in RawRule::builtin().expect("build.rs read default_rules.toml") {
            for list in [&rule.title, &rule.not_title].into_iter().flatten() {
                let mut seen = std::collections::HashSet::new();
                for kw in list {
                    assert!(
                        seen.insert(kw.to_lowercase()),
                        "{}: {kw:?} twice",
                        rule.name
                    );
                }
            }
        }
    }

    #[test]
    fn builtin_rules_parse_and_cover_the_brief() {
        let c = Classifier::builtin();
        assert!(c.rules().count() >= 10);
        let me = vec!["me@example.com".to_string()];
        let pair = vec!["me@example.com".to_string(), "alex@example.com".to_string()];
        let crowd: Vec<String> = (0..6).map(|i| format!("p{i}@example.com")).collect();
        use Category::{DeepWork, Other, People, Technical};
        let personal = Outcome::Personal;
        let w = Outcome::Work;
        let table: &[(&str, &[String], Outcome)] = &[
            ("Alex <> Sam", &pair, w(People)),
            ("Alex / Sam", &pair, w(People)),
            ("Alex/Sam", &pair, w(People)),
            // Two people, a colleague: people work unless the title says otherwise.
            ("Lunch w/ Alex", &pair, w(People)),
            ("Quick chat", &pair, w(People)),
            ("Roadmap sync w/ Kim", &pair, w(Other)),
            ("Sam / Alex 1:1", &pair, w(People)),
            ("1:1 architecture deep dive", &pair, w(Technical)),
            ("Design review", &pair, w(Technical)),
            ("Design review", &crowd, w(Technical)),
            (
                "Interview: Kim Lee - Staff Engineer (system design)",
                &pair,
                w(People),
            ),
            ("Hiring debrief: Kim Lee", &crowd, w(People)),
            ("Debrief - Kim Lee", &crowd, w(People)),
            ("Incident debrief: SEV2", &crowd, w(Technical)),
            ("Performance calibration (H1 2025)", &crowd, w(People)),
            ("Skip-level: Dana / Sam", &pair, w(People)),
            ("Career conversation: Alex", &pair, w(People)),
            ("Weekly incident review", &crowd, w(Technical)),
            ("Daily standup", &crowd, w(Technical)),
            ("Sprint planning", &crowd, w(Technical)),
            ("Sprint retro", &crowd, w(Technical)),
            ("Dublin on-call handoff", &crowd, w(Technical)),
            ("URGENT: kafka escalation", &crowd, w(Technical)),
            ("Event-sourcing approach", &crowd, w(Technical)),
            (
                "Customer call: Acme Corp, escalation follow-up",
                &crowd,
                w(Other),
            ),
            ("Focus time", &[], w(DeepWork)),
            ("No-fly zone: deep work", &[], w(DeepWork)),
            ("Fokuszeit", &[], w(DeepWork)),
            ("No meetings", &[], w(DeepWork)),
            ("Heads down", &[], w(DeepWork)),
            ("Lunch", &[], personal),
            ("Team lunch", &crowd, w(Other)),
            ("Engineering all-hands", &crowd, w(Other)),
            ("Flight to Dublin (EI 60)", &[], personal),
            ("OOO - vacation", &[], personal),
            ("Zahnarzt", &[], personal),
            ("Optional: Tech talk - Writing good RFCs", &crowd, w(Other)),
            ("Cross-team sync: Growth", &crowd, w(Other)),
        ];
        let mut wrong = Vec::new();
        for (summary, attendees, want) in table {
            let s = Subject {
                summary,
                organizer: Some("me@example.com"),
                attendees,
                me: &me,
                ..Subject::default()
            };
            let d = c.classify(&s);
            if d.outcome != *want || d.rule == "fallback" {
                wrong.push(format!(
                    "{summary:?} ({} listed): {} via {}",
                    attendees.len(),
                    d.outcome,
                    d.describe()
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "want a rule to decide each of these as listed:\n{wrong:#?}"
        );
    }
}
