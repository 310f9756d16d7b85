//! Errors from drawing, encoding and writing charts.

use std::path::PathBuf;

/// Why a chart could not be produced. Messages are lowercase fragments that name the chart or
/// file, e.g. `cannot write charts/people-share.png: permission denied`.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The embedded font could not be parsed (a build problem, not a user problem).
    #[error("cannot load the embedded chart font (assets/fonts/DejaVuSans.ttf)")]
    Font,
    /// plotters reported an error while drawing. It carries the backend error as text because
    /// the backend error types differ between SVG and PNG.
    #[error("cannot draw {chart}: {message}")]
    Draw {
        /// File stem of the chart, e.g. `people-share`.
        chart: &'static str,
        /// The plotters error, rendered.
        message: String,
    },
    /// The RGB buffer could not be encoded as PNG.
    #[error("cannot encode {chart}.png: {source}")]
    Encode {
        /// File stem of the chart.
        chart: &'static str,
        /// The encoder error.
        #[source]
        source: png::EncodingError,
    },
    /// The output directory could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A chart file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
