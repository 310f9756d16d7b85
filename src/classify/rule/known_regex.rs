//! The built-in rules' two `title_regex` patterns, matched by hand.
//!
//! Compiling them with the `regex` crate cost 3.6 M instructions at every start (the ticket
//! pattern 2.1 M, 1.5 M of it its case-insensitive literal prefilter; the flight pattern
//! 1.5 M), more than the rest of start-up once the keyword lists were compiled at build
//! time; and a title reaches them in most calendars (427 of cal_5y's), so compiling them on
//! first use would only have moved the cost into classification. A pattern is matched here only
//! when its text is exactly one of these (whoever writes it, a user's rule too); any other
//! pattern, including an edited one, is compiled as before. The test
//! `known_patterns_match_as_the_regex_crate_does` checks each against the regex crate on
//! titles made of the pieces where the two could differ (word boundaries, Unicode digits and
//! spaces, case folding, the arrows).

use std::sync::OnceLock;

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, HirKind};

/// Flight legs and numbers: "SFO → JFK", "SFO-JFK", "UA 123".
const FLIGHT: &str = r"(?-i)\b(?:[A-Z]{3} ?(?:-|–|—|→|->|>|to) ?[A-Z]{3}|(?:UA|AA|DL|WN|B6|AS|AC|LH|BA|AF|KL|IB|VY|EK|QR|EY|LX|SK|AY|TK|SQ|NH|JL|QF|U2|TP|EI)\s?\d{2,4})\b";

/// The airline codes of [`FLIGHT`], in its order.
const AIRLINES: [&str; 27] = [
    "UA", "AA", "DL", "WN", "B6", "AS", "AC", "LH", "BA", "AF", "KL", "IB", "VY", "EK", "QR", "EY",
    "LX", "SK", "AY", "TK", "SQ", "NH", "JL", "QF", "U2", "TP", "EI",
];

/// The arrows of [`FLIGHT`] between two airports.
const ARROWS: [&str; 7] = ["-", "–", "—", "→", "->", ">", "to"];

/// Ticket and incident ids: "INC-1234", "sev 2", "JIRA123".
const TICKET: &str = r"\b(INC|SEV|OPS|CHG|CVE|JIRA|PROJ)[- ]?\d";

/// The words of [`TICKET`], in its order.
const TICKETS: [&str; 7] = ["INC", "SEV", "OPS", "CHG", "CVE", "JIRA", "PROJ"];

/// A pattern matched by hand, as the `regex` crate would match it with `case_insensitive`
/// set (as `title_regex` and the other `*_regex` keys compile theirs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KnownRegex {
    /// [`FLIGHT`]: case-sensitive (it says `(?-i)`).
    Flight,
    /// [`TICKET`]: case-insensitive.
    Ticket,
}

impl KnownRegex {
    /// The hand matcher for `pattern`, if its text is one of the known patterns.
    pub(super) fn of(pattern: &str) -> Option<KnownRegex> {
        match pattern {
            FLIGHT => Some(KnownRegex::Flight),
            TICKET => Some(KnownRegex::Ticket),
            _ => None,
        }
    }

    /// Whether the pattern matches somewhere in `text`.
    pub(super) fn is_match(self, text: &str) -> bool {
        // Titles are short and nearly all ASCII: then a byte is a character; otherwise its
        // characters are collected, so the pattern can look back and ahead.
        if text.is_ascii() {
            self.is_match_in(text.as_bytes())
        } else {
            self.is_match_in(&text.chars().collect::<Vec<char>>())
        }
    }

    /// [`KnownRegex::is_match`] on a title's characters.
    fn is_match_in<T: Copy + Into<char>>(self, chars: &[T]) -> bool {
        let chars = Chars(chars);
        (0..chars.0.len()).any(|at| {
            // Both patterns start with `\b` and then a letter (a word character): a word
            // must not go on before it. The letter is tested first, the cheaper test.
            let free = || at.checked_sub(1).is_none_or(|i| !chars.is(i, is_word));
            match self {
                KnownRegex::Flight => {
                    chars.is(at, |c| c.is_ascii_uppercase()) && free() && flight_at(chars, at)
                }
                KnownRegex::Ticket => chars.is(at, starts_ticket) && free() && ticket_at(chars, at),
            }
        })
    }
}

