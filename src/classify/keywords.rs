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
use std::sync::{Arc, OnceLock};

use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
use rustc_hash::FxHashMap;

use super::fold::{base_char, is_mark};

/// A compiled keyword list: matches if any keyword occurs, word-aware.
#[derive(Clone, Debug)]
pub(crate) struct Keywords {
    /// Shared with the classifier's [`TitleIndex`], which checks keywords one by one.
    keywords: Arc<[Keyword]>,
    /// Every keyword's form (its words as search keys, separated by 0xFF: see [`Entry`]), one
    /// after another: what the
    /// [`TitleIndex`] compares titles with, made here from the letters just made, so the
    /// index is built by filing, without reading the letters again.
    forms: Arc<[u8]>,
    /// Built on the first [`Keywords::is_match`]: a classifier's cached path goes through
    /// its [`TitleIndex`] instead, and building these for every list at start-up cost more
    /// than a million instructions.
    starts: OnceLock<Starts>,
}

/// A keyword list compiled when calaudit was built: `build.rs` compiles the built-in rules'
/// lists with [`Keywords::new`] (this file is part of the build script too) and writes each
/// as [`Keywords::prepared_parts`] gives it, so a run files them without reading a keyword
/// ([`Keywords::from_prepared`]). Compiling them at every start was most of start-up's
/// instructions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prepared {
    /// The list's keywords as written, one after another.
    pub(crate) source: &'static str,
    /// Each keyword: where its word ends in `source`, then where its text is (`text`,
    /// `text_len` of [`Keyword`]), its [`Digest`]'s `form`, `form_len` and `key_len`, and its
    /// flags ([`Keyword::flags`]).
    pub(crate) keywords: &'static [[u32; 7]],
    /// The keywords' forms ([`Keywords::forms`]).
    pub(crate) forms: &'static [u8],
}

/// Which keywords of a list can start at a title position.
#[derive(Clone, Debug)]
struct Starts {
    /// For each ASCII character, the keywords that can start with it (in any case): a title
    /// position is only tried against those.
    by_ascii_start: Vec<Vec<u32>>,
    /// The same for the keywords whose start needs no word boundary (`<>`, `*gespräch`):
    /// only these can match inside a word, which is where most title positions are.
    by_ascii_start_open: Vec<Vec<u32>>,
    /// The keywords that can start with a non-ASCII character.
    non_ascii_start: Vec<u32>,
}

impl Starts {
    fn new(keywords: &[Keyword]) -> Starts {
        let mut by_ascii_start: Vec<Vec<u32>> = vec![Vec::new(); 128];
        let mut by_ascii_start_open: Vec<Vec<u32>> = vec![Vec::new(); 128];
        let mut non_ascii_start = Vec::new();
        for (index, kw) in keywords.iter().enumerate() {
            let Some(start) = kw.words().first().and_then(|w| w.first()) else {
                continue;
            };
            let index = index as u32;
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
        }
        Starts {
            by_ascii_start,
            by_ascii_start_open,
            non_ascii_start,
        }
    }
}

#[derive(Clone, Debug)]
struct Keyword {
    /// Its list's keywords as written, one after another (shared by the list's keywords).
    source: Arc<str>,
    /// Where its text is in `source`: trimmed, its `*` ends taken off.
    text: u32,
    text_len: u32,
    /// The keyword's words (see [`keyword_words`]), as letters; a run of separators between
    /// them. Made on first use from the text: only matching a title letter by letter (a list
    /// on its own, a title that is not ASCII) reads them, and making them for every keyword
    /// at start-up was two thirds of its instructions.
    words: OnceLock<Vec<Vec<Letter>>>,
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
    /// How the [`TitleIndex`] files and checks the keyword.
    digest: Digest,
}

/// A keyword as the [`TitleIndex`] files it, worked out when the list is compiled.
#[derive(Clone, Copy, Debug, Default)]
struct Digest {
    /// Where its form is in its list's `forms`, and how long it is.
    form: u32,
    form_len: u32,
    /// Which table it is filed in ([`Needle`]), and how many bytes of its form the needle is.
    table: Table,
    key_len: u32,
    /// Whether its letters are all ASCII ([`occurs_at_ascii`]).
    ascii: bool,
    /// Whether it is one ASCII word, all word characters, filed by that word: it occurs
    /// where a title's word or the word's plural stem equals it ([`TitleIndex::fill`]).
    whole: bool,
    /// The first byte of its second word, when its needle is its first word ([`Entry`]).
    second: Option<u8>,
}

/// The table of the [`TitleIndex`] a keyword is filed in: see [`Needle`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Table {
    Word,
    WordStart,
    Anywhere,
    #[default]
    Unindexed,
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

/// [`case_fold_others`] of an ASCII character, written out: the built-in rules spell about
/// 25,000 letters, and a case fold each was a third of start-up's instructions (a table
/// made on first use still cost a few dozen instructions a letter). Besides the other case
/// of a letter, only `k` (KELVIN SIGN) and `s` (LONG S) fold with a character that is not
/// ASCII; the test `ascii_others_are_the_case_fold` checks all 128.
fn ascii_others(b: u8) -> &'static [char] {
    const UPPER: [char; 26] = [
        'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R',
        'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
    ];
    const LOWER: [char; 26] = [
        'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r',
        's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
    ];
    match b {
        b'k' => &['K', '\u{212a}'],
        b'K' => &['k', '\u{212a}'],
        b's' => &['S', '\u{17f}'],
        b'S' => &['s', '\u{17f}'],
        b'a'..=b'z' => std::slice::from_ref(&UPPER[usize::from(b - b'a')]),
        b'A'..=b'Z' => std::slice::from_ref(&LOWER[usize::from(b - b'A')]),
        _ => &[],
    }
}

