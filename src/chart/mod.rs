//! Trend charts for the weekly report: what a new manager reads on Monday morning and pastes into
//! a 1:1 or a promotion doc.
//!
//! This module owns *drawing*: turning ready-made weekly numbers into five PNG/SVG charts
//! (weekly allocation, people share trend, deep work and no-fly violations, week heat-map,
//! 1:1s per report and week). It does not own *computing* those numbers: hours per category,
//! working hours, shares, the heat-map minutes and the 1:1 marks come in ready in a
//! [`ChartInput`], built by the report stage and [`crate::playbook::weeks`]. The only
//! arithmetic done here is presentation arithmetic (stacking, target × working hours, percent,
//! the rolling 4-week mean, axis ranges).
//!
//! One source of truth: [`series`] returns exactly the data each chart draws, and the renderers
//! draw from it and from nothing else, so a test of `series()` is a test of the picture.
//!
//! # Layout
//! - `input`: the public input types and the clamping rules for bad numbers.
//! - `kind`: [`ChartKind`] and file names.
//! - `palette`: the colour-blind-safe colours (Okabe–Ito), shared with the dashboard.
//! - `series`: the [`Series`] type and the per-chart data dispatch.
//! - `allocation`, `share`, `deep_work`, `heatmap`, `one_on_ones`: one chart each (data +
//!   drawing).
//! - `frame`: shared drawing pieces (title, legend, week ticks, axis ranges).
//! - `render`: the public entry points (SVG, PNG, write all) and the embedded font.
//! - `error`: [`ChartError`].
//! - `fixtures` (tests only): small hand-made inputs and the text form of series snapshots.

mod allocation;
mod deep_work;
mod error;
#[cfg(test)]
mod fixtures;
mod frame;
mod heatmap;
mod input;
mod kind;
mod one_on_ones;
mod palette;
mod render;
mod series;
mod share;

pub use error::ChartError;
pub use input::{ChartInput, HeatMap, OneOnOneRow, WeekPoint};
pub use kind::ChartKind;
pub use palette::{mark_hex, CATEGORY_COLORS, CATEGORY_HEX, CATEGORY_LABELS};
pub use render::{render_all, render_png, render_svg, PNG_SIZE};
pub use series::{series, Series};
