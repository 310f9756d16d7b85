//! The numbers the charts are drawn from, as handed over by the weekly report, and the rules
//! for numbers that cannot be drawn.
//!
//! IMPORTANT: the report stage should never send NaN, infinities or negative hours. If it does,
//! that is a bug upstream, and the charts must still render rather than panic or draw a bar
//! through the title. The rules, applied in one place (here) so every chart agrees:
//! - hours (per category, working hours, the configured week): non-finite → 0, clamped to
//!   0..=168 (a week has 168 hours; more is impossible, not just unusual);
//! - people share: non-finite → treated as `None` (not drawn), negative → 0, capped at 5
//!   (500 %; a short week with overtime can pass 100 %, but not by that much);
//! - people target: non-finite → 0, clamped to 0..=1;
//! - heat-map minutes: non-finite or negative → 0;
//! - text (time zone, week labels, report names): control characters dropped (they are invalid in XML/SVG)
//!   and long strings shortened with "…" so a title stays on one line.

use chrono::{DateTime, NaiveDate, Utc};

/// One ISO week of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct WeekPoint {
    /// ISO week label, e.g. `"2026-W03"`. Used as the x-axis label; assumed unique in a window.
    pub week: String,
    /// Monday of the week, in the report's zone.
    pub week_start: NaiveDate,
    /// Busy hours per category: people, technical, deep work, other (overlaps already resolved).
    pub hours: crate::classify::PerCategory<f64>,
    /// This week's working hours (the full week less out-of-office days).
    pub working_hours: f64,
    /// Workdays out of office.
    pub ooo_days: u32,
    /// People hours / working hours; `None` when `working_hours == 0`.
    pub people_share: Option<f64>,
    /// Meetings that broke a protected (no-fly) block this week.
    pub no_fly_violations: u32,
}

/// Meeting load by weekday and hour, as an average week of the window.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatMap {
    /// Average minutes per week that the user is in a counted meeting (all categories except
    /// deep work), per weekday (0 = Monday) and local hour: the union of meetings, so a
    /// triple-booked hour is one busy hour, 0..=60 ([`HeatMap::from_meetings`]).
    pub minutes: [[f64; 24]; 7],
    /// No-fly windows to outline: (weekday 0 = Monday, start minute of day, end minute of day).
    pub no_fly: Vec<(u8, u32, u32)>,
}

/// A timed occurrence longer than this is not drawn on the heat-map: a flight, a trip or a
/// conference entered as one long event is not a day of meetings (issue 11 item 3). A full
/// working day of workshop (8 hours) still is.
pub const LONGEST_MEETING: chrono::Duration = chrono::Duration::hours(8);

impl HeatMap {
    /// The heat-map of `meetings` (UTC start and end of each counted, timed meeting) over
    /// the local dates `from..to` (exclusive) in `tz`, with no no-fly windows.
    ///
    /// Each cell is the busy minutes of that weekday and local hour, the meetings merged
    /// first (overlaps count once), divided by how many of that weekday the window holds:
    /// the average week, not the window's sum. Meetings longer than [`LONGEST_MEETING`] are
    /// left out; the rest are clipped to the window.
    pub fn from_meetings(
        meetings: &[(DateTime<Utc>, DateTime<Utc>)],
        tz: chrono_tz::Tz,
        from: NaiveDate,
        to: NaiveDate,
    ) -> HeatMap {
        use chrono::{Datelike, Timelike};
        let window = crate::report::Window { tz, from, to };
        let (ws, we) = (window.start(), window.end());
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = meetings
            .iter()
            .filter(|(s, e)| *e - *s <= LONGEST_MEETING)
            .map(|&(s, e)| (s.max(ws), e.min(we)))
            .filter(|(s, e)| e > s)
            .collect();
        spans.sort();
        // The union: overlapping or touching meetings become one busy stretch.
        let mut busy: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match busy.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => busy.push((s, e)),
            }
        }
        let mut minutes = [[0f64; 24]; 7];
        for (mut t, end) in busy {
            while t < end {
                let local = t.with_timezone(&tz);
                let next_hour = t + chrono::Duration::seconds(i64::from(
                    3600 - (local.minute() * 60 + local.second()),
                ));
                let stop = next_hour.min(end);
                let day = local.weekday().num_days_from_monday() as usize;
                minutes[day][local.hour() as usize] += (stop - t).num_seconds() as f64 / 60.0;
                t = stop;
            }
        }
        // How many Mondays, Tuesdays, … the window holds.
        let mut days = [0u32; 7];
        let mut d = from;
        while d < to {
            days[d.weekday().num_days_from_monday() as usize] += 1;
            d = d.succ_opt().unwrap_or(to);
        }
        for (row, n) in minutes.iter_mut().zip(days) {
            for m in row.iter_mut() {
                *m = if n == 0 { 0.0 } else { *m / f64::from(n) };
            }
        }
        HeatMap {
            minutes,
            no_fly: Vec::new(),
        }
    }
}

/// One direct report's row of the `one-on-ones` chart.
#[derive(Clone, Debug, PartialEq)]
pub struct OneOnOneRow {
    /// The report's name (from the config). Drawn as text, cleaned like every other text.
    pub report: String,
    /// The report's 1:1s in each week of [`ChartInput::weeks`], same order; a missing entry
    /// is drawn as no data.
    pub marks: Vec<crate::playbook::Mark>,
}

