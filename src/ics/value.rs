//! ICS value types (RFC 5545 3.3) parsed from raw property text: DATE, DATE-TIME, DURATION,
//! PERIOD and TEXT. Pure functions on `&str`; no time zone resolution here (that is
//! [`super::zone`]), no recurrence (that is [`super::rrule`]).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A DATE or DATE-TIME as written, before any zone is applied.
///
/// `Zoned` keeps the TZID as an index into the calendar's interned TZID table, so that
/// thousands of events in "Pacific Standard Time" share one string and one resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateValue {
    /// `VALUE=DATE`: an all-day date.
    Date(NaiveDate),
    /// A DATE-TIME with neither `Z` nor TZID: read in the user's (or X-WR-TIMEZONE) zone.
    Floating(NaiveDateTime),
    /// A DATE-TIME ending in `Z`.
    Utc(NaiveDateTime),
    /// A DATE-TIME with `TZID=`; the `u32` indexes [`super::Calendar::tzids`].
    Zoned(NaiveDateTime, u32),
}

impl DateValue {
    pub fn is_date(&self) -> bool {
        matches!(self, DateValue::Date(_))
    }

    /// The wall-clock value as written (midnight for a DATE).
    pub fn naive(&self) -> NaiveDateTime {
        match *self {
            DateValue::Date(d) => d.and_time(NaiveTime::MIN),
            DateValue::Floating(t) | DateValue::Utc(t) | DateValue::Zoned(t, _) => t,
        }
    }
}

/// An RFC 5545 DURATION. Days and weeks are nominal (they follow the local clock across
/// DST), hours/minutes/seconds are exact (RFC 5545 3.3.6), so they are kept apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Duration {
    pub negative: bool,
    /// Nominal days (weeks are folded in as 7 days).
    pub days: i64,
    /// Exact seconds.
    pub seconds: i64,
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u32 = 0;
    for &b in s {
        n = n.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(n)
}

/// `YYYYMMDD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.trim().as_bytes();
    if b.len() != 8 {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = digits(&b[4..6])?;
    let d = digits(&b[6..8])?;
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// `YYYYMMDDTHHMMSS` with an optional trailing `Z`; returns the time and whether it was UTC.
/// Seconds of 60 (a leap second) are read as 59, as RFC 5545 allows implementations to do.
pub fn parse_date_time(s: &str) -> Option<(NaiveDateTime, bool)> {
    // The form nearly every value has, `YYYYMMDDTHHMMSS` or with `Z`, read in one pass;
    // anything else (spaces, lower case, no seconds, a bad digit) takes the general path.
    if let Some(fast) = parse_date_time_exact(s.as_bytes()) {
        return fast;
    }
    parse_date_time_general(s)
}

/// [`parse_date_time`] for any form.
fn parse_date_time_general(s: &str) -> Option<(NaiveDateTime, bool)> {
    let s = s.trim();
    let (s, utc) = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => (rest, true),
        None => (s, false),
    };
    let b = s.as_bytes();
    // Some producers omit seconds (YYYYMMDDTHHMM); accept that leniently.
    if !(b.len() == 15 || b.len() == 13) || !(b[8] == b'T' || b[8] == b't') {
        return None;
    }
    let date = parse_date(&s[..8])?;
    let h = digits(&b[9..11])?;
    let mi = digits(&b[11..13])?;
    let sec = if b.len() == 15 {
        digits(&b[13..15])?
    } else {
        0
    };
    let time = NaiveTime::from_hms_opt(h, mi, sec.min(59))?;
    Some((date.and_time(time), utc))
}

