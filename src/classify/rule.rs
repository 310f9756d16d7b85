//! A checked, compiled rule and how it matches one event.

mod known_regex;

use regex::{Regex, RegexBuilder};

use super::keywords::{Keywords, Prepared};
use super::subject::OrganizerKind;
use super::{Outcome, RawRule, RuleError, RuleErrorKind, Subject};
use known_regex::KnownRegex;

/// One rule, checked and compiled: a name, a category, and matchers that must
/// all match.
///
/// Build it through [`Classifier::from_rules`](super::Classifier::from_rules).
/// Matching allocates nothing: keywords were folded into one regex per key
/// at compile time, and participant counting stops at the rule's bound.
#[derive(Clone, Debug)]
pub struct Rule {
    name: String,
    outcome: Outcome,
    /// Cheapest first (counts and addresses before text, titles before
    /// descriptions), because evaluation stops at the first miss.
    matchers: Vec<Matcher>,
}

impl Rule {
    /// The rule's `name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the rule decides: a category, or personal time.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Whether every matcher matches `s`.
    pub fn is_match(&self, s: &Subject) -> bool {
        self.first_miss(s).is_none()
    }

    /// The config key of the first matcher that does not match `s`, or `None`
    /// when the rule matches. This is what `--explain` shows for a rule that
    /// was passed over.
    pub fn first_miss(&self, s: &Subject) -> Option<&'static str> {
        self.matchers
            .iter()
            .find(|m| !m.is_match(s))
            .map(Matcher::key)
    }

    /// [`Rule::is_match`], with the title matchers' results taken from (or
    /// recorded in) `memo`, the entry of `s.summary` in a
    /// [`ClassifyCache`](super::ClassifyCache). Each matcher gives the same
    /// answer as uncached, so the rule does.
    ///
    /// A title matcher already known to miss is looked at first: it rules the
    /// rule out without counting participants or reading other fields. That
    /// changes which matcher is found missing first, which is why `first_miss`
    /// (`--explain`) never goes through here; "all match" does not depend on
    /// the order. The classifier fills a new title's keyword lists all at once
    /// (one pass, [`TitleIndex`](super::keywords::TitleIndex)); only
    /// `title_regex` matchers can still be unknown here, and they wait their turn.
    pub(crate) fn is_match_memo(&self, s: &Subject, memo: &mut [Option<bool>]) -> bool {
        !self.matchers.iter().any(|m| m.known_miss(memo))
            && self.matchers.iter().all(|m| m.is_match_memo(s, memo))
    }

    /// Gives each title matcher its own slot in a title's memo entry, from
    /// `*next` on, and advances `*next` past them.
    pub(crate) fn number_title_matchers(&mut self, next: &mut usize) {
        for m in &mut self.matchers {
            if let Matcher::Text {
                field: Field::Title,
                memo,
                ..
            } = m
            {
                *memo = Some(*next);
                *next += 1;
            }
        }
    }

    /// The rule's title keyword lists (`title`, `not_title`) with their memo slots, for the
    /// classifier's [`TitleIndex`](super::keywords::TitleIndex).
    pub(crate) fn title_keywords(&self) -> impl Iterator<Item = (usize, &Keywords)> {
        self.matchers.iter().filter_map(|m| match m {
            Matcher::Text {
                field: Field::Title,
                re: TextRe::Keywords(k),
                memo: Some(slot),
                ..
            } => Some((*slot, k)),
            _ => None,
        })
    }

    /// Whether a matcher reads the event's DESCRIPTION (`description*`, `any_text*`). When no
    /// rule does, the parser need not keep descriptions, the largest text of a real export.
    pub fn reads_description(&self) -> bool {
        self.matchers.iter().any(|m| {
            matches!(
                m,
                Matcher::Text {
                    field: Field::Description | Field::AnyText,
                    ..
                }
            )
        })
    }

    /// Checks and compiles `raw`, the rule at 1-based position `index`.
    ///
    /// Returns every problem found in the rule, not just the first. Duplicate
    /// names are a property of the list and are checked by the caller.
    ///
    /// `prepared` holds keyword lists compiled ahead, by key (`build.rs` does it for the
    /// built-in rules); a list that is not the one given for its key is compiled here, and
    /// one that `raw` leaves out is taken as given.
    pub(crate) fn compile(
        index: usize,
        raw: &RawRule,
        prepared: &[(&str, Prepared)],
    ) -> Result<Rule, Vec<RuleError>> {
        let mut kinds = Vec::new();
        if raw.name.trim().is_empty() {
            kinds.push(RuleErrorKind::EmptyName);
        }
        let category = raw.category.parse::<Outcome>();
        if let Err(e) = &category {
            kinds.push(RuleErrorKind::UnknownCategory {
                value: e.value.clone(),
            });
        }

        let mut results = vec![
            participants(raw),
            others(raw),
            organizer_kinds(raw),
            Ok(raw.recurring.map(Matcher::Recurring)),
            minutes(raw),
            string_list("feed", &raw.feed, str::to_owned).map(|o| o.map(Matcher::Feed)),
            string_list("categories", &raw.categories, str::to_lowercase)
                .map(|o| o.map(Matcher::Categories)),
            addresses("organizer", &raw.organizer).map(|o| o.map(Matcher::Organizer)),
            addresses("attendee", &raw.attendee).map(|o| o.map(Matcher::Attendee)),
        ];
        let fields = [
            (
                Field::Title,
                ["title", "title_regex", "not_title"],
                &raw.title,
                &raw.title_regex,
                &raw.not_title,
            ),
            (
                Field::Location,
                ["location", "location_regex", "not_location"],
                &raw.location,
                &raw.location_regex,
                &raw.not_location,
            ),
            (
                Field::Description,
                ["description", "description_regex", "not_description"],
                &raw.description,
                &raw.description_regex,
                &raw.not_description,
            ),
            (
                Field::AnyText,
                ["any_text", "any_text_regex", "not_any_text"],
                &raw.any_text,
                &raw.any_text_regex,
                &raw.not_any_text,
            ),
        ];
        for (field, [kw_key, re_key, not_key], kws, re, not) in fields {
            let text = |key, negate| {
                move |re: Option<TextRe>| {
                    re.map(|re| Matcher::Text {
                        key,
                        field,
                        re,
                        negate,
                        memo: None,
                    })
                }
            };
            let ahead = |key: &str| prepared.iter().find(|(k, _)| *k == key).map(|(_, p)| p);
            results.push(keywords(kw_key, kws, ahead(kw_key)).map(text(kw_key, false)));
            results.push(user_regex(re_key, re).map(text(re_key, false)));
            results.push(keywords(not_key, not, ahead(not_key)).map(text(not_key, true)));
        }
        let mut matchers = Vec::new();
        let errors_before_matchers = kinds.len();
        for result in results {
            match result {
                Ok(Some(m)) => matchers.push(m),
                Ok(None) => {}
                Err(kind) => kinds.push(kind),
            }
        }

        // A rule with no matchers would swallow every event after it; a
        // catch-all is what the built-in "default" is for. (A rule whose
        // matchers were all invalid has had those reported already.)
        if matchers.is_empty() && kinds.len() == errors_before_matchers {
            kinds.push(RuleErrorKind::NoMatchers);
        }
        match category {
            Ok(outcome) if kinds.is_empty() => Ok(Rule {
                name: raw.name.clone(),
                outcome,
                matchers,
            }),
            _ => Err(kinds
                .into_iter()
                .map(|kind| RuleError {
                    index,
                    name: raw.name.clone(),
                    kind,
                })
                .collect()),
        }
    }
}

