//! Chart 2, people share trend: the weekly people share of the working week (markers joined
//! only across consecutive weeks, so an all-OOO week shows as a gap), a rolling 4-week mean,
//! and the target as a dashed line over a shaded "at or above target" band. A week that
//! missed the target is a hollow vermillion ring (colour and shape, so it reads in grey too),
//! a week that met it a filled people-orange dot, as the dashboard's weeks table marks them.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{self, DrawResult, Swatch, WeekAxis};
use super::input::{self, ChartInput};
use super::palette::{self, INK, NO_FLY, TARGET_BAND};
use super::series::{points, Series};
use super::ChartKind;

pub(crate) const SHARE: &str = "people share";
pub(crate) const MEAN: &str = "4-week mean";
pub(crate) const TARGET: &str = "target";
pub(crate) const MISSED: &str = "missed target";

/// The band is translucent so the grid lines stay visible through it.
const BAND_ALPHA: f64 = 0.75;

/// How many defined weeks the rolling mean spans.
const WINDOW: usize = 4;

pub(crate) fn series(input: &ChartInput) -> Vec<Series> {
    let share: Vec<(String, f64)> = input
        .weeks
        .iter()
        .filter_map(|w| input::share(w.people_share).map(|s| (input::week_label(w), s * 100.0)))
        .collect();
    let target = input::target(input.people_target) * 100.0;
    let target_pts = input
        .weeks
        .iter()
        .map(|w| (input::week_label(w), target))
        .collect();
    // Below the target, as the report decides it (people time < target × working time).
    let missed = share
        .iter()
        .filter(|(_, v)| *v < target - 1e-9)
        .cloned()
        .collect();
    vec![
        Series::new(SHARE, share.clone()),
        Series::new(MEAN, rolling_mean(&share, WINDOW)),
        Series::new(TARGET, target_pts),
        Series::new(MISSED, missed),
    ]
}

/// At each point, the mean of it and up to `window - 1` points before it. The input holds only
/// weeks with a defined share, so weeks without working time are skipped, not counted as 0 %:
/// a vacation week says nothing about how the manager spends a working week.
pub(crate) fn rolling_mean(pts: &[(String, f64)], window: usize) -> Vec<(String, f64)> {
    let window = window.max(1);
    pts.iter()
        .enumerate()
        .map(|(i, (label, _))| {
            let span = &pts[(i + 1).saturating_sub(window)..=i];
            let mean = span.iter().map(|(_, v)| v).sum::<f64>() / span.len() as f64;
            (label.clone(), mean)
        })
        .collect()
}

pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &ChartInput,
    data: &[Series],
) -> DrawResult<(), DB> {
    let axis = WeekAxis::new(input);
    let target = points(data, TARGET).first().map_or(0.0, |(_, v)| *v);
    let (legend, plot) = frame::page(
        root,
        &frame::heading(ChartKind::PeopleShare, input),
        &subtitle(data, target, input.latest_complete.as_deref()),
    )?;
    if axis.is_empty() {
        return frame::no_data(&plot, "no weeks in this window");
    }
    let people = palette::category(crate::classify::Category::People);
    frame::legend(
        &legend,
        &[
            (
                Swatch::Marker(people),
                "week at or above target".to_string(),
            ),
            (Swatch::Ring(NO_FLY), "week below target".to_string()),
            (Swatch::Line(INK, 3), "4-week mean".to_string()),
            (
                Swatch::Dashed(INK),
                format!("target {}%", frame::fmt_num(target)),
            ),
            (
                Swatch::Shade(TARGET_BAND, BAND_ALPHA),
                "at or above target".to_string(),
            ),
        ],
    )?;

    let max = [SHARE, MEAN, TARGET]
        .iter()
        .flat_map(|n| points(data, n))
        .map(|(_, v)| *v)
        .fold(0.0, f64::max);
    // At least 50 % and 10 points above the target, so the band is always visible.
    let (top, y_ticks) = frame::nice_axis(max, (target + 10.0).max(50.0));
    let (plot_px, margin_right) = axis.layout(plot.dim_in_pixel().0);
    let slot = axis.slot_px(plot_px);
    let mut chart = frame::week_panel(
        &plot,
        &axis,
        plot_px,
        margin_right,
        (0, 6),
        true,
        (top, y_ticks),
        "% of working week",
        &|y| format!("{}%", frame::fmt_num(*y)),
    )?;

    // Band first, from the target series itself (one rectangle per week, so a target that
    // ever varies by week is still drawn right).
    chart.draw_series(points(data, TARGET).iter().filter_map(|(label, t)| {
        axis.pos(label).map(|x| {
            Rectangle::new(
                [(x - 0.5, t.min(top)), (x + 0.5, top)],
                TARGET_BAND.mix(BAND_ALPHA).filled(),
            )
        })
    }))?;
    // The target line does not break at 0 %: a 0 % target is a real (if odd) setting.
    let target_path: Vec<(f64, f64)> = points(data, TARGET)
        .iter()
        .filter_map(|(label, t)| axis.pos(label).map(|x| (x, *t)))
        .flat_map(|(x, t)| [(x - 0.5, t), (x + 0.5, t)])
        .collect();
    chart.draw_series(DashedLineSeries::new(
        target_path,
        8,
        5,
        INK.stroke_width(2),
    ))?;

    // Weekly share: join neighbours only; a missing week breaks the line.
    let share: Vec<(f64, f64)> = points(data, SHARE)
        .iter()
        .filter_map(|(label, v)| axis.pos(label).map(|x| (x, *v)))
        .collect();
    let thin = people.mix(0.7).stroke_width(2);
    chart.draw_series(
        share
            .windows(2)
            .filter(|pair| (pair[1].0 - pair[0].0 - 1.0).abs() < 1e-9)
            .map(|pair| PathElement::new(vec![pair[0], pair[1]], thin)),
    )?;

    let mean: Vec<(f64, f64)> = points(data, MEAN)
        .iter()
        .filter_map(|(label, v)| axis.pos(label).map(|x| (x, *v)))
        .collect();
    chart.draw_series(LineSeries::new(mean, INK.stroke_width(3)))?;

    let radius = match slot {
        s if s >= 14.0 => 5,
        s if s >= 8.0 => 3,
        _ => 2,
    };
    let missed: Vec<(f64, f64)> = points(data, MISSED)
        .iter()
        .filter_map(|(label, v)| axis.pos(label).map(|x| (x, *v)))
        .collect();
    let is_missed = |p: &(f64, f64)| missed.iter().any(|m| (m.0 - p.0).abs() < 1e-9);
    chart.draw_series(
        share
            .iter()
            .filter(|p| !is_missed(p))
            .map(|&p| Circle::new(p, radius, people.filled())),
    )?;
    chart.draw_series(
        missed
            .iter()
            .map(|&p| Circle::new(p, radius + 1, WHITE.filled())),
    )?;
    chart.draw_series(
        missed
            .iter()
            .map(|&p| Circle::new(p, radius + 1, NO_FLY.stroke_width(2))),
    )?;

    Ok(())
}

