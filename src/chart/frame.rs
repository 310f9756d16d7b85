//! Drawing pieces every chart shares: the white page, the title, a legend row, the "no data"
//! note, week ticks that never collide, and round axis ranges.

use std::collections::HashMap;
use std::ops::Range;

use chrono::Duration;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::input::{self, ChartInput};
use super::palette::{INK, MUTED};
use super::ChartKind;

/// The font family registered with plotters (and written into SVG `font-family`).
pub(crate) const FONT: &str = "sans-serif";
pub(crate) const TITLE_SIZE: f64 = 22.0;
pub(crate) const LEGEND_SIZE: f64 = 15.0;
pub(crate) const LABEL_SIZE: f64 = 14.0;
pub(crate) const DESC_SIZE: f64 = 15.0;
/// Small annotations inside the plot (OOO tags, values).
pub(crate) const NOTE_SIZE: f64 = 12.0;

/// Left/right page margin and the chart margins, in pixels.
pub(crate) const MARGIN: u32 = 18;
/// Width reserved for y tick labels plus the rotated y-axis description.
pub(crate) const Y_LABEL_AREA: u32 = 72;
/// Height reserved for x tick labels plus the x-axis description.
pub(crate) const X_LABEL_AREA: u32 = 52;

/// Plotters' error type for a drawing area on backend `DB`.
pub(crate) type DrawResult<T, DB> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A pixel-addressed drawing area.
pub(crate) type Area<DB> = DrawingArea<DB, Shift>;

/// Text style in our font.
pub(crate) fn style(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::default(),
    }
}

/// Width in pixels of `text` at `size`, measured with the embedded font. Falls back to a
/// generous estimate if the font is not available (measuring must never fail a chart).
pub(crate) fn text_width(text: &str, size: f64) -> u32 {
    (FONT, size)
        .into_font()
        .box_size(text)
        .map(|(w, _)| w)
        .unwrap_or_else(|_| (text.chars().count() as f64 * size * 0.65).ceil() as u32)
}

/// "Weekly allocation · 2026-01-05 – 2026-03-29 · America/Los_Angeles".
///
/// The window end is exclusive in the input; the title shows the last day *in* the window
/// because that is how people read a date range.
pub(crate) fn heading(kind: ChartKind, input: &ChartInput) -> String {
    let last = if input.to > input.from {
        input.to - Duration::days(1)
    } else {
        input.to
    };
    let tz = input::text(&input.tz, 48);
    let mut title = format!("{} · {} – {}", kind.title(), input.from, last);
    if !tz.is_empty() {
        title.push_str(" · ");
        title.push_str(&tz);
    }
    title
}

/// The page: white background, title (and an optional muted subtitle) at the top. Returns
/// the legend row and the plot area below it.
pub(crate) fn page<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> DrawResult<(Area<DB>, Area<DB>), DB> {
    root.fill(&WHITE)?;
    let top = Pos::new(HPos::Left, VPos::Top);
    root.draw_text(title, &style(TITLE_SIZE, INK).pos(top), (MARGIN as i32, 12))?;
    let mut used = 44;
    if !subtitle.is_empty() {
        root.draw_text(
            subtitle,
            &style(LEGEND_SIZE, MUTED).pos(top),
            (MARGIN as i32, 40),
        )?;
        used = 64;
    }
    let (_, rest) = root.split_vertically(used);
    let (legend, plot) = rest.split_vertically(34);
    Ok((legend, plot))
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A filled box (bars).
    Fill(RGBColor),
    /// A light filled box (background shading), drawn with a thin outline.
    Shade(RGBColor, f64),
    /// A solid line of the given width.
    Line(RGBColor, u32),
    /// A dashed line.
    Dashed(RGBColor),
    /// A round marker on a thin line.
    Marker(RGBColor),
    /// An unfilled rectangle (outlines).
    Outline(RGBColor),
    /// A hollow round marker (a week below the target).
    Ring(RGBColor),
}

