//! Remembering title-matcher results across events that share a title.
//!
//! A calendar repeats its titles: every occurrence of a series is one event,
//! but a series that was edited or split, or a meeting booked by hand each
//! week, is many events with the same SUMMARY (cal_stress: 6,718 distinct
//! titles among 31,984 events, "Daily standup" 1,073 times). Matching the
//! keyword lists against a title was most of classification's cost, and its
//! answer depends on the title alone, so [`ClassifyCache`] keeps it per title.
//!
//! Only matchers on the title (keywords, `title_regex`, `not_title`) are
//! remembered. Every other matcher (counts, addresses, categories, feeds,
//! description, location, `any_text`) is evaluated per event as without a
//! cache: they depend on more than the title, and descriptions are long and
//! nearly all distinct, so hashing them would cost what matching them does.

use rustc_hash::FxHashMap;

use super::fallback::{Model, TitleScore};
use std::sync::atomic::{AtomicU64, Ordering};

/// Past this many distinct titles the cache starts over, so a cache kept for
/// a long time (a daemon) stays bounded: 64k titles is a few MB.
const MAX_TITLES: usize = 1 << 16;

/// A reusable memo for [`Classifier::classify_cached`](super::Classifier::classify_cached):
/// for each title seen, which of the classifier's title matchers matched (each
/// one computed only when a rule first needs it, so a title is never matched
/// against more than the uncached path would match it against).
///
/// It answers for one classifier at a time: used with another (one with
/// different rules), it forgets what it knew, so mixing them up costs time but
/// never gives a wrong answer. Keep one per thread and reuse it across events.
#[derive(Clone, Debug, Default)]
pub struct ClassifyCache {
    /// The [`ClassifierId`] the entries were computed for.
    owner: ClassifierId,
    /// Title matchers per title: the length of each entry in `states`.
    slots: usize,
    /// Title → where its entry starts in `states`.
    /// FxHash, as the parser's tables keyed by feed text use: every event's title is hashed
    /// here, and SipHash cost more than a third of a cache look-up.
    titles: FxHashMap<Box<str>, usize>,
    /// Per title, per title matcher: `None` not computed yet, else whether the
    /// matcher's text pattern occurs in the title (before any `not_` negation).
    states: Vec<Option<bool>>,
    /// Title → its share of the fallback model's score (only titles no rule matched).
    fallback: FxHashMap<Box<str>, TitleScore>,
}

impl ClassifyCache {
    /// An empty cache; allocates nothing until first used.
    pub fn new() -> ClassifyCache {
        ClassifyCache::default()
    }

    /// The memo entry of `title` for the classifier `owner` with `slots` title
    /// matchers, created empty when the title is new (then the `bool` is true).
    pub(crate) fn memo(
        &mut self,
        owner: ClassifierId,
        slots: usize,
        title: &str,
    ) -> (bool, &mut [Option<bool>]) {
        if self.owner != owner || self.slots != slots {
            self.titles.clear();
            self.states.clear();
            self.owner = owner;
            self.slots = slots;
        }
        let (new, start) = match self.titles.get(title) {
            Some(&start) => (false, start),
            None => {
                if self.titles.len() >= MAX_TITLES {
                    self.titles.clear();
                    self.states.clear();
                }
                let start = self.states.len();
                self.states.resize(start + slots, None);
                self.titles.insert(title.into(), start);
                (true, start)
            }
        };
        // Every entry in `titles` has `slots` states from its start.
        (new, &mut self.states[start..start + slots])
    }
}

impl ClassifyCache {
    /// `title`'s share of `model`'s score, computed once per title. (There is one model, the
    /// built-in one, so entries need no owner.)
    pub(crate) fn title_score(&mut self, model: &Model, title: &str) -> &TitleScore {
        if !self.fallback.contains_key(title) {
            if self.fallback.len() >= MAX_TITLES {
                self.fallback.clear();
            }
            self.fallback.insert(title.into(), model.title_score(title));
        }
        &self.fallback[title]
    }
}

