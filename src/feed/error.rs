//! [`FeedError`]: the one error type of the feed stage, for reading an address and for every
//! way of getting its bytes (file or HTTP, once or conditionally).
//!
//! IMPORTANT: every message holds a feed address only in its redacted form (scheme and host,
//! [`super::Source::display`]); errors from the HTTP library are scrubbed before they are
//! stored here.

/// Why a feed could not be read or fetched. Messages read well after "feed NAME (ADDRESS): ".
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Not a path, `file://`, `http(s)://` or `webcal://` (the address is redacted).
    #[error(
        "unsupported feed address {0:?}: expected a path, file://, http://, https:// or webcal://"
    )]
    Unsupported(String),
    /// A file feed could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// A file feed is larger than the body limit.
    #[error("{path} is larger than {limit} bytes")]
    FileTooLarge { path: String, limit: u64 },
    /// The request failed before an answer (DNS, TLS, timeout, a refused redirect) or while
    /// its body was read.
    #[error("fetching {url} failed: {reason}")]
    Transport { url: String, reason: String },
    /// An answer other than 200 (or 304 to a conditional request).
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    /// A body larger than the limit was being sent.
    #[error("{url} sent more than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    /// An HTML page (a sign-in page, an error page) instead of a calendar.
    #[error("{url} sent an HTML page instead of a calendar")]
    Html { url: String },
    /// A calendar without its END:VCALENDAR.
    #[error("{url} sent an incomplete calendar (no END:VCALENDAR; truncated download?)")]
    Truncated { url: String },
    /// A body without BEGIN:VCALENDAR near its start.
    #[error("{url} sent no calendar (no BEGIN:VCALENDAR)")]
    NotCalendar { url: String },
}

impl FeedError {
    /// True when the body came but is not a calendar at all (an HTML page, or no
    /// BEGIN:VCALENDAR): for a secret address, the sign that it was reset.
    pub fn is_not_a_calendar(&self) -> bool {
        matches!(self, FeedError::Html { .. } | FeedError::NotCalendar { .. })
    }
}
