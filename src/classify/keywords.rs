//! Keyword lists (`title = ["1:1", "one on one"]`), matched without a regex.
//!
//! A keyword matches where it starts and ends on word boundaries (only on the ends that are
//! letters or digits, so `<>` matches inside "Alex<>Sam"). Titles are written many ways, so:
//! - a space or a hyphen inside a keyword matches any run of separators: spaces, hyphens and
//!   dashes, slashes, `|`, `:`, emoji ("on call" matches "on-call", "On Call" and "on/call");
//! - accents are ignored on both sides ("reunion" matches "Réunion", "café" matches "Cafe");
//! - a keyword that ends in a letter also matches its plural in -s or -es ("interview"
//!   matches "Interviews", "sync" matches "syncs"), but nothing longer ("review" does not
//!   match "reviewer" or "preview");
//! - a `*` at one end leaves that end open, for compound words: `*gespräch` matches
//!   "Mitarbeitergespräch", `interview*` matches "interviewer".
//!
//! Compiling these lists into regexes was three quarters of calaudit's start-up (about 3 ms
//! for the built-in rules, at every run); this matcher is built in microseconds and is as fast
//! on a title.
//!
//! Case-insensitivity is the regex crate's: Unicode simple case folding, taken from
//! `regex-syntax` itself, so `k` also matches KELVIN SIGN and `s` LONG S, exactly as before.
//! Word characters are `regex-syntax`'s (`\w`), whitespace is Unicode `White_Space` (`\s`).

use std::borrow::Cow;
use std::sync::OnceLock;

use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};

use super::fold::{base_char, is_mark};

/// A compiled keyword list: matches if any keyword occurs, word-aware.
#[derive(Clone, Debug)]
pub(crate) struct Keywords {
    keywords: Vec<Keyword>,
    /// For each ASCII character, the keywords that can start with it (in any case): a title
    /// position is only tried against those.
    by_ascii_start: Vec<Vec<u32>>,
    /// The same for the keywords whose start needs no word boundary (`<>`, `*gespräch`):
    /// only these can match inside a word, which is where most title positions are.
    by_ascii_start_open: Vec<Vec<u32>>,
    /// The keywords that can start with a non-ASCII character.
    non_ascii_start: Vec<u32>,
}

#[derive(Clone, Debug)]
struct Keyword {
    /// The keyword's words (it was split on whitespace); a run of whitespace between them.
    words: Vec<Vec<Letter>>,
    /// The keyword begins with a letter or digit: the text before it must not be a word char.
    left: bool,
    /// The keyword ends with a letter or digit: the text after it must not be a word char.
    right: bool,
    /// The keyword ends with a letter: a plural ending (`s`, `es`) may follow it.
    plural: bool,
    /// The keyword's second character when it is ASCII: an ASCII character of the text
    /// matches it only if equal ignoring ASCII case (the other characters that fold to an
    /// ASCII letter, KELVIN SIGN and LONG S, are not ASCII). Most tries fail there, so
    /// checking that byte first skips the full match for them.
    second: Option<u8>,
}

/// One character of a keyword and the other characters equal to it ignoring case.
#[derive(Clone, Debug)]
struct Letter {
    c: char,
    others: Cow<'static, [char]>,
}

impl Letter {
    fn new(c: char) -> Letter {
        let c = base_char(c);
        let others = match u8::try_from(c) {
            Ok(b) if b.is_ascii() => Cow::Borrowed(ascii_others(b)),
            _ => Cow::Owned(case_fold_others(c)),
        };
        Letter { c, others }
    }

    fn matches(&self, c: char) -> bool {
        c == self.c
            || self.others.contains(&c)
            || (!c.is_ascii() && {
                let b = base_char(c);
                b != c && (b == self.c || self.others.contains(&b))
            })
    }
}

/// The characters other than `c` that equal it under Unicode simple case folding.
fn case_fold_others(c: char) -> Vec<char> {
    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    class.case_fold_simple();
    class
        .iter()
        .flat_map(|r| r.start()..=r.end())
        .filter(|&o| o != c)
        .collect()
}

