//! Each report's 1:1s per ISO week: the 12-week strip of the dashboard's Reports section and
//! the `one-on-ones` chart (reports × weeks) are both drawn from [`grid`].
//!
//! A week's mark is the best thing that happened to that report's 1:1s in it: held, else
//! scheduled (counted, not yet started at the as-of time), else skipped (cancelled or
//! declined), else none. A 1:1 marked free (`TRANSP:TRANSPARENT`) is neither held nor skipped,
//! so on its own it leaves the week at none. A week that the analysis does not cover at all is
//! [`Mark::Outside`]: no data, which is not the same as no 1:1.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::one_on_one::{one_on_ones, OneOnOne, State};
use super::roster::Roster;
use crate::chart::OneOnOneRow;
use crate::pipeline::{Analysis, Settings};
use crate::report::{Report, Window};

/// What one report's 1:1s came to in one week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mark {
    /// The analysis does not cover the week: nothing is known.
    Outside,
    /// No 1:1 that week.
    None,
    /// Only cancelled or declined 1:1s.
    Skipped,
    /// A 1:1 on the calendar that had not started at the as-of time.
    Scheduled,
    /// At least one held 1:1.
    Held,
}

impl Mark {
    /// The name the dashboard and the chart's legend use.
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Outside => "no data",
            Mark::None => "none",
            Mark::Skipped => "skipped",
            Mark::Scheduled => "scheduled",
            Mark::Held => "held",
        }
    }
}

/// One report's week: its mark and the 1:1s behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub mark: Mark,
    /// The 1:1s that started that week, in order, as `(start UTC, summary, state)` with the
    /// state as of the as-of time.
    pub one_on_ones: Vec<(DateTime<Utc>, String, State)>,
}

/// The Monday of the ISO week holding local date `d`.
pub fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// `n` consecutive Mondays ending with the one of the week holding `last` (local date).
pub fn last_mondays(last: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let end = monday_of(last);
    (0..n as i64)
        .rev()
        .map(|k| end - Duration::weeks(k))
        .collect()
}

