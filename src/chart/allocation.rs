//! Chart 1, weekly allocation: stacked hours per ISO week (people at the bottom), the people
//! target (target × that week's working hours) as a solid step line, the working week as a
//! dashed step line, out-of-office weeks shaded and tagged, and each week that missed the
//! target ringed at the top of its people bar (the people-share chart's mark, so the two agree).

use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, DrawResult, Swatch, TickAxis, WeekAxis};
use super::input::{self, ChartInput};
use super::palette::{self, CATEGORY_LABELS, INK, MUTED, NO_FLY, OOO};
use super::series::{points, Series};
use super::ChartKind;
use crate::classify::Category;

pub(crate) const TARGET: &str = "people target";
pub(crate) const WORKING_WEEK: &str = "working week";
pub(crate) const OOO_DAYS: &str = "out-of-office days";
/// Weeks below the target, at their people hours: the people-share chart's rule
/// ([`super::share::MISSED`]), so both charts mark the same weeks.
pub(crate) const MISSED: &str = super::share::MISSED;

/// How strongly the OOO background is drawn.
pub(crate) const OOO_ALPHA: f64 = 0.35;

pub(crate) fn series(input: &ChartInput) -> Vec<Series> {
    let labels: Vec<String> = input.weeks.iter().map(input::week_label).collect();
    let per_week = |f: &dyn Fn(&super::WeekPoint) -> f64| -> Vec<(String, f64)> {
        labels
            .iter()
            .zip(&input.weeks)
            .map(|(l, w)| (l.clone(), f(w)))
            .collect()
    };
    let target = input::target(input.people_target);
    let mut out: Vec<Series> = CATEGORY_LABELS
        .iter()
        .map(|(c, name)| Series::new(name, per_week(&|w| input::hours(w.hours[c]))))
        .collect();
    out.push(Series::new(
        TARGET,
        per_week(&|w| target * input::hours(w.working_hours)),
    ));
    out.push(Series::new(
        WORKING_WEEK,
        per_week(&|w| input::hours(w.working_hours)),
    ));
    out.push(Series::new(
        OOO_DAYS,
        per_week(&|w| w.ooo_days.min(7) as f64),
    ));
    let missed = labels
        .iter()
        .zip(&input.weeks)
        .filter(|(_, w)| input::share(w.people_share).is_some_and(|s| s < target - 1e-9))
        .map(|(l, w)| (l.clone(), input::hours(w.hours[Category::People])))
        .collect();
    out.push(Series::new(MISSED, missed));
    out
}

pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &ChartInput,
    data: &[Series],
) -> DrawResult<(), DB> {
    let axis = WeekAxis::new(input);
    let target_pct = input::target(input.people_target) * 100.0;
    let (legend, plot) = frame::page(
        root,
        &frame::heading(ChartKind::Allocation, input),
        &subtitle(data, target_pct, input.latest_complete.as_deref()),
    )?;
    if axis.is_empty() {
        return frame::no_data(&plot, "no weeks in this window");
    }

    let mut items: Vec<(Swatch, String)> = CATEGORY_LABELS
        .iter()
        .map(|(c, name)| (Swatch::Fill(palette::category(c)), name.to_string()))
        .collect();
    items.push((
        Swatch::Line(INK, 3),
        format!("people target ({}%)", frame::fmt_num(target_pct)),
    ));
    items.push((Swatch::Dashed(MUTED), "working week".to_string()));
    items.push((Swatch::Shade(OOO, OOO_ALPHA), "out of office".to_string()));
    items.push((Swatch::Ring(NO_FLY), MISSED.to_string()));
    frame::legend(&legend, &items)?;

    // Stack totals per slot, for the y range and for stacking.
    let mut stacks = vec![0.0; axis.len()];
    for name in CATEGORY_LABELS.values() {
        for (label, v) in points(data, name) {
            if let Some(x) = axis.pos(label) {
                stacks[x as usize] += v;
            }
        }
    }
    let line_max = [TARGET, WORKING_WEEK]
        .iter()
        .flat_map(|n| points(data, n))
        .map(|(_, v)| *v)
        .fold(0.0, f64::max);
    let max = stacks.iter().copied().fold(line_max, f64::max);
    let floor = input::hours(input.week_hours).max(8.0);
    let (top, y_ticks) = frame::nice_axis(max, floor);

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
        "hours",
        &|y| frame::fmt_num(*y),
    )?;

    // Out-of-office shading goes first so bars and lines stay on top of it.
    let ooo = ooo_weeks(&axis, data);
    shade_ooo(&mut chart, &ooo, top)?;

    // Bars: a thin gap between weeks while there is room for one.
    let half = axis.bar_half(plot_px);
    let mut base = vec![0.0; axis.len()];
    for (c, name) in CATEGORY_LABELS.iter() {
        let color = palette::category(c).filled();
        let mut bars = Vec::new();
        for (label, v) in points(data, name) {
            let Some(x) = axis.pos(label) else { continue };
            let b = &mut base[x as usize];
            if *v > 0.0 {
                bars.push(Rectangle::new([(x - half, *b), (x + half, *b + v)], color));
            }
            *b += v;
        }
        chart.draw_series(bars)?;
    }

    for path in step_paths(&axis, points(data, WORKING_WEEK)) {
        chart.draw_series(DashedLineSeries::new(path, 7, 5, MUTED.stroke_width(2)))?;
    }
    for path in step_paths(&axis, points(data, TARGET)) {
        chart.draw_series(LineSeries::new(path, INK.stroke_width(3)))?;
    }

    // A ring where the people bar ends in a missed week: white inside, so it reads on any bar.
    let radius = if slot >= 14.0 { 6 } else { 3 };
    let missed: Vec<(f64, f64)> = points(data, MISSED)
        .iter()
        .filter_map(|(label, v)| axis.pos(label).map(|x| (x, *v)))
        .collect();
    chart.draw_series(
        missed
            .iter()
            .map(|&p| Circle::new(p, radius, WHITE.filled())),
    )?;
    chart.draw_series(
        missed
            .iter()
            .map(|&p| Circle::new(p, radius, NO_FLY.stroke_width(2))),
    )?;

    ooo_tags(&mut chart, &ooo, top, slot)?;
    Ok(())
}

/// Slots (x, days) of the weeks with out-of-office days.
pub(crate) fn ooo_weeks(axis: &WeekAxis, data: &[Series]) -> Vec<(f64, f64)> {
    points(data, OOO_DAYS)
        .iter()
        .filter(|(_, days)| *days > 0.0)
        .filter_map(|(label, days)| axis.pos(label).map(|x| (x, *days)))
        .collect()
}

/// The light background behind out-of-office weeks, full plot height.
pub(crate) fn shade_ooo<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<TickAxis, Y>>,
    ooo: &[(f64, f64)],
    top: f64,
) -> DrawResult<(), DB> {
    chart.draw_series(ooo.iter().map(|&(x, _)| {
        Rectangle::new(
            [(x - 0.5, 0.0), (x + 0.5, top)],
            OOO.mix(OOO_ALPHA).filled(),
        )
    }))?;
    Ok(())
}

/// "OOO" over "2d" at the top of each out-of-office slot that is wide enough to hold it; the
/// shading alone says it otherwise.
pub(crate) fn ooo_tags<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<TickAxis, Y>>,
    ooo: &[(f64, f64)],
    top: f64,
    slot: f64,
) -> DrawResult<(), DB> {
    if (frame::text_width("OOO", frame::NOTE_SIZE) as f64) >= slot * 0.92 {
        return Ok(());
    }
    let style = frame::style(frame::NOTE_SIZE, INK).pos(Pos::new(HPos::Center, VPos::Top));
    for &(x, days) in ooo {
        let days = format!("{}d", frame::fmt_num(days));
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, top))
                + Text::new("OOO".to_string(), (0, 4), style.clone())
                + Text::new(days, (0, 19), style.clone()),
        ))?;
    }
    Ok(())
}