/// [`case_fold_others`] of an ASCII character, computed once per process for all 128: the
/// built-in rules spell about 1,400 letters, and a case fold each was a third of start-up's
/// instructions.
fn ascii_others(b: u8) -> &'static [char] {
    static TABLE: OnceLock<Vec<Vec<char>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..128u8)
            .map(|b| case_fold_others(char::from(b)))
            .collect()
    });
    table.get(usize::from(b)).map_or(&[], Vec::as_slice)
}

impl Keywords {
    /// Compiles `words`; `None` when one of them is empty (only whitespace).
    pub(crate) fn new(words: &[String]) -> Option<Keywords> {
        let mut keywords = Vec::with_capacity(words.len());
        let mut by_ascii_start: Vec<Vec<u32>> = vec![Vec::new(); 128];
        let mut by_ascii_start_open: Vec<Vec<u32>> = vec![Vec::new(); 128];
        let mut non_ascii_start = Vec::new();
        for word in words {
            let trimmed = word.trim();
            // `*gespräch` matches the end of a compound word ("Mitarbeitergespräch"),
            // `interview*` the start of a longer one ("interviewer").
            let (open_left, trimmed) = match trimmed.strip_prefix('*') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, trimmed),
            };
            let (open_right, trimmed) = match trimmed.strip_suffix('*') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, trimmed),
            };
            let (first, last) = (trimmed.chars().next()?, trimmed.chars().last()?);
            // Which ends need a boundary: the rule's documented test, kept as it was.
            let is_word = |c: char| c.is_alphanumeric() || c == '_';
            let kw = Keyword {
                // A keyword of hyphens alone is matched as written.
                words: if split_words(trimmed).next().is_some() {
                    split_words(trimmed)
                        .map(|w| w.chars().map(Letter::new).collect())
                        .collect()
                } else {
                    vec![trimmed.chars().map(Letter::new).collect()]
                },
                left: is_word(first) && !open_left,
                right: is_word(last) && !open_right,
                plural: last.is_alphabetic(),
                second: None,
            };
            let kw = Keyword {
                second: kw
                    .words
                    .first()
                    .and_then(|w| w.get(1))
                    .and_then(|l| u8::try_from(l.c).ok())
                    .filter(u8::is_ascii),
                ..kw
            };
            let start = kw.words.first().and_then(|w| w.first())?;
            let index = keywords.len() as u32;
            // A letter may also be written with an accent, which is not ASCII.
            let accented = start.c.is_alphabetic().then_some('\u{e9}');
            for c in std::iter::once(start.c)
                .chain(start.others.iter().copied())
                .chain(accented)
            {
                let list = match u8::try_from(c) {
                    Ok(b) if b.is_ascii() && kw.left => &mut by_ascii_start[usize::from(b)],
                    Ok(b) if b.is_ascii() => &mut by_ascii_start_open[usize::from(b)],
                    _ => &mut non_ascii_start,
                };
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
            keywords.push(kw);
        }
        Some(Keywords {
            keywords,
            by_ascii_start,
            by_ascii_start_open,
            non_ascii_start,
        })
    }

    /// Whether any keyword occurs in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        // A byte loop: most positions are rejected by one table look-up, and characters are
        // only decoded where a keyword could start.
        let bytes = text.as_bytes();
        for (at, &b) in bytes.iter().enumerate() {
            let (bounded, open): (&[u32], &[u32]) = if b.is_ascii() {
                // Keywords that need a word boundary before them are only tried where there
                // is one; after an ASCII byte that is one comparison.
                let word_before = match at.checked_sub(1).map(|i| bytes[i]) {
                    None => false,
                    Some(p) if p.is_ascii() => p.is_ascii_alphanumeric() || p == b'_',
                    Some(_) => text[..at].chars().next_back().is_some_and(is_word_char),
                };
                let bounded: &[u32] = if word_before {
                    &[]
                } else {
                    &self.by_ascii_start[usize::from(b)]
                };
                (bounded, &self.by_ascii_start_open[usize::from(b)])
            } else if b >= 0xC0 {
                // The first byte of a multi-byte character.
                (&self.non_ascii_start, &[])
            } else {
                continue;
            };
            if bounded.is_empty() && open.is_empty() {
                continue;
            }
            // The byte after an ASCII first character is where the second one starts.
            let next = if b.is_ascii() {
                text.as_bytes().get(at + 1).copied().filter(u8::is_ascii)
            } else {
                None
            };
            let mut free_before = None;
            for kw in bounded
                .iter()
                .chain(open)
                .filter_map(|&i| self.keywords.get(i as usize))
            {
                if let (Some(n), Some(want)) = (next, kw.second) {
                    if !n.eq_ignore_ascii_case(&want) {
                        continue;
                    }
                }
                // `at` is a character boundary (an ASCII byte or a leading byte).
                let free = *free_before.get_or_insert_with(|| {
                    !text[..at].chars().next_back().is_some_and(is_word_char)
                });
                if kw.left && !free {
                    continue;
                }
                if let Some(end) = kw.match_at(text, at) {
                    if !kw.right || kw.ends_at(text, end) {
                        return true;
                    }
                }
            }
        }
        false
    }
}