/// Which compiled classifier a cache entry belongs to. Each
/// [`Classifier`](super::Classifier) built gets a new one (clones keep it, as
/// they have the same rules); 0 is no classifier, the empty cache's owner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClassifierId(u64);

impl ClassifierId {
    pub(crate) fn next() -> ClassifierId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ClassifierId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_rules_document, Classifier, Subject};
    use super::*;

    fn classifier(doc: &str) -> Classifier {
        let raw = parse_rules_document(doc).unwrap_or_else(|e| panic!("{e:?}"));
        Classifier::from_rules(&raw).unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// Rules of every kind, where the title matchers share the rules with
    /// counts, addresses, other fields and negations, so a memo that answered
    /// for the wrong matcher, the wrong title or the wrong field would show.
    const MIXED: &str = r#"
        [[rules]]
        name = "big-review"
        category = "technical"
        min_attendees = 4
        title = ["review"]
        [[rules]]
        name = "regex-title"
        category = "people"
        title_regex = '^(alex|sam)\b.*\bsync$'
        not_title = ["w/"]
        [[rules]]
        name = "desc"
        category = "technical"
        description = ["incident"]
        not_title = ["standup"]
        [[rules]]
        name = "loc"
        category = "other"
        location = ["redwood"]
        title = ["sync", "review"]
        [[rules]]
        name = "any"
        category = "deep_work"
        any_text_regex = 'focus'
        not_any_text = ["meeting"]
        [[rules]]
        name = "org"
        category = "people"
        organizer = ["@corp.example.com"]
        title = ["1:1", "<>"]
        [[rules]]
        name = "cats-feed"
        category = "other"
        categories = ["hiring"]
        feed = ["work"]
        [[rules]]
        name = "not-only"
        category = "technical"
        not_title = ["lunch", "review", "sync", "1:1"]
        max_attendees = 1
        [[rules]]
        name = "pair"
        category = "people"
        attendees = 2
        title = ["/", "<>"]
        not_title = ["w/"]
        [[rules]]
        name = "kw-and-regex"
        category = "technical"
        title = ["standup"]
        title_regex = '(?-i)Daily'
    "#;

    const TITLES: &[&str] = &[
        "",
        "Design review",
        "design REVIEW",
        "Alex weekly sync",
        "alex w/ Kim sync",
        "Sam sync",
        "Daily standup",
        "daily standup",
        "Focus time",
        "Focus meeting",
        "Alex <> Sam",
        "Alex / Sam 1:1",
        "Lunch w/ Kim",
        "Lunch",
        "Preview",
        "Incident review",
        "Inès <> Sam",
    ];

    /// Every combination of the mixed subjects' fields, each title many times
    /// over with different other fields.
    fn subjects<'a>(people: &'a [Vec<String>], cats: &'a [Vec<String>]) -> Vec<Subject<'a>> {
        let mut out = Vec::new();
        for (i, &summary) in TITLES.iter().cycle().take(TITLES.len() * 24).enumerate() {
            out.push(Subject {
                summary,
                description: ["", "Follow-ups from incident 12", "focus", "a meeting"][i % 4],
                location: ["", "Redwood (12)", "Zoom"][i % 3],
                categories: &cats[i % cats.len()],
                organizer: [None, Some("boss@corp.example.com"), Some("me@example.com")][i % 3],
                attendees: &people[(i / 3) % people.len()],
                feed: ["work", "home"][(i / 5) % 2],
                minutes: [None, Some(30), Some(60)][i % 3],
                recurring: i % 2 == 0,
                ..Subject::default()
            });
        }
        out
    }

    fn people() -> Vec<Vec<String>> {
        (0..6)
            .map(|n| (0..n).map(|i| format!("p{i}@example.com")).collect())
            .collect()
    }

    #[test]
    fn cached_decisions_are_the_uncached_ones() {
        let people = people();
        let cats = vec![vec![], vec!["Hiring".to_string()]];
        let subjects = subjects(&people, &cats);
        for c in [classifier(MIXED), Classifier::builtin()] {
            let mut cache = ClassifyCache::new();
            // Twice over: the first pass fills the memo, the second reads it.
            for round in 0..2 {
                for s in &subjects {
                    let want = c.classify(s);
                    assert_eq!(
                        c.classify_cached(s, &mut cache),
                        want,
                        "round {round}: {s:?}"
                    );
                    assert_eq!(c.explain(s).decision, want, "{s:?}");
                }
            }
        }
    }

    #[test]
    fn every_builtin_keyword_decides_alike_cached_and_uncached() {
        // The cached path matches titles through the title index, the uncached one list by
        // list: on titles made of each built-in keyword, spelt as people spell them, and
        // near misses, both must decide alike.
        let raw = parse_rules_document(super::super::DEFAULT_RULES_TOML).unwrap();
        let mut titles = Vec::new();
        for kw in raw
            .iter()
            .flat_map(|r| r.title.iter().chain(&r.not_title))
            .flatten()
        {
            let kw = kw.trim_matches('*');
            titles.push(kw.to_string());
            titles.push(format!("Weekly {}S: Kim", kw.to_uppercase()));
            titles.push(format!("pre{kw}-{kw}er"));
            titles.push(format!("Réunion/{}és 🎯", kw.replace(' ', "-")));
        }
        let c = Classifier::builtin();
        let pair = vec!["me@example.com".to_string(), "a@example.com".to_string()];
        let me = vec!["me@example.com".to_string()];
        let mut cache = ClassifyCache::new();
        for (i, summary) in titles.iter().enumerate() {
            let s = Subject {
                summary,
                organizer: Some("me@example.com"),
                attendees: if i % 2 == 0 { &pair } else { &me },
                me: &me,
                ..Subject::default()
            };
            assert_eq!(
                c.classify_cached(&s, &mut cache),
                c.classify(&s),
                "{summary:?}"
            );
        }
    }

    #[test]
    fn a_cache_shared_by_classifiers_answers_for_each() {
        let people = people();
        let cats = vec![vec!["hiring".to_string()]];
        let subjects = subjects(&people, &cats);
        // Same shape (one title matcher each) but different keywords: only the
        // classifier's identity tells their memos apart.
        let sync = classifier("[[rules]]\nname = \"r\"\ncategory = \"people\"\ntitle = [\"sync\"]");
        let review =
            classifier("[[rules]]\nname = \"r\"\ncategory = \"people\"\ntitle = [\"review\"]");
        let mixed = classifier(MIXED);
        let mut cache = ClassifyCache::new();
        for s in &subjects {
            for c in [&sync, &review, &mixed, &sync.clone()] {
                assert_eq!(c.classify_cached(s, &mut cache), c.classify(s), "{s:?}");
            }
        }
    }

    #[test]
    fn rules_without_title_matchers_need_no_memo() {
        let c = classifier(
            "[[rules]]\nname = \"r\"\ncategory = \"people\"\ndescription = [\"x\"]\nattendees = 1",
        );
        let mut cache = ClassifyCache::new();
        let s = Subject {
            summary: "x",
            description: "x",
            organizer: Some("me@example.com"),
            ..Subject::default()
        };
        assert_eq!(c.classify_cached(&s, &mut cache).rule, "r");
        assert!(cache.titles.is_empty());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let c = Classifier::builtin();
        let mut cache = ClassifyCache::new();
        let titles: Vec<String> = (0..MAX_TITLES + 10).map(|i| format!("sync {i}")).collect();
        for t in &titles {
            let s = Subject {
                summary: t,
                ..Subject::default()
            };
            assert_eq!(c.classify_cached(&s, &mut cache), c.classify(&s));
            assert!(cache.titles.len() <= MAX_TITLES);
        }
        let again = Subject {
            summary: "Daily standup",
            ..Subject::default()
        };
        assert_eq!(c.classify_cached(&again, &mut cache).rule, "sprint-rituals");
    }
}