impl Keywords {
    /// Compiles `words`; `None` when one of them is empty (only whitespace).
    pub(crate) fn new(words: &[String]) -> Option<Keywords> {
        let mut keywords = Vec::with_capacity(words.len());
        let total = words.iter().map(String::len).sum();
        let mut forms = Vec::with_capacity(total);
        let mut source = String::with_capacity(total);
        for word in words {
            source.push_str(word);
        }
        let source: Arc<str> = source.into();
        let mut next = 0;
        for word in words {
            let word = source.get(next..next + word.len())?;
            next += word.len();
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
            // The ends of its words that hold a word character (see `keyword_words`), or of
            // the whole text when none does.
            let (first, last) = if let Some((first, last)) = ascii_ends(trimmed.as_bytes()) {
                (char::from(first), char::from(last))
            } else if trimmed.is_ascii() {
                return None;
            } else if split_words(trimmed).any(has_word_char) {
                let mut kept = split_words(trimmed).filter(|w| has_word_char(w));
                let first_word = kept.next()?;
                let last_word = kept.last().unwrap_or(first_word);
                (first_word.chars().next()?, last_word.chars().last()?)
            } else {
                (trimmed.chars().next()?, trimmed.chars().last()?)
            };
            // Which ends need a boundary: the rule's documented test, kept as it was.
            let is_word = |c: char| c.is_alphanumeric() || c == '_';
            // Texts are counted in the thousands of bytes, far below u32::MAX.
            let text = (trimmed.as_ptr() as usize - source.as_ptr() as usize) as u32;
            let kw = Keyword {
                source: source.clone(),
                text,
                text_len: trimmed.len() as u32,
                words: OnceLock::new(),
                left: is_word(first) && !open_left,
                right: is_word(last) && !open_right,
                plural: last.is_alphabetic(),
                second: None,
                digest: Digest::default(),
            };
            let second = if trimmed.is_ascii() {
                // Its letters are its bytes.
                ascii_words(trimmed.as_bytes())
                    .next()
                    .and_then(|w| w.get(1).copied())
            } else {
                kw.words()
                    .first()
                    .and_then(|w| w.get(1))
                    .and_then(|l| u8::try_from(l.c).ok())
                    .filter(u8::is_ascii)
            };
            let digest = kw.digest(&mut forms);
            keywords.push(Keyword {
                second,
                digest,
                ..kw
            });
        }
        Some(Keywords {
            keywords: keywords.into(),
            forms: forms.into(),
            starts: OnceLock::new(),
        })
    }

    /// [`Keywords::new`] of `words`, from what `build.rs` made of the same list: `None` when
    /// `words` is not the list `prepared` was made of (the caller then compiles them).
    pub(crate) fn from_prepared(words: &[String], prepared: &Prepared) -> Option<Keywords> {
        if words.len() != prepared.keywords.len() {
            return None;
        }
        let mut start = 0;
        for (word, &[end, ..]) in words.iter().zip(prepared.keywords) {
            if prepared.source.get(start..end as usize) != Some(word.as_str()) {
                return None;
            }
            start = end as usize;
        }
        Some(Keywords::from_prepared_as_is(prepared))
    }

    /// The list `prepared` was made of, compiled: [`Keywords::from_prepared`] without
    /// checking which words those were.
    pub(crate) fn from_prepared_as_is(prepared: &Prepared) -> Keywords {
        let source: Arc<str> = prepared.source.into();
        let mut keywords = Vec::with_capacity(prepared.keywords.len());
        for &[_, text, text_len, form, form_len, key_len, flags] in prepared.keywords {
            let bit = |n: u32| flags & (1 << n) != 0;
            let byte = |n: u32| (flags >> n & 0x100 != 0).then_some((flags >> n) as u8);
            keywords.push(Keyword {
                source: source.clone(),
                text,
                text_len,
                words: OnceLock::new(),
                left: bit(0),
                right: bit(1),
                plural: bit(2),
                second: byte(7),
                digest: Digest {
                    form,
                    form_len,
                    table: match flags >> 5 & 3 {
                        0 => Table::Word,
                        1 => Table::WordStart,
                        2 => Table::Anywhere,
                        _ => Table::Unindexed,
                    },
                    key_len,
                    ascii: bit(3),
                    whole: bit(4),
                    second: byte(16),
                },
            });
        }
        Keywords {
            keywords: keywords.into(),
            forms: prepared.forms.into(),
            starts: OnceLock::new(),
        }
    }