impl Keyword {
    /// Where the keyword ends if it occurs at byte `at` of `text`. Deterministic: a keyword's
    /// words hold no whitespace, so a whitespace run between them is taken whole.
    fn match_at(&self, text: &str, at: usize) -> Option<usize> {
        // Walks byte positions and decodes a character only where the byte is not ASCII:
        // titles are almost all ASCII, and a `Peekable<CharIndices>` per try was most of
        // the cost of a miss, which is what nearly every try is.
        let next = |pos: usize| -> Option<(char, usize)> {
            match text.as_bytes().get(pos) {
                Some(&b) if b.is_ascii() => Some((char::from(b), pos + 1)),
                Some(_) => text
                    .get(pos..)
                    .and_then(|rest| rest.chars().next())
                    .map(|c| (c, pos + c.len_utf8())),
                None => None,
            }
        };
        let mut pos = at;
        for (i, word) in self.words.iter().enumerate() {
            if i > 0 {
                let mut separators = 0;
                while let Some((_, after)) = next(pos).filter(|&(c, _)| !is_word_char(c)) {
                    pos = after;
                    separators += 1;
                }
                if separators == 0 {
                    return None;
                }
            }
            for letter in word {
                match next(pos) {
                    Some((c, after)) if letter.matches(c) => pos = after,
                    _ => return None,
                }
                // A combining accent written after the letter belongs to it.
                while let Some((_, after)) = next(pos).filter(|&(c, _)| is_mark(c)) {
                    pos = after;
                }
            }
        }
        Some(pos)
    }

    /// Whether a keyword that ends in a word character, matched up to byte `end` of `text`,
    /// ends on a word boundary there, or after a plural ending when it ends in a letter.
    fn ends_at(&self, text: &str, end: usize) -> bool {
        let free = |at: usize| !text[at..].chars().next().is_some_and(is_word_char);
        if free(end) {
            return true;
        }
        if !self.plural {
            return false;
        }
        let rest = &text.as_bytes()[end..];
        let ends_with = |suffix: &[u8]| {
            rest.get(..suffix.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(suffix))
        };
        (ends_with(b"s") && free(end + 1)) || (ends_with(b"es") && free(end + 2))
    }
}