/// `YYYYMMDDTHHMMSS` or `YYYYMMDDTHHMMSSZ` exactly, all digits: `Some` with what
/// [`parse_date_time`] gives for it (`None` inside for a date or time that does not exist),
/// `None` for any other form.
fn parse_date_time_exact(b: &[u8]) -> Option<Option<(NaiveDateTime, bool)>> {
    let utc = match b.len() {
        15 => false,
        16 if b[15] == b'Z' => true,
        _ => return None,
    };
    if b[8] != b'T' || !b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit) {
        return None;
    }
    let n = |from: usize, to: usize| {
        b[from..to]
            .iter()
            .fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'))
    };
    let date = NaiveDate::from_ymd_opt(n(0, 4) as i32, n(4, 6), n(6, 8));
    let time = NaiveTime::from_hms_opt(n(9, 11), n(11, 13), n(13, 15).min(59));
    Some(date.zip(time).map(|(d, t)| (d.and_time(t), utc)))
}

/// `[+-]P[nW][nD][T[nH][nM][nS]]`. Lenient about case and about a week count combined
/// with other parts (RFC 5545 forbids it, some producers write it).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let b = s.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative = b[i] == b'-';
        i += 1;
    }
    if i >= b.len() || !(b[i] == b'P' || b[i] == b'p') {
        return None;
    }
    i += 1;
    let mut out = Duration {
        negative,
        ..Duration::default()
    };
    let mut in_time = false;
    let mut any = false;
    while i < b.len() {
        if b[i] == b'T' || b[i] == b't' {
            in_time = true;
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let n = i64::from(digits(&b[start..i])?);
        let unit = *b.get(i)?;
        i += 1;
        any = true;
        match (unit.to_ascii_uppercase(), in_time) {
            (b'W', false) => out.days = out.days.checked_add(n.checked_mul(7)?)?,
            (b'D', false) => out.days = out.days.checked_add(n)?,
            (b'H', true) => out.seconds = out.seconds.checked_add(n.checked_mul(3600)?)?,
            (b'M', true) => out.seconds = out.seconds.checked_add(n.checked_mul(60)?)?,
            (b'S', true) => out.seconds = out.seconds.checked_add(n)?,
            _ => return None,
        }
    }
    if !any {
        return None;
    }
    Some(out)
}

/// Undoes TEXT escaping (RFC 5545 3.3.11): `\\`, `\;`, `\,`, `\n`/`\N`. Unknown escapes keep
/// the character after the backslash, which is what producers that over-escape mean.
pub fn unescape_text(s: &str) -> String {
    // Copy the runs between backslashes whole (found with memchr) rather than char by char:
    // descriptions are long and escape every line break.
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut start = 0;
    while let Some(off) = memchr::memchr(b'\\', &b[start..]) {
        let i = start + off;
        out.push_str(&s[start..i]);
        // The escaped character may be multi-byte: take it whole.
        match s[i + 1..].chars().next() {
            Some('n') | Some('N') => {
                out.push('\n');
                start = i + 2;
            }
            Some(other) => {
                out.push(other);
                start = i + 1 + other.len_utf8();
            }
            None => {
                out.push('\\');
                start = i + 1;
            }
        }
    }
    out.push_str(&s[start..]);
    out
}