    /// What a [`Prepared`] of the list holds, given the `words` it was compiled from: its
    /// source, each keyword's numbers, its forms. `build.rs` writes these for the built-in
    /// lists.
    // Not `expect`: in the build script, which compiles this file too, it is used.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn prepared_parts(&self, words: &[String]) -> (String, Vec<[u32; 7]>, Vec<u8>) {
        let source = self
            .keywords
            .first()
            .map(|k| &*k.source)
            .unwrap_or_default();
        let mut end = 0;
        let keywords = words
            .iter()
            .zip(self.keywords.iter())
            .map(|(word, k)| {
                // Lists are counted in the thousands of bytes, far below u32::MAX.
                end += word.len() as u32;
                let d = &k.digest;
                [
                    end,
                    k.text,
                    k.text_len,
                    d.form,
                    d.form_len,
                    d.key_len,
                    k.flags(),
                ]
            })
            .collect();
        (source.to_owned(), keywords, self.forms.to_vec())
    }

    /// Whether any keyword occurs in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        // A byte loop: most positions are rejected by one table look-up, and characters are
        // only decoded where a keyword could start.
        let starts = self.starts.get_or_init(|| Starts::new(&self.keywords));
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
                    &starts.by_ascii_start[usize::from(b)]
                };
                (bounded, &starts.by_ascii_start_open[usize::from(b)])
            } else if b >= 0xC0 {
                // The first byte of a multi-byte character.
                (&starts.non_ascii_start, &[])
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
    /// Its flags and second bytes in one number, as [`Keywords::from_prepared`] reads them.
    fn flags(&self) -> u32 {
        let d = &self.digest;
        let byte = |b: Option<u8>| b.map_or(0, |b| 0x100 | u32::from(b));
        let table = match d.table {
            Table::Word => 0,
            Table::WordStart => 1,
            Table::Anywhere => 2,
            Table::Unindexed => 3,
        };
        u32::from(self.left)
            | u32::from(self.right) << 1
            | u32::from(self.plural) << 2
            | u32::from(d.ascii) << 3
            | u32::from(d.whole) << 4
            | table << 5
            | byte(self.second) << 7
            | byte(d.second) << 16
    }

    /// The keyword's text: trimmed, its `*` ends taken off.
    fn text(&self) -> &str {
        let from = self.text as usize;
        self.source
            .get(from..from + self.text_len as usize)
            .unwrap_or_default()
    }

    /// The keyword's words as letters, made on first use.
    fn words(&self) -> &[Vec<Letter>] {
        self.words
            .get_or_init(|| keyword_words(self.text()).map(letters).collect())
    }

    /// Whether the keyword occurs in `text`: [`Keywords::is_match`] for this keyword alone,
    /// tried at every character its first letter matches.
    fn occurs_in(&self, text: &str) -> bool {
        let Some(first) = self.words().first().and_then(|w| w.first()) else {
            return false;
        };
        text.char_indices()
            .any(|(at, c)| first.matches(c) && self.occurs_at(text, at))
    }

    /// Whether the keyword occurs at byte `at` of `text` (a character boundary), boundaries
    /// and plural endings included: the test [`Keywords::is_match`] makes at each position.
    fn occurs_at(&self, text: &str, at: usize) -> bool {
        if self.left && text[..at].chars().next_back().is_some_and(is_word_char) {
            return false;
        }
        self.match_at(text, at)
            .is_some_and(|end| !self.right || self.ends_at(text, end))
    }

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
        for (i, word) in self.words().iter().enumerate() {
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

/// One character standing for every character a keyword letter would match it with: its base
/// letter ([`base_char`]) in lowercase when that is ASCII; else, for the base letter's case
/// class, the lowercase ASCII base of one of its members (ẛ, LONG S WITH DOT ABOVE, is in
/// the class of Ṡ, whose base is S), or failing that its smallest member.
///
/// A [`Letter`] built from `l` matches a character `c` (not a combining mark) only if
/// `search_key(c) == search_key(l)`, and then both are word characters or neither is: the
/// test `search_keys_agree_with_letters` checks every character.
fn search_key(c: char) -> char {
    let b = base_char(c);
    if b.is_ascii() {
        return b.to_ascii_lowercase();
    }
    class_key(b, &case_fold_others(b))
}

/// [`search_key`] of `b`, a base letter that is not ASCII, given the other members of its
/// case class.
fn class_key(b: char, others: &[char]) -> char {
    let class = || others.iter().copied().chain(std::iter::once(b));
    match class().map(base_char).find(char::is_ascii) {
        Some(a) => a.to_ascii_lowercase(),
        None => class().min().unwrap_or(b),
    }
}

impl Letter {
    /// [`search_key`] of the letter, from the case class it already holds.
    fn search_key(&self) -> char {
        if self.c.is_ascii() {
            self.c.to_ascii_lowercase()
        } else {
            class_key(self.c, &self.others)
        }
    }
}

/// A title as [`TitleIndex`] looks it up: each character as its [`search_key`] (UTF-8),
/// combining marks left out (the matcher skips a mark after a letter), and where its words
/// (runs of word characters) are.
struct SearchText {
    text: Vec<u8>,
    /// Per word: its byte range in `text`, and where it starts in the title.
    words: Vec<(usize, usize, usize)>,
}

impl SearchText {
    /// `None` when the title holds a combining mark that a keyword letter could match
    /// (U+0345, which case-folds to ι): the search text leaves marks out, so the title is
    /// matched list by list instead.
    fn new(title: &str) -> Option<SearchText> {
        if title.is_ascii() {
            // Nearly every title: a byte is a character, and none is a mark.
            let text = title.as_bytes().to_ascii_lowercase();
            let mut words = Vec::with_capacity(8);
            let mut i = 0;
            while i < text.len() {
                let from = i;
                while text.get(i).is_some_and(|&b| is_word_byte(b)) {
                    i += 1;
                }
                if i > from {
                    words.push((from, i, from));
                } else {
                    i += 1;
                }
            }
            return Some(SearchText { text, words });
        }
        let mut text = Vec::with_capacity(title.len());
        let mut words = Vec::with_capacity(8);
        // Where the current word started: in `text`, and in the title.
        let mut start: Option<(usize, usize)> = None;
        let bytes = title.as_bytes();
        let mut at = 0;
        // A byte loop: ASCII characters need no decoding.
        while let Some(&b) = bytes.get(at) {
            let here = text.len();
            let (word, len) = if b.is_ascii() {
                text.push(b.to_ascii_lowercase());
                (is_word_byte(b), 1)
            } else {
                let c = title[at..].chars().next()?;
                if is_mark(c) {
                    if !case_fold_others(c).is_empty() {
                        return None;
                    }
                    at += c.len_utf8();
                    continue;
                }
                let key = search_key(c);
                text.extend_from_slice(key.encode_utf8(&mut [0; 4]).as_bytes());
                (is_word_char(c), c.len_utf8())
            };
            match (word, start) {
                (true, None) => start = Some((here, at)),
                (false, Some((from, begun))) => {
                    words.push((from, here, begun));
                    start = None;
                }
                _ => {}
            }
            at += len;
        }
        if let Some((from, begun)) = start {
            words.push((from, text.len(), begun));
        }
        Some(SearchText { text, words })
    }
}

/// A keyword in the index.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Its list, and its place in the list.
    list: u32,
    keyword: u32,
    /// Where its form is in [`TitleIndex::forms`]: its words as search keys, separated by
    /// 0xFF (a byte UTF-8 never uses), for [`form_end`].
    form: u32,
    form_len: u32,
    /// How many bytes of the form are its needle (see [`Needle`]).
    key_len: u32,
    /// The next entry filed under the same needle (or first byte), [`NONE`] after the last.
    next: u32,
    /// Its [`Digest`]'s flags, and whether it ends in a letter (a plural ending may follow).
    ascii: bool,
    whole: bool,
    plural: bool,
    /// When its needle is its first word and another word follows, that word's first byte:
    /// found by a word of the title, the keyword can only occur if the next word of the title
    /// starts with it. Most keywords of a long chain ("team sync", "team offsite", ...)
    /// are turned away by this one comparison.
    second: Option<u8>,
}

/// No entry: the end of a chain of entries.
const NONE: u32 = u32::MAX;

/// Where a keyword of words `form` (an [`Entry`]'s) would end if it occurs at byte `at` of
/// `text`, the search text of an ASCII title (the title in lowercase): its words are there,
/// with runs of non-word bytes between them (taken whole, as [`Keyword::match_at`] does).
/// Every place that `match_at` accepts passes; most that it would reject (a keyword's first
/// word found, but not its second) fail here at the cost of a few byte comparisons, where
/// the exact test costs a few hundred instructions.
///
/// On the search text of a title that is not ASCII, the same holds for a keyword whose
/// letters are all ASCII (but the end found is not the title's): each letter matched a
/// character whose search key is that letter, the separators between words (characters
/// that are not word characters) have search keys that are not word bytes, and the marks
/// `match_at` skips after a letter are not in the search text. (A keyword letter that is not
/// ASCII could be skipped here as a separator, its bytes being no word bytes.)
fn form_end(form: &[u8], text: &[u8], at: usize) -> Option<usize> {
    // One byte loop (no splitting): nearly every call fails at its first few bytes.
    let mut pos = at;
    for &f in form {
        if f == 0xFF {
            let gap = pos;
            while text.get(pos).is_some_and(|&b| !is_word_byte(b)) {
                pos += 1;
            }
            if pos == gap {
                return None;
            }
        } else if text.get(pos) == Some(&f) {
            pos += 1;
        } else {
            return None;
        }
    }
    Some(pos)
}

/// Whether `text` starts with `prefix`: a byte loop, which for the short needles of the
/// [`TitleIndex`] (most fail at their first or second byte) costs less than a call to
/// `memcmp`.
fn starts_with_bytes(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text.iter().zip(prefix).all(|(a, b)| a == b)
}

/// [`Keyword::occurs_at`] for a keyword whose letters are all ASCII, on an ASCII title whose
/// search text is `text`. There a letter matches a character exactly when they are equal
/// ignoring ASCII case (the other characters that fold to an ASCII letter are not ASCII),
/// which is what [`form_end`] compares; the boundaries and plural endings are tested as
/// `occurs_at` tests them.
///
/// The first `found` bytes of the form are known to be at `at` (the index found its needle
/// there), and are not compared again.
fn occurs_at_ascii(kw: &Keyword, form: &[u8], found: usize, text: &[u8], at: usize) -> bool {
    let word_at = |i: usize| text.get(i).is_some_and(|&b| is_word_byte(b));
    if kw.left && at.checked_sub(1).is_some_and(word_at) {
        return false;
    }
    let rest = form.get(found..).unwrap_or_default();
    let Some(end) = form_end(rest, text, at + found) else {
        return false;
    };
    let free = |i: usize| !word_at(i);
    !kw.right
        || free(end)
        || (kw.plural
            && ((text.get(end) == Some(&b's') && free(end + 1))
                || (text.get(end..end + 2) == Some(b"es") && free(end + 2))))
}

/// Whether an ASCII byte is a word character (`\w`); no other byte is. One look-up: titles
/// are read byte by byte, and the two range tests cost several instructions a byte.
fn is_word_byte(b: u8) -> bool {
    const WORD_BYTES: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 128 {
            table[b] = (b as u8).is_ascii_alphanumeric() || b as u8 == b'_';
            b += 1;
        }
        table
    };
    WORD_BYTES[usize::from(b)]
}