/// A title's characters: its bytes when it is ASCII, else its `char`s.
#[derive(Clone, Copy)]
struct Chars<'a, T>(&'a [T]);

impl<T: Copy + Into<char>> Chars<'_, T> {
    /// The character at `i`.
    fn get(self, i: usize) -> Option<char> {
        self.0.get(i).map(|&c| c.into())
    }

    /// Whether there is a character at `i` and it passes `test`.
    fn is(self, i: usize, test: impl Fn(char) -> bool) -> bool {
        self.get(i).is_some_and(test)
    }

    /// Where `literal` ends if it is at `at` (exactly, case included).
    fn literal_at(self, at: usize, literal: &str) -> Option<usize> {
        let mut end = at;
        for l in literal.chars() {
            if self.get(end) != Some(l) {
                return None;
            }
            end += 1;
        }
        Some(end)
    }

    /// The positions an optional literal space leaves the match at from `i`: `i`, and
    /// `i + 1` when there is a space at `i`.
    fn after_space(self, i: usize) -> impl Iterator<Item = usize> {
        let space = self.get(i) == Some(' ');
        std::iter::once(i).chain(space.then_some(i + 1))
    }

    /// Whether no word character is at `i` (the end of the title counts).
    fn ends_word(self, i: usize) -> bool {
        !self.is(i, is_word)
    }
}

/// Whether [`FLIGHT`] matches at `at` (after its `\b`).
fn flight_at<T: Copy + Into<char>>(chars: Chars<'_, T>, at: usize) -> bool {
    let upper = |i: usize| chars.is(i, |c| c.is_ascii_uppercase());
    let airport = |i: usize| (0..3).all(|k| upper(i + k));
    // `[A-Z]{3} ?(?:-|…|to) ?[A-Z]{3}\b`, every way the optional spaces can go.
    let leg = || {
        airport(at)
            && chars.after_space(at + 3).any(|arrow| {
                ARROWS
                    .iter()
                    .filter_map(|a| chars.literal_at(arrow, a))
                    .any(|to| {
                        chars
                            .after_space(to)
                            .any(|i| airport(i) && chars.ends_word(i + 3))
                    })
            })
    };
    // `(?:UA|…|EI)\s?\d{2,4}\b`: the digits end the match, so a run of 2 to 4 of them
    // followed by no word character (a fifth digit is one).
    let number = || {
        // One look-up: codes are two ASCII characters.
        let pair = [chars.get(at), chars.get(at + 1)].map(|c| c.and_then(|c| u8::try_from(c).ok()));
        let [Some(a), Some(b)] = pair else {
            return false;
        };
        AIRLINES
            .iter()
            .any(|code| code.as_bytes() == [a, b])
            .then_some(at + 2)
            .is_some_and(|from| {
                let from = from + usize::from(chars.is(from, is_space));
                let run = (from..from + 5)
                    .take_while(|&i| chars.is(i, is_digit))
                    .count();
                (2..=4).contains(&run) && chars.ends_word(from + run)
            })
    };
    leg() || number()
}

/// Whether [`TICKET`] matches at `at` (after its `\b`): a word, ignoring case as the regex
/// crate does (simple case folding: `S` is also LONG S), then `-` or a space or nothing, then
/// a digit.
fn ticket_at<T: Copy + Into<char>>(chars: Chars<'_, T>, at: usize) -> bool {
    TICKETS.iter().any(|word| {
        let mut end = at;
        for w in word.chars() {
            if !chars.is(end, |c| folds_to(c, w)) {
                return false;
            }
            end += 1;
        }
        // After an optional `-` or space: if it was there and no digit follows, the
        // pattern without it needs a digit there, which `-` and space are not.
        let end = end + usize::from(chars.is(end, |c| matches!(c, '-' | ' ')));
        chars.is(end, is_digit)
    })
}

