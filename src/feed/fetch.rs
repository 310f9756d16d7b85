//! [`Fetcher`]: the one way calendar bytes are got, by the CLI and the daemon alike. It owns
//! one HTTP agent (timeout, no automatic redirects: [`super::redirect`] follows them with
//! checks), sends ETag / If-Modified-Since validators when it has them, caps the body size,
//! and checks that what came is a whole calendar, so that an HTML sign-in page or a truncated
//! download is an error rather than weeks of zeros (the daemon then keeps its last good copy).
//!
//! It does not parse: [`crate::ics::parse`] reads the bytes or the open file it returns.

use std::io::Read;
use std::time::Duration;

use super::redirect::get_following;
use super::source::{redact, scrub};
use super::{FeedError, Source};

/// Largest calendar body the CLI accepts (a decade of a busy calendar is ~50 MB); the daemon
/// has its own limit (`daemon.max_body_mb`).
pub const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// Validators from the last good response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// How a [`Fetcher`] fetches.
#[derive(Clone, Copy, Debug)]
pub struct FetchOptions {
    /// For a whole request, redirects and body included.
    pub timeout: Duration,
    /// A larger file or body is an error ([`FeedError::FileTooLarge`], [`FeedError::TooLarge`]).
    pub max_body_bytes: u64,
}

/// What a conditional fetch brought.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the last good copy is current.
    NotModified,
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

/// A feed to read from: an open file, read as it is parsed (a large export is never held
/// whole in memory), or a downloaded body.
pub enum Body {
    File(std::fs::File),
    Bytes(std::io::Cursor<Vec<u8>>),
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Body::File(f) => f.read(buf),
            Body::Bytes(b) => b.read(buf),
        }
    }
}

/// Gets feeds' bytes. Cheap to share by reference across threads (the daemon fetches several
/// feeds at once with one); build one per process.
///
/// Errors are [`FeedError`]s and never contain a URL's secret parts.
///
/// # Example
/// ```no_run
/// use calaudit::feed::{FetchOptions, Fetcher, Source, Validators, MAX_BODY_BYTES};
/// let fetcher = Fetcher::new(FetchOptions {
///     timeout: std::time::Duration::from_secs(60),
///     max_body_bytes: MAX_BODY_BYTES,
/// });
/// let source = Source::parse("webcal://example.com/cal.ics")?;
/// let fetched = fetcher.fetch(&source, &Validators::default())?;
/// # Ok::<(), calaudit::feed::FeedError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Fetcher {
    /// The one HTTP agent: its timeout is [`FetchOptions::timeout`], it treats every status
    /// as an answer (we decide what is an error) and follows no redirect by itself.
    agent: ureq::Agent,
    max_body_bytes: u64,
}

impl Fetcher {
    pub fn new(opts: FetchOptions) -> Fetcher {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Fetcher {
            agent,
            max_body_bytes: opts.max_body_bytes,
        }
    }

    /// For reading once (the CLI): a file feed is opened to be read as it is parsed, with no
    /// check of its content (the parser reports what it finds); a URL feed is downloaded and
    /// checked like [`Fetcher::fetch`]'s. Reading a [`Body::File`] can still fail; the caller
    /// names the feed then.
    pub fn open(&self, source: &Source) -> Result<Body, FeedError> {
        match source {
            Source::Path(p) => {
                let read_error = |e| FeedError::Read {
                    path: p.display().to_string(),
                    source: e,
                };
                let file = std::fs::File::open(p).map_err(read_error)?;
                let meta = file.metadata().map_err(read_error)?;
                if meta.is_dir() {
                    return Err(read_error(std::io::Error::new(
                        std::io::ErrorKind::IsADirectory,
                        "is a directory",
                    )));
                }
                if meta.len() > self.max_body_bytes {
                    return Err(FeedError::FileTooLarge {
                        path: p.display().to_string(),
                        limit: self.max_body_bytes,
                    });
                }
                Ok(Body::File(file))
            }
            Source::Http(url) => match self.fetch_http(url, &Validators::default())? {
                Fetched::Body { bytes, .. } => Ok(Body::Bytes(std::io::Cursor::new(bytes))),
                // Nothing was sent to validate against: a 304 is a server's mistake.
                Fetched::NotModified => Err(FeedError::Status {
                    url: redact(url),
                    status: 304,
                }),
            },
        }
    }

    /// For polling (the daemon): fetches `source`, sending `prev`'s validators, and checks
    /// that the body is a complete calendar ([`check_calendar`]); a file is read whole and
    /// checked the same way.
    pub fn fetch(&self, source: &Source, prev: &Validators) -> Result<Fetched, FeedError> {
        match source {
            Source::Path(p) => {
                let shown = p.display().to_string();
                let read_err = |e: std::io::Error| FeedError::Read {
                    path: shown.clone(),
                    source: e,
                };
                let meta = std::fs::metadata(p).map_err(read_err)?;
                if meta.len() > self.max_body_bytes {
                    return Err(FeedError::FileTooLarge {
                        path: shown,
                        limit: self.max_body_bytes,
                    });
                }
                let bytes = std::fs::read(p).map_err(read_err)?;
                check_calendar(&bytes, None, &shown)?;
                Ok(Fetched::Body {
                    bytes,
                    validators: Validators::default(),
                })
            }
            Source::Http(url) => self.fetch_http(url, prev),
        }
    }

    fn fetch_http(&self, url: &str, prev: &Validators) -> Result<Fetched, FeedError> {
        let shown = redact(url);
        let transport = |reason: String| FeedError::Transport {
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
        let resp =
            get_following(&self.agent, url, &headers).map_err(|reason| FeedError::Transport {
                url: shown.clone(),
                reason,
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
            return Err(FeedError::Status { url: shown, status });
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
            .take(self.max_body_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| transport(e.to_string()))?;
        if bytes.len() as u64 > self.max_body_bytes {
            return Err(FeedError::TooLarge {
                url: shown,
                limit: self.max_body_bytes,
            });
        }
        check_calendar(&bytes, content_type.as_deref(), &shown)?;
        Ok(Fetched::Body { bytes, validators })
    }
}

/// A body is a calendar when it is not HTML and has both BEGIN:VCALENDAR and END:VCALENDAR.
pub fn check_calendar(
    bytes: &[u8],
    content_type: Option<&str>,
    shown: &str,
) -> Result<(), FeedError> {
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
        return Err(FeedError::Html { url: shown.into() });
    }
    if memchr::memmem::find(&head, b"begin:vcalendar").is_none() {
        return Err(FeedError::NotCalendar { url: shown.into() });
    }
    let tail_from = bytes.len().saturating_sub(4096);
    let tail = bytes[tail_from..].to_ascii_lowercase();
    if memchr::memmem::find(&tail, b"end:vcalendar").is_none() {
        return Err(FeedError::Truncated { url: shown.into() });
    }
    Ok(())
}

/// FNV-1a: a stable fingerprint of a body, to skip re-analysis when nothing changed.
pub fn fingerprint(bytes: &[u8]) -> String {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(bytes);
    format!("{:016x}-{}", h.finish(), bytes.len())
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
            Err(FeedError::Html { .. })
        ));
        assert!(matches!(
            check_calendar(b"  <!DOCTYPE html><html>", None, "u"),
            Err(FeedError::Html { .. })
        ));
        assert!(matches!(
            check_calendar(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", None, "u"),
            Err(FeedError::Truncated { .. })
        ));
        assert!(matches!(
            check_calendar(b"", None, "u"),
            Err(FeedError::NotCalendar { .. })
        ));
    }
}
