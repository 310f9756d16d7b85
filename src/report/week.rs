//! Weekly aggregation.
//!
//! Busy time is the union of counted occurrences: two overlapping meetings count once. Where
//! occurrences of different categories overlap, each stretch of time goes to the category
//! that comes first in the priority list (by default meetings beat deep-work blocks, because
//! a meeting inside a focus block is exactly the break the product reports). Weeks are ISO
//! weeks starting Monday 00:00 in the user's zone (167 or 169 hours around DST changes).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use crate::classify::{Category, PerCategory};
use crate::config::WeekSettings;

/// Why an occurrence does not count toward busy time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    Declined,
    Cancelled,
    Transparent,
    Allday,
    /// A personal appointment (doctor, school run, a flight): not work time.
    Personal,
}

impl Exclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusion::Declined => "declined",
            Exclusion::Cancelled => "cancelled",
            Exclusion::Transparent => "transparent",
            Exclusion::Allday => "allday",
            Exclusion::Personal => "personal",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Counted,
    Excluded(Exclusion),
}

/// One occurrence as the report sees it.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The span as instants (all-day: local midnights in the user's zone).
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub category: Category,
    pub kind: EntryKind,
    /// For all-day occurrences: the local dates (end exclusive) and whether they mark the
    /// user out of office.
    pub allday: Option<(NaiveDate, NaiveDate, bool)>,
    /// The event's CREATED time (UTC), for the reactive share.
    pub created: Option<DateTime<Utc>>,
}

/// The report window: local dates in `tz`, `to` exclusive.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub tz: chrono_tz::Tz,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    pub fn start(&self) -> DateTime<Utc> {
        local_midnight_utc(self.tz, self.from)
    }
    pub fn end(&self) -> DateTime<Utc> {
        local_midnight_utc(self.tz, self.to)
    }
}

/// UTC instant of local midnight (or the first instant after it, if midnight is skipped).
pub fn local_midnight_utc(tz: chrono_tz::Tz, d: NaiveDate) -> DateTime<Utc> {
    crate::ics::zone::Zone::Iana(tz).instant(d.and_time(NaiveTime::MIN))
}

/// Occurrences left out of a week, by reason (serialised in `summary.rs`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExcludedCounts {
    pub declined: u32,
    pub cancelled: u32,
    pub transparent: u32,
    pub allday: u32,
    pub personal: u32,
}

/// One ISO week: the one type every output of a week is made from (its wire form is in
/// `summary.rs`).
#[derive(Clone, Debug, PartialEq)]
pub struct WeekSummary {
    /// `2026-W03`.
    pub week: String,
    pub week_start: NaiveDate,
    /// Union of counted timed occurrences, clipped to the week and the window.
    pub busy_seconds: i64,
    /// Seconds per category; they add up to `busy_seconds`.
    pub seconds: PerCategory<i64>,
    /// Working hours this week: the configured week, less out-of-office workdays and
    /// workdays outside the window.
    pub working_hours: f64,
    /// Workdays marked out of office.
    pub ooo_days: u32,
    /// People time / working hours; `None` when there were no working hours.
    pub people_share: Option<f64>,
    pub people_target_met: Option<bool>,
    pub excluded: ExcludedCounts,
    /// Meetings that broke protected time (counted in the week they start).
    pub no_fly_violations: u32,
    /// Meeting-free stretches of working hours of at least two hours ([`super::fragment`]).
    pub focus_blocks: u32,
    /// The longest meeting-free stretch of working hours, in minutes.
    pub longest_free_minutes: i64,
    /// Changes of category between consecutive meetings of a day, summed over the week.
    pub switches: u32,
    /// Share of the week's meetings with a CREATED time that were created less than 24 h
    /// before they started; `None` when none had one.
    pub reactive_share: Option<f64>,
    /// Some of the week's days are outside the report window (a window that starts or ends
    /// mid-week): its numbers cover only the days inside. Drawn and listed, marked as such,
    /// but never the week a verdict or headline is about ([`Report::latest_complete_week`]).
    pub partial: bool,
}

