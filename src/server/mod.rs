//! The local dashboard: a small HTTP server over a [`Snapshot`] of the latest analysis.
//!
//! It never fetches or analyses anything itself: whoever owns the data (the `serve` command,
//! or the daemon after each refresh) publishes a new [`Snapshot`] and requests read it. It
//! binds to loopback by default; binding elsewhere requires a token. Every piece of event text
//! is HTML-escaped ([`html::escape`]).

mod html;
mod http;
mod snapshot;

pub use http::{serve, Health, ServerConfig, ServerError, SharedSnapshot};
pub use snapshot::{AlertView, FeedView, OccurrenceView, Snapshot, ViolationView};