/// Splits a TEXT list value (CATEGORIES) on unescaped commas and unescapes each item.
pub fn split_text_list(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b',' => {
                push_item(&mut out, &s[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start <= s.len() {
        push_item(&mut out, &s[start.min(s.len())..]);
    }
    out
}

fn push_item(out: &mut Vec<String>, raw: &str) {
    let item = unescape_text(raw.trim());
    if !item.is_empty() {
        out.push(item);
    }
}

/// Normalises a calendar user address for comparison: trimmed, lowercase, `mailto:` dropped.
pub fn normalize_address(s: &str) -> String {
    let s = s.trim();
    // `get`, not `[..7]`: byte 7 may be inside a character (`José Ñuñez`, `abcde€@x.org`).
    let s = match s.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    };
    s.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass reading of the usual form gives what the general path gives, for valid
    /// values, impossible dates and times, leap seconds and near-misses of the form.
    #[test]
    fn exact_form_reads_like_the_general_path() {
        let mut inputs = vec![
            "20240102T030405Z",
            "20240102T030405",
            "20240229T235959Z",
            "20230229T120000",
            "20241301T000000",
            "20240100T000000",
            "20240102T240000",
            "20240102T236000Z",
            "20240102T030460Z",
            "20240102T030499",
            "99991231T235959Z",
            "00000101T000000",
            "20240102t030405Z",
            "20240102T030405z",
            "20240102X030405Z",
            "2024010aT030405Z",
            "20240102T03040aZ",
            "20240102T030405ZZ",
            " 20240102T030405",
            "20240102T030405 ",
            "+0240102T030405Z",
            "2024-01-02T03:04",
            "20240102T0304Z",
            "",
        ];
        let many: Vec<String> = (0..2000u32)
            .map(|i| {
                format!(
                    "{:04}{:02}{:02}T{:02}{:02}{:02}{}",
                    1990 + i % 50,
                    i % 14,
                    i % 33,
                    i % 26,
                    i * 7 % 62,
                    i * 13 % 63,
                    if i % 2 == 0 { "Z" } else { "" }
                )
            })
            .collect();
        inputs.extend(many.iter().map(String::as_str));
        let mut fast = 0;
        for s in inputs {
            if let Some(got) = parse_date_time_exact(s.as_bytes()) {
                fast += 1;
                assert_eq!(got, parse_date_time_general(s), "{s:?}");
            }
            assert_eq!(parse_date_time(s), parse_date_time_general(s), "{s:?}");
        }
        assert!(fast > 2000, "{fast}");
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date("20240229"), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(parse_date("20230229"), None);
        assert_eq!(parse_date("2024022"), None);
        let (t, utc) = parse_date_time("20240102T030405Z").unwrap();
        assert!(utc);
        assert_eq!(t.to_string(), "2024-01-02 03:04:05");
        assert!(!parse_date_time("20240102T030405").unwrap().1);
        assert_eq!(parse_date_time("20240102T2504").map(|x| x.0), None);
        assert_eq!(
            parse_date_time("20240102T0304").unwrap().0.to_string(),
            "2024-01-02 03:04:00"
        );
        assert_eq!(parse_date_time("garbage"), None);
        assert_eq!(parse_date_time("2024é102T030405"), None);
    }

    #[test]
    fn durations() {
        let d = parse_duration("P1W2DT3H4M5S").unwrap();
        assert_eq!(
            (d.days, d.seconds, d.negative),
            (9, 3 * 3600 + 4 * 60 + 5, false)
        );
        let d = parse_duration("-PT15M").unwrap();
        assert_eq!((d.days, d.seconds, d.negative), (0, 900, true));
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("P1H"), None);
        assert_eq!(parse_duration("1H"), None);
        assert_eq!(parse_duration("P99999999999999999999D"), None);
    }

    #[test]
    fn text() {
        assert_eq!(unescape_text(r"a\, b\; c\\d\ne"), "a, b; c\\d\ne");
        assert_eq!(unescape_text("trailing\\"), "trailing\\");
        assert_eq!(
            split_text_list(r"Meeting,Planning\, long, ,x"),
            vec!["Meeting", "Planning, long", "x"]
        );
        assert_eq!(
            normalize_address(" MAILTO:Me@Example.COM "),
            "me@example.com"
        );
        assert_eq!(normalize_address("mailto:"), "");
    }

    /// Issue 12: byte 7 of these is inside a character; a byte slice there panicked.
    #[test]
    fn addresses_with_a_multibyte_character_near_the_start() {
        assert_eq!(normalize_address("José Ñuñez"), "josé Ñuñez");
        assert_eq!(normalize_address("abcde€@x.org"), "abcde€@x.org");
        assert_eq!(normalize_address("MAILTO:abcde€@X.org"), "abcde€@x.org");
        assert_eq!(normalize_address("mailt€"), "mailt€");
        for s in ["é", "éé", "ééé", "éééé", "ÿ@x.org", "\u{1F600}mailto:x"] {
            assert_eq!(normalize_address(s), s.to_ascii_lowercase(), "{s:?}");
        }
    }
}
