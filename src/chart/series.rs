//! The data each chart draws, as plain named series. Renderers draw from these and nothing
//! else, so tests snapshot these instead of pixels.

use super::{allocation, deep_work, heatmap, one_on_ones, share, ChartInput, ChartKind};

/// One named series of a chart: `(label, value)` points in drawing order. Labels are week labels
/// (`"2026-W03"`) for the weekly charts and `"Mon 09:00"` slots for the heat-map.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// What the series is, e.g. `"people"` or `"4-week mean"`.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<(String, f64)>,
}

impl Series {
    pub(crate) fn new(name: &str, points: Vec<(String, f64)>) -> Self {
        Series {
            name: name.to_string(),
            points,
        }
    }
}

/// The series `kind` draws for `input`, after the clamping rules in the `input` module docs.
///
/// - `Allocation`: `people`, `technical`, `deep work`, `other` (hours, one point per week, stacked
///   in that order from the bottom), `people target` (target × working hours), `working week`
///   (working hours), `out-of-office days`.
/// - `PeopleShare`: `people share` (%, weeks with a defined share only), `4-week mean` (%, mean
///   of the last up to 4 defined shares, at each week with a defined share), `target` (%, every
///   week).
/// - `DeepWork`: `deep work` (hours), `no-fly violations` (count), `out-of-office days`, one
///   point per week each.
/// - `Heatmap`: `Mon` … `Sun` (minutes per hour slot, labels `"Mon 09:00"`, only the hours
///   shown: 06:00–22:00 widened to every hour with minutes or a no-fly window), then
///   `no-fly windows`: consecutive (start, end) pairs, labels `"Tue 09:00"`, values = minute of
///   the day.
/// - `OneOnOnes`: one series per direct report, in roster order, named after the report
///   (control characters dropped, at most 28 characters); one point per week, its value the
///   week's mark: `-1` no data, `0` no 1:1, `1` skipped, `2` scheduled, `3` held.
pub fn series(kind: ChartKind, input: &ChartInput) -> Vec<Series> {
    match kind {
        ChartKind::Allocation => allocation::series(input),
        ChartKind::PeopleShare => share::series(input),
        ChartKind::DeepWork => deep_work::series(input),
        ChartKind::Heatmap => heatmap::series(input),
        ChartKind::OneOnOnes => one_on_ones::series(input),
    }
}

/// The points of the series called `name`, or none when it is missing.
pub(crate) fn points<'a>(series: &'a [Series], name: &str) -> &'a [(String, f64)] {
    series
        .iter()
        .find(|s| s.name == name)
        .map_or(&[], |s| s.points.as_slice())
}