/// Which text of the event a text matcher reads.
#[derive(Clone, Copy, Debug)]
enum Field {
    Title,
    Description,
    Location,
    /// Title, description or location: matches if any of them does.
    AnyText,
}

impl Field {
    fn is_match(self, re: &TextRe, s: &Subject) -> bool {
        match self {
            Field::Title => re.is_match(s.summary),
            Field::Description => re.is_match(s.description),
            Field::Location => re.is_match(s.location),
            Field::AnyText => {
                re.is_match(s.summary) || re.is_match(s.location) || re.is_match(s.description)
            }
        }
    }
}

/// One condition of a rule. Concrete variants rather than a trait: the set
/// is closed and `--explain` needs each one's config key.
#[derive(Clone, Debug)]
enum Matcher {
    /// Distinct participants within `min..=max`.
    Participants {
        key: &'static str,
        min: usize,
        max: Option<usize>,
    },
    /// Distinct people other than me (rooms left out) within `min..=max`.
    Others {
        key: &'static str,
        min: usize,
        max: Option<usize>,
    },
    /// The organizer is one of these kinds.
    OrganizerKind(Vec<OrganizerKind>),
    /// The event is recurring (or not).
    Recurring(bool),
    /// The nominal length in minutes is within `min..=max`; an event without a length
    /// never matches.
    Minutes {
        key: &'static str,
        min: u32,
        max: Option<u32>,
    },
    /// The event's feed is one of these (exact).
    Feed(Vec<String>),
    /// One of the event's CATEGORIES is one of these (stored lowercase).
    Categories(Vec<String>),
    /// The organizer matches one of these.
    Organizer(Vec<AddressPattern>),
    /// The organizer or an attendee matches one of these.
    Attendee(Vec<AddressPattern>),
    /// Keywords (compiled) or a user regex on one field, or their negation.
    Text {
        key: &'static str,
        field: Field,
        re: TextRe,
        negate: bool,
        /// For a title matcher, its slot in a title's [`ClassifyCache`](super::ClassifyCache)
        /// entry, numbered across the classifier; `None` until numbered, and for other fields.
        memo: Option<usize>,
    },
}

