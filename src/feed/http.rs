//! Conditional fetching for the daemon: ETag / If-Modified-Since, a timeout, a body size limit,
//! and checks that the body is a whole calendar (an HTML error page or a truncated download is
//! an error, so the last good copy is kept). [`super::fetch`] stays the CLI's one-shot fetch.

use std::io::Read;
use std::time::Duration;

use super::source::{redact, scrub};
use super::Source;

/// Validators from the last good response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Clone, Copy, Debug)]
pub struct FetchOptions {
    pub timeout: Duration,
    pub max_body_bytes: u64,
}

/// What a fetch brought.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the last good copy is current.
    NotModified,
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

/// Why a fetch failed; the message never contains a URL's secret parts.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum FetchError {
    #[error("fetching {url} failed: {reason}")]
    Transport { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} sent an HTML page instead of a calendar")]
    Html { url: String },
    #[error("{url} sent an incomplete calendar (no END:VCALENDAR; truncated download?)")]
    Truncated { url: String },
    #[error("{url} sent no calendar (no BEGIN:VCALENDAR)")]
    NotCalendar { url: String },
    #[error("{url} sent more than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
}

/// Fetches `source`, sending `prev`'s validators; checks the body is a complete calendar.
pub fn fetch_conditional(
    source: &Source,
    prev: &Validators,
    opts: &FetchOptions,
) -> Result<Fetched, FetchError> {
    match source {
        Source::Path(p) => {
            let shown = p.display().to_string();
            let read_err = |e: std::io::Error| FetchError::Read {
                path: shown.clone(),
                reason: e.to_string(),
            };
            let meta = std::fs::metadata(p).map_err(read_err)?;
            if meta.len() > opts.max_body_bytes {
                return Err(FetchError::TooLarge {
                    url: shown,
                    limit: opts.max_body_bytes,
                });
            }
            let bytes = std::fs::read(p).map_err(read_err)?;
            check_calendar(&bytes, None, &shown)?;
            Ok(Fetched::Body {
                bytes,
                validators: Validators::default(),
            })
        }
        Source::Http(url) => fetch_http(url, prev, opts),
    }
}

fn fetch_http(url: &str, prev: &Validators, opts: &FetchOptions) -> Result<Fetched, FetchError> {
    let shown = redact(url);
    let transport = |reason: String| FetchError::Transport {
        url: shown.clone(),
        reason: scrub(&reason, url),
    };
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(e) = &prev.etag {
        headers.push(("If-None-Match", e));
    }
    if let Some(m) = &prev.last_modified {
        headers.push(("If-Modified-Since", m));
    }
    let resp = super::source::get_following(url, opts.timeout, &headers).map_err(|reason| {
        FetchError::Transport {
            url: shown.clone(),
            reason,
        }
    })?;
    let status = resp.status().as_u16();
    if status == 304 {
        return Ok(Fetched::NotModified);
    }
    if (300..400).contains(&status) {
        // A redirect without a usable Location (the others were followed).
        return Err(transport(format!(
            "redirect without a usable Location (HTTP {status})"
        )));
    }
    if status != 200 {
        return Err(FetchError::Status { url: shown, status });
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let validators = Validators {
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    let content_type = header("content-type");
    let mut bytes = Vec::new();
    resp.into_body()
        .into_reader()
        .take(opts.max_body_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| transport(e.to_string()))?;
    if bytes.len() as u64 > opts.max_body_bytes {
        return Err(FetchError::TooLarge {
            url: shown,
            limit: opts.max_body_bytes,
        });
    }
    check_calendar(&bytes, content_type.as_deref(), &shown)?;
    Ok(Fetched::Body { bytes, validators })
}

/// A body is a calendar when it is not HTML and has both BEGIN:VCALENDAR and END:VCALENDAR.
pub fn check_calendar(
    bytes: &[u8],
    content_type: Option<&str>,
    shown: &str,
) -> Result<(), FetchError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)
        .unwrap_or(bytes.len());
    let head: Vec<u8> = bytes[start..bytes.len().min(start + 512)].to_ascii_lowercase();
    let is_html = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("text/html"))
        || head.starts_with(b"<!doctype")
        || head.starts_with(b"<html")
        || head.starts_with(b"<?xml") && memchr::memmem::find(&head, b"<html").is_some();
    if is_html {
        return Err(FetchError::Html { url: shown.into() });
    }
    if memchr::memmem::find(&head, b"begin:vcalendar").is_none() {
        return Err(FetchError::NotCalendar { url: shown.into() });
    }
    let tail_from = bytes.len().saturating_sub(4096);
    let tail = bytes[tail_from..].to_ascii_lowercase();
    if memchr::memmem::find(&tail, b"end:vcalendar").is_none() {
        return Err(FetchError::Truncated { url: shown.into() });
    }
    Ok(())
}

/// FNV-1a: a stable fingerprint of a body, to skip re-analysis when nothing changed.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{}", bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_that_are_not_whole_calendars() {
        let ok = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
        assert!(check_calendar(ok, Some("text/calendar"), "u").is_ok());
        assert!(matches!(
            check_calendar(ok, Some("text/html; charset=utf-8"), "u"),
            Err(FetchError::Html { .. })
        ));
        assert!(matches!(
            check_calendar(b"  <!DOCTYPE html><html>", None, "u"),
            Err(FetchError::Html { .. })
        ));
        assert!(matches!(
            check_calendar(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", None, "u"),
            Err(FetchError::Truncated { .. })
        ));
        assert!(matches!(
            check_calendar(b"", None, "u"),
            Err(FetchError::NotCalendar { .. })
        ));
    }
}