/// Step lines over whole week slots: flat across each week, vertical between weeks. A week at
/// 0 (a whole week out of office: no working time, so no target) ends one line and starts the
/// next, instead of plunging to the axis and back, which drew the eye to the least
/// interesting week.
pub(crate) fn step_paths(axis: &WeekAxis, pts: &[(String, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut paths = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for (label, v) in pts {
        let Some(x) = axis.pos(label) else { continue };
        let joins = current
            .last()
            .is_some_and(|&(end, _)| (end - (x - 0.5)).abs() < 1e-9);
        if (*v <= 0.0 || !joins) && !current.is_empty() {
            paths.push(std::mem::take(&mut current));
        }
        if *v > 0.0 {
            current.extend([(x - 0.5, *v), (x + 0.5, *v)]);
        }
    }
    if !current.is_empty() {
        paths.push(current);
    }
    paths
}

/// "Latest week 2026-W26: people 13.5 h · target 12 h (30% of 40 h)", about the latest
/// complete week (`latest`), not the window's last week; empty when there is none.
fn subtitle(data: &[Series], target_pct: f64, latest: Option<&str>) -> String {
    let Some(latest) = latest else {
        return String::new();
    };
    let at = |name: &str| {
        points(data, name)
            .iter()
            .find(|(label, _)| label == latest)
            .cloned()
    };
    let people = at(CATEGORY_LABELS[Category::People]);
    let target = at(TARGET);
    let working = at(WORKING_WEEK);
    match (people, target, working) {
        (Some((label, p)), Some((_, t)), Some((_, w))) => format!(
            "Latest week {label}: people {} h · target {} h ({}% of {} h working time)",
            hours(p),
            hours(t),
            frame::fmt_num(target_pct),
            hours(w)
        ),
        _ => String::new(),
    }
}

/// Hours for text: one decimal at most.
fn hours(v: f64) -> String {
    frame::fmt_num((v * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::{self, dump};
    use crate::chart::{series as all_series, ChartKind};

    #[test]
    fn series_snapshot() {
        let data = all_series(ChartKind::Allocation, &fixtures::sample());
        assert_eq!(
            dump(&data),
            "\
people: 2026-W02=8 2026-W03=6.5 2026-W04=0 2026-W05=14
technical: 2026-W02=16 2026-W03=9 2026-W04=0 2026-W05=10
deep work: 2026-W02=10 2026-W03=6 2026-W04=0 2026-W05=8
other: 2026-W02=4 2026-W03=2.5 2026-W04=0 2026-W05=5
people target: 2026-W02=12 2026-W03=7.199999999999999 2026-W04=0 2026-W05=12
working week: 2026-W02=40 2026-W03=24 2026-W04=0 2026-W05=40
out-of-office days: 2026-W02=0 2026-W03=2 2026-W04=5 2026-W05=0
missed target: 2026-W02=8 2026-W03=6.5"
        );
    }

    #[test]
    fn stacks_are_the_input_hours_and_target_is_target_times_working_hours() {
        let input = fixtures::sample();
        let data = series(&input);
        for (c, name) in CATEGORY_LABELS.iter() {
            let got: Vec<f64> = points(&data, name).iter().map(|p| p.1).collect();
            let want: Vec<f64> = input.weeks.iter().map(|w| w.hours[c]).collect();
            assert_eq!(got, want, "{name}");
        }
        for (p, w) in points(&data, TARGET).iter().zip(&input.weeks) {
            assert_eq!(p.1, 0.30 * w.working_hours);
        }
    }

    #[test]
    fn missed_weeks_are_the_people_share_charts_missed_weeks() {
        let input = fixtures::sample();
        let share = all_series(ChartKind::PeopleShare, &input);
        let labels = |pts: &[(String, f64)]| pts.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
        let here = points(&series(&input), MISSED).to_vec();
        assert_eq!(labels(&here), labels(points(&share, MISSED)));
        // Ringed where the people bar ends.
        assert_eq!(here, [("2026-W02".into(), 8.0), ("2026-W03".into(), 6.5)]);
    }

    #[test]
    fn bad_numbers_are_clamped_not_drawn() {
        let mut input = fixtures::sample();
        input.weeks[0].hours =
            crate::classify::PerCategory::new(f64::NAN, -4.0, f64::INFINITY, 1e9);
        input.weeks[0].working_hours = f64::NEG_INFINITY;
        input.people_target = f64::NAN;
        let data = series(&input);
        let first: Vec<f64> = data[..7].iter().map(|s| s.points[0].1).collect();
        // people, technical, deep work, other, target, working week, OOO days
        assert_eq!(first, [0.0, 0.0, 0.0, 168.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn step_paths_break_at_zero_weeks() {
        let input = fixtures::sample();
        let axis = WeekAxis::new(&input);
        let data = series(&input);
        let paths = step_paths(&axis, points(&data, TARGET));
        assert_eq!(paths.len(), 2);
        assert_eq!(paths[0].first(), Some(&(-0.5, 12.0)));
        assert_eq!(paths[1], vec![(2.5, 12.0), (3.5, 12.0)]);
    }
}
