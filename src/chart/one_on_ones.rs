//! Chart 5, 1:1s: one row per direct report (in roster order, top to bottom) × one column per
//! ISO week, each cell coloured by what became of that report's 1:1s that week: held,
//! scheduled, skipped (cancelled or declined), none, or no data (a week the analysis does not
//! cover). The marks come in ready ([`crate::playbook::weeks`]); this module only draws them.
//!
//! Colour is never the only cue: held cells carry a tick, skipped ones a cross and scheduled
//! ones a ring (when the cell is wide enough), so the grid also reads in grey.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, DrawResult, Swatch, TickAxis, WeekAxis};
use super::input::{self, ChartInput};
use super::palette::{self, INK, MUTED};
use super::series::Series;
use super::ChartKind;
use crate::playbook::Mark;

/// Longest report name drawn, in characters.
const NAME_CHARS: usize = 28;
/// The y label area grows with the widest name up to this many pixels.
const MAX_NAME_AREA: u32 = 260;

/// A mark as a series value: `-1` no data, `0` none, `1` skipped, `2` scheduled, `3` held.
pub(crate) fn code(m: Mark) -> f64 {
    match m {
        Mark::Outside => -1.0,
        Mark::None => 0.0,
        Mark::Skipped => 1.0,
        Mark::Scheduled => 2.0,
        Mark::Held => 3.0,
    }
}

/// The inverse of [`code`]; anything else is no data.
fn mark(v: f64) -> Mark {
    match v.round() as i64 {
        0 => Mark::None,
        1 => Mark::Skipped,
        2 => Mark::Scheduled,
        3 => Mark::Held,
        _ => Mark::Outside,
    }
}

/// The report's name as drawn: no control characters, shortened.
fn name(report: &str) -> String {
    let n = input::text(report.trim(), NAME_CHARS);
    if n.is_empty() {
        "(no name)".to_owned()
    } else {
        n
    }
}

/// One series per report, in roster order, named after the report; one point per week of the
/// input, its value the [`code`] of the week's mark (a row shorter than the weeks is no data
/// for the rest).
pub(crate) fn series(input: &ChartInput) -> Vec<Series> {
    input
        .one_on_ones
        .iter()
        .map(|row| {
            let pts = input
                .weeks
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let m = row.marks.get(i).copied().unwrap_or(Mark::Outside);
                    (input::week_label(w), code(m))
                })
                .collect();
            Series {
                name: name(&row.report),
                points: pts,
            }
        })
        .collect()
}

/// Fill and glyph of a cell.
fn look(m: Mark) -> (RGBColor, Option<&'static str>) {
    match m {
        Mark::Held => (palette::HELD, Some("✓")),
        Mark::Scheduled => (palette::SCHEDULED, Some("○")),
        Mark::Skipped => (palette::SKIPPED, Some("×")),
        Mark::None => (WHITE, None),
        Mark::Outside => (palette::NO_DATA, None),
    }
}

/// Row `r` of `n` occupies y in `n - 1 - r .. n - r`, so the first report is the top row.
fn row_y(r: usize, n: usize) -> f64 {
    (n - 1 - r) as f64
}

pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &ChartInput,
    data: &[Series],
) -> DrawResult<(), DB> {
    let axis = WeekAxis::new(input);
    let (legend, plot) = frame::page(
        root,
        &frame::heading(ChartKind::OneOnOnes, input),
        &subtitle(data),
    )?;
    if data.is_empty() {
        return frame::no_data(
            &plot,
            "no direct reports: list them as [[reports]] in the config",
        );
    }
    if axis.is_empty() {
        return frame::no_data(&plot, "no weeks in this window");
    }
    let mut items = vec![
        (Swatch::Fill(palette::HELD), Mark::Held.as_str().to_owned()),
        (
            Swatch::Fill(palette::SCHEDULED),
            Mark::Scheduled.as_str().to_owned(),
        ),
        (
            Swatch::Fill(palette::SKIPPED),
            "skipped (cancelled or declined)".to_owned(),
        ),
        (Swatch::Outline(MUTED), "no 1:1".to_owned()),
    ];
    let at = &axis;
    let cells: Vec<(usize, f64, Mark)> = data
        .iter()
        .enumerate()
        .flat_map(|(r, s)| {
            s.points
                .iter()
                .filter_map(move |(label, v)| at.pos(label).map(|x| (r, x, mark(*v))))
        })
        .collect();
    if cells.iter().any(|c| c.2 == Mark::Outside) {
        items.push((
            Swatch::Shade(palette::NO_DATA, 1.0),
            Mark::Outside.as_str().to_owned(),
        ));
    }
    frame::legend(&legend, &items)?;

    let n = data.len();
    let widest = data
        .iter()
        .map(|s| frame::text_width(&s.name, frame::LABEL_SIZE))
        .max()
        .unwrap_or(0);
    let name_area = (widest + 24).clamp(frame::Y_LABEL_AREA, MAX_NAME_AREA);
    let (width, _) = plot.dim_in_pixel();
    // `layout` reserves the usual label area; ours is `name_area` wide.
    let (plot_px, margin_right) =
        axis.layout((width + frame::Y_LABEL_AREA).saturating_sub(name_area));
    let slot = axis.slot_px(plot_px);
    let y_ticks: Vec<f64> = (0..n).map(|r| row_y(r, n) + 0.5).collect();
    let names: Vec<String> = data.iter().map(|s| s.name.clone()).collect();
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(frame::MARGIN)
        .margin_right(margin_right)
        .margin_top(6)
        .margin_bottom(6)
        .x_label_area_size(frame::X_LABEL_AREA)
        .y_label_area_size(name_area)
        .build_cartesian_2d(
            TickAxis::new(axis.range(), axis.ticks(plot_px)),
            TickAxis::new(0.0..n as f64, y_ticks),
        )?;
    let x_fmt = |x: &f64| axis.label_at(*x);
    let y_fmt = |y: &f64| {
        let r = n as f64 - 0.5 - y;
        names
            .get(r.round().max(0.0) as usize)
            .filter(|_| r >= -0.5)
            .cloned()
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(MUTED)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc("ISO week (Monday start)")
        .label_style(frame::style(frame::LABEL_SIZE, INK))
        .axis_desc_style(frame::style(frame::DESC_SIZE, INK))
        .draw()?;

    // A gap between cells while they are wide enough for one.
    let gap = if slot >= 10.0 { 0.06 } else { 0.0 };
    chart.draw_series(cells.iter().map(|&(r, x, m)| {
        let y = row_y(r, n);
        Rectangle::new(
            [(x - 0.5 + gap, y + 0.08), (x + 0.5 - gap, y + 0.92)],
            look(m).0.filled(),
        )
    }))?;
    chart.draw_series(
        cells
            .iter()
            .filter(|c| c.2 == Mark::None)
            .map(|&(r, x, _)| {
                let y = row_y(r, n);
                Rectangle::new(
                    [(x - 0.5 + gap, y + 0.08), (x + 0.5 - gap, y + 0.92)],
                    palette::GRID.stroke_width(1),
                )
            }),
    )?;
    // Glyphs grow with the cells, from the note size up to a legible 20 px.
    let size = (slot * 0.25).clamp(frame::NOTE_SIZE, 20.0);
    if (frame::text_width("✓", size) as f64) < slot * 0.7 {
        let center = Pos::new(HPos::Center, VPos::Center);
        for &(r, x, m) in &cells {
            let (fill, glyph) = look(m);
            let Some(glyph) = glyph else { continue };
            let color = if palette::is_dark(fill) { WHITE } else { INK };
            chart.draw_series(std::iter::once(Text::new(
                glyph.to_owned(),
                (x, row_y(r, n) + 0.5),
                frame::style(size, color).pos(center),
            )))?;
        }
    }
    Ok(())
}

/// "Held in 48 of 60 report-weeks · 2 skipped · 10 without a 1:1" over the weeks with data.
fn subtitle(data: &[Series]) -> String {
    let mut count = [0usize; 5];
    for s in data {
        for (_, v) in &s.points {
            count[mark(*v) as usize] += 1;
        }
    }
    let known: usize = count[1..].iter().sum();
    if data.is_empty() || known == 0 {
        return String::new();
    }
    let mut s = format!(
        "Held in {} of {known} report-weeks · {} skipped · {} without a 1:1",
        count[Mark::Held as usize],
        count[Mark::Skipped as usize],
        count[Mark::None as usize],
    );
    if count[Mark::Scheduled as usize] > 0 {
        s.push_str(&format!(" · {} scheduled", count[Mark::Scheduled as usize]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::{self, dump};
    use crate::chart::{series as all_series, OneOnOneRow};

    #[test]
    fn series_snapshot() {
        let data = all_series(ChartKind::OneOnOnes, &fixtures::sample());
        assert_eq!(
            dump(&data),
            "\
Priya Shah: 2026-W02=3 2026-W03=1 2026-W04=0 2026-W05=2
Jordan: 2026-W02=3 2026-W03=3 2026-W04=-1 2026-W05=-1"
        );
    }

    #[test]
    fn codes_round_trip_and_subtitle_counts_known_weeks() {
        for m in [
            Mark::Outside,
            Mark::None,
            Mark::Skipped,
            Mark::Scheduled,
            Mark::Held,
        ] {
            assert_eq!(mark(code(m)), m);
        }
        let data = all_series(ChartKind::OneOnOnes, &fixtures::sample());
        assert_eq!(
            subtitle(&data),
            "Held in 3 of 6 report-weeks · 1 skipped · 1 without a 1:1 · 1 scheduled"
        );
    }

    #[test]
    fn names_are_cleaned_and_short_rows_are_no_data() {
        let mut input = fixtures::sample();
        input.one_on_ones = vec![
            OneOnOneRow {
                report: "  Zoë\u{7}  ".into(),
                marks: vec![Mark::Held],
            },
            OneOnOneRow {
                report: "A very long name that goes on and on and on".into(),
                marks: Vec::new(),
            },
        ];
        let data = series(&input);
        assert_eq!(data[0].name, "Zoë");
        assert_eq!(data[0].points.len(), 4);
        assert_eq!(
            data[0].points.iter().map(|p| p.1).collect::<Vec<_>>(),
            [3.0, -1.0, -1.0, -1.0]
        );
        assert_eq!(data[1].name.chars().count(), NAME_CHARS);
        assert!(data[1].name.ends_with('…'));
    }
}