/// A compiled text matcher: the user's own regex, or a keyword list.
#[derive(Clone, Debug)]
enum TextRe {
    User(Regex),
    /// A regex of the built-in rules, which is matched by hand ([`KnownRegex`]) wherever it
    /// is written.
    Known(KnownRegex),
    Keywords(Keywords),
}

impl TextRe {
    fn is_match(&self, s: &str) -> bool {
        match self {
            TextRe::User(re) => re.is_match(s),
            TextRe::Known(known) => known.is_match(s),
            TextRe::Keywords(re) => re.is_match(s),
        }
    }
}

impl Matcher {
    fn key(&self) -> &'static str {
        match self {
            Matcher::Participants { key, .. }
            | Matcher::Others { key, .. }
            | Matcher::Minutes { key, .. }
            | Matcher::Text { key, .. } => key,
            Matcher::OrganizerKind(_) => "organizer_kind",
            Matcher::Recurring(_) => "recurring",
            Matcher::Feed(_) => "feed",
            Matcher::Categories(_) => "categories",
            Matcher::Organizer(_) => "organizer",
            Matcher::Attendee(_) => "attendee",
        }
    }

    fn is_match(&self, s: &Subject) -> bool {
        match self {
            Matcher::Participants { min, max, .. } => {
                // Counting past max + 1 (or past min, when there is no max)
                // cannot change the answer.
                let cap = max.map_or(*min, |m| m.saturating_add(1));
                let n = s.participants_up_to(cap);
                n >= *min && max.is_none_or(|m| n <= m)
            }
            Matcher::Others { min, max, .. } => {
                let cap = max.map_or(*min, |m| m.saturating_add(1));
                let n = s.others_up_to(cap);
                n >= *min && max.is_none_or(|m| n <= m)
            }
            Matcher::OrganizerKind(kinds) => kinds.contains(&s.organizer_kind()),
            Matcher::Recurring(want) => s.recurring == *want,
            Matcher::Minutes { min, max, .. } => s
                .minutes
                .is_some_and(|n| n >= *min && max.is_none_or(|m| n <= m)),
            Matcher::Feed(feeds) => feeds.iter().any(|f| f == s.feed),
            Matcher::Categories(wanted) => s
                .categories
                .iter()
                .any(|c| wanted.iter().any(|w| eq_caseless(c.trim(), w))),
            Matcher::Organizer(pats) => s
                .organizer
                .is_some_and(|o| pats.iter().any(|p| p.is_match(o))),
            Matcher::Attendee(pats) => s.participants().any(|a| pats.iter().any(|p| p.is_match(a))),
            Matcher::Text {
                field, re, negate, ..
            } => field.is_match(re, s) != *negate,
        }
    }

    /// Whether `memo` already says this (title) matcher does not match.
    fn known_miss(&self, memo: &[Option<bool>]) -> bool {
        match self {
            Matcher::Text {
                negate,
                memo: Some(slot),
                ..
            } => memo.get(*slot) == Some(&Some(*negate)),
            _ => false,
        }
    }

    /// [`Matcher::is_match`], remembering a title matcher's answer in `memo`.
    fn is_match_memo(&self, s: &Subject, memo: &mut [Option<bool>]) -> bool {
        if let Matcher::Text {
            field: Field::Title,
            re,
            negate,
            memo: Some(slot),
            ..
        } = self
        {
            if let Some(state) = memo.get_mut(*slot) {
                return *state.get_or_insert_with(|| re.is_match(s.summary)) != *negate;
            }
        }
        self.is_match(s)
    }
}

