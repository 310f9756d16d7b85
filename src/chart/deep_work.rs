//! Chart 3, deep work and no-fly: deep-work hours per week as bars (top panel) and no-fly
//! violations per week as lollipops (bottom panel). Two panels on one shared week axis instead
//! of a secondary y axis: two scales on one plot invite reading a count as hours.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, DrawResult, Swatch, WeekAxis};
use super::input::{self, ChartInput};
use super::palette::{self, INK, NO_FLY, OOO};
use super::series::{points, Series};
use super::ChartKind;
use super::{allocation, share};

pub(crate) const DEEP_WORK: &str = "deep work";
pub(crate) const VIOLATIONS: &str = "no-fly violations";

/// Share of the plot height given to the deep-work panel.
const TOP_PANEL: f64 = 0.64;

pub(crate) fn series(input: &ChartInput) -> Vec<Series> {
    let deep = input
        .weeks
        .iter()
        .map(|w| {
            (
                input::week_label(w),
                input::hours(w.hours[crate::classify::Category::DeepWork]),
            )
        })
        .collect();
    let violations = input
        .weeks
        .iter()
        .map(|w| (input::week_label(w), w.no_fly_violations as f64))
        .collect();
    let ooo = input
        .weeks
        .iter()
        .map(|w| (input::week_label(w), w.ooo_days.min(7) as f64))
        .collect();
    vec![
        Series::new(DEEP_WORK, deep),
        Series::new(VIOLATIONS, violations),
        // Context: a week without deep work is often a week off.
        Series::new(allocation::OOO_DAYS, ooo),
    ]
}

pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &ChartInput,
    data: &[Series],
) -> DrawResult<(), DB> {
    let axis = WeekAxis::new(input);
    let (legend, plot) = frame::page(
        root,
        &frame::heading(ChartKind::DeepWork, input),
        &subtitle(data),
    )?;
    if axis.is_empty() {
        return frame::no_data(&plot, "no weeks in this window");
    }
    frame::legend(
        &legend,
        &[
            (
                Swatch::Fill(palette::category(crate::classify::Category::DeepWork)),
                "deep work (hours)".to_string(),
            ),
            (
                Swatch::Marker(NO_FLY),
                "no-fly violations (meetings)".to_string(),
            ),
            (
                Swatch::Shade(OOO, allocation::OOO_ALPHA),
                "out of office".to_string(),
            ),
        ],
    )?;

    let (plot_px, margin_right) = axis.layout(plot.dim_in_pixel().0);
    let slot = axis.slot_px(plot_px);
    let split = (plot.dim_in_pixel().1 as f64 * TOP_PANEL) as u32;
    let (upper, lower) = plot.split_vertically(split);

    // Top panel: deep-work bars, no x labels (the bottom panel carries them).
    let deep = points(data, DEEP_WORK);
    let max = deep.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let (top, y_ticks) = frame::nice_axis(max, 4.0);
    let mut chart = frame::week_panel(
        &upper,
        &axis,
        plot_px,
        margin_right,
        (0, 4),
        false,
        (top, y_ticks),
        "deep work (hours)",
        &|y| frame::fmt_num(*y),
    )?;
    let ooo = allocation::ooo_weeks(&axis, data);
    allocation::shade_ooo(&mut chart, &ooo, top)?;
    allocation::ooo_tags(&mut chart, &ooo, top, slot)?;
    let half = axis.bar_half(plot_px);
    let color = palette::category(crate::classify::Category::DeepWork).filled();
    chart.draw_series(
        deep.iter()
            .filter(|(_, v)| *v > 0.0)
            .filter_map(|(label, v)| {
                axis.pos(label)
                    .map(|x| Rectangle::new([(x - half, 0.0), (x + half, *v)], color))
            }),
    )?;

    // Bottom panel: violations as lollipops on an integer axis.
    let violations: Vec<(f64, f64)> = points(data, VIOLATIONS)
        .iter()
        .filter_map(|(label, v)| axis.pos(label).map(|x| (x, *v)))
        .collect();
    let max = violations.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let (top, y_ticks) = count_axis(max);
    let mut chart = frame::week_panel(
        &lower,
        &axis,
        plot_px,
        margin_right,
        (8, 6),
        true,
        (top, y_ticks),
        "violations",
        &|y| frame::fmt_num(*y),
    )?;
    let hits: Vec<(f64, f64)> = violations.into_iter().filter(|(_, v)| *v > 0.0).collect();
    chart.draw_series(
        hits.iter()
            .map(|&(x, v)| PathElement::new(vec![(x, 0.0), (x, v)], NO_FLY.stroke_width(2))),
    )?;
    let radius = match slot {
        s if s >= 10.0 => 5,
        s if s >= 6.0 => 3,
        _ => 2,
    };
    chart.draw_series(
        hits.iter()
            .map(|&p| Circle::new(p, radius, NO_FLY.filled())),
    )?;
    let value_style = frame::style(frame::NOTE_SIZE, INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    for &(x, v) in &hits {
        let label = frame::fmt_num(v);
        // Only with white space either side: "1" "1" in neighbouring weeks would read as "11".
        if (frame::text_width(&label, frame::NOTE_SIZE) as f64) + 8.0 < slot {
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, v)) + Text::new(label, (0, -8), value_style.clone()),
            ))?;
        }
    }
    Ok(())
}