/// For each first byte of a needle, the first entry filed under it (a chain through
/// [`Entry::next`]), or [`NONE`].
type ByFirstByte = Box<[u32; 256]>;

/// The first two bytes of a table's needles, as a set of 65,536 bits: a title position whose
/// two bytes are not in it starts no needle of the table, and its chain is not walked. The
/// built-in rules file some 850 keywords by their first byte alone (most of them Chinese,
/// Japanese and Korean, a few German `*arzt`, `*runde`); walking a chain at every title
/// byte that starts one was a seventh of the cost of a title.
#[derive(Clone, Debug)]
struct Pairs(Box<[u64; 1024]>);

impl Pairs {
    fn new() -> Pairs {
        Pairs(Box::new([0; 1024]))
    }

    /// Adds a needle (never empty); one of a single byte admits every byte after it.
    fn insert(&mut self, needle: &[u8]) {
        match *needle {
            [a, b, ..] => self.set(a, b),
            [a] => (0..=255).for_each(|b| self.set(a, b)),
            [] => {}
        }
    }

    fn set(&mut self, a: u8, b: u8) {
        let pair = usize::from(a) << 8 | usize::from(b);
        self.0[pair >> 6] |= 1 << (pair & 63);
    }

    /// Whether a needle may start at byte `at` of `text`: always at its last byte, which
    /// has no second one.
    fn may_start(&self, text: &[u8], at: usize) -> bool {
        match (text.get(at), text.get(at + 1)) {
            (Some(&a), Some(&b)) => {
                let pair = usize::from(a) << 8 | usize::from(b);
                self.0[pair >> 6] & (1 << (pair & 63)) != 0
            }
            _ => true,
        }
    }
}

/// The hash a needle of [`Needle::Word`] is filed under in [`TitleIndex::by_word`] (keywords
/// whose needles share a hash are compared with the word one by one, so a collision costs
/// a comparison, never a wrong answer).
fn word_hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.finish()
}

/// Every title keyword list of a classifier, matched against a title at once.
///
/// The built-in rules hold about 2,200 title keywords in some 30 lists. Matching each list in
/// turn cost ~3,000 instructions a list and title, and most titles in a calendar are seen
/// once (they carry names), so remembering answers per title did not help. Here a title is
/// read once: each of its words is looked up in a table of the keywords that start with
/// that word (`review` finds "review", "review meeting" and, through its plural, is found
/// by "Reviews"); the few keywords that do not start with a whole word (`interview*`,
/// `*gespräch`, `<>`, emoji) are looked for at word starts or anywhere in the text. Only the
/// keywords found are then checked exactly, with the test [`Keywords::is_match`] makes,
/// where they were found.
///
/// An Aho–Corasick automaton over all keywords would find them in one pass too, but building
/// it for 1,900 keywords costs ~10 M instructions at every start (the DFA ~140 M), more than
/// the whole of classification. Here each keyword's form and needle were worked out when its
/// list was compiled ([`Digest`]); building the index only files them: the lists' forms are
/// copied into one buffer, and each table holds the first of a chain of entries, so nothing
/// is allocated per keyword and nothing is sorted.
#[derive(Clone, Debug)]
pub(crate) struct TitleIndex {
    /// Every list's keyword forms, one list after another.
    forms: Vec<u8>,
    /// Every keyword, in list order.
    entries: Vec<Entry>,
    /// Keywords whose needle is a whole word of the title ([`Needle::Word`]): the first
    /// entry of those whose needle has this [`word_hash`], and whether their needles differ
    /// (two needles with one hash; else the first entry's needle is every entry's).
    by_word: FxHashMap<u64, (u32, bool)>,
    /// Keywords whose needle starts a word of the title ([`Needle::WordStart`]).
    by_word_start: ByFirstByte,
    word_start_pairs: Pairs,
    /// Keywords whose needle may be anywhere in the title ([`Needle::Anywhere`]).
    anywhere: ByFirstByte,
    anywhere_pairs: Pairs,
    /// Keywords spelt with combining marks only: checked on every title.
    unindexed: u32,
    /// Each list's keywords, with the slot its answer goes to in a title's memo entry.
    lists: Vec<(usize, Arc<[Keyword]>)>,
}