/// An `organizer` / `attendee` value: a whole address, or `@domain` for
/// everyone at that exact domain (subdomains are not included, so
/// `@example.com` does not match `x@eu.example.com`).
#[derive(Clone, Debug)]
enum AddressPattern {
    Exact(String),
    /// Includes the leading `@`, so a suffix test cannot match `@badexample.com`.
    Domain(String),
}

impl AddressPattern {
    fn parse(value: &str) -> Option<AddressPattern> {
        let v = value.trim();
        // Lenient: people paste addresses straight out of an .ics file.
        let v = match v.get(..7) {
            Some(p) if p.eq_ignore_ascii_case("mailto:") => &v[7..],
            _ => v,
        };
        let v = v.to_lowercase();
        if v.chars().any(char::is_whitespace) || v.matches('@').count() != 1 {
            return None;
        }
        let (local, domain) = v.split_once('@')?;
        if domain.is_empty() {
            None
        } else if local.is_empty() {
            Some(AddressPattern::Domain(v))
        } else {
            Some(AddressPattern::Exact(v))
        }
    }

    /// `addr` is expected lowercase (the `Subject` contract); ASCII case is
    /// ignored anyway, because that costs nothing.
    fn is_match(&self, addr: &str) -> bool {
        match self {
            AddressPattern::Exact(p) => addr.eq_ignore_ascii_case(p),
            AddressPattern::Domain(p) => addr
                .len()
                .checked_sub(p.len())
                .and_then(|start| addr.get(start..))
                .is_some_and(|tail| tail.eq_ignore_ascii_case(p)),
        }
    }
}

