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

use chrono::NaiveDate;

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

/// Meeting load by weekday and hour over the whole window.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatMap {
    /// Minutes of counted meetings (all categories except deep work) per weekday (0 = Monday)
    /// and local hour.
    pub minutes: [[f64; 24]; 7],
    /// No-fly windows to outline: (weekday 0 = Monday, start minute of day, end minute of day).
    pub no_fly: Vec<(u8, u32, u32)>,
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
