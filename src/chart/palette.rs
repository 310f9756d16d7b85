//! Colours: one per category, the same in every chart and on the dashboard.
//!
//! Categories use the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008), which
//! stays distinguishable under the common colour-vision deficiencies. People is orange and sits
//! at the bottom of every stack, so "did the orange reach the black target line" is the one
//! question the allocation chart answers at a glance. "Other" is Okabe–Ito's neutral grey
//! because it is the least interesting category.
//!
//! Non-category colours are picked so they never reuse a category colour: Okabe–Ito vermillion
//! for anything no-fly (violations, window outlines), Okabe–Ito yellow (light) for out-of-office
//! shading, near-black and greys for targets, reference lines and text. The heat-map uses
//! Paul Tol's sequential "iridescent" scheme (colour-blind safe, prints readably in grey).

use plotters::style::RGBColor;

use crate::classify::{Category, PerCategory};
use crate::playbook::Mark;

/// How charts and the dashboard name each category.
pub const CATEGORY_LABELS: PerCategory<&str> =
    PerCategory::new("people", "technical", "deep work", "other");

/// Category colours (Okabe–Ito): orange, blue, bluish green, grey.
pub const CATEGORY_COLORS: PerCategory<(u8, u8, u8)> = PerCategory::new(
    (0xE6, 0x9F, 0x00),
    (0x00, 0x72, 0xB2),
    (0x00, 0x9E, 0x73),
    (0x99, 0x99, 0x99),
);

/// [`CATEGORY_COLORS`] as CSS hex strings, for the dashboard.
pub const CATEGORY_HEX: PerCategory<&str> =
    PerCategory::new("#E69F00", "#0072B2", "#009E73", "#999999");

/// The plotters colour of a category.
pub(crate) fn category(c: Category) -> RGBColor {
    let (r, g, b) = CATEGORY_COLORS[c];
    RGBColor(r, g, b)
}

/// Text, target lines and the rolling mean.
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text and the working-week reference line.
pub(crate) const MUTED: RGBColor = RGBColor(0x5F, 0x5F, 0x5F);
/// Horizontal grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
/// Okabe–Ito vermillion: no-fly violations and no-fly window outlines.
pub(crate) const NO_FLY: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Okabe–Ito yellow, drawn light, behind weeks with out-of-office days.
pub(crate) const OOO: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
/// The "at or above target" band on the share chart.
pub(crate) const TARGET_BAND: RGBColor = RGBColor(0xEC, 0xEC, 0xEC);

/// The `one-on-ones` chart and the dashboard's 1:1 strip. A held 1:1 is people time, so it
/// takes the people colour on purpose; the other marks take the two Okabe–Ito colours no other
/// chart uses: sky blue for scheduled, reddish purple for skipped. No data is a light grey,
/// distinct from the white of "no 1:1".
pub(crate) const HELD: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub(crate) const SCHEDULED: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
pub(crate) const SKIPPED: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
pub(crate) const NO_DATA: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

/// The colour of a 1:1 mark as a CSS hex string, for the dashboard (the same as the chart's).
pub fn mark_hex(m: Mark) -> &'static str {
    match m {
        Mark::Held => "#E69F00",
        Mark::Scheduled => "#56B4E9",
        Mark::Skipped => "#CC79A7",
        Mark::None => "#FFFFFF",
        Mark::Outside => "#DDDDDD",
    }
}

/// Paul Tol's "iridescent" sequential scheme, light to dark.
const IRIDESCENT: [(u8, u8, u8); 23] = [
    (0xFE, 0xFB, 0xE9),
    (0xFC, 0xF7, 0xD5),
    (0xF5, 0xF3, 0xC1),
    (0xEA, 0xF0, 0xB5),
    (0xDD, 0xEC, 0xBF),
    (0xD0, 0xE7, 0xCA),
    (0xC2, 0xE3, 0xD2),
    (0xB5, 0xDD, 0xD8),
    (0xA8, 0xD8, 0xDC),
    (0x9B, 0xD2, 0xE1),
    (0x8D, 0xCB, 0xE4),
    (0x81, 0xC4, 0xE7),
    (0x7B, 0xBC, 0xE7),
    (0x7E, 0xB2, 0xE4),
    (0x88, 0xA5, 0xDD),
    (0x93, 0x98, 0xD2),
    (0x9B, 0x8A, 0xC4),
    (0x9D, 0x7D, 0xB2),
    (0x9A, 0x70, 0x9E),
    (0x90, 0x63, 0x88),
    (0x80, 0x57, 0x70),
    (0x68, 0x49, 0x57),
    (0x46, 0x35, 0x3A),
];

/// Colour for a heat-map cell, `t` = value / maximum. Zero is plain white so "no meetings"
/// reads differently from "a few minutes"; anything above zero starts at the second stop.
pub(crate) fn heat(t: f64) -> RGBColor {
    if t.is_nan() || t <= 0.0 {
        return RGBColor(0xFF, 0xFF, 0xFF);
    }
    let t = t.min(1.0);
    let last = (IRIDESCENT.len() - 1) as f64;
    // Map (0, 1] onto stops 1..=last.
    let pos = 1.0 + t * (last - 1.0);
    let i = (pos.floor() as usize).min(IRIDESCENT.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (IRIDESCENT[i], IRIDESCENT[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Whether text on a cell of this colour should be white rather than [`INK`].
pub(crate) fn is_dark(c: RGBColor) -> bool {
    // Relative luminance (sRGB weights, no gamma: good enough to pick a text colour).
    let l = 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
    l < 140.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_rgb() {
        for c in Category::ALL {
            let (r, g, b) = CATEGORY_COLORS[c];
            assert_eq!(CATEGORY_HEX[c], format!("#{r:02X}{g:02X}{b:02X}"));
        }
    }

    #[test]
    fn mark_hex_matches_rgb() {
        for (m, c) in [
            (Mark::Held, HELD),
            (Mark::Scheduled, SCHEDULED),
            (Mark::Skipped, SKIPPED),
            (Mark::None, RGBColor(0xFF, 0xFF, 0xFF)),
            (Mark::Outside, NO_DATA),
        ] {
            assert_eq!(mark_hex(m), format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2));
        }
        assert_eq!(HELD, category(Category::People));
    }

    #[test]
    fn heat_scale_ends() {
        assert_eq!(heat(0.0), RGBColor(0xFF, 0xFF, 0xFF));
        assert_eq!(heat(f64::NAN), RGBColor(0xFF, 0xFF, 0xFF));
        assert_eq!(heat(1.0), RGBColor(0x46, 0x35, 0x3A));
        assert_eq!(heat(7.0), RGBColor(0x46, 0x35, 0x3A));
        assert_eq!(heat(1e-9), RGBColor(0xFC, 0xF7, 0xD5));
    }
}
