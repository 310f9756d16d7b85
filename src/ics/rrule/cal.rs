//! Proleptic Gregorian arithmetic the iterator needs beyond what chrono offers: month and year
//! lengths, week numbering with an arbitrary week start (WKST), and month indices.
//!
//! Every function that can leave chrono's date range returns `Option`, so callers near year
//! 0 or 9999 (or chrono's own limits) get `None` instead of a panic.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The last year the iterator will produce. iCalendar writes years with four digits, so
/// nothing a feed can express lies beyond it, and it bounds every search.
pub(super) const MAX_YEAR: i32 = 9999;

pub(super) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1..=12) of `year`; 0 for a month that does not exist.
pub(super) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

pub(super) fn days_in_year(year: i32) -> u32 {
    if is_leap(year) {
        366
    } else {
        365
    }
}

/// Days from `wkst` forward to `wd` (0..=6).
pub(super) fn days_since(wd: Weekday, wkst: Weekday) -> u64 {
    u64::from((7 + wd.num_days_from_monday() - wkst.num_days_from_monday()) % 7)
}

/// The first day (a `wkst`) of the week that contains `d`.
pub(super) fn week_start(d: NaiveDate, wkst: Weekday) -> Option<NaiveDate> {
    d.checked_sub_days(Days::new(days_since(d.weekday(), wkst)))
}

/// The first day of week 1 of `year`. RFC 5545 3.3.10 (BYWEEKNO): week 1 is the first week
/// that has at least four days in the year. Whatever the week start, that is the week that
/// contains January 4th.
pub(super) fn week1_start(year: i32, wkst: Weekday) -> Option<NaiveDate> {
    week_start(NaiveDate::from_ymd_opt(year, 1, 4)?, wkst)
}

/// Number of weeks (52 or 53) in the week-numbering year `year`.
pub(super) fn weeks_in_year(year: i32, wkst: Weekday) -> Option<u32> {
    let this = week1_start(year, wkst)?;
    let next = week1_start(year.checked_add(1)?, wkst)?;
    u32::try_from((next - this).num_days() / 7).ok()
}

/// The week-numbering year and week number (1..=53) of `d`.
pub(super) fn week_of(d: NaiveDate, wkst: Weekday) -> Option<(i32, u32)> {
    let year = d.year();
    let next = week1_start(year.checked_add(1)?, wkst)?;
    if d >= next {
        return Some((year + 1, 1));
    }
    let (wy, first) = match week1_start(year, wkst)? {
        this if d >= this => (year, this),
        _ => (year - 1, week1_start(year - 1, wkst)?),
    };
    let week = u32::try_from((d - first).num_days() / 7 + 1).ok()?;
    Some((wy, week))
}

/// A month counted from year 0: `year * 12 + (month - 1)`.
pub(super) fn month_index(year: i32, month: u32) -> i64 {
    i64::from(year) * 12 + i64::from(month) - 1
}

/// Inverse of [`month_index`]: `(year, month 1..=12)`, or `None` outside `i32` years.
pub(super) fn from_month_index(index: i64) -> Option<(i32, u32)> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    Some((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn iso_weeks_match_chrono() {
        // With WKST=MO our numbering must be ISO 8601, which chrono implements independently.
        let mut day = d(1999, 12, 1);
        while day < d(2033, 2, 1) {
            let iso = day.iso_week();
            assert_eq!(
                week_of(day, Weekday::Mon),
                Some((iso.year(), iso.week())),
                "{day}"
            );
            day = day.succ_opt().expect("in range");
        }
    }

    #[test]
    fn weeks_in_year_with_other_week_starts() {
        assert_eq!(weeks_in_year(2026, Weekday::Mon), Some(53));
        assert_eq!(weeks_in_year(2027, Weekday::Mon), Some(52));
        // 2013 with weeks starting on Friday: Fri 2013-01-04 starts week 1.
        assert_eq!(week1_start(2013, Weekday::Fri), Some(d(2013, 1, 4)));
        assert_eq!(
            week_of(d(2013, 1, 3), Weekday::Fri).map(|w| w.0),
            Some(2012)
        );
    }

    #[test]
    fn extremes_do_not_panic() {
        assert_eq!(week_of(NaiveDate::MAX, Weekday::Sun), None);
        let _ = week_of(NaiveDate::MIN, Weekday::Sun);
        assert_eq!(from_month_index(i64::MAX), None);
        assert_eq!(from_month_index(month_index(2024, 2)), Some((2024, 2)));
    }
}
