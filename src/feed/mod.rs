//! Where calendar bytes come from: a path, `file://`, `http(s)://` or `webcal://` (fetched
//! as https). Secret feed URLs (Google's private iCal address carries a token in its path) are
//! never shown: [`Source::display`] keeps only scheme and host.

pub mod http;
mod source;

pub use source::redact as source_redact;
pub(crate) use source::scrub as source_scrub;
pub use source::{fetch, open, Body, FeedError, Source, MAX_BODY_BYTES};
