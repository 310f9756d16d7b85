//! Public entry points: draw a chart to an SVG string or PNG bytes, or write all of them.
//!
//! Both backends draw through the same generic code, from [`series`](super::series). PNG text
//! is rasterised with DejaVu Sans compiled into the binary (no system fonts or fontconfig
//! needed); SVG writes `font-family="sans-serif"` and leaves the font to the viewer, but the
//! embedded font is still used to measure text for layout.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use super::frame::{self, DrawResult};
use super::{
    allocation, deep_work, heatmap, one_on_ones, series, share, ChartError, ChartInput, ChartKind,
};

/// Pixel size of every chart (PNG) and the SVG viewport: 2:1, wide enough for a year of weeks
/// and small enough to paste into a doc.
pub const PNG_SIZE: (u32, u32) = (1200, 600);

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font once per process.
///
/// IMPORTANT: plotters keeps fonts in a process-global table, so this also sets "sans-serif"
/// for any other plotters user in the process. It registers the same font under the name
/// plotters uses by default, which is what every such user would want anyway.
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| register_font(frame::FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

fn draw<DB: DrawingBackend>(
    kind: ChartKind,
    root: &DrawingArea<DB, Shift>,
    input: &ChartInput,
) -> DrawResult<(), DB> {
    let data = series(kind, input);
    match kind {
        ChartKind::Allocation => allocation::draw(root, input, &data)?,
        ChartKind::PeopleShare => share::draw(root, input, &data)?,
        ChartKind::DeepWork => deep_work::draw(root, input, &data)?,
        ChartKind::Heatmap => heatmap::draw(root, input, &data)?,
        ChartKind::OneOnOnes => one_on_ones::draw(root, input, &data)?,
    }
    root.present()
}

fn draw_error(kind: ChartKind, e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw {
        chart: kind.file_stem(),
        message: e.to_string(),
    }
}

/// Draws `kind` as an SVG document. User text (time zone, week labels, report names) is XML-escaped by the
/// SVG backend and stripped of control characters before that.
///
/// Errors: [`ChartError::Font`] if the embedded font is unusable, [`ChartError::Draw`] if
/// plotters fails.
pub fn render_svg(kind: ChartKind, input: &ChartInput) -> Result<String, ChartError> {
    ensure_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, PNG_SIZE).into_drawing_area();
        draw(kind, &root, input).map_err(|e| draw_error(kind, e))?;
    }
    Ok(svg)
}

/// Draws `kind` as PNG bytes of [`PNG_SIZE`] (8-bit RGB), in memory.
///
/// Errors: [`ChartError::Font`], [`ChartError::Draw`], or [`ChartError::Encode`] if PNG
/// encoding fails.
pub fn render_png(kind: ChartKind, input: &ChartInput) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let (w, h) = PNG_SIZE;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let backend = BitMapBackend::with_buffer_and_format(&mut rgb, PNG_SIZE)
            .map_err(|e| draw_error(kind, e))?;
        let root: DrawingArea<BitMapBackend<'_>, Shift> = backend.into_drawing_area();
        draw(kind, &root, input).map_err(|e| draw_error(kind, e))?;
    }
    encode_png(&rgb, kind)
}

fn encode_png(rgb: &[u8], kind: ChartKind) -> Result<Vec<u8>, ChartError> {
    let encode_error = |source| ChartError::Encode {
        chart: kind.file_stem(),
        source,
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, PNG_SIZE.0, PNG_SIZE.1);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(encode_error)?;
    writer.write_image_data(rgb).map_err(encode_error)?;
    writer.finish().map_err(encode_error)?;
    Ok(out)
}