/// Whether `c` can start a word of [`TICKET`]: one character test at every title position.
fn starts_ticket(c: char) -> bool {
    if c.is_ascii() {
        matches!(c.to_ascii_uppercase(), 'I' | 'S' | 'O' | 'C' | 'J' | 'P')
    } else {
        TICKETS
            .iter()
            .any(|w| w.chars().next().is_some_and(|w| folds_to(c, w)))
    }
}

/// Whether `c` equals the uppercase ASCII letter `upper` under Unicode simple case folding,
/// as a case-insensitive regex compares them.
fn folds_to(c: char, upper: char) -> bool {
    if c.is_ascii() {
        return c.eq_ignore_ascii_case(&upper);
    }
    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    class.case_fold_simple();
    class.iter().any(|r| (r.start()..=r.end()).contains(&upper))
}

/// `\w`: a Unicode word character.
fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        regex_syntax::try_is_word_character(c).unwrap_or(false)
    }
}

/// `\d`: a Unicode decimal digit.
fn is_digit(c: char) -> bool {
    static DIGITS: OnceLock<Vec<(char, char)>> = OnceLock::new();
    c.is_ascii_digit() || (!c.is_ascii() && in_class(&DIGITS, r"\d", c))
}

/// `\s`: Unicode white space.
fn is_space(c: char) -> bool {
    static SPACES: OnceLock<Vec<(char, char)>> = OnceLock::new();
    if c.is_ascii() {
        matches!(c, '\t'..='\r' | ' ')
    } else {
        in_class(&SPACES, r"\s", c)
    }
}