/// `cells[report][week]` for `reports` reports and the weeks starting on `mondays` (local
/// dates in `tz`). `all` comes from [`super::one_on_ones`]; a counted 1:1 starting at or
/// after `as_of` (UTC) is scheduled. `covered` is the analysed span in UTC, `[start, end)`:
/// a week not overlapping it is [`Mark::Outside`], whatever `all` holds.
pub fn grid(
    all: &[OneOnOne],
    reports: usize,
    mondays: &[NaiveDate],
    tz: chrono_tz::Tz,
    as_of: DateTime<Utc>,
    covered: (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Vec<Cell>> {
    let bounds: Vec<(DateTime<Utc>, DateTime<Utc>)> = mondays
        .iter()
        .map(|&m| {
            let w = Window {
                tz,
                from: m,
                to: m + Duration::days(7),
            };
            (w.start(), w.end())
        })
        .collect();
    let mut cells: Vec<Vec<Cell>> = (0..reports)
        .map(|_| {
            bounds
                .iter()
                .map(|&(start, end)| Cell {
                    mark: if start < covered.1 && end > covered.0 {
                        Mark::None
                    } else {
                        Mark::Outside
                    },
                    one_on_ones: Vec::new(),
                })
                .collect()
        })
        .collect();
    for o in all {
        let Some(row) = cells.get_mut(o.report) else {
            continue;
        };
        let monday = monday_of(o.start.with_timezone(&tz).date_naive());
        let Some(w) = mondays.iter().position(|&m| m == monday) else {
            continue;
        };
        let cell = &mut row[w];
        if cell.mark == Mark::Outside {
            continue;
        }
        let state = match o.state {
            State::Held if o.start >= as_of => State::Scheduled,
            s => s,
        };
        let mark = match state {
            State::Held => Mark::Held,
            State::Scheduled => Mark::Scheduled,
            State::Cancelled | State::Declined => Mark::Skipped,
            State::Free => Mark::None,
        };
        cell.mark = cell.mark.max(mark);
        cell.one_on_ones.push((o.start, o.summary.clone(), state));
    }
    cells
}

/// The `one-on-ones` chart's rows: each report of `s.reports` with its mark in each week of
/// `rep`, as of `as_of` (UTC); the analysed span is `s.window`. No reports, no rows.
pub fn chart_rows(
    a: &Analysis,
    rep: &Report,
    s: &Settings<'_>,
    as_of: DateTime<Utc>,
) -> Vec<OneOnOneRow> {
    if s.reports.is_empty() {
        return Vec::new();
    }
    let all = one_on_ones(a, &Roster::new(s.reports), s.me);
    rows(&all, rep, s, as_of)
}

/// [`chart_rows`] from the 1:1s already found ([`super::one_on_ones`]).
pub fn rows(
    all: &[OneOnOne],
    rep: &Report,
    s: &Settings<'_>,
    as_of: DateTime<Utc>,
) -> Vec<OneOnOneRow> {
    let mondays: Vec<NaiveDate> = rep.weeks.iter().map(|w| w.week_start).collect();
    let covered = (s.window.start(), s.window.end());
    let cells = grid(all, s.reports.len(), &mondays, s.window.tz, as_of, covered);
    s.reports
        .iter()
        .zip(cells)
        .map(|(r, row)| OneOnOneRow {
            report: r.name.clone(),
            marks: row.iter().map(|c| c.mark).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("test time")
            .and_utc()
    }

    fn o(report: usize, start: &str, state: State) -> OneOnOne {
        let start = t(start);
        OneOnOne {
            report,
            start,
            end: start + Duration::minutes(30),
            summary: format!("1:1 {report}"),
            state,
            technical: false,
            status: false,
            career: false,
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    /// Weeks of 2026-03-02, 03-09, 03-16, 03-23 in Los Angeles (DST began 03-08), analysed
    /// from 03-09 00:00 PDT = 07:00Z. As of 03-25 12:00Z (Wednesday 05:00 PDT).
    #[test]
    fn marks_rank_held_scheduled_skipped_none() {
        let tz = chrono_tz::America::Los_Angeles;
        let mondays = last_mondays(d("2026-03-25"), 4);
        assert_eq!(mondays[0], d("2026-03-02"));
        let all = [
            // Sunday 03-15 23:30 PDT is 03-16 06:30Z: still the week of 03-09.
            o(0, "2026-03-16 06:30", State::Held),
            // A cancelled and a held one the same week: held.
            o(0, "2026-03-16 17:00", State::Cancelled),
            o(0, "2026-03-18 17:00", State::Held),
            // Counted, but after the as-of time: scheduled.
            o(0, "2026-03-26 17:00", State::Held),
            // Report 1: declined, then a free one (neither), in the week of 03-16.
            o(1, "2026-03-16 17:00", State::Declined),
            o(1, "2026-03-23 17:00", State::Free),
            // Before the analysed span: not counted, the week is no data.
            o(1, "2026-03-03 17:00", State::Held),
            // Not a report of this grid.
            o(7, "2026-03-16 17:00", State::Held),
        ];
        let covered = (t("2026-03-09 07:00"), t("2026-03-30 07:00"));
        let g = grid(&all, 2, &mondays, tz, t("2026-03-25 12:00"), covered);
        let marks = |r: usize| g[r].iter().map(|c| c.mark).collect::<Vec<_>>();
        use Mark::*;
        assert_eq!(marks(0), [Outside, Held, Held, Scheduled]);
        assert_eq!(marks(1), [Outside, None, Skipped, None]);
        assert_eq!(g[0][2].one_on_ones.len(), 2);
        assert_eq!(g[0][3].one_on_ones[0].2, State::Scheduled);
        assert_eq!(g[1][3].one_on_ones[0].2, State::Free);
    }
}