impl TitleIndex {
    /// An index of `lists`, each given with its memo slot.
    pub(crate) fn new<'a>(lists: impl IntoIterator<Item = (usize, &'a Keywords)>) -> TitleIndex {
        let lists: Vec<(usize, &Keywords)> = lists.into_iter().collect();
        let count: usize = lists.iter().map(|(_, k)| k.keywords.len()).sum();
        let mut forms: Vec<u8> = Vec::with_capacity(lists.iter().map(|(_, k)| k.forms.len()).sum());
        let mut entries: Vec<Entry> = Vec::with_capacity(count);
        for (li, (_, list)) in lists.iter().enumerate() {
            // Lists, keywords and their forms are counted in the thousands, far below
            // u32::MAX.
            let base = forms.len() as u32;
            forms.extend_from_slice(&list.forms);
            for (ki, kw) in list.keywords.iter().enumerate() {
                let d = &kw.digest;
                entries.push(Entry {
                    list: li as u32,
                    keyword: ki as u32,
                    form: base + d.form,
                    form_len: d.form_len,
                    key_len: d.key_len,
                    next: NONE,
                    ascii: d.ascii,
                    whole: d.whole,
                    plural: kw.plural,
                    second: d.second,
                });
            }
        }
        let mut by_word: FxHashMap<u64, (u32, bool)> = FxHashMap::default();
        let mut by_word_start: ByFirstByte = Box::new([NONE; 256]);
        let mut anywhere: ByFirstByte = Box::new([NONE; 256]);
        let mut word_start_pairs = Pairs::new();
        let mut anywhere_pairs = Pairs::new();
        let mut unindexed = NONE;
        // Filed last to first, so that each chain is in list order: a list's keywords are
        // then tried in the order written, and once one matches the rest are skipped.
        let keywords = lists.iter().flat_map(|(_, k)| k.keywords.iter());
        for (i, kw) in keywords.enumerate().collect::<Vec<_>>().into_iter().rev() {
            let Some(entry) = entries.get(i) else {
                continue;
            };
            let from = entry.form as usize;
            let needle = forms
                .get(from..from + entry.key_len as usize)
                .unwrap_or_default();
            // A needle is never empty; an empty one would be filed under byte 0.
            let first = usize::from(needle.first().copied().unwrap_or(0));
            let head = match kw.digest.table {
                Table::Word => {
                    let (head, mixed) = by_word.entry(word_hash(needle)).or_insert((NONE, false));
                    if let Some(e) = entries.get(*head as usize) {
                        let from = e.form as usize;
                        *mixed |= forms.get(from..from + e.key_len as usize) != Some(needle);
                    }
                    head
                }
                Table::WordStart => {
                    word_start_pairs.insert(needle);
                    &mut by_word_start[first]
                }
                Table::Anywhere => {
                    anywhere_pairs.insert(needle);
                    &mut anywhere[first]
                }
                Table::Unindexed => &mut unindexed,
            };
            let next = std::mem::replace(head, i as u32);
            if let Some(entry) = entries.get_mut(i) {
                entry.next = next;
            }
        }
        TitleIndex {
            forms,
            entries,
            by_word,
            by_word_start,
            word_start_pairs,
            anywhere,
            anywhere_pairs,
            unindexed,
            lists: lists
                .iter()
                .map(|&(slot, k)| (slot, k.keywords.clone()))
                .collect(),
        }
    }

    /// The entries of the chain that starts at `first`.
    fn chain(&self, first: u32) -> impl Iterator<Item = &Entry> {
        std::iter::successors(self.entries.get(first as usize), |e| {
            self.entries.get(e.next as usize)
        })
    }

    /// An entry's form.
    fn form(&self, e: &Entry) -> &[u8] {
        let from = e.form as usize;
        self.forms
            .get(from..from + e.form_len as usize)
            .unwrap_or_default()
    }

    /// An entry's needle: the start of its form.
    fn needle(&self, e: &Entry) -> &[u8] {
        let from = e.form as usize;
        self.forms
            .get(from..from + e.key_len as usize)
            .unwrap_or_default()
    }

    /// Records in `memo` (a title's entry in a [`ClassifyCache`](super::ClassifyCache))
    /// whether each list occurs in `title`. Leaves `memo` as it was for the rare title it
    /// cannot search (see [`SearchText::new`]): the rules then match it list by list.
    pub(crate) fn fill(&self, title: &str, memo: &mut [Option<bool>]) {
        // Nearly every title is short and ASCII: its search text (the title in lowercase)
        // is made on the stack, and its words are where its word bytes are.
        const SHORT: usize = 192;
        if title.is_ascii() && title.len() <= SHORT {
            let mut buf = [0u8; SHORT];
            let text = &mut buf[..title.len()];
            text.copy_from_slice(title.as_bytes());
            text.make_ascii_lowercase();
            let text = &*text;
            let mut i = 0;
            let words = std::iter::from_fn(|| {
                while text.get(i).is_some_and(|&b| !is_word_byte(b)) {
                    i += 1;
                }
                let from = i;
                while text.get(i).is_some_and(|&b| is_word_byte(b)) {
                    i += 1;
                }
                (i > from).then_some((from, i, from))
            });
            self.fill_from(title, text, words, memo);
            return;
        }
        let Some(search) = SearchText::new(title) else {
            return;
        };
        self.fill_from(title, &search.text, search.words.iter().copied(), memo);
    }

    /// [`TitleIndex::fill`], given the title's search text and words (see [`SearchText`]).
    fn fill_from(
        &self,
        title: &str,
        text: &[u8],
        words: impl Iterator<Item = (usize, usize, usize)>,
        memo: &mut [Option<bool>],
    ) {
        for (slot, _) in &self.lists {
            if let Some(state) = memo.get_mut(*slot) {
                *state = Some(false);
            }
        }
        // In an ASCII title, a byte of the search text is the same byte of the title.
        let ascii = title.is_ascii();
        // Checks the keyword `e` at byte `at` of the title, or anywhere in it; a list
        // already known to match is not checked again.
        let mut check = |e: &Entry, place: Where| {
            let Some((slot, list)) = self.lists.get(e.list as usize) else {
                return;
            };
            let Some(state) = memo.get_mut(*slot) else {
                return;
            };
            if *state == Some(true) {
                return;
            }
            let Some(kw) = list.get(e.keyword as usize) else {
                return;
            };
            // The rest of the keyword's form, after the needle found at `from`, must follow
            // it in the search text: a few byte comparisons that turn away most of the
            // keywords found, before the exact test.
            let rest_follows = |from: usize| {
                let needle = e.key_len as usize;
                let rest = self.form(e).get(needle..).unwrap_or_default();
                form_end(rest, text, from + needle).is_some()
            };
            let found = match place {
                Where::Known(found) => found,
                Where::At { from, .. } if ascii && e.ascii => {
                    occurs_at_ascii(kw, self.form(e), e.key_len as usize, text, from)
                }
                Where::At { from, at } if ascii || e.ascii => {
                    rest_follows(from) && kw.occurs_at(title, at)
                }
                Where::At { at, .. } => kw.occurs_at(title, at),
                Where::Anywhere => kw.occurs_in(title),
            };
            if found {
                *state = Some(true);
            }
        };
        for (from, to, at) in words {
            let Some(word) = text.get(from..to) else {
                continue;
            };
            // The first byte of the title's next word, past the run of non-word bytes after
            // this one (as `form_end` would skip it).
            let next_first = {
                let mut i = to;
                while text.get(i).is_some_and(|&b| !is_word_byte(b)) {
                    i += 1;
                }
                text.get(i).copied().filter(|_| i > to)
            };
            // A keyword that ends the word may have a plural ending after it.
            let stems = [
                Some(word),
                word.strip_suffix(b"s"),
                word.strip_suffix(b"es"),
            ];
            for (s, stem) in stems.into_iter().enumerate() {
                let Some(stem) = stem else {
                    continue;
                };
                let Some(&(first, mixed)) = self.by_word.get(&word_hash(stem)) else {
                    continue;
                };
                let is_stem = |e: &Entry| {
                    let needle = self.needle(e);
                    needle.len() == stem.len() && starts_with_bytes(stem, needle)
                };
                // Unless two needles share the hash, the first entry's needle is the chain's.
                if !mixed && !self.entries.get(first as usize).is_some_and(is_stem) {
                    continue;
                }
                for entry in self.chain(first) {
                    if mixed && !is_stem(entry) {
                        continue;
                    }
                    // `form_end`'s first comparison past the needle, where `form_end` is a
                    // test of the keyword (see `Where::At`); after a stem the title goes on
                    // with its plural ending, not with a separator.
                    if let Some(b) = entry.second {
                        if (ascii || entry.ascii) && (s != 0 || next_first != Some(b)) {
                            continue;
                        }
                    }
                    if ascii && entry.whole {
                        // The keyword is this word (it starts after a boundary, as every
                        // word does) or, when it ends in a letter, its plural's stem.
                        check(entry, Where::Known(s == 0 || entry.plural));
                    } else {
                        check(entry, Where::At { from, at });
                    }
                }
            }
            let first = match word.first() {
                Some(&b) if self.word_start_pairs.may_start(word, 0) => {
                    self.by_word_start[usize::from(b)]
                }
                _ => NONE,
            };
            for entry in self.chain(first) {
                if starts_with_bytes(word, self.needle(entry)) {
                    check(entry, Where::At { from, at });
                }
            }
        }
        for (i, &b) in text.iter().enumerate() {
            let first = self.anywhere[usize::from(b)];
            if first == NONE || !self.anywhere_pairs.may_start(text, i) {
                continue;
            }
            for entry in self.chain(first) {
                if starts_with_bytes(&text[i..], self.needle(entry)) {
                    let place = if ascii {
                        Where::At { from: i, at: i }
                    } else {
                        Where::Anywhere
                    };
                    check(entry, place);
                }
            }
        }
        for entry in self.chain(self.unindexed) {
            check(entry, Where::Anywhere);
        }
    }
}