/// A legend row: swatches and labels left to right, starting where the plot starts.
pub(crate) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Swatch, String)],
) -> DrawResult<(), DB> {
    let text_style = style(LEGEND_SIZE, INK).pos(Pos::new(HPos::Left, VPos::Center));
    let (width, _) = area.dim_in_pixel();
    let mut x = (MARGIN + Y_LABEL_AREA) as i32;
    let y = 14;
    for (swatch, label) in items {
        let item_width = 28 + text_width(label, LEGEND_SIZE) as i32 + 26;
        // One row: items that do not fit are dropped rather than drawn over each other. The
        // labels are ours and short, so this only protects against future edits.
        if x + item_width > width as i32 {
            break;
        }
        draw_swatch(area, *swatch, x, y)?;
        area.draw_text(label, &text_style, (x + 28, y))?;
        x += item_width;
    }
    Ok(())
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    y: i32,
) -> DrawResult<(), DB> {
    let (x0, x1) = (x, x + 22);
    match swatch {
        Swatch::Fill(c) => {
            area.draw(&Rectangle::new([(x0, y - 7), (x1, y + 7)], c.filled()))?;
        }
        Swatch::Shade(c, alpha) => {
            area.draw(&Rectangle::new(
                [(x0, y - 9), (x1, y + 9)],
                c.mix(alpha).filled(),
            ))?;
            area.draw(&Rectangle::new([(x0, y - 9), (x1, y + 9)], MUTED.mix(0.5)))?;
        }
        Swatch::Line(c, w) => {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(w)))?;
        }
        Swatch::Dashed(c) => {
            for dx in [0, 9, 18] {
                let end = (x0 + dx + 5).min(x1);
                area.draw(&PathElement::new(
                    vec![(x0 + dx, y), (end, y)],
                    c.stroke_width(2),
                ))?;
            }
        }
        Swatch::Marker(c) => {
            area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                c.mix(0.6).stroke_width(1),
            ))?;
            area.draw(&Circle::new((x0 + 11, y), 4, c.filled()))?;
        }
        Swatch::Ring(c) => {
            area.draw(&Circle::new((x0 + 11, y), 5, WHITE.filled()))?;
            area.draw(&Circle::new((x0 + 11, y), 5, c.stroke_width(2)))?;
        }
        Swatch::Outline(c) => {
            // Segments, as in the heat-map (see there why).
            let (l, r, t, b) = (x0 + 1, x1 - 1, y - 8, y + 8);
            for seg in [
                [(l, t), (r, t)],
                [(l, b), (r, b)],
                [(l, t), (l, b)],
                [(r, t), (r, b)],
            ] {
                area.draw(&PathElement::new(seg.to_vec(), c.stroke_width(3)))?;
            }
        }
    }
    Ok(())
}

