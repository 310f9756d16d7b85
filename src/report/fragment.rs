//! How broken up each week is (issue 10, "the reactive manager"): focus blocks left, the
//! longest free stretch, switches between kinds of meeting, and the share of meetings put in
//! the calendar less than a day ahead. Pure functions over the report's entries; [`super::build`]
//! calls [`measure`] and stores the figures on each [`super::WeekSummary`].
//!
//! Definitions (also in the README):
//! - A *meeting* is a counted timed occurrence that is not deep work (deep-work blocks are
//!   time kept free, not meetings).
//! - *Working hours* are `week.day_start`..`week.day_end` local time on each workday of the
//!   window that is not out of office (so they follow DST).
//! - A *free stretch* is a stretch of working hours with no meeting; `focus_blocks` counts the
//!   ones of at least [`FOCUS_MIN`] and `longest_free_minutes` is the longest (0 in a week
//!   with no working hours).
//! - `switches`: per local day, the meetings in order of start; each meeting whose category
//!   differs from the one before it that day is a switch.
//! - `reactive_share`: of the meetings starting that week that carry a CREATED time, the share
//!   created less than 24 hours before their start; `None` when none carry one.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::week::{Entry, EntryKind, Window};
use crate::classify::Category;
use crate::config::WeekSettings;
use crate::ics::zone::Zone;

/// A free stretch at least this long is a focus block (hard-coded: the playbook's two hours).
pub const FOCUS_MIN: Duration = Duration::hours(2);
/// A meeting created less than this before its start was reactive.
pub const REACTIVE_WITHIN: Duration = Duration::hours(24);

/// One week's fragmentation figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fragments {
    pub focus_blocks: u32,
    pub longest_free_minutes: i64,
    pub switches: u32,
    pub reactive_share: Option<f64>,
}

/// The figures for each week starting at `mondays[i]` (local Mondays, in order). `ooo` holds
/// the out-of-office dates, sorted.
pub fn measure(
    entries: &[Entry],
    window: Window,
    settings: &WeekSettings,
    mondays: &[NaiveDate],
    ooo: &[NaiveDate],
) -> Vec<Fragments> {
    let mut out = vec![Fragments::default(); mondays.len()];
    let Some(&first_monday) = mondays.first() else {
        return out;
    };
    let tz = window.tz;
    let week_of = |d: NaiveDate| -> Option<usize> {
        let i = usize::try_from((d - first_monday).num_days().div_euclid(7)).ok()?;
        (i < mondays.len()).then_some(i)
    };
    let (ws, we) = (window.start(), window.end());
    /// Start, end, category and CREATED of a counted meeting.
    type Meeting = (
        DateTime<Utc>,
        DateTime<Utc>,
        Category,
        Option<DateTime<Utc>>,
    );
    // Meetings starting in the window, by start.
    let mut meetings: Vec<Meeting> = entries
        .iter()
        .filter(|e| {
            e.kind == EntryKind::Counted && e.allday.is_none() && e.category != Category::DeepWork
        })
        .map(|e| (e.start, e.end, e.category, e.created))
        .collect();
    if !meetings.is_sorted_by_key(|m| (m.0, m.1)) {
        meetings.sort_unstable_by_key(|m| (m.0, m.1));
    }

    // Switches and the reactive share, by the local day a meeting starts.
    let mut reactive = vec![(0u32, 0u32); mondays.len()];
    let mut prev: Option<(NaiveDate, Category)> = None;
    for &(start, _, category, created) in meetings.iter().filter(|m| m.0 >= ws && m.0 < we) {
        let day = start.with_timezone(&tz).date_naive();
        let Some(w) = week_of(day) else {
            continue;
        };
        if prev.is_some_and(|(d, c)| d == day && c != category) {
            out[w].switches += 1;
        }
        prev = Some((day, category));
        if let Some(c) = created {
            reactive[w].1 += 1;
            if start - c < REACTIVE_WITHIN {
                reactive[w].0 += 1;
            }
        }
    }
    for (f, (fast, all)) in out.iter_mut().zip(reactive) {
        f.reactive_share = (all > 0).then(|| f64::from(fast) / f64::from(all));
    }

    // Free stretches: each working day minus the union of meetings. Days and meetings are
    // both in time order, so one cursor walks the meetings once.
    let zone = Zone::Iana(tz);
    let mut cursor = 0usize;
    let mut day = window.from;
    while day < window.to {
        let today = day;
        day += Duration::days(1);
        if !settings.workdays.contains(&today.weekday()) || ooo.binary_search(&today).is_ok() {
            continue;
        }
        let Some(w) = week_of(today) else {
            continue;
        };
        let (a, b) = (
            zone.instant(today.and_time(settings.day_start)),
            zone.instant(today.and_time(settings.day_end)),
        );
        // Meetings ending before this day's working hours never matter again.
        while meetings.get(cursor).is_some_and(|m| m.1 <= a) {
            cursor += 1;
        }
        // Walk the meetings overlapping [a, b): the free time is what lies between them.
        let mut free_from = a;
        for m in &meetings[cursor..] {
            if m.0 >= b {
                break;
            }
            if m.1 <= free_from {
                continue;
            }
            if m.0 > free_from {
                record(&mut out[w], m.0 - free_from);
            }
            free_from = free_from.max(m.1);
        }
        if b > free_from {
            record(&mut out[w], b - free_from);
        }
    }
    out
}

