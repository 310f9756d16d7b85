//! What a 1:1's title or description says about it: the word lists behind the `technical`,
//! `status` and `career` flags and the 1:1 markers of a title. Hard-coded on purpose (the
//! playbook's own vocabulary, not a classification rule); matched word-aware and
//! case-insensitively, so "update" does not match "updated" and "rfc" not "rfcs".

/// A technical review, "the technical crutch": a 1:1 spent on architecture or code.
const TECHNICAL: &[&str] = &[
    "architecture",
    "design",
    "design doc",
    "design review",
    "code review",
    "pr review",
    "pull request",
    "schema",
    "rfc",
    "tech review",
    "technical review",
    "api review",
    "system design",
    "deep dive",
    "debugging",
    "pairing",
];

/// A status update: what a standup or a ticket could carry.
const STATUS: &[&str] = &[
    "status",
    "update",
    "updates",
    "standup",
    "stand-up",
    "progress",
    "sprint review",
];

/// A career, growth or development conversation.
const CAREER: &[&str] = &[
    "career",
    "growth",
    "promotion",
    "promo",
    "aspirations",
    "aspiration",
    "development plan",
    "personal development",
    "professional development",
    "idp",
];

/// Markers of a 1:1 in a title without attendees ("1:1 Priya", "Priya one-on-one").
const ONE_ON_ONE: &[&str] = &[
    "1:1",
    "1-1",
    "1-on-1",
    "1on1",
    "one-on-one",
    "one on one",
    "1x1",
];

/// Whether `lower` (already lowercase) contains `word` with no letter or digit right before
/// or after it.
pub(crate) fn has_word(lower: &str, word: &str) -> bool {
    lower.match_indices(word).any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn any(lower: &str, words: &[&str]) -> bool {
    words.iter().any(|w| has_word(lower, w))
}

/// What a title and description (both lowercase) say about a 1:1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Reading {
    pub technical: bool,
    pub status: bool,
    pub career: bool,
}

pub(crate) fn read(title: &str, description: &str) -> Reading {
    let says = |words: &[&str]| any(title, words) || any(description, words);
    Reading {
        technical: says(TECHNICAL),
        status: says(STATUS),
        career: says(CAREER),
    }
}

/// Whether a lowercase title marks a 1:1.
pub(crate) fn is_one_on_one_title(title: &str) -> bool {
    any(title, ONE_ON_ONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_aware_and_in_either_text() {
        assert!(read("priya / sam: design doc", "").technical);
        assert!(read("priya / sam", "we go over the rfc").technical);
        assert!(!read("priya / sam", "rfcs").technical);
        assert!(read("weekly status", "").status);
        assert!(!read("updated agenda", "").status);
        assert!(read("career conversation", "").career);
        assert!(read("1:1", "growth plan for h2").career);
        assert!(!read("1:1", "").career && !read("1:1", "").technical && !read("1:1", "").status);
    }

    #[test]
    fn one_on_one_markers() {
        for t in [
            "1:1 priya",
            "priya 1-1",
            "priya/sam 1-on-1",
            "one on one: priya",
            "priya 1x1",
        ] {
            assert!(is_one_on_one_title(t), "{t}");
        }
        for t in ["priya", "11:15 priya", "team 1:10", "21-1 retro"] {
            assert!(!is_one_on_one_title(t), "{t}");
        }
    }
}