/// An integer axis for counts: room for a value label above the highest lollipop, at least
/// 0..=3, ticks on whole numbers only.
fn count_axis(max: f64) -> (f64, Vec<f64>) {
    let want = (max.max(0.0) * 1.25).ceil().max(3.0);
    let step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        .into_iter()
        .find(|s| want / s <= 5.0)
        .unwrap_or_else(|| (want / 5.0).ceil());
    let count = (want / step).ceil() as usize;
    let ticks = (0..=count).map(|k| k as f64 * step).collect();
    (count as f64 * step, ticks)
}

/// "Over 26 weeks: 214 h deep work (8.2 h a week) · 7 no-fly violations in 5 weeks".
fn subtitle(data: &[Series]) -> String {
    let deep = points(data, DEEP_WORK);
    if deep.is_empty() {
        return String::new();
    }
    let total: f64 = deep.iter().map(|(_, v)| v).sum();
    let violations = points(data, VIOLATIONS);
    let count: f64 = violations.iter().map(|(_, v)| v).sum();
    let weeks_hit = violations.iter().filter(|(_, v)| *v > 0.0).count();
    let round1 = |v: f64| frame::fmt_num((v * 10.0).round() / 10.0);
    format!(
        "Over {}: {} h deep work ({} h a week on average) · {} no-fly violation{} in {}",
        share::weeks(deep.len()),
        round1(total),
        round1(total / deep.len() as f64),
        frame::fmt_num(count),
        if count == 1.0 { "" } else { "s" },
        share::weeks(weeks_hit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::{self, dump};

    #[test]
    fn count_axis_uses_whole_numbers() {
        assert_eq!(count_axis(0.0), (3.0, vec![0.0, 1.0, 2.0, 3.0]));
        assert_eq!(count_axis(4.0).0, 5.0);
        let (top, ticks) = count_axis(13.0);
        assert!(top >= 13.0);
        assert!(ticks.iter().all(|t| t.fract() == 0.0));
    }

    #[test]
    fn series_snapshot() {
        assert_eq!(
            dump(&series(&fixtures::sample())),
            "\
deep work: 2026-W02=10 2026-W03=6 2026-W04=0 2026-W05=8
no-fly violations: 2026-W02=0 2026-W03=1 2026-W04=0 2026-W05=3
out-of-office days: 2026-W02=0 2026-W03=2 2026-W04=5 2026-W05=0"
        );
    }
}