/// Case-insensitive equality (Unicode lowercase), without allocating.
fn eq_caseless(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// An exact count, or a `min_`/`max_` range, checked: (the key to report, min, max).
type CountRange = Option<(&'static str, u32, Option<u32>)>;

fn count_range(
    keys: [&'static str; 3],
    (exact, min, max): (Option<u32>, Option<u32>, Option<u32>),
) -> Result<CountRange, RuleErrorKind> {
    let [exact_key, min_key, max_key] = keys;
    match (exact, min, max) {
        (None, None, None) => Ok(None),
        (Some(n), None, None) => Ok(Some((exact_key, n, Some(n)))),
        (Some(_), _, _) => Err(RuleErrorKind::ConflictingCounts {
            key: exact_key.into(),
        }),
        (None, Some(min), Some(max)) if min > max => Err(RuleErrorKind::EmptyCountRange {
            key: min_key.into(),
            min,
            max,
        }),
        (None, min, max) => Ok(Some((
            if min.is_some() { min_key } else { max_key },
            min.unwrap_or(0),
            max,
        ))),
    }
}

fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn participants(raw: &RawRule) -> Result<Option<Matcher>, RuleErrorKind> {
    let range = count_range(
        ["attendees", "min_attendees", "max_attendees"],
        (raw.attendees, raw.min_attendees, raw.max_attendees),
    )?;
    Ok(range.map(|(key, min, max)| Matcher::Participants {
        key,
        min: to_usize(min),
        max: max.map(to_usize),
    }))
}

fn others(raw: &RawRule) -> Result<Option<Matcher>, RuleErrorKind> {
    let range = count_range(
        ["others", "min_others", "max_others"],
        (raw.others, raw.min_others, raw.max_others),
    )?;
    Ok(range.map(|(key, min, max)| Matcher::Others {
        key,
        min: to_usize(min),
        max: max.map(to_usize),
    }))
}

fn minutes(raw: &RawRule) -> Result<Option<Matcher>, RuleErrorKind> {
    // There is no exact `minutes` key: lengths are ranges.
    let range = count_range(
        ["min_minutes", "min_minutes", "max_minutes"],
        (None, raw.min_minutes, raw.max_minutes),
    )?;
    Ok(range.map(|(key, min, max)| Matcher::Minutes { key, min, max }))
}

fn organizer_kinds(raw: &RawRule) -> Result<Option<Matcher>, RuleErrorKind> {
    let Some(values) = &raw.organizer_kind else {
        return Ok(None);
    };
    if values.is_empty() {
        return Err(RuleErrorKind::EmptyList {
            key: "organizer_kind".into(),
        });
    }
    values
        .iter()
        .map(|v| {
            OrganizerKind::from_name(v).ok_or_else(|| RuleErrorKind::InvalidValue {
                key: "organizer_kind".into(),
                message: format!(
                    "{v:?} is not one of \"me\", \"internal\", \"external\", \"none\""
                ),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|kinds| Some(Matcher::OrganizerKind(kinds)))
}

fn string_list(
    key: &'static str,
    values: &Option<Vec<String>>,
    convert: impl Fn(&str) -> String,
) -> Result<Option<Vec<String>>, RuleErrorKind> {
    let Some(values) = values else {
        return Ok(None);
    };
    if values.is_empty() {
        return Err(RuleErrorKind::EmptyList { key: key.into() });
    }
    values
        .iter()
        .map(|v| {
            let v = v.trim();
            if v.is_empty() {
                Err(if key == "feed" {
                    RuleErrorKind::EmptyFeed { key: key.into() }
                } else {
                    RuleErrorKind::EmptyKeyword { key: key.into() }
                })
            } else {
                Ok(convert(v))
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn addresses(
    key: &'static str,
    values: &Option<Vec<String>>,
) -> Result<Option<Vec<AddressPattern>>, RuleErrorKind> {
    let Some(values) = values else {
        return Ok(None);
    };
    if values.is_empty() {
        return Err(RuleErrorKind::EmptyList { key: key.into() });
    }
    values
        .iter()
        .map(|v| {
            AddressPattern::parse(v).ok_or_else(|| RuleErrorKind::InvalidAddress {
                key: key.into(),
                value: v.clone(),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Whether `pattern` is one of the patterns matched without the regex crate.
#[cfg(test)]
pub(super) fn is_hand_matched(pattern: &str) -> bool {
    KnownRegex::of(pattern).is_some()
}

fn user_regex(
    key: &'static str,
    pattern: &Option<String>,
) -> Result<Option<TextRe>, RuleErrorKind> {
    let Some(pattern) = pattern else {
        return Ok(None);
    };
    if let Some(known) = KnownRegex::of(pattern) {
        return Ok(Some(TextRe::Known(known)));
    }
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map(|re| Some(TextRe::User(re)))
        .map_err(|e| RuleErrorKind::InvalidRegex {
            key: key.into(),
            reason: e.to_string(),
        })
}

/// Compiles a keyword list into a case-insensitive, word-aware matcher.
///
/// Word-aware means: where a keyword begins (ends) with a letter or digit,
/// the character before (after) it must not be one, so `review` matches
/// "Design Review" and "review:" but not "preview" or "reviews". Where a
/// keyword begins or ends with punctuation (`<>`, `/`, `w/`), that end needs
/// no boundary, so `<>` matches "Alex<>Sam" too. A space inside a keyword
/// matches any run of whitespace. See [`Keywords`] for why this is not a regex.
///
/// `prepared` is the list compiled ahead, when there is one: it is used if it was made of
/// `words`, or as it is when there are no `words` (start-up leaves the built-in lists out of
/// the rules it reads, see [`Classifier::builtin`](super::Classifier::builtin)).
fn keywords(
    key: &'static str,
    words: &Option<Vec<String>>,
    prepared: Option<&Prepared>,
) -> Result<Option<TextRe>, RuleErrorKind> {
    let Some(words) = words else {
        return Ok(prepared.map(|p| TextRe::Keywords(Keywords::from_prepared_as_is(p))));
    };
    if words.is_empty() {
        return Err(RuleErrorKind::EmptyList { key: key.into() });
    }
    // A list with the words of a built-in one (a user's rules copied from the defaults) was
    // compiled by build.rs too.
    let ahead = prepared
        .and_then(|p| Keywords::from_prepared(words, p))
        .or_else(|| {
            super::classifier::builtin_keyword_lists()
                .filter(|p| p.keywords.len() == words.len())
                .find_map(|p| Keywords::from_prepared(words, p))
        });
    match ahead.or_else(|| Keywords::new(words)) {
        Some(k) => Ok(Some(TextRe::Keywords(k))),
        None => Err(RuleErrorKind::EmptyKeyword { key: key.into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_rules_document, Classifier};
    use super::*;

    /// One rule named "r" with the given matcher lines.
    fn one_rule(matchers: &str) -> Classifier {
        let doc = format!("[[rules]]\nname = \"r\"\ncategory = \"people\"\n{matchers}\n");
        let raw = parse_rules_document(&doc).unwrap_or_else(|e| panic!("{doc}: {e:?}"));
        Classifier::from_rules(&raw)
            .unwrap_or_else(|e| panic!("{doc}: {e:?}"))
            .with_fallback(false)
    }

    fn title(summary: &str) -> Subject<'_> {
        Subject {
            summary,
            ..Subject::default()
        }
    }

    #[test]
    fn keywords_are_case_insensitive_and_word_aware() {
        let table = [
            // (rule, title, matches)
            (r#"title = ["review"]"#, "Design Review", true),
            (r#"title = ["review"]"#, "review: payments", true),
            (r#"title = ["review"]"#, "REVIEW", true),
            (r#"title = ["review"]"#, "preview of Q3", false),
            (r#"title = ["review"]"#, "reviews", true),
            (r#"title = ["review"]"#, "reviewer", false),
            (r#"title = ["review"]"#, "re-review", true),
            (r#"title = ["review"]"#, "review_bot", false),
            (r#"title = ["design review"]"#, "Design  review", true),
            (r#"title = ["design review"]"#, "Design-review", true),
            (r#"title = ["1:1"]"#, "Sam / Alex 1:1", true),
            (r#"title = ["1:1"]"#, "1:1: Alex", true),
            (r#"title = ["1:1"]"#, "11:15 sync", false),
            (r#"title = ["1:1"]"#, "21:1 ratio", false),
            (r#"title = ["1-on-1"]"#, "Alex <> Sam 1-On-1", true),
            (r#"title = ["1on1"]"#, "1on1 w/ Kim", true),
            (r#"title = ["one on one"]"#, "One on One (monthly)", true),
            (r#"title = ["<>"]"#, "Alex <> Sam", true),
            (r#"title = ["<>"]"#, "Alex<>Sam", true),
            (r#"title = ["<>"]"#, "Alex < > Sam", false),
            (r#"title = ["/"]"#, "Alex / Sam", true),
            (r#"title = ["/"]"#, "Alex - Sam", false),
            (r#"title = ["w/"]"#, "Lunch w/ Kim", true),
            (r#"title = ["w/"]"#, "CI/CD", false),
            (r#"title = ["c++"]"#, "C++ guild", true),
            (r#"title = ["a.b"]"#, "axb", false),
            (r#"title = ["inès"]"#, "INÈS <> Sam", true),
            (r#"title = ["café"]"#, "Café downstairs", true),
            (r#"title = ["sev1", "outage"]"#, "SEV1: checkout", true),
            (r#"title = ["sev1", "outage"]"#, "Partial outage", true),
            (r#"title = ["sev1", "outage"]"#, "sev10 drill", false),
            (r#"title = "retro""#, "Sprint Retro", true),
            (r#"title = ["retro"]"#, "", false),
        ];
        for (rule, summary, want) in table {
            let c = one_rule(rule);
            let got = c.classify(&title(summary)).rule == "r";
            assert_eq!(got, want, "{rule} on {summary:?}");
        }
    }

    #[test]
    fn text_fields_and_regexes() {
        let s = Subject {
            summary: "Weekly sync",
            description: "Agenda: incident follow-ups",
            location: "SF-4-Redwood (12)",
            ..Subject::default()
        };
        let table = [
            (r#"description = ["incident"]"#, true),
            (r#"description = ["sync"]"#, false),
            (r#"location = ["redwood"]"#, true),
            (r#"any_text = ["redwood"]"#, true),
            (r#"any_text = ["incident"]"#, true),
            (r#"any_text = ["weekly"]"#, true),
            (r#"any_text = ["standup"]"#, false),
            (r#"not_any_text = ["incident"]"#, false),
            (r#"not_any_text = ["standup"]"#, true),
            (r#"not_description = ["incident"]"#, false),
            (r#"not_location = ["zoom"]"#, true),
            (r#"title_regex = '^weekly\b'"#, true),
            (r#"title_regex = '(?-i)^weekly'"#, false),
            (r#"title_regex = 'sync$'"#, true),
            (r#"description_regex = 'follow-?ups?'"#, true),
            (r#"location_regex = '\(\d+\)'"#, true),
            (r#"any_text_regex = 'INCIDENT'"#, true),
            (r#"any_text_regex = '^agenda'"#, true),
            (r#"any_text_regex = 'standup'"#, false),
            // All given matchers must match.
            ("title = [\"sync\"]\nlocation = [\"redwood\"]", true),
            ("title = [\"sync\"]\nlocation = [\"zoom\"]", false),
        ];
        for (rule, want) in table {
            let got = one_rule(rule).classify(&s).rule == "r";
            assert_eq!(got, want, "{rule}");
        }
    }

    #[test]
    fn negation_sends_titles_elsewhere() {
        let c = one_rule("title = [\"1:1\"]\nnot_title = [\"architecture\", \"deep dive\"]");
        assert_eq!(c.classify(&title("Alex / Sam 1:1")).rule, "r");
        assert_eq!(
            c.classify(&title("1:1 architecture deep dive")).rule,
            "default"
        );
        assert_eq!(c.classify(&title("1:1 deep  dive")).rule, "default");
    }

    #[test]
    fn attendee_counts_organizer_addresses_categories_and_feeds() {
        let pair = vec!["me@example.com".to_string(), "alex@example.com".to_string()];
        let outlook_pair = vec!["alex@example.com".to_string()];
        let crowd: Vec<String> = (0..12).map(|i| format!("p{i}@corp.example.com")).collect();
        let cats = vec!["Hiring".to_string(), " Interviews ".to_string()];
        let google = Subject {
            summary: "Alex <> Sam",
            organizer: Some("me@example.com"),
            attendees: &pair,
            feed: "work",
            ..Subject::default()
        };
        let outlook = Subject {
            attendees: &outlook_pair,
            feed: "outlook",
            ..google
        };
        let big = Subject {
            organizer: Some("boss@example.com"),
            attendees: &crowd,
            categories: &cats,
            ..google
        };
        let alone = Subject {
            organizer: Some("me@example.com"),
            attendees: &[],
            ..google
        };
        let table: [(&str, &Subject, bool); 26] = [
            ("attendees = 2", &google, true),
            ("attendees = 2", &outlook, true),
            ("attendees = 2", &big, false),
            ("attendees = 1", &alone, true),
            ("attendees = 0", &Subject::default(), true),
            ("min_attendees = 3", &google, false),
            ("min_attendees = 3", &big, true),
            ("max_attendees = 2", &google, true),
            ("max_attendees = 2", &big, false),
            ("min_attendees = 2\nmax_attendees = 13", &big, true),
            ("min_attendees = 2\nmax_attendees = 12", &big, false),
            (r#"organizer = ["me@example.com"]"#, &google, true),
            (r#"organizer = ["ME@Example.com"]"#, &google, true),
            (r#"organizer = ["mailto:me@example.com"]"#, &google, true),
            (r#"organizer = ["@example.com"]"#, &big, true),
            (
                r#"organizer = ["@example.com"]"#,
                &Subject::default(),
                false,
            ),
            (r#"attendee = ["alex@example.com"]"#, &outlook, true),
            // The organizer counts as a participant even when not listed.
            (r#"attendee = ["me@example.com"]"#, &outlook, true),
            (r#"attendee = ["@example.com"]"#, &big, true),
            // Exact domain only: not a subdomain, not a longer name.
            (r#"attendee = ["@corp.example.com"]"#, &google, false),
            (r#"attendee = ["@ample.com"]"#, &google, false),
            (r#"categories = ["interviews"]"#, &big, true),
            (r#"categories = ["HIRING", "x"]"#, &big, true),
            (r#"categories = ["hiring"]"#, &google, false),
            (r#"feed = ["work", "home"]"#, &google, true),
            (r#"feed = ["work"]"#, &outlook, false),
        ];
        for (rule, s, want) in table {
            let got = one_rule(rule).classify(s).rule == "r";
            assert_eq!(got, want, "{rule} on {s:?}");
        }
    }

    #[test]
    fn first_miss_names_the_key() {
        let c = one_rule("attendees = 2\ntitle = [\"<>\"]\nnot_title = [\"w/\"]");
        let rule = &c.rule_list()[0];
        assert_eq!(rule.first_miss(&title("Alex <> Sam")), Some("attendees"));
        let pair = vec!["a@x.com".to_string(), "b@x.com".to_string()];
        let s = |summary| Subject {
            summary,
            attendees: &pair,
            ..Subject::default()
        };
        assert_eq!(rule.first_miss(&s("Lunch")), Some("title"));
        assert_eq!(rule.first_miss(&s("Lunch <> w/ Kim")), Some("not_title"));
        assert_eq!(rule.first_miss(&s("Alex <> Sam")), None);
    }

    #[test]
    fn many_keywords_compile_to_a_small_regex() {
        let words: Vec<String> = (0..2000).map(|i| format!("word{i}")).collect();
        let re = keywords("title", &Some(words), None).unwrap().unwrap();
        assert!(re.is_match("see Word1999."));
        assert!(!re.is_match("word20000"));
    }
}