/// "1 week", "3 weeks".
pub(crate) fn weeks(n: usize) -> String {
    if n == 1 {
        "1 week".to_string()
    } else {
        format!("{n} weeks")
    }
}

/// "Latest week 2026-W26: 34% · 4-week mean 31% · at or above 30% in 17 of 25 weeks".
/// "Latest week" is the latest complete week (`latest`), not the window's last week.
fn subtitle(data: &[Series], target: f64, latest: Option<&str>) -> String {
    let share = points(data, SHARE);
    let means = points(data, MEAN);
    let at = |pts: &[(String, f64)]| {
        latest.and_then(|l| pts.iter().find(|(label, _)| label == l).cloned())
    };
    let (Some((label, last)), Some((_, mean))) = (at(share), at(means)) else {
        return String::new();
    };
    let on_target = share.iter().filter(|(_, v)| *v >= target).count();
    format!(
        "Latest week {label}: {}% · 4-week mean {}% · at or above {}% in {on_target} of {} with working time",
        frame::fmt_num(last.round()),
        frame::fmt_num(mean.round()),
        frame::fmt_num(target),
        weeks(share.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::{self, dump, week};

    #[test]
    fn series_snapshot() {
        assert_eq!(
            dump(&series(&fixtures::sample())),
            "\
people share: 2026-W02=20 2026-W03=27.083333333333332 2026-W05=35
4-week mean: 2026-W02=20 2026-W03=23.541666666666664 2026-W05=27.36111111111111
target: 2026-W02=30 2026-W03=30 2026-W04=30 2026-W05=30
missed target: 2026-W02=20 2026-W03=27.083333333333332"
        );
    }

    #[test]
    fn rolling_mean_skips_weeks_without_a_share() {
        // Shares 20 %, 40 %, none, 30 %, 50 %, 10 %: the window is the last up to 4 *defined*
        // weeks, worked out by hand.
        let shares = [Some(0.2), Some(0.4), None, Some(0.3), Some(0.5), Some(0.1)];
        let weeks = shares
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut w = week(i as i64, [0.0; 4], 0, 0);
                w.people_share = *s;
                w
            })
            .collect();
        let data = series(&fixtures::input(weeks));
        let mean: Vec<(&str, f64)> = points(&data, MEAN)
            .iter()
            .map(|(l, v)| (l.as_str(), (v * 1e9).round() / 1e9))
            .collect();
        assert_eq!(
            mean,
            [
                ("2026-W02", 20.0),
                ("2026-W03", 30.0),
                ("2026-W05", 30.0),
                ("2026-W06", 35.0),
                ("2026-W07", 32.5),
            ]
        );
        let share: Vec<f64> = points(&data, SHARE).iter().map(|p| p.1).collect();
        assert_eq!(share, [20.0, 40.0, 30.0, 50.0, 10.0]);
    }

    #[test]
    fn non_finite_shares_are_skipped() {
        let mut input = fixtures::sample();
        input.weeks[0].people_share = Some(f64::NAN);
        input.weeks[1].people_share = Some(-1.0);
        let data = series(&input);
        let labels: Vec<&str> = points(&data, SHARE).iter().map(|p| p.0.as_str()).collect();
        assert_eq!(labels, ["2026-W03", "2026-W05"]);
        assert_eq!(points(&data, SHARE)[0].1, 0.0);
    }
}