/// Where [`TitleIndex::fill`] checks a keyword it found.
#[derive(Clone, Copy)]
enum Where {
    /// Its needle is at byte `from` of the title's search text, which is byte `at` of the
    /// title.
    At { from: usize, at: usize },
    /// Anywhere in the title.
    Anywhere,
    /// Where it was found, and whether it occurs there is already known.
    Known(bool),
}

/// What [`TitleIndex`] looks for in a title's [`SearchText`] to find a keyword: its first
/// letters (as many as given) as search keys, a prefix of its form (see [`Digest`]).
/// Wherever the keyword occurs in the title, this is there, and starts where
/// the keyword starts.
enum Needle {
    /// A keyword that starts with a word character after a word boundary and goes on past
    /// its first word, or ends on a boundary (a plural ending allowed): its first word,
    /// which is a word of the title, or is one without its `s` or `es`.
    Word(usize),
    /// Another keyword starting with a word character after a boundary (`interview*`): its
    /// first word, which starts a word of the title.
    WordStart(usize),
    /// Any other keyword (`*gespräch`, `<>`, emoji): its letters up to the first combining
    /// mark, somewhere in the text.
    Anywhere(usize),
    /// A keyword that starts with a combining mark.
    None,
}

impl Needle {
    /// How many of the keyword's first letters the needle is.
    fn letters(&self) -> Option<usize> {
        match *self {
            Needle::Word(n) | Needle::WordStart(n) | Needle::Anywhere(n) => Some(n),
            Needle::None => None,
        }
    }
}

impl Keyword {
    /// Where [`TitleIndex`] files the keyword. Its letters, as [`search_key`]s, match
    /// consecutive characters of the title with only combining marks between them (the
    /// search text leaves those out), and only a word character matches a word character.
    fn needle(&self) -> Needle {
        let words = self.words();
        let Some(letters) = words.first() else {
            return Needle::None;
        };
        // A keyword spelling a combining mark may match one, which the search text drops.
        let unmarked = letters.iter().take_while(|l| !is_mark(l.c)).count();
        let has_marks = words.iter().flatten().any(|l| is_mark(l.c));
        let word = letters.iter().take_while(|l| is_word_char(l.c)).count();
        self.needle_of(words.len(), letters.len(), unmarked, word, has_marks)
    }

    /// [`Keyword::needle`], given how many words it has, its first word's length in letters,
    /// how many of those come before the first combining mark and before the first character
    /// that is not a word character, and whether any of its letters is a combining mark.
    fn needle_of(
        &self,
        words: usize,
        len: usize,
        unmarked: usize,
        word: usize,
        has_marks: bool,
    ) -> Needle {
        let whole = words == 1 && word == len;
        if self.left && word > 0 && !has_marks {
            if !whole || self.right {
                Needle::Word(word)
            } else {
                Needle::WordStart(word)
            }
        } else if unmarked > 0 {
            Needle::Anywhere(unmarked)
        } else {
            Needle::None
        }
    }
}

impl Keyword {
    /// Appends the keyword's form (its words as search keys, separated by 0xFF: see
    /// [`Entry`]) to `forms`, and says how the [`TitleIndex`] files it.
    fn digest(&self, forms: &mut Vec<u8>) -> Digest {
        let form = forms.len();
        // Nearly every keyword is ASCII, and then a letter is a byte of the form, no letter
        // is a combining mark, and the needle is read off the form's first word.
        let text = self.text();
        let mut ascii = true;
        let (count, first) = if text.is_ascii() {
            // Its letters are its bytes: the form is made from the text, without them.
            let mut first = None;
            let mut count = 0;
            for (i, word) in ascii_words(text.as_bytes()).enumerate() {
                if i > 0 {
                    forms.push(0xFF);
                }
                forms.extend(word.iter().map(u8::to_ascii_lowercase));
                first.get_or_insert(word.len());
                count += 1;
            }
            (count, first.unwrap_or(0))
        } else {
            let words = self.words();
            for (i, word) in words.iter().enumerate() {
                if i > 0 {
                    forms.push(0xFF);
                }
                for l in word {
                    match u8::try_from(l.c) {
                        Ok(b) if b.is_ascii() => forms.push(b.to_ascii_lowercase()),
                        _ => {
                            ascii = false;
                            forms.extend_from_slice(
                                l.search_key().encode_utf8(&mut [0; 4]).as_bytes(),
                            )
                        }
                    }
                }
            }
            (words.len(), words.first().map_or(0, Vec::len))
        };
        let (needle, key_len) = if ascii {
            let written = forms.get(form..form + first).unwrap_or_default();
            let word = written.iter().take_while(|&&b| is_word_byte(b)).count();
            let needle = self.needle_of(count, first, first, word, false);
            let key_len = needle.letters().unwrap_or(0);
            (needle, key_len)
        } else {
            let needle = self.needle();
            let first = self.words().first().map(Vec::as_slice).unwrap_or_default();
            // A letter's search key is one character: the needle's first `n` letters are the
            // form's first `n` characters.
            let key_len = needle.letters().map_or(0, |n| {
                first
                    .iter()
                    .take(n)
                    .map(|l| l.search_key().len_utf8())
                    .sum()
            });
            (needle, key_len)
        };
        let form_len = forms.len() - form;
        let table = match needle {
            Needle::Word(_) => Table::Word,
            Needle::WordStart(_) => Table::WordStart,
            Needle::Anywhere(_) => Table::Anywhere,
            Needle::None => Table::Unindexed,
        };
        // Forms are counted in the thousands of bytes, far below u32::MAX.
        Digest {
            form: form as u32,
            form_len: form_len as u32,
            table,
            key_len: key_len as u32,
            ascii,
            whole: ascii && table == Table::Word && key_len == form_len && count == 1,
            second: match forms.get(form + key_len..) {
                Some(&[0xFF, b, ..]) => Some(b),
                _ => None,
            },
        }
    }
}

