//! Where calendar bytes come from: a path, `file://`, `http(s)://` or `webcal://` (fetched
//! as https), read by one [`Fetcher`] for the CLI and the daemon alike, with one error type,
//! [`FeedError`]. Secret feed URLs (Google's private iCal address carries a token in its path)
//! are never shown: [`Source::display`] keeps only scheme and host.
//!
//! - [`source`](Source): addresses, and their redaction.
//! - `fetch`: the [`Fetcher`] (one HTTP agent, validators, size limit, "is this a calendar").
//! - `redirect`: redirects followed by hand, never to a more private address.
//! - `error`: [`FeedError`].
//!
//! Parsing the bytes is the next stage, [`crate::ics`].

mod error;
mod fetch;
mod redirect;
mod source;

pub use error::FeedError;
pub use fetch::{
    check_calendar, fingerprint, Body, FetchOptions, Fetched, Fetcher, Validators, MAX_BODY_BYTES,
};
pub(crate) use source::authority;
pub use source::redact as source_redact;
pub(crate) use source::scrub as source_scrub;
pub use source::Source;
