//! Chart 4, week heat-map: weekdays (Mon at the top … Sun) × local hours, cell colour = busy
//! minutes in an average week of the window (the union of meetings, so a double-booked hour is
//! one hour; deep work and events over [`super::input::LONGEST_MEETING`] left out upstream, see
//! [`super::HeatMap::from_meetings`]), minutes written in cells that can hold them, no-fly
//! windows outlined in vermillion, and a colour scale on the right.
//!
//! Hours shown: 06:00–22:00 by default, the span where a working day plausibly happens, so the
//! cells stay wide enough to read. The span widens to any hour that has minutes or a no-fly
//! window, so nothing in the input is ever cut off; a 05:00 call with another continent shows.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, DrawResult, Swatch, TickAxis};
use super::input::{self, ChartInput};
use super::palette::{self, INK, MUTED, NO_FLY};
use super::series::{points, Series};
use super::ChartKind;

pub(crate) const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
pub(crate) const NO_FLY_WINDOWS: &str = "no-fly windows";

/// Default first hour shown and the hour the default span ends at (exclusive).
const DEFAULT_HOURS: (usize, usize) = (6, 22);
const MINUTES_PER_DAY: u32 = 24 * 60;
/// Width of the colour-scale strip at the right.
const SCALE_AREA: u32 = 120;

/// The no-fly windows that can be drawn: weekday 0..=6, end clamped to midnight, non-empty.
fn windows(input: &ChartInput) -> Vec<(usize, u32, u32)> {
    input
        .heat
        .no_fly
        .iter()
        .filter(|(day, _, _)| *day < 7)
        .map(|&(day, start, end)| (day as usize, start, end.min(MINUTES_PER_DAY)))
        .filter(|(_, start, end)| start < end)
        .collect()
}

/// The hours shown, `first..end`; see the module docs.
fn hour_span(input: &ChartInput) -> (usize, usize) {
    let (mut first, mut end) = DEFAULT_HOURS;
    for row in &input.heat.minutes {
        for (h, m) in row.iter().enumerate() {
            if input::minutes(*m) > 0.0 {
                first = first.min(h);
                end = end.max(h + 1);
            }
        }
    }
    for (_, start, stop) in windows(input) {
        first = first.min((start / 60) as usize);
        end = end.max(stop.div_ceil(60) as usize);
    }
    (first, end)
}

fn slot_label(day: usize, minute: u32) -> String {
    format!("{} {:02}:{:02}", DAYS[day], minute / 60, minute % 60)
}

/// `"Tue 09:30"` → (1, 570). The inverse of [`slot_label`].
fn parse_slot(label: &str) -> Option<(usize, u32)> {
    let (day, time) = label.split_once(' ')?;
    let day = DAYS.iter().position(|d| *d == day)?;
    let (h, m) = time.split_once(':')?;
    Some((day, h.parse::<u32>().ok()? * 60 + m.parse::<u32>().ok()?))
}

pub(crate) fn series(input: &ChartInput) -> Vec<Series> {
    let (first, end) = hour_span(input);
    let mut out: Vec<Series> = DAYS
        .iter()
        .enumerate()
        .map(|(d, name)| {
            let pts = (first..end)
                .map(|h| {
                    (
                        slot_label(d, h as u32 * 60),
                        input::minutes(input.heat.minutes[d][h]),
                    )
                })
                .collect();
            Series::new(name, pts)
        })
        .collect();
    let pairs = windows(input)
        .into_iter()
        .flat_map(|(d, start, stop)| {
            [
                (slot_label(d, start), start as f64),
                (slot_label(d, stop), stop as f64),
            ]
        })
        .collect();
    out.push(Series::new(NO_FLY_WINDOWS, pairs));
    out
}

/// Row `day` occupies y in `6 - day .. 7 - day`, so Monday is the top row.
fn row(day: usize) -> f64 {
    6.0 - day as f64
}

pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &ChartInput,
    data: &[Series],
) -> DrawResult<(), DB> {
    // Every cell as (day, hour, minutes), decoded from the series labels.
    let cells: Vec<(usize, u32, f64)> = DAYS
        .iter()
        .flat_map(|d| points(data, d))
        .filter_map(|(label, v)| parse_slot(label).map(|(d, m)| (d, m / 60, *v)))
        .collect();
    let windows: Vec<(usize, f64, f64)> = points(data, NO_FLY_WINDOWS)
        .chunks_exact(2)
        .filter_map(|pair| {
            let (d, start) = parse_slot(&pair[0].0)?;
            let (_, stop) = parse_slot(&pair[1].0)?;
            Some((d, start as f64 / 60.0, stop as f64 / 60.0))
        })
        .collect();
    let max = cells.iter().map(|c| c.2).fold(0.0, f64::max);

    let (legend, plot) = frame::page(
        root,
        &frame::heading(ChartKind::Heatmap, input),
        &subtitle(&cells, windows.len()),
    )?;
    frame::legend(
        &legend,
        &[(Swatch::Outline(NO_FLY), "no-fly window".to_string())],
    )?;

    let first = cells
        .iter()
        .map(|c| c.1)
        .min()
        .unwrap_or(DEFAULT_HOURS.0 as u32) as f64;
    let end = cells
        .iter()
        .map(|c| c.1 + 1)
        .max()
        .unwrap_or(DEFAULT_HOURS.1 as u32) as f64;
    let (width, _) = plot.dim_in_pixel();
    let (main, scale) = plot.split_horizontally(width.saturating_sub(SCALE_AREA));
    let plot_px = main.dim_in_pixel().0 - 2 * frame::MARGIN - frame::Y_LABEL_AREA;
    let column = plot_px as f64 / (end - first).max(1.0);
    let need = frame::text_width("00:00", frame::LABEL_SIZE) as f64 * 1.15 + 10.0;
    let step = (1..=6).find(|s| *s as f64 * column >= need).unwrap_or(6);
    let x_ticks: Vec<f64> = (first as usize..=end as usize)
        .step_by(step)
        .map(|h| h as f64)
        .collect();
    let y_ticks: Vec<f64> = (0..7).map(|d| row(d) + 0.5).collect();

    let mut chart = ChartBuilder::on(&main)
        .margin_left(frame::MARGIN)
        .margin_right(frame::MARGIN)
        .margin_top(6)
        .margin_bottom(6)
        .x_label_area_size(frame::X_LABEL_AREA)
        .y_label_area_size(frame::Y_LABEL_AREA)
        .build_cartesian_2d(
            TickAxis::new(first..end, x_ticks),
            TickAxis::new(0.0..7.0, y_ticks),
        )?;
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(MUTED)
        .x_label_formatter(&|x| format!("{:02}:00", x.round() as i64))
        .y_label_formatter(&|y| {
            let d = (6.5 - y).round();
            DAYS.get(d as usize)
                .filter(|_| d >= 0.0)
                .map_or(String::new(), |s| s.to_string())
        })
        .x_desc(format!(
            "local time ({})",
            input::text(&input.tz, 40).trim()
        ))
        .y_desc("weekday")
        .label_style(frame::style(frame::LABEL_SIZE, INK))
        .axis_desc_style(frame::style(frame::DESC_SIZE, INK))
        .draw()?;

    let fill = |v: f64| palette::heat(if max > 0.0 { v / max } else { 0.0 });
    chart.draw_series(cells.iter().map(|&(d, h, v)| {
        let (x, y) = (h as f64, row(d));
        Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill(v).filled())
    }))?;
    chart.draw_series(cells.iter().map(|&(d, h, _)| {
        let (x, y) = (h as f64, row(d));
        Rectangle::new([(x, y), (x + 1.0, y + 1.0)], palette::GRID.stroke_width(1))
    }))?;
    let center = Pos::new(HPos::Center, VPos::Center);
    for &(d, h, v) in &cells {
        let label = frame::fmt_num(v.round());
        if v > 0.0 && (frame::text_width(&label, frame::NOTE_SIZE) as f64) < column * 0.85 {
            let color = if palette::is_dark(fill(v)) {
                WHITE
            } else {
                INK
            };
            let style = frame::style(frame::NOTE_SIZE, color).pos(center);
            chart.draw_series(std::iter::once(Text::new(
                label,
                (h as f64 + 0.5, row(d) + 0.5),
                style,
            )))?;
        }
    }
    // Inset a little so windows on neighbouring days stay two separate outlines. Four
    // segments, each drawn left to right or top to bottom, not a `Rectangle` (plotters' SVG
    // backend drops a rectangle's stroke width) nor one closed path (the bitmap backend offsets
    // thick lines drawn right to left, doubling the bottom edge).
    let style = NO_FLY.stroke_width(3);
    chart.draw_series(windows.iter().flat_map(|&(d, start, stop)| {
        let (y0, y1) = (row(d) + 0.06, row(d) + 0.94);
        [
            [(start, y1), (stop, y1)],
            [(start, y0), (stop, y0)],
            [(start, y1), (start, y0)],
            [(stop, y1), (stop, y0)],
        ]
        .map(|seg| PathElement::new(seg.to_vec(), style))
    }))?;

    draw_scale(&scale, max)?;
    if max <= 0.0 {
        let (w, h) = main.dim_in_pixel();
        main.draw_text(
            "no meetings recorded in this window",
            &frame::style(frame::DESC_SIZE + 3.0, MUTED).pos(center),
            (
                (frame::Y_LABEL_AREA + w) as i32 / 2,
                (h - frame::X_LABEL_AREA) as i32 / 2,
            ),
        )?;
    }
    Ok(())
}