/// A centred note on an otherwise empty plot, e.g. "no weeks in this window".
pub(crate) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    note: &str,
) -> DrawResult<(), DB> {
    let (w, h) = area.dim_in_pixel();
    let inner = [
        (MARGIN as i32, 10),
        (w as i32 - MARGIN as i32, h as i32 - 20),
    ];
    area.draw(&Rectangle::new(inner, MUTED.mix(0.4)))?;
    area.draw_text(
        note,
        &style(DESC_SIZE + 3.0, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        (w as i32 / 2, h as i32 / 2),
    )?;
    Ok(())
}

/// The week (x) axis shared by the weekly charts: slot `i` is centred on `x = i`.
pub(crate) struct WeekAxis {
    labels: Vec<String>,
    index: HashMap<String, usize>,
}

impl WeekAxis {
    pub(crate) fn new(input: &ChartInput) -> Self {
        let labels: Vec<String> = input.weeks.iter().map(input::week_label).collect();
        let mut index = HashMap::with_capacity(labels.len());
        for (i, l) in labels.iter().enumerate() {
            // Labels should be unique; if not, a repeated week draws over its first slot
            // instead of shifting every later week.
            index.entry(l.clone()).or_insert(i);
        }
        WeekAxis { labels, index }
    }

    pub(crate) fn len(&self) -> usize {
        self.labels.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The x range: half a slot of padding either side.
    pub(crate) fn range(&self) -> Range<f64> {
        -0.5..self.labels.len() as f64 - 0.5
    }

    /// The x position of the week labelled `label`.
    pub(crate) fn pos(&self, label: &str) -> Option<f64> {
        self.index.get(label).map(|&i| i as f64)
    }

    /// The label to print at tick `x` (ticks sit on whole slots).
    pub(crate) fn label_at(&self, x: f64) -> String {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        self.labels.get(i as usize).cloned().unwrap_or_default()
    }

    /// Width of one slot in pixels, given the plot width.
    pub(crate) fn slot_px(&self, plot_px: u32) -> f64 {
        plot_px as f64 / self.labels.len().max(1) as f64
    }

    /// Plot width in pixels and the right margin for a chart `area_px` wide. The right margin
    /// grows when the latest week's label, centred on the last slot, would stick out of the
    /// picture.
    pub(crate) fn layout(&self, area_px: u32) -> (u32, u32) {
        let plot_px = area_px.saturating_sub(2 * MARGIN + Y_LABEL_AREA).max(1);
        let last = self.labels.last().map_or(0, |l| text_width(l, LABEL_SIZE)) as f64;
        let overhang = (last * 0.575 - self.slot_px(plot_px) / 2.0).ceil().max(0.0) as u32;
        let right = MARGIN.max(overhang + 4);
        (plot_px.saturating_sub(right - MARGIN).max(1), right)
    }

    /// Half the bar width in x units: a gap between bars while slots are wide enough, and
    /// never wider than 56 px so a single week does not become a wall.
    pub(crate) fn bar_half(&self, plot_px: u32) -> f64 {
        let slot = self.slot_px(plot_px);
        let half: f64 = if slot >= 10.0 { 0.36 } else { 0.5 };
        half.min(28.0 / slot)
    }

    /// Which slots get a tick label. Labels never collide: the step is the smallest of
    /// 1, 2, 4, 8 (≈ 2 months), 13 (a quarter), 26, 52 … weeks whose spacing fits the widest
    /// label plus a gap. Counting runs back from the latest week, so the week the reader cares
    /// about on Monday morning is always labelled.
    pub(crate) fn ticks(&self, plot_px: u32) -> Vec<f64> {
        let n = self.labels.len();
        if n == 0 {
            return Vec::new();
        }
        let widest = self
            .labels
            .iter()
            .map(|l| text_width(l, LABEL_SIZE))
            .max()
            .unwrap_or(0) as f64;
        // 1.15: SVG viewers use their own sans-serif, which may run a little wider than ours.
        let need = widest * 1.15 + 14.0;
        let slot = self.slot_px(plot_px);
        let step = week_step(need, slot);
        (0..n)
            .rev()
            .step_by(step)
            .map(|i| i as f64)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect()
    }
}

/// A linear f64 axis whose ticks are exactly the given values.
///
/// plotters' own `with_key_points` wrapper loses the value formatter on f64 ranges, and letting
/// plotters choose "nice" ticks would put labels between weeks; we choose them ourselves.
pub(crate) struct TickAxis {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl TickAxis {
    pub(crate) fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        TickAxis { range, ticks }
    }
}

impl Ranged for TickAxis {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span.abs() < f64::EPSILON || !v.is_finite() {
            return limit.0;
        }
        let t = (v - self.range.start) / span;
        limit.0 + ((limit.1 - limit.0) as f64 * t).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Ticks are bold (labelled) points; there are no light grid lines.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// The smallest "calendar-friendly" label step whose spacing is at least `need` pixels.
fn week_step(need: f64, slot: f64) -> usize {
    const STEPS: [usize; 6] = [1, 2, 4, 8, 13, 26];
    for s in STEPS {
        if s as f64 * slot >= need {
            return s;
        }
    }
    // Beyond half a year per label: whole years.
    let years = (need / (52.0 * slot.max(1e-9))).ceil().max(1.0) as usize;
    52 * years
}

/// A round upper bound for a value axis and its ticks: the smallest 1/2/5 × 10ⁿ step (at
/// least 1: hours, percent and minutes read badly with fractional ticks) with at most 8 steps
/// covering `max` plus a little headroom. `max` ≤ 0 gives `floor` as the top, so an all-zero
/// chart still has a sensible scale.
pub(crate) fn nice_axis(max: f64, floor: f64) -> (f64, Vec<f64>) {
    let want = if max.is_finite() && max > 0.0 {
        (max * 1.08).max(floor)
    } else {
        floor
    };
    let want = if want > 0.0 { want } else { 1.0 };
    let mut step = 1.0;
    while want / step > 8.0 {
        // 1 → 2 → 5 → 10 → 20 → 50 …
        let mantissa = step / 10f64.powf(step.log10().floor());
        step *= if (mantissa - 2.0).abs() < 1e-9 {
            2.5
        } else {
            2.0
        };
    }
    let count = (want / step).ceil() as usize;
    let ticks = (0..=count).map(|k| k as f64 * step).collect();
    (count as f64 * step, ticks)
}

/// A tick number without noise: "8", "2.5".
pub(crate) fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round())
    } else {
        // The one rounding rule for hours (a half goes up), for every number a chart writes.
        crate::report::hours::fmt_f64(v)
    }
}

