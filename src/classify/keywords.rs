//! Keyword lists (`title = ["1:1", "one on one"]`), matched without a regex.
//!
//! The semantics are those of the regex the rules used to compile each list into,
//! `(?i)\b{start-half}(?:kw|…)\b{end-half}` (boundaries only on the ends that are letters or
//! digits, `\s+` for a space inside a keyword), and a test below checks this matcher against
//! that regex. Compiling those regexes was three quarters of calaudit's start-up (about 3 ms
//! for the built-in rules, at every run); this matcher is built in microseconds and is as fast
//! on a title.
//!
//! Case-insensitivity is the regex crate's: Unicode simple case folding, taken from
//! `regex-syntax` itself, so `k` also matches KELVIN SIGN and `s` LONG S, exactly as before.
//! Word characters are `regex-syntax`'s (`\w`), whitespace is Unicode `White_Space` (`\s`).

use std::borrow::Cow;
use std::sync::OnceLock;

use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};

/// A compiled keyword list: matches if any keyword occurs, word-aware.
#[derive(Clone, Debug)]
pub(crate) struct Keywords {
    keywords: Vec<Keyword>,
    /// For each ASCII character, the keywords that can start with it (in any case): a title
    /// position is only tried against those.
    by_ascii_start: Vec<Vec<u32>>,
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
        let others = match u8::try_from(c) {
            Ok(b) if b.is_ascii() => Cow::Borrowed(ascii_others(b)),
            _ => Cow::Owned(case_fold_others(c)),
        };
        Letter { c, others }
    }

    fn matches(&self, c: char) -> bool {
        c == self.c || self.others.contains(&c)
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
        let mut non_ascii_start = Vec::new();
        for word in words {
            let trimmed = word.trim();
            let (first, last) = (trimmed.chars().next()?, trimmed.chars().last()?);
            // Which ends need a boundary: the rule's documented test, kept as it was.
            let is_word = |c: char| c.is_alphanumeric() || c == '_';
            let kw = Keyword {
                words: word
                    .split_whitespace()
                    .map(|w| w.chars().map(Letter::new).collect())
                    .collect(),
                left: is_word(first),
                right: is_word(last),
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
            for c in std::iter::once(start.c).chain(start.others.iter().copied()) {
                let list = match u8::try_from(c) {
                    Ok(b) if b.is_ascii() => &mut by_ascii_start[usize::from(b)],
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
            non_ascii_start,
        })
    }

    /// Whether any keyword occurs in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        // A byte loop: most positions are rejected by one table look-up, and characters are
        // only decoded where a keyword could start.
        for (at, &b) in text.as_bytes().iter().enumerate() {
            let candidates = if b.is_ascii() {
                &self.by_ascii_start[usize::from(b)]
            } else if b >= 0xC0 {
                // The first byte of a multi-byte character.
                &self.non_ascii_start
            } else {
                continue;
            };
            if candidates.is_empty() {
                continue;
            }
            // The byte after an ASCII first character is where the second one starts.
            let next = if b.is_ascii() {
                text.as_bytes().get(at + 1).copied().filter(u8::is_ascii)
            } else {
                None
            };
            let mut free_before = None;
            for kw in candidates
                .iter()
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
                    if !kw.right || !text[end..].chars().next().is_some_and(is_word_char) {
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
                let mut spaces = 0;
                while let Some((_, after)) = next(pos).filter(|&(c, _)| c.is_whitespace()) {
                    pos = after;
                    spaces += 1;
                }
                if spaces == 0 {
                    return None;
                }
            }
            for letter in word {
                match next(pos) {
                    Some((c, after)) if letter.matches(c) => pos = after,
                    _ => return None,
                }
            }
        }
        Some(pos)
    }
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

    /// The regex a keyword list used to compile into: the reference for these semantics.
    fn reference(words: &[&str]) -> regex::Regex {
        let mut groups: [[Vec<String>; 2]; 2] = Default::default();
        for word in words {
            let parts: Vec<String> = word.split_whitespace().map(regex::escape).collect();
            let t = word.trim();
            let (first, last) = (t.chars().next().unwrap(), t.chars().last().unwrap());
            let is_word = |c: char| c.is_alphanumeric() || c == '_';
            groups[usize::from(is_word(first))][usize::from(is_word(last))]
                .push(parts.join(r"\s+"));
        }
        let mut alternatives = Vec::new();
        for (left, row) in groups.iter().enumerate() {
            for (right, bodies) in row.iter().enumerate() {
                if !bodies.is_empty() {
                    alternatives.push(format!(
                        "{}(?:{}){}",
                        if left == 1 { r"\b{start-half}" } else { "" },
                        bodies.join("|"),
                        if right == 1 { r"\b{end-half}" } else { "" },
                    ));
                }
            }
        }
        regex::RegexBuilder::new(&alternatives.join("|"))
            .case_insensitive(true)
            .build()
            .unwrap()
    }

    #[test]
    fn agrees_with_the_regex_it_replaces() {
        let lists: &[&[&str]] = &[
            &[
                "review",
                "review meeting",
                "1:1",
                "1-on-1",
                "<>",
                "w/",
                "one on one",
            ],
            &["kelvin", "sync", "ſtraße", "İstanbul", "ǆungla", "café"],
            &["_x", "x_", "42", "é", "ß"],
            &["a b c", "naïve", "Σ", "ΣΑΣ"],
        ];
        let texts = [
            "",
            "Design Review",
            "design review: v2",
            "preview",
            "reviews",
            "Review meeting",
            "review\u{a0}\u{85} meeting",
            "Alex<>Sam",
            "lunch w/ Kim",
            "Kim 1:1",
            "a1:1b",
            "One  on\tone",
            "one-on-one",
            "\u{212a}ELVIN sync",
            "KELVIN",
            "strasse STRASSE ſtraße STRAßE",
            "istanbul İSTANBUL i̇stanbul",
            "ǄUNGLA ǅungla",
            "CAFÉ Café café caféine",
            "x_ _x __x x__",
            "v42 42 42b ٤٢",
            "é é̀ eé",
            "ß ẞ ss",
            "A  B\nC abc a b",
            "NAÏVE",
            "σ ς Σ ΣΑΣ σας σας ςας",
            "Inès <> Oisín 1:1",
            "\u{301}review",
            "review\u{301}",
        ];
        for list in lists {
            let owned: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            let ours = Keywords::new(&owned).unwrap();
            let re = reference(list);
            for text in texts {
                assert_eq!(
                    ours.is_match(text),
                    re.is_match(text),
                    "{list:?} on {text:?}"
                );
                for word in *list {
                    let one = Keywords::new(&[word.to_string()]).unwrap();
                    assert_eq!(
                        one.is_match(text),
                        reference(&[word]).is_match(text),
                        "{word:?} on {text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_empty_keyword_is_refused() {
        assert!(Keywords::new(&["ok".into(), "  ".into()]).is_none());
    }
}