/// The colour scale: a vertical gradient from 0 (bottom) to the largest cell (top).
fn draw_scale<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, max: f64) -> DrawResult<(), DB> {
    let (_, h) = area.dim_in_pixel();
    let (x0, x1) = (8, 30);
    let (top, bottom) = (34, h as i32 - frame::X_LABEL_AREA as i32 - 6);
    if bottom <= top {
        return Ok(());
    }
    area.draw_text(
        "min/week",
        &frame::style(frame::LABEL_SIZE, INK).pos(Pos::new(HPos::Left, VPos::Top)),
        (x0, 8),
    )?;
    let steps = 64;
    let span = (bottom - top) as f64;
    for k in 0..steps {
        // k = 0 is the top strip (the maximum).
        let y0 = top + (span * k as f64 / steps as f64) as i32;
        let y1 = top + (span * (k + 1) as f64 / steps as f64).ceil() as i32;
        let t = 1.0 - (k as f64 + 0.5) / steps as f64;
        let c = if max > 0.0 { palette::heat(t) } else { WHITE };
        area.draw(&Rectangle::new([(x0, y0), (x1, y1)], c.filled()))?;
    }
    area.draw(&Rectangle::new(
        [(x0, top), (x1, bottom)],
        MUTED.stroke_width(1),
    ))?;
    let label_style = frame::style(frame::LABEL_SIZE, INK).pos(Pos::new(HPos::Left, VPos::Center));
    let marks: Vec<f64> = if max > 0.0 {
        vec![0.0, max / 2.0, max]
    } else {
        vec![0.0]
    };
    for v in marks {
        let y = bottom - ((v / max.max(1e-9)) * span) as i32;
        area.draw(&PathElement::new(
            vec![(x1, y), (x1 + 5, y)],
            MUTED.stroke_width(1),
        ))?;
        area.draw_text(&frame::fmt_num(v.round()), &label_style, (x1 + 8, y))?;
    }
    Ok(())
}

/// "Busiest hour: Tue 10:00 (45 min a week) · 3 no-fly windows outlined".
fn subtitle(cells: &[(usize, u32, f64)], windows: usize) -> String {
    let busiest = cells
        .iter()
        .filter(|c| c.2 > 0.0)
        .fold(None::<&(usize, u32, f64)>, |best, c| match best {
            Some(b) if b.2 >= c.2 => Some(b),
            _ => Some(c),
        });
    let mut s = match busiest {
        Some(&(d, h, v)) => format!(
            "Busiest hour: {} ({} min of meetings a week on average)",
            slot_label(d, h * 60),
            frame::fmt_num(v.round())
        ),
        None => "No meetings recorded".to_string(),
    };
    s.push_str(&format!(
        " · {windows} no-fly window{} outlined · deep work not counted",
        if windows == 1 { "" } else { "s" }
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures;

    #[test]
    fn slot_labels_round_trip() {
        assert_eq!(slot_label(1, 570), "Tue 09:30");
        assert_eq!(parse_slot("Tue 09:30"), Some((1, 570)));
        assert_eq!(parse_slot("Sun 24:00"), Some((6, 1440)));
        assert_eq!(parse_slot("Xyz 09:00"), None);
    }

    #[test]
    fn cells_are_the_input_minutes_over_the_default_hours() {
        let input = fixtures::sample();
        let data = series(&input);
        assert_eq!(data.len(), 8);
        for (d, day) in DAYS.iter().enumerate() {
            let pts = points(&data, day);
            assert_eq!(pts.len(), 16, "06:00..22:00");
            assert_eq!(pts[0].0, format!("{day} 06:00"));
            for (label, v) in pts {
                let (_, minute) = parse_slot(label).expect("own label");
                assert_eq!(*v, input.heat.minutes[d][minute as usize / 60], "{label}");
            }
        }
        assert_eq!(points(&data, "Tue")[4], ("Tue 10:00".to_string(), 240.0));
        assert_eq!(
            points(&data, NO_FLY_WINDOWS),
            [
                ("Wed 09:00".to_string(), 540.0),
                ("Wed 12:00".to_string(), 720.0)
            ]
        );
    }

    #[test]
    fn hours_widen_to_keep_every_minute_and_window() {
        let mut input = fixtures::sample();
        input.heat.minutes[3][5] = 45.0;
        input.heat.no_fly.push((6, 22 * 60 + 30, 24 * 60 + 90));
        let data = series(&input);
        let thu = points(&data, "Thu");
        assert_eq!(thu.first(), Some(&("Thu 05:00".to_string(), 45.0)));
        assert_eq!(thu.last().map(|p| p.0.as_str()), Some("Thu 23:00"));
        // The window past midnight is clamped to 24:00.
        assert_eq!(
            &points(&data, NO_FLY_WINDOWS)[2..],
            [
                ("Sun 22:30".to_string(), 1350.0),
                ("Sun 24:00".to_string(), 1440.0)
            ]
        );
    }

    #[test]
    fn unusable_windows_and_minutes_are_dropped() {
        let mut input = fixtures::sample();
        input.heat.no_fly = vec![(7, 60, 120), (1, 600, 600), (1, 700, 650)];
        input.heat.minutes[0][9] = f64::NAN;
        input.heat.minutes[0][10] = -5.0;
        let data = series(&input);
        assert!(points(&data, NO_FLY_WINDOWS).is_empty());
        assert_eq!(points(&data, "Mon")[3].1, 0.0);
        assert_eq!(points(&data, "Mon")[4].1, 0.0);
    }
}