/// Writes every chart as `<stem>.png` and `<stem>.svg` into `out_dir` (created if missing) and
/// returns the paths written, PNG before SVG, in [`ChartKind::ALL`] order.
///
/// Errors: the first chart that fails to draw or encode, or the first file or directory that
/// cannot be written; files written before the failure are left in place.
pub fn render_all(input: &ChartInput, out_dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    std::fs::create_dir_all(out_dir).map_err(|source| ChartError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::with_capacity(ChartKind::ALL.len() * 2);
    for kind in ChartKind::ALL {
        let png = render_png(kind, input)?;
        let svg = render_svg(kind, input)?;
        for (ext, bytes) in [("png", png.as_slice()), ("svg", svg.as_bytes())] {
            let path = out_dir.join(format!("{}.{ext}", kind.file_stem()));
            std::fs::write(&path, bytes).map_err(|source| ChartError::Write {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::fixtures::{self, week};
    use crate::chart::WeekPoint;

    /// Parses the SVG as XML and returns the text of every `<text>` element.
    fn svg_texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).expect("SVG is well-formed XML");
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().trim().to_string())
            .collect()
    }

    fn png_size(bytes: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("PNG header decodes");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("PNG data decodes");
        (info.width, info.height)
    }

    /// Renders every chart both ways; checks the SVG parses and shows the title, and the PNG
    /// decodes to `PNG_SIZE`.
    fn smoke(input: &ChartInput) {
        for kind in ChartKind::ALL {
            let svg = render_svg(kind, input).expect("svg renders");
            let texts = svg_texts(&svg);
            let title = frame::heading(kind, input);
            assert!(texts.contains(&title), "{kind:?}: no title {title:?}");
            let png = render_png(kind, input).expect("png renders");
            assert_eq!(png_size(&png), PNG_SIZE, "{kind:?}");
        }
    }

    fn many_weeks(n: i64) -> Vec<WeekPoint> {
        (0..n)
            .map(|i| {
                let mut w = week(
                    i,
                    [10.0, 12.0, 8.0, 4.0],
                    (i % 9 == 4) as u32,
                    (i % 5) as u32,
                );
                w.week = crate::time::iso_week_label(w.week_start);
                w
            })
            .collect()
    }

    #[test]
    fn sample_renders() {
        smoke(&fixtures::sample());
    }

    #[test]
    fn zero_weeks_render_a_no_data_note() {
        let input = fixtures::input(Vec::new());
        smoke(&input);
        let svg = render_svg(ChartKind::Allocation, &input).expect("svg renders");
        assert!(svg_texts(&svg).contains(&"no weeks in this window".to_string()));
        let svg = render_svg(ChartKind::Heatmap, &input).expect("svg renders");
        assert!(svg_texts(&svg).contains(&"no meetings recorded in this window".to_string()));
    }

    #[test]
    fn one_week_renders() {
        smoke(&fixtures::input(vec![week(
            0,
            [8.0, 16.0, 10.0, 4.0],
            0,
            2,
        )]));
    }

    #[test]
    fn all_zero_weeks_and_missing_shares_render() {
        let weeks = (0..8).map(|i| week(i, [0.0; 4], 5, 0)).collect();
        let input = fixtures::input(weeks);
        assert!(input.weeks.iter().all(|w| w.people_share.is_none()));
        smoke(&input);
    }

    #[test]
    fn bad_numbers_and_strings_render() {
        let mut input = fixtures::sample();
        input.weeks[0].hours =
            crate::classify::PerCategory::new(f64::NAN, f64::INFINITY, -3.0, f64::MAX);
        input.weeks[1].working_hours = f64::NAN;
        input.weeks[1].people_share = Some(f64::INFINITY);
        input.weeks[2].people_share = Some(1e12);
        input.weeks[3].week = String::new();
        input.weeks[3].no_fly_violations = u32::MAX;
        input.weeks.push(input.weeks[0].clone()); // a duplicate week label
        input.week_hours = f64::NAN;
        input.people_target = -1.0;
        input.heat.minutes[2][3] = f64::INFINITY;
        input.heat.minutes[2][4] = -1.0;
        input.heat.no_fly = vec![(9, 0, 10), (0, 500, 100), (6, 1400, u32::MAX)];
        input.tz = "Europe/\u{0}Berlin\u{1b}[31m".repeat(20);
        input.to = input.from - chrono::Duration::days(3);
        smoke(&input);
    }

    #[test]
    fn five_years_render() {
        let input = fixtures::input(many_weeks(260));
        smoke(&input);
    }

    #[test]
    fn svg_escapes_user_text() {
        let mut input = fixtures::sample();
        input.tz = "<script>alert('x')</script> & \"q\"".to_string();
        input.weeks[0].week = "<b>W1</b>".to_string();
        input.one_on_ones[0].report = "<i>Priya</i> & \"Co\"".to_string();
        for kind in ChartKind::ALL {
            let svg = render_svg(kind, &input).expect("svg renders");
            assert!(svg.contains("&lt;script&gt;"), "{kind:?}");
            assert!(!svg.contains("<script"), "{kind:?}");
            assert!(!svg.contains("<b>"), "{kind:?}");
            assert!(!svg.contains("<i>"), "{kind:?}");
            roxmltree::Document::parse(&svg).expect("still well-formed");
        }
        let svg = render_svg(ChartKind::OneOnOnes, &input).expect("svg renders");
        assert!(svg_texts(&svg).contains(&"<i>Priya</i> & \"Co\"".to_string()));
    }

    #[test]
    fn render_all_writes_ten_files() {
        let dir = std::env::temp_dir().join(format!("calaudit-chart-{}", std::process::id()));
        let out = dir.join("charts");
        let written = render_all(&fixtures::sample(), &out).expect("renders");
        let names: Vec<String> = written
            .iter()
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "weekly-allocation.png",
                "weekly-allocation.svg",
                "people-share.png",
                "people-share.svg",
                "deep-work.png",
                "deep-work.svg",
                "week-heatmap.png",
                "week-heatmap.svg",
                "one-on-ones.png",
                "one-on-ones.svg",
            ]
        );
        for path in &written {
            assert!(std::fs::metadata(path)
                .map(|m| m.len() > 0)
                .unwrap_or(false));
        }
        // A file where the directory should be: the error names the path.
        let blocked = dir.join("blocked");
        std::fs::write(&blocked, b"").expect("write marker file");
        let err = render_all(&fixtures::sample(), &blocked.join("charts")).expect_err("fails");
        assert!(err.to_string().starts_with("cannot create "), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