/// The coordinate system of every weekly chart: weeks across, a value axis up.
pub(crate) type WeekChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickAxis, TickAxis>>;

/// One weekly panel, as every week-based chart draws it: the week axis (labelled unless
/// `x_labels` is false, for a panel stacked above another), a value axis from 0 to `top`, the
/// horizontal grid, axis titles in our font. `margins` is (top, bottom) in pixels.
#[expect(
    clippy::too_many_arguments,
    reason = "a panel is described by these settings; a struct would only rename them"
)]
pub(crate) fn week_panel<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    axis: &WeekAxis,
    plot_px: u32,
    margin_right: u32,
    margins: (u32, u32),
    x_labels: bool,
    (top, y_ticks): (f64, Vec<f64>),
    y_desc: &str,
    y_fmt: &dyn Fn(&f64) -> String,
) -> DrawResult<WeekChart<'a, DB>, DB> {
    let x_ticks = if x_labels {
        axis.ticks(plot_px)
    } else {
        Vec::new()
    };
    let mut chart = ChartBuilder::on(area)
        .margin_left(MARGIN)
        .margin_right(margin_right)
        .margin_top(margins.0)
        .margin_bottom(margins.1)
        .x_label_area_size(if x_labels { X_LABEL_AREA } else { 6 })
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(
            TickAxis::new(axis.range(), x_ticks),
            TickAxis::new(0.0..top, y_ticks),
        )?;
    let x_fmt = |x: &f64| axis.label_at(*x);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .bold_line_style(super::palette::GRID)
        .axis_style(MUTED)
        .y_label_formatter(y_fmt)
        .y_desc(y_desc)
        .label_style(style(LABEL_SIZE, INK))
        .axis_desc_style(style(DESC_SIZE, INK));
    if x_labels {
        mesh.x_label_formatter(&x_fmt)
            .x_desc("ISO week (Monday start)");
    }
    mesh.draw()?;
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axis_rounds_up() {
        // 43 × 1.08 = 46.4 → step 10 (5 would need 10 steps) → 0..=50.
        assert_eq!(
            nice_axis(43.0, 10.0),
            (50.0, vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0])
        );
        // 15 × 1.08 = 16.2 needs 9 steps of 2, so the step is 5.
        assert_eq!(nice_axis(15.0, 4.0).0, 20.0);
        assert_eq!(nice_axis(0.0, 10.0).0, 10.0);
        assert_eq!(nice_axis(f64::NAN, 10.0).0, 10.0);
        assert_eq!(nice_axis(3.0, 0.0).1, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(nice_axis(9000.0, 0.0).0, 10000.0);
    }

    #[test]
    fn week_step_picks_calendar_steps() {
        assert_eq!(week_step(80.0, 100.0), 1);
        assert_eq!(week_step(80.0, 42.0), 2);
        assert_eq!(week_step(80.0, 7.0), 13);
        assert_eq!(week_step(80.0, 4.0), 26);
        assert_eq!(week_step(80.0, 1.0), 104);
    }
}