fn record(f: &mut Fragments, free: Duration) {
    if free >= FOCUS_MIN {
        f.focus_blocks += 1;
    }
    f.longest_free_minutes = f.longest_free_minutes.max(free.num_minutes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn t(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .expect("test time")
            .and_utc()
    }

    fn meeting(a: &str, b: &str, category: Category, created: Option<&str>) -> Entry {
        Entry {
            start: t(a),
            end: t(b),
            category,
            kind: EntryKind::Counted,
            allday: None,
            created: created.map(t),
        }
    }

    fn run(
        entries: &[Entry],
        tz: chrono_tz::Tz,
        from: &str,
        to: &str,
        days: &[Weekday],
    ) -> Fragments {
        let window = Window {
            tz,
            from: from.parse().expect("date"),
            to: to.parse().expect("date"),
        };
        let settings = WeekSettings {
            workdays: days.to_vec(),
            ..WeekSettings::default()
        };
        let monday =
            window.from - Duration::days(i64::from(window.from.weekday().num_days_from_monday()));
        measure(entries, window, &settings, &[monday], &[])[0]
    }

    /// 2026-03-08, a Sunday, is when Los Angeles moves from UTC-8 to UTC-7. The working day is
    /// 09:00-17:00 local = 16:00Z-00:00Z; after a 09:00-10:00 PDT meeting (16:00Z-17:00Z), 420
    /// minutes are left. Reading the day with the morning's offset would give 17:00Z-01:00Z
    /// and 480 minutes.
    #[test]
    fn working_hours_follow_dst() {
        let f = run(
            &[meeting(
                "2026-03-08 16:00:00",
                "2026-03-08 17:00:00",
                Category::People,
                None,
            )],
            chrono_tz::America::Los_Angeles,
            "2026-03-08",
            "2026-03-09",
            &[Weekday::Sun],
        );
        assert_eq!((f.focus_blocks, f.longest_free_minutes), (1, 420));
    }

    /// A meeting running from Monday 08:00 to Wednesday 12:00 (UTC) covers Monday and Tuesday
    /// whole; Wednesday keeps 12:00-17:00 (300 minutes). The 1:1 inside it on Monday still
    /// follows it that day: one switch.
    #[test]
    fn a_meeting_over_several_days() {
        let f = run(
            &[
                meeting(
                    "2026-01-05 08:00:00",
                    "2026-01-07 12:00:00",
                    Category::Technical,
                    None,
                ),
                meeting(
                    "2026-01-05 13:00:00",
                    "2026-01-05 14:00:00",
                    Category::People,
                    None,
                ),
            ],
            chrono_tz::UTC,
            "2026-01-05",
            "2026-01-08",
            &[Weekday::Mon, Weekday::Tue, Weekday::Wed],
        );
        assert_eq!(
            f,
            Fragments {
                focus_blocks: 1,
                longest_free_minutes: 300,
                switches: 1,
                reactive_share: None
            }
        );
    }

    /// Created exactly 24 hours ahead is not reactive, one second later is; created after the
    /// start (entered afterwards) is; no CREATED leaves the meeting out of the share: 2 of 3.
    #[test]
    fn reactive_boundary() {
        let f = run(
            &[
                meeting(
                    "2026-01-06 10:00:00",
                    "2026-01-06 10:30:00",
                    Category::People,
                    Some("2026-01-05 10:00:00"),
                ),
                meeting(
                    "2026-01-06 11:00:00",
                    "2026-01-06 11:30:00",
                    Category::People,
                    Some("2026-01-05 11:00:01"),
                ),
                meeting(
                    "2026-01-06 12:00:00",
                    "2026-01-06 12:30:00",
                    Category::People,
                    Some("2026-01-06 12:10:00"),
                ),
                meeting(
                    "2026-01-06 13:00:00",
                    "2026-01-06 13:30:00",
                    Category::People,
                    None,
                ),
            ],
            chrono_tz::UTC,
            "2026-01-05",
            "2026-01-12",
            &[Weekday::Mon],
        );
        assert_eq!(f.reactive_share, Some(2.0 / 3.0));
        assert_eq!(f.switches, 0);
    }
}