/// The words of a keyword's text (trimmed, its `*` ends taken off), as it is matched.
/// Between words, a title's separators are skipped, so a word of separators only ("&" in
/// "walk & talk", "→") is a separator too, and one at an end ("x <>") is left out; a keyword
/// of nothing else ("<>") keeps its words, and one of hyphens alone is matched as written.
fn keyword_words(text: &str) -> impl Iterator<Item = &str> {
    let any_word = split_words(text).any(has_word_char);
    let whole = split_words(text).next().is_none().then_some(text);
    split_words(text)
        .filter(move |w| !any_word || has_word_char(w))
        .chain(whole)
}

/// [`keyword_words`] of an ASCII text, on its bytes (the start-up cost of every run is
/// mostly reading keywords, nearly all ASCII; the test `ascii_words_are_keyword_words`
/// checks that both agree).
fn ascii_words(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    // `char::is_whitespace` of an ASCII character, and the hyphen.
    let is_separator = |b: &u8| matches!(b, b'\t'..=b'\r' | b' ' | b'-');
    let any_word = text.iter().any(|&b| is_word_byte(b));
    let whole = text.iter().all(is_separator).then_some(text);
    text.split(is_separator)
        .filter(move |w| !w.is_empty() && (!any_word || w.iter().any(|&b| is_word_byte(b))))
        .chain(whole)
}

/// The first and last byte of an ASCII keyword text's words that hold a word character, or
/// of the text when none does: the characters that say which ends of the keyword need a
/// word boundary. `None` when the text is empty or not ASCII.
fn ascii_ends(text: &[u8]) -> Option<(u8, u8)> {
    if !text.is_ascii() {
        return None;
    }
    let (&first, &last) = (text.first()?, text.last()?);
    if !text.iter().any(|&b| is_word_byte(b)) {
        return Some((first, last));
    }
    let mut words = ascii_words(text);
    let first_word = words.next()?;
    let last_word = words.last().unwrap_or(first_word);
    Some((*first_word.first()?, *last_word.last()?))
}

/// A keyword word's letters. A combining mark after a letter is left out: in a title it
/// belongs to its letter, which matches with or without it (accents are ignored), so the
/// keyword's own mark would have nothing left to match ("मीटिंग", "a\u{301}x"). Only a mark
/// that starts the word is kept.
fn letters(word: &str) -> Vec<Letter> {
    if word.is_ascii() {
        // Nearly every word: a byte is a letter, none is a mark, and its case class is
        // written out. Its exact length lets the letters be collected without a check each.
        return word
            .bytes()
            .map(|b| Letter {
                c: char::from(b),
                others: Cow::Borrowed(ascii_others(b)),
            })
            .collect();
    }
    // Sized up front: collecting through a filter grew the vector a few times per word.
    let mut letters = Vec::with_capacity(word.len());
    letters.extend(
        word.chars()
            .enumerate()
            .filter(|&(i, c)| i == 0 || !is_mark(c))
            .map(|(_, c)| Letter::new(c)),
    );
    letters
}