/// The words of a keyword: split at whitespace, and at hyphens and dashes between letters or
/// digits ("no-fly" is "no fly"; "1-on-1" is "1 on 1"; "w/" and "<>" stay whole).
fn split_words(keyword: &str) -> impl Iterator<Item = &str> {
    keyword
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2013}' | '\u{2014}')
        })
        .filter(|w| !w.is_empty())
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        // The same answer as the table below, without its binary search.
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        regex_syntax::try_is_word_character(c).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(words: &[&str], text: &str) -> bool {
        let owned: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        Keywords::new(&owned).unwrap().is_match(text)
    }

    #[test]
    fn word_boundaries_case_and_punctuation() {
        let table: &[(&[&str], &str, bool)] = &[
            (&["review"], "Design Review", true),
            (&["review"], "review: payments", true),
            (&["review"], "preview", false),
            (&["review"], "reviewer sync", false),
            (&["review"], "re-review", true),
            (&["review"], "review_bot", false),
            (&["1:1"], "Kim 1:1", true),
            (&["1:1"], "a1:1b", false),
            (&["1:1"], "11:15 sync", false),
            (&["<>"], "Alex<>Sam", true),
            (&["<>"], "Alex < > Sam", false),
            (&["w/"], "lunch w/ Kim", true),
            (&["w/"], "CI/CD", false),
            (&["kelvin"], "\u{212a}ELVIN sync", true),
            (&["42"], "v42 42b", false),
            (&["42"], "v42 42", true),
            (&["c++"], "C++ guild", true),
            (&["retro"], "", false),
            (&["--"], "a -- b", true),
        ];
        for &(words, text, want) in table {
            assert_eq!(matches(words, text), want, "{words:?} on {text:?}");
        }
    }

    #[test]
    fn separators_inside_keywords_are_interchangeable() {
        let table: &[(&[&str], &str, bool)] = &[
            (&["on call"], "On-call handoff", true),
            (&["on-call"], "on call handoff", true),
            (&["on-call"], "on/call", true),
            (&["one on one"], "One  on\tone", true),
            (&["one on one"], "one-on-one", true),
            (&["1-on-1"], "Alex <> Sam 1 on 1", true),
            (&["design review"], "Design-Review", true),
            (&["design review"], "Design | Review", true),
            (&["design review"], "Design 🎨 review", true),
            (&["design review"], "Designreview", false),
            (&["no-fly"], "NO FLY ZONE", true),
            (&["no-fly"], "nofly", false),
            (&["review meeting"], "review\u{a0}\u{85} meeting", true),
        ];
        for &(words, text, want) in table {
            assert_eq!(matches(words, text), want, "{words:?} on {text:?}");
        }
    }

    #[test]
    fn accents_and_plurals() {
        let table: &[(&[&str], &str, bool)] = &[
            (&["reunion"], "Réunion d'équipe", true),
            (&["réunion"], "REUNION", true),
            (&["café"], "Cafe downstairs", true),
            (&["cafe"], "CAFÉ", true),
            (&["cafe"], "cafe\u{301} break", true),
            (
                &["entrevista tecnica"],
                "Entrevista técnica – Backend",
                true,
            ),
            (&["evaluation"], "Évaluation annuelle", true),
            (&["gesprach"], "Mitarbeitergespräch", false),
            (
                &["mitarbeitergesprach"],
                "Mitarbeitergespräch mit Anna",
                true,
            ),
            (&["interview"], "Interviews (onsite)", true),
            (&["sync"], "Syncs", true),
            (&["process"], "processes", true),
            (&["interview"], "interviewer training", false),
            (&["1:1"], "1:1s", false),
            (&["ß"], "ss", false),
            (&["naïve"], "NAIVE", true),
            (&["σας"], "ΣΑΣ", true),
            (&["*gespräch"], "Mitarbeitergespräch mit Anna", true),
            (&["*gesprach"], "Gesprächsrunde", false),
            (&["*review"], "Sicherheitsreview", true),
            (&["interview*"], "Interviewer training", true),
            (&["interview*"], "pre-interview", true),
            (&["interview*"], "preinterview", false),
        ];
        for &(words, text, want) in table {
            assert_eq!(matches(words, text), want, "{words:?} on {text:?}");
        }
    }

    #[test]
    fn an_empty_keyword_is_refused() {
        assert!(Keywords::new(&["ok".into(), "  ".into()]).is_none());
    }
}