impl WeekSummary {
    /// The week had working time (not entirely out of office, not all outside the window).
    pub fn has_working_time(&self) -> bool {
        self.working_hours > 0.0
    }

    /// The whole week is inside the window and over by `now` (Sunday has ended in `tz`).
    pub fn is_complete(&self, tz: chrono_tz::Tz, now: DateTime<Utc>) -> bool {
        !self.partial && local_midnight_utc(tz, self.week_start + Duration::days(7)) <= now
    }
}

#[derive(Clone, Debug)]
pub struct Report {
    pub window: Window,
    pub week_hours: f64,
    pub people_target: f64,
    pub weeks: Vec<WeekSummary>,
}

impl Report {
    /// *The latest complete week*: the last ISO week wholly inside the window, over by `now`
    /// and with working time. `check`'s verdict, the charts' "latest week" and the
    /// dashboard's headline are about this week, never about a stub of a week at the window's
    /// edge, a week entirely out of office or a week still to come (issue 11, item 2).
    pub fn latest_complete_week(&self, now: DateTime<Utc>) -> Option<&WeekSummary> {
        self.weeks
            .iter()
            .rev()
            .find(|w| w.is_complete(self.window.tz, now) && w.has_working_time())
    }
}

/// Aggregates entries into ISO weeks over the window.
pub fn build(
    entries: &[Entry],
    window: Window,
    settings: &WeekSettings,
    priority: &[Category; 4],
) -> Report {
    let tz = window.tz;
    let (ws, we) = (window.start(), window.end());
    // Week boundaries (UTC) from the Monday on or before `from`.
    let first_monday =
        window.from - Duration::days(i64::from(window.from.weekday().num_days_from_monday()));
    let mut mondays = Vec::new();
    let mut m = first_monday;
    while m < window.to {
        mondays.push(m);
        m += Duration::days(7);
    }
    let bounds: Vec<DateTime<Utc>> = mondays
        .iter()
        .map(|&d| local_midnight_utc(tz, d))
        .chain(std::iter::once(local_midnight_utc(tz, m)))
        .collect();
    let mut rows: Vec<WeekSummary> = mondays
        .iter()
        .map(|&monday| WeekSummary {
            week: crate::time::iso_week_label(monday),
            week_start: monday,
            busy_seconds: 0,
            seconds: PerCategory::default(),
            working_hours: 0.0,
            ooo_days: 0,
            people_share: None,
            people_target_met: None,
            excluded: ExcludedCounts::default(),
            no_fly_violations: 0,
            focus_blocks: 0,
            longest_free_minutes: 0,
            switches: 0,
            reactive_share: None,
            partial: monday < window.from || monday + Duration::days(7) > window.to,
        })
        .collect();
    let week_of = |t: DateTime<Utc>| -> Option<usize> {
        if t < bounds[0] || bounds.len() < 2 {
            return None;
        }
        let i = bounds.partition_point(|b| *b <= t);
        (i >= 1 && i < bounds.len()).then_some(i - 1)
    };

    // Sweep over counted intervals: +1/-1 per category at each boundary. Within one instant
    // the order of boundaries does not matter (a segment is only added when time moves on),
    // so the sweep walks the starts in order and takes the ends from a min-heap of the
    // intervals still open: the analysis hands the entries over sorted by start, and sorting
    // every boundary instead was most of the report's cost on a five-year calendar.
    let rank = |c: Category| priority.iter().position(|p| *p == c).unwrap_or(3);
    let mut starts: Vec<(DateTime<Utc>, DateTime<Utc>, usize)> = Vec::with_capacity(entries.len());
    let mut ooo_dates: Vec<NaiveDate> = Vec::new();
    for e in entries {
        match e.kind {
            EntryKind::Counted => {
                let (s, t) = (e.start.max(ws), e.end.min(we));
                if t > s {
                    starts.push((s, t, rank(e.category)));
                }
            }
            EntryKind::Excluded(x) => {
                // Counted in the week where the occurrence starts (or the window starts).
                if let Some(i) = week_of(e.start.max(ws)) {
                    let c = &mut rows[i].excluded;
                    match x {
                        Exclusion::Declined => c.declined += 1,
                        Exclusion::Cancelled => c.cancelled += 1,
                        Exclusion::Transparent => c.transparent += 1,
                        Exclusion::Allday => c.allday += 1,
                        Exclusion::Personal => c.personal += 1,
                    }
                }
                if let (Exclusion::Allday, Some((from, to, true))) = (x, e.allday) {
                    let mut d = from.max(window.from);
                    while d < to.min(window.to) {
                        ooo_dates.push(d);
                        d += Duration::days(1);
                    }
                }
            }
        }
    }
    if !starts.is_sorted_by_key(|s| s.0) {
        starts.sort_unstable_by_key(|s| s.0);
    }
    let mut open: BinaryHeap<Reverse<(DateTime<Utc>, usize)>> = BinaryHeap::new();
    let mut active = [0i32; 4];
    let mut prev: Option<DateTime<Utc>> = None;
    // Segments come in time order, so the week of each starts the search from the last one.
    let mut week_cursor = 0usize;
    let mut next_start = starts.iter().peekable();
    loop {
        // The next boundary: an end first when it is not later than the next start.
        let end_first = match (open.peek(), next_start.peek()) {
            (Some(Reverse((end, _))), Some((start, ..))) => end <= start,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let (t, r, delta) = if end_first {
            let Some(Reverse((end, r))) = open.pop() else {
                break;
            };
            (end, r, -1)
        } else {
            let Some(&(start, end, r)) = next_start.next() else {
                break;
            };
            open.push(Reverse((end, r)));
            (start, r, 1)
        };
        if let Some(p) = prev {
            if t > p {
                if let Some(top) = active.iter().position(|&n| n > 0) {
                    add_segment(&mut rows, &bounds, &mut week_cursor, p, t, priority[top]);
                }
            }
        }
        active[r] += delta;
        prev = Some(t);
    }

    ooo_dates.sort_unstable();
    ooo_dates.dedup();
    let per_day = if settings.workdays.is_empty() {
        0.0
    } else {
        settings.hours / settings.workdays.len() as f64
    };
    let fragments = super::fragment::measure(entries, window, settings, &mondays, &ooo_dates);
    for (row, f) in rows.iter_mut().zip(fragments) {
        row.focus_blocks = f.focus_blocks;
        row.longest_free_minutes = f.longest_free_minutes;
        row.switches = f.switches;
        row.reactive_share = f.reactive_share;
    }
    for row in &mut rows {
        let mut hours = 0.0;
        for k in 0..7 {
            let d = row.week_start + Duration::days(k);
            if d < window.from || d >= window.to || !settings.workdays.contains(&d.weekday()) {
                continue;
            }
            if ooo_dates.binary_search(&d).is_ok() {
                row.ooo_days += 1;
            } else {
                hours += per_day;
            }
        }
        row.working_hours = hours;
        if hours > 0.0 {
            let share = row.seconds[Category::People] as f64 / (hours * 3600.0);
            row.people_share = Some(share);
            // Compare in whole seconds so 30.0% of 40 h is met by exactly 12 h.
            row.people_target_met = Some(
                row.seconds[Category::People] as f64 + 0.5
                    >= settings.people_target * hours * 3600.0,
            );
        }
    }
    Report {
        window,
        week_hours: settings.hours,
        people_target: settings.people_target,
        weeks: rows,
    }
}

/// Adds `[a, b)` of category `c` to the weeks it spans. `cursor` is a week at or before the
/// one holding `a` (segments are added in time order, so it only moves forward).
fn add_segment(
    rows: &mut [WeekSummary],
    bounds: &[DateTime<Utc>],
    cursor: &mut usize,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
    c: Category,
) {
    let mut i = *cursor;
    while bounds.get(i + 1).is_some_and(|x| *x <= a) {
        i += 1;
    }
    *cursor = i;
    let mut s = a;
    while s < b && i < rows.len() {
        let e = b.min(bounds[i + 1]);
        if e > s {
            let secs = (e - s).num_seconds();
            rows[i].busy_seconds += secs;
            rows[i].seconds[c] += secs;
        }
        s = e;
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
    }

    fn counted(a: &str, b: &str, c: Category) -> Entry {
        Entry {
            start: t(a),
            end: t(b),
            category: c,
            kind: EntryKind::Counted,
            allday: None,
            created: None,
        }
    }

    fn window(from: &str, to: &str) -> Window {
        Window {
            tz: chrono_tz::UTC,
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
        }
    }

    /// Issue 11, item 2: the week a verdict is about is the latest *complete* one. Before,
    /// `check`, the charts and the cards took the window's last week, whatever it was.
    #[test]
    fn the_latest_complete_week_skips_stubs_ooo_and_future_weeks() {
        let ooo = |from: &str, to: &str| Entry {
            start: t(&format!("{from} 00:00")),
            end: t(&format!("{to} 00:00")),
            category: Category::Other,
            kind: EntryKind::Excluded(Exclusion::Allday),
            allday: Some((from.parse().unwrap(), to.parse().unwrap(), true)),
            created: None,
        };
        let entries = [
            counted("2026-01-06 10:00", "2026-01-06 11:00", Category::People),
            counted("2026-01-13 10:00", "2026-01-13 11:00", Category::People),
            // 2026-W04 entirely out of office.
            ooo("2026-01-19", "2026-01-24"),
            counted("2026-01-27 10:00", "2026-01-27 11:00", Category::People),
        ];
        let settings = WeekSettings::default();
        let prio = crate::config::DEFAULT_PRIORITY;
        let week_of = |w: Window, now: &str| {
            build(&entries, w, &settings, &prio)
                .latest_complete_week(t(now))
                .map(|w| w.week.clone())
        };
        // The window ends on a Wednesday: W05 is a stub of two days, W04 is out of office.
        let r = build(
            &entries,
            window("2026-01-05", "2026-01-28"),
            &settings,
            &prio,
        );
        let last = r.weeks.last().unwrap();
        assert_eq!((last.week.as_str(), last.partial), ("2026-W05", true));
        assert!(!r.weeks[2].has_working_time(), "W04 is out of office");
        assert_eq!(
            week_of(window("2026-01-05", "2026-01-28"), "2026-03-01 00:00"),
            Some("2026-W03".into())
        );
        // A window reaching into the future: W05 has not ended on its Thursday.
        assert_eq!(
            week_of(window("2026-01-05", "2026-02-09"), "2026-01-29 12:00"),
            Some("2026-W03".into())
        );
        // Once W05 is over, it is the latest complete week.
        assert_eq!(
            week_of(window("2026-01-05", "2026-02-02"), "2026-02-02 00:00"),
            Some("2026-W05".into())
        );
        // A window that starts mid-week: its first week is partial too.
        assert_eq!(
            week_of(window("2026-01-07", "2026-01-12"), "2026-03-01 00:00"),
            None
        );
    }

    #[test]
    fn overlaps_count_once_and_priority_decides() {
        // Focus 09:00-12:00 with a 1:1 at 10:00-10:30 inside it and a design review 11:30-12:30.
        let entries = [
            counted("2026-01-05 09:00", "2026-01-05 12:00", Category::DeepWork),
            counted("2026-01-05 10:00", "2026-01-05 10:30", Category::People),
            counted("2026-01-05 11:30", "2026-01-05 12:30", Category::Technical),
        ];
        let r = build(
            &entries,
            window("2026-01-05", "2026-01-12"),
            &WeekSettings::default(),
            &crate::config::DEFAULT_PRIORITY,
        );
        let w = &r.weeks[0];
        assert_eq!(w.week, "2026-W02");
        assert_eq!(w.busy_seconds, 3 * 3600 + 1800);
        assert_eq!(w.seconds[Category::People], 1800);
        assert_eq!(w.seconds[Category::Technical], 3600);
        assert_eq!(w.seconds[Category::DeepWork], 2 * 3600);
        assert_eq!(w.seconds.values().sum::<i64>(), w.busy_seconds);
    }

    /// The sweep takes entries in any order: the same busy time per category whether the
    /// entries come sorted by start, reversed or shuffled, with nested, touching, equal and
    /// week-crossing intervals.
    #[test]
    fn entry_order_does_not_matter() {
        let cats = [
            Category::People,
            Category::Technical,
            Category::DeepWork,
            Category::Other,
        ];
        let mut entries = Vec::new();
        for i in 0..60u32 {
            let day = 5 + (i * 7) % 13;
            let hour = 8 + (i * 5) % 11;
            let len = 15 + (i * 37) % 200;
            let start = t(&format!("2026-01-{day:02} {hour:02}:00"));
            entries.push(Entry {
                start,
                end: start + Duration::minutes(i64::from(len)),
                category: cats[(i % 4) as usize],
                kind: EntryKind::Counted,
                allday: None,
                created: None,
            });
        }
        // An exact duplicate and an interval touching another.
        entries.push(entries[3]);
        entries.push(counted(
            "2026-01-06 09:00",
            "2026-01-06 10:00",
            Category::People,
        ));
        entries.push(counted(
            "2026-01-06 10:00",
            "2026-01-06 11:00",
            Category::Technical,
        ));
        let run = |e: &[Entry]| {
            build(
                e,
                window("2026-01-05", "2026-01-19"),
                &WeekSettings::default(),
                &crate::config::DEFAULT_PRIORITY,
            )
            .weeks
            .iter()
            .map(|w| (w.busy_seconds, w.seconds))
            .collect::<Vec<_>>()
        };
        let mut sorted = entries.clone();
        sorted.sort_by_key(|e| e.start);
        let expected = run(&sorted);
        assert!(expected.iter().all(|(busy, _)| *busy > 0), "{expected:?}");
        let mut reversed = sorted.clone();
        reversed.reverse();
        assert_eq!(run(&reversed), expected);
        assert_eq!(run(&entries), expected);
    }

    #[test]
    fn weeks_split_clip_and_target() {
        // 13 hours of 1:1s, one of them across the Sunday/Monday boundary.
        let mut entries = vec![counted(
            "2026-01-11 23:00",
            "2026-01-12 01:00",
            Category::People,
        )];
        for d in 12..=16 {
            entries.push(counted(
                &format!("2026-01-{d} 10:00"),
                &format!("2026-01-{d} 12:00"),
                Category::People,
            ));
        }
        // All-day OOO on Friday 16th, excluded but lowering working hours.
        entries.push(Entry {
            start: t("2026-01-16 00:00"),
            end: t("2026-01-17 00:00"),
            category: Category::Other,
            kind: EntryKind::Excluded(Exclusion::Allday),
            allday: Some((
                "2026-01-16".parse().unwrap(),
                "2026-01-17".parse().unwrap(),
                true,
            )),
            created: None,
        });
        let r = build(
            &entries,
            window("2026-01-05", "2026-01-19"),
            &WeekSettings::default(),
            &crate::config::DEFAULT_PRIORITY,
        );
        assert_eq!(r.weeks.len(), 2);
        assert_eq!(r.weeks[0].busy_seconds, 3600);
        assert_eq!(r.weeks[1].busy_seconds, 11 * 3600);
        assert_eq!(r.weeks[1].ooo_days, 1);
        assert_eq!(r.weeks[1].working_hours, 32.0);
        assert_eq!(r.weeks[1].excluded.allday, 1);
        let share = r.weeks[1].people_share.unwrap();
        assert!((share - 11.0 / 32.0).abs() < 1e-9);
        assert_eq!(r.weeks[1].people_target_met, Some(true));
        assert_eq!(r.weeks[0].people_target_met, Some(false));
    }

    #[test]
    fn window_clips_partial_weeks() {
        let entries = [counted(
            "2026-01-07 10:00",
            "2026-01-07 13:00",
            Category::People,
        )];
        let r = build(
            &entries,
            window("2026-01-07", "2026-01-08"),
            &WeekSettings::default(),
            &crate::config::DEFAULT_PRIORITY,
        );
        assert_eq!(r.weeks.len(), 1);
        assert_eq!(r.weeks[0].working_hours, 8.0);
        assert_eq!(r.weeks[0].people_target_met, Some(true));
    }
}