/// Whether `word` holds a letter, digit or other word character.
fn has_word_char(word: &str) -> bool {
    word.chars().any(is_word_char)
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
    use proptest::prelude::*;

    /// Whether the list `words` matches `text`, checking that the [`TitleIndex`] (with the
    /// list among others) and each keyword's own test give the same answer.
    fn matches(words: &[&str], text: &str) -> bool {
        let owned: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        let list = Keywords::new(&owned).unwrap();
        let want = list.is_match(text);
        let one_by_one = list.keywords.iter().any(|k| k.occurs_in(text));
        assert_eq!(one_by_one, want, "occurs_in: {words:?} on {text:?}");
        let other = Keywords::new(&["zzz".into(), "e".into()]).unwrap();
        let index = TitleIndex::new([(2, &other), (0, &list)]);
        let mut memo = [None, Some(true), None];
        index.fill(text, &mut memo);
        assert_eq!(memo[0], Some(want), "index: {words:?} on {text:?}");
        assert_eq!(memo[1], Some(true), "a slot of no list is left alone");
        want
    }

    /// The class of `c` under simple case folding, `c` included.
    fn class(c: char) -> Vec<char> {
        let mut v = case_fold_others(c);
        v.push(c);
        v
    }

    #[test]
    fn ascii_others_are_the_case_fold() {
        for b in 0..128u8 {
            assert_eq!(
                ascii_others(b),
                case_fold_others(char::from(b)).as_slice(),
                "{b}"
            );
        }
    }

    #[test]
    fn word_bytes_are_ascii_word_characters() {
        for b in 0..=255u8 {
            assert_eq!(
                is_word_byte(b),
                b.is_ascii() && is_word_char(char::from(b)),
                "{b}"
            );
        }
    }

    #[test]
    fn search_keys_agree_with_letters() {
        // For every character of the title, every keyword letter that matches it (its case
        // class, and its base letter's when accented) has the same search key: so a
        // keyword's needle is in the search text of every title the keyword occurs in.
        let mut checked = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if is_mark(c) {
                // Left out of the search text; a title with one a letter could match is not
                // searched (`SearchText::new`), a keyword spelling one is found otherwise.
                continue;
            }
            let b = base_char(c);
            let mut letters = class(c);
            if !c.is_ascii() && b != c {
                letters.extend(class(b));
            }
            for l in letters {
                // A keyword's letters are base letters (`Letter::new`).
                if base_char(l) != l || is_mark(l) {
                    continue;
                }
                assert!(Letter::new(l).matches(c), "{c:?} {l:?}");
                assert_eq!(Letter::new(l).search_key(), search_key(l), "{l:?}");
                assert_eq!(search_key(c), search_key(l), "{c:?} {l:?}");
                assert_eq!(is_word_char(c), is_word_char(l), "{c:?} {l:?}");
                checked += 1;
            }
        }
        assert!(checked > 0x10000, "{checked}");
    }

    #[test]
    fn the_index_checks_unindexed_keywords_and_non_ascii_titles() {
        let table: &[(&[&str], &str, bool)] = &[
            // A keyword spelling a combining mark: the title's mark after a letter belongs
            // to the letter, so only a mark starting the keyword can match.
            (&["a\u{301}x"], "a\u{301}x", true),
            (&["a\u{301}x"], "ax", true),
            (&["k\u{301}"], "k", true),
            (&["\u{301}"], "e\u{301}", true),
            (&["\u{301}", "zz"], "e", false),
            (&["straße"], "STRASSE", false),
            (&["strasse"], "Straſſe", true),
            (&["kelvin"], "\u{212a}elvin 🎯", true),
            (&["🎯"], "Focus 🎯", true),
            (&["x <>"], "x <>", true),
            (&["x <>"], "xylophone", false),
            (&["sync"], "Réunion sync", true),
            (&["interview*"], "Réunion interviewers", true),
            (&["interview*"], "Réunion préinterview", false),
            (&["*review"], "Sicherheitsreview: Réunion", true),
            (&["*review"], "Sicherheitsreviewer", false),
            (&["<>"], "Inès<>Sam", true),
            (&["टीम मीटिंग"], "टीम मीटिंग", true),
            (&["मीटिंग"], "टीम मीटिंग", true),
            // Past its needle, an ASCII keyword is compared with the search text first.
            (&["design review"], "Réunion: design — review", true),
            (&["design review"], "Réunion: design reviewer", false),
            (&["design review"], "Réunion: design révision", false),
            (&["review meeting"], "Café review\u{301} meeting", true),
            (&["kelvin scale"], "Café \u{212a}elvin – ſcale", true),
            (&["design review"], "Réunion: design 評 review", false),
        ];
        for &(words, text, want) in table {
            assert_eq!(matches(words, text), want, "{words:?} on {text:?}");
        }
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
            (&["walk & talk"], "Walk & talk with Marisol", true),
            (&["walk & talk"], "walk and talk", false),
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

    /// Pieces that titles and keywords are made of: words that are keywords of each other
    /// and their plurals, separators, accents written both ways, letters whose case class
    /// holds a character that is not ASCII, marks, emoji and the `*` of open ends.
    const PIECES: &[&str] = &[
        "review",
        "Review",
        "REVIEWS",
        "s",
        "es",
        "sync",
        "on",
        "call",
        "one",
        "1",
        "1:1",
        "<>",
        "-",
        " ",
        "  ",
        "/",
        "_",
        "*",
        "&",
        "é",
        "É",
        "e\u{301}",
        "\u{301}",
        "ß",
        "ſ",
        "\u{212a}",
        "k",
        "σ",
        "Σ",
        "ς",
        "🎯",
        "a",
        "x",
        "ñ",
        "gespräch",
        "inter",
        "view",
    ];

    fn piece_text(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..max).prop_map(|v| v.concat())
    }

    /// `list` (compiled from `words`) as `build.rs` writes it and a run reads it back:
    /// [`Keywords::from_prepared`], which must give every number `Keywords::new` gave.
    fn prepared_again(words: &[String], list: &Keywords) -> Keywords {
        let (source, keywords, forms) = list.prepared_parts(words);
        let prepared = Prepared {
            source: Box::leak(source.into_boxed_str()),
            keywords: Box::leak(keywords.into_boxed_slice()),
            forms: Box::leak(forms.into_boxed_slice()),
        };
        let again = Keywords::from_prepared(words, &prepared).expect("the same words");
        assert_eq!(again.prepared_parts(words), list.prepared_parts(words));
        // Not the list it was made of: refused.
        let mut other = words.to_vec();
        other.push("x".into());
        assert!(Keywords::from_prepared(&other, &prepared).is_none());
        other.truncate(words.len());
        if let Some(first) = other.first_mut() {
            first.push('x');
            assert!(Keywords::from_prepared(&other, &prepared).is_none());
        }
        again
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The index's answer for every list (its fast paths: whole words and plural stems
        /// without a check, byte comparisons for ASCII, the stack-made search text) is what
        /// matching the list on its own gives.
        #[test]
        fn the_index_agrees_with_each_list(
            lists in prop::collection::vec(prop::collection::vec(piece_text(4), 1..4), 1..4),
            title in piece_text(9),
        ) {
            let compiled: Vec<Keywords> = lists.iter().filter_map(|l| Keywords::new(l)).collect();
            let index = TitleIndex::new(compiled.iter().enumerate().map(|(i, k)| (2 * i, k)));
            let mut memo = vec![None; 2 * compiled.len()];
            index.fill(&title, &mut memo);
            // The same lists compiled ahead (as build.rs does) and read back: the same index
            // and the same answers, from letters made only when a check needs them.
            let ahead: Vec<Keywords> = lists
                .iter()
                .filter_map(|l| Keywords::new(l).map(|k| prepared_again(l, &k)))
                .collect();
            let ahead_index = TitleIndex::new(ahead.iter().enumerate().map(|(i, k)| (2 * i, k)));
            let mut ahead_memo = vec![None; 2 * ahead.len()];
            ahead_index.fill(&title, &mut ahead_memo);
            prop_assert_eq!(&ahead_memo, &memo);
            for (i, list) in ahead.iter().enumerate() {
                let searched = SearchText::new(&title).is_some();
                prop_assert_eq!(memo[2 * i], searched.then(|| list.is_match(&title)));
            }
            let searched = SearchText::new(&title).is_some();
            for (i, list) in compiled.iter().enumerate() {
                let want = searched.then(|| list.is_match(&title));
                prop_assert_eq!(memo[2 * i], want, "{:?} on {:?}", lists, title);
                prop_assert_eq!(memo[2 * i + 1], None);
            }
            // As if every needle shared its hash with another: each entry is compared.
            let mut mixed = index.clone();
            for (_, m) in mixed.by_word.values_mut() {
                *m = true;
            }
            let mut mixed_memo = vec![None; 2 * compiled.len()];
            mixed.fill(&title, &mut mixed_memo);
            prop_assert_eq!(mixed_memo, memo);
        }
    }

    #[test]
    fn long_titles_are_searched_too() {
        // Past the length searched on the stack, the title's search text is made on the heap.
        let long = format!("{} design reviews", "x ".repeat(150));
        assert!(matches(&["design review"], &long));
        assert!(matches(&["review"], &long));
        assert!(!matches(&["reviewer", "designs review"], &long));
        assert!(matches(&["sync"], &format!("{long} syncs")));
    }

    proptest! {
        /// The ASCII fast path splits a keyword into the words the general one does.
        #[test]
        fn ascii_words_are_keyword_words(text in "[ -~\t\n\x0b\x0c\r]{0,12}") {
            let general: Vec<&[u8]> = keyword_words(&text).map(str::as_bytes).collect();
            let fast: Vec<&[u8]> = ascii_words(text.as_bytes()).collect();
            prop_assert_eq!(fast, general);
            let kept: Vec<&str> = split_words(&text).filter(|w| has_word_char(w)).collect();
            let ends = match (kept.first(), kept.last()) {
                (Some(f), Some(l)) => f.bytes().next().zip(l.bytes().last()),
                _ => text.bytes().next().zip(text.bytes().last()),
            };
            prop_assert_eq!(ascii_ends(text.as_bytes()), ends);
        }
    }

    #[test]
    fn an_empty_keyword_is_refused() {
        assert!(Keywords::new(&["ok".into(), "  ".into()]).is_none());
    }
}