/// Everything the five charts need.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartInput {
    /// First day of the window.
    pub from: NaiveDate,
    /// End of the window (exclusive). Titles show the last included day, `to - 1 day`.
    pub to: NaiveDate,
    /// The report's time zone name, e.g. `"America/Los_Angeles"`. Shown in titles only.
    pub tz: String,
    /// The configured full working week in hours (e.g. 40).
    pub week_hours: f64,
    /// Target people share of the working week (e.g. 0.30).
    pub people_target: f64,
    /// ISO weeks, ascending; 0 to 260 of them, all-zero weeks allowed.
    pub weeks: Vec<WeekPoint>,
    /// The label of the latest complete week (`Report::latest_complete_week`), which the
    /// subtitles' "latest week" is about; `None` when the window has none.
    pub latest_complete: Option<String>,
    /// The weekday × hour heat-map.
    pub heat: HeatMap,
    /// One row per direct report, in roster order (empty without `[[reports]]`).
    pub one_on_ones: Vec<OneOnOneRow>,
}

/// Hours in a week: the upper clamp for any hour value.
const HOURS_PER_WEEK: f64 = 168.0;
/// Share cap (500 %), see the module docs.
const MAX_SHARE: f64 = 5.0;

/// Hours as drawn: finite and within a week.
pub(crate) fn hours(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(0.0, HOURS_PER_WEEK)
    } else {
        0.0
    }
}

/// Share as drawn, or `None` when it cannot be drawn.
pub(crate) fn share(v: Option<f64>) -> Option<f64> {
    v.filter(|s| s.is_finite()).map(|s| s.clamp(0.0, MAX_SHARE))
}

/// Target share as drawn.
pub(crate) fn target(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Heat-map minutes as drawn.
pub(crate) fn minutes(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}

/// Text safe to draw: no control characters, at most `max_chars` characters.
pub(crate) fn text(s: &str, max_chars: usize) -> String {
    let clean: Vec<char> = s.chars().filter(|c| !c.is_control()).collect();
    if clean.len() <= max_chars {
        clean.into_iter().collect()
    } else {
        let mut short: String = clean[..max_chars.saturating_sub(1)].iter().collect();
        short.push('…');
        short
    }
}

/// The x-axis label of a week: its ISO label, or its Monday when the label is empty.
pub(crate) fn week_label(w: &WeekPoint) -> String {
    let label = text(w.week.trim(), 16);
    if label.is_empty() {
        w.week_start.to_string()
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_hours_are_clamped() {
        assert_eq!(hours(f64::NAN), 0.0);
        assert_eq!(hours(f64::INFINITY), 0.0);
        assert_eq!(hours(-3.0), 0.0);
        assert_eq!(hours(500.0), 168.0);
        assert_eq!(hours(12.5), 12.5);
    }

    #[test]
    fn bad_shares_are_skipped_or_clamped() {
        assert_eq!(share(Some(f64::NAN)), None);
        assert_eq!(share(Some(-0.1)), Some(0.0));
        assert_eq!(share(Some(0.31)), Some(0.31));
        assert_eq!(share(None), None);
    }

    #[test]
    fn text_drops_control_characters_and_shortens() {
        assert_eq!(text("a\u{0}b\nc", 10), "abc");
        assert_eq!(text("abcdef", 4), "abc…");
    }
}

#[cfg(test)]
mod heat_tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("test time")
            .and_utc()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    /// Issue 11 item 3: a triple-booked hour is one busy hour, the cells are an average
    /// week (two Tuesdays in the window: 60 busy minutes on one of them is 30 a week), and a
    /// flight does not paint Saturday as meetings. It was 180 summed minutes, and 60 per
    /// Saturday hour of the flight.
    #[test]
    fn the_heat_map_is_the_union_of_meetings_in_an_average_week() {
        let meetings = [
            (t("2026-03-03 10:00"), t("2026-03-03 11:00")), // Tue, three at once
            (t("2026-03-03 10:00"), t("2026-03-03 11:00")),
            (t("2026-03-03 10:00"), t("2026-03-03 11:00")),
            (t("2026-03-10 10:30"), t("2026-03-10 11:00")), // next Tue
            (t("2026-03-07 06:00"), t("2026-03-07 20:00")), // Sat: a 14-hour flight
        ];
        let heat =
            HeatMap::from_meetings(&meetings, chrono_tz::UTC, d("2026-03-02"), d("2026-03-16"));
        assert_eq!(heat.minutes[1][10], 45.0, "(60 + 30) / 2 Tuesdays");
        assert!(
            heat.minutes[5].iter().all(|m| *m == 0.0),
            "{:?}",
            heat.minutes[5]
        );
        let total: f64 = heat.minutes.iter().flatten().sum();
        assert_eq!(total, 45.0);
    }

    #[test]
    fn meetings_are_clipped_to_the_window_and_read_in_local_time() {
        // 23:30–00:30 UTC is 00:30–01:30 in Berlin (CET) on the window's first Monday.
        let meetings = [(t("2026-03-01 23:30"), t("2026-03-02 00:30"))];
        let heat = HeatMap::from_meetings(
            &meetings,
            chrono_tz::Europe::Berlin,
            d("2026-03-02"),
            d("2026-03-09"),
        );
        assert_eq!(heat.minutes[0][0], 30.0);
        assert_eq!(heat.minutes[0][1], 30.0);
        let clipped =
            HeatMap::from_meetings(&meetings, chrono_tz::UTC, d("2026-03-02"), d("2026-03-09"));
        assert_eq!(clipped.minutes[6][23], 0.0, "Sunday before the window");
        assert_eq!(clipped.minutes[0][0], 30.0);
    }
}
