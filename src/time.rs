//! Time helpers shared by the config, the commands and the outputs: one duration syntax for
//! every config key, ISO week labels and UTC timestamps as we print them.
//!
//! This module owns how *we* write and read times. It does not own calendar semantics: an RFC
//! 5545 DURATION value (`PT1H30M`) is read by `ics::value::parse_duration`, and zones, DST and
//! recurrence live in [`crate::ics`].

use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// Why a config duration could not be read (humantime's reason: unknown unit, missing unit…).
pub type DurationError = humantime::DurationError;

/// Reads a config duration with [humantime]'s syntax: a sequence of numbers with units, spaces
/// optional (`"15m"`, `"1h30m"`, `"1h 30m"`, `"300ms"`, `"14d"`, `"2w"`, `"90 minutes"`).
/// Surrounding whitespace is ignored.
///
/// Every spelling the two earlier parsers accepted (digits followed by `s`, `m`, `h`, `d` or
/// `w`, repeated, plus `<n>ms`) reads the same here; a bare number, an empty string and an
/// unknown unit are errors. Whether zero is allowed is the caller's decision.
///
/// # Example
/// ```
/// use std::time::Duration;
/// assert_eq!(calaudit::time::parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
/// assert!(calaudit::time::parse_duration("15").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<StdDuration, DurationError> {
    humantime::parse_duration(s.trim())
}

/// The ISO 8601 week a date belongs to, as we label weeks everywhere: `2026-W02`.
pub fn iso_week_label(date: NaiveDate) -> String {
    let iso = date.iso_week();
    format!("{}-W{:02}", iso.year(), iso.week())
}

/// A UTC instant in RFC 3339 form with a `Z`, to the second: `2026-01-05T09:00:00Z` (JSON
/// outputs, alert keys).
pub fn utc_rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A UTC instant for people, to the minute: `2026-01-05 09:00 UTC` (the dashboard's feed list).
pub fn utc_minutes(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling the config accepted before humantime (`parse_span` and the daemon's
    /// `parse_duration`, including the config tests' values) still reads the same.
    #[test]
    fn earlier_spellings_read_the_same() {
        let table: [(&str, u64); 14] = [
            ("15m", 900_000),
            ("1h30m", 5_400_000),
            ("45s", 45_000),
            ("14d", 14 * 86_400_000),
            ("2w", 14 * 86_400_000),
            ("2h", 7_200_000),
            ("90m", 5_400_000),
            ("5s", 5_000),
            ("30s", 30_000),
            ("10m", 600_000),
            ("300ms", 300),
            ("0s", 0),
            (" 15m ", 900_000),
            ("1d2h3m4s", 93_784_000),
        ];
        for (s, ms) in table {
            assert_eq!(
                parse_duration(s).ok(),
                Some(StdDuration::from_millis(ms)),
                "{s:?}"
            );
        }
    }

    #[test]
    fn what_is_not_a_duration() {
        for s in ["15", "m", "", "   ", "soon", "later", "1h30", "-5m", "5mm"] {
            assert!(parse_duration(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn new_spellings() {
        assert_eq!(
            parse_duration("1h 30m").ok(),
            Some(StdDuration::from_secs(5400))
        );
        assert_eq!(
            parse_duration("90 minutes").ok(),
            Some(StdDuration::from_secs(5400))
        );
    }

    #[test]
    fn labels_and_stamps() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(iso_week_label(d), "2026-W02");
        // 2027-01-01 is a Friday in ISO week 53 of 2026.
        let d = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(iso_week_label(d), "2026-W53");
        let t = NaiveDate::from_ymd_opt(2026, 1, 5)
            .unwrap()
            .and_hms_opt(9, 5, 7)
            .unwrap()
            .and_utc();
        assert_eq!(utc_rfc3339(t), "2026-01-05T09:05:07Z");
        assert_eq!(utc_minutes(t), "2026-01-05 09:05 UTC");
    }
}