/// Whether `c` is in the class that the regex `perl` (`\d`, `\s`) stands for, as `regex-syntax`
/// (the regex crate's parser) reads it; read once, on the first character that is not ASCII.
fn in_class(class: &OnceLock<Vec<(char, char)>>, perl: &str, c: char) -> bool {
    let ranges = class.get_or_init(|| match regex_syntax::parse(perl).map(|h| h.into_kind()) {
        Ok(HirKind::Class(Class::Unicode(u))) => u.iter().map(|r| (r.start(), r.end())).collect(),
        // `\d` and `\s` are classes; should the parser ever say otherwise, nothing is in it,
        // and the test against the regex crate fails.
        _ => Vec::new(),
    });
    ranges
        .binary_search_by(|&(from, to)| {
            if to < c {
                std::cmp::Ordering::Less
            } else if from > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::RegexBuilder;

    /// Pieces of titles: the patterns' words and codes in both cases, their separators and
    /// arrows, and the characters where a hand matcher could differ from the regex crate:
    /// Unicode digits and spaces, letters that fold to ASCII ones (LONG S, KELVIN SIGN),
    /// accented and CJK word characters, a combining mark, underscores.
    const PIECES: &[&str] = &[
        "SFO", "JFK", "sfo", "LHR", "AB", "ABCD", "UA", "ua", "B6", "U2", "EI", "QF", "INC", "inc",
        "Inc", "SEV", "ſev", "SEv", "OPS", "CHG", "CVE", "JIRA", "jira", "PROJ", "proj", "-", "–",
        "—", "→", "->", ">", "to", "TO", " ", "  ", "\t", "\u{a0}", "\u{2003}", "\u{85}", "1",
        "12", "123", "1234", "12345", "٣", "１２", "४२", "_", "é", "É", "日", "\u{301}", "K",
        "\u{212a}", "x", ":", "(", ")", "/", "#",
    ];

    fn title() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..8).prop_map(|v| v.concat())
    }

    /// Titles shaped like a match: something before, a pattern's word or code, what may come
    /// between, what may follow, something after; twice, so one part can fail and the other
    /// match.
    fn shaped_title() -> impl Strategy<Value = String> {
        const BEFORE: &[&str] = &["", " ", "x", "_", "é", "(", "日", "\u{301}", "1", "-"];
        const HEADS: &[&str] = &[
            "SFO",
            "sfo",
            "SFo",
            "UA",
            "ua",
            "B6",
            "U2",
            "UAX",
            "XUA",
            "INC",
            "inc",
            "ſev",
            "SEV",
            "OPS",
            "ops",
            "CHG",
            "CVE",
            "JIRA",
            "Jira",
            "PROJ",
            "\u{212a}L",
            "KL",
            "İNC",
        ];
        const BETWEEN: &[&str] = &[
            "", " ", "  ", "-", "–", "—", "→", "->", ">", "to", "TO", " - ", " to ", "- ", " >",
            "\u{a0}", "\u{2003}", "\u{85}", "\t", "\n", "_", ":",
        ];
        const TAILS: &[&str] = &[
            "1",
            "12",
            "123",
            "1234",
            "12345",
            "٣٣",
            "١٢٣٤٥",
            "１２",
            "४२",
            "JFK",
            "jfk",
            "JF",
            "JFKX",
            "ſ1",
            "",
        ];
        const AFTER: &[&str] = &["", " ", "x", "1", "_", "é", "-", "\u{301}", "日", "."];
        let part = (
            prop::sample::select(BEFORE),
            prop::sample::select(HEADS),
            prop::sample::select(BETWEEN),
            prop::sample::select(TAILS),
            prop::sample::select(AFTER),
        )
            .prop_map(|(a, b, c, d, e)| [a, b, c, d, e].concat());
        (part.clone(), part).prop_map(|(a, b)| a + &b)
    }

    fn regex(pattern: &str) -> regex::Regex {
        RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .expect("a known pattern compiles")
    }

    #[test]
    fn known_patterns_are_recognised_by_their_text_only() {
        assert_eq!(KnownRegex::of(FLIGHT), Some(KnownRegex::Flight));
        assert_eq!(KnownRegex::of(TICKET), Some(KnownRegex::Ticket));
        assert_eq!(KnownRegex::of(&format!("{TICKET} ")), None);
        assert_eq!(KnownRegex::of(r"\b(INC|SEV)[- ]?\d"), None);
    }

    #[test]
    fn known_patterns_match_these_titles_as_the_regex_crate_does() {
        let titles = [
            "SFO → JFK",
            "SFO->JFK",
            "SFO - > JFK",
            "SFOtoJFK",
            "SFO to JFK 🛫",
            "XSFO-JFK",
            "SFO-JFKX",
            "SFO-JFK_",
            "UA 123",
            "UA\u{a0}123",
            "UA12345",
            "UA1",
            "UA ١٢٣",
            "(UA 1234)",
            "INC-4321",
            "inc 42",
            "ſev1",
            "SEV-",
            "SEV- 1",
            "xINC1",
            "éINC1",
            "_PROJ-7",
            "JIRA１",
            "",
        ];
        for (pattern, known) in [(FLIGHT, KnownRegex::Flight), (TICKET, KnownRegex::Ticket)] {
            let re = regex(pattern);
            for t in titles {
                assert_eq!(known.is_match(t), re.is_match(t), "{known:?} on {t:?}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20000, ..ProptestConfig::default() })]

        #[test]
        fn known_patterns_match_as_the_regex_crate_does(
            title in prop_oneof![title(), shaped_title()],
        ) {
            static RES: OnceLock<[regex::Regex; 2]> = OnceLock::new();
            let [flight, ticket] = RES.get_or_init(|| [regex(FLIGHT), regex(TICKET)]);
            prop_assert_eq!(KnownRegex::Flight.is_match(&title), flight.is_match(&title));
            prop_assert_eq!(KnownRegex::Ticket.is_match(&title), ticket.is_match(&title));
        }
    }
}
