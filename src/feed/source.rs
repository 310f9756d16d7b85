use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

/// Largest calendar body accepted (a decade of a busy calendar is ~50 MB).
pub const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// A parsed feed location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    /// An http(s) URL (webcal:// already rewritten to https://).
    Http(String),
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("fetching {url} failed: {reason}")]
    Http { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{what} is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge { what: String },
    #[error(
        "unsupported feed address {0:?}: expected a path, file://, http://, https:// or webcal://"
    )]
    Unsupported(String),
}

impl Source {
    /// Parses a feed address. Relative paths stay relative (the caller anchors them).
    pub fn parse(s: &str) -> Result<Source, FeedError> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        if let Some(rest) = strip_prefix_ci(t, &lower, "file://") {
            return Ok(Source::Path(PathBuf::from(rest)));
        }
        if let Some(rest) = strip_prefix_ci(t, &lower, "webcal://") {
            return Ok(Source::Http(format!("https://{rest}")));
        }
        if let Some(rest) = strip_prefix_ci(t, &lower, "webcals://") {
            return Ok(Source::Http(format!("https://{rest}")));
        }
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Ok(Source::Http(t.to_owned()));
        }
        if lower.contains("://") || t.is_empty() {
            // Never echo the address: it may be a secret.
            return Err(FeedError::Unsupported(redact(t)));
        }
        Ok(Source::Path(PathBuf::from(t)))
    }

    /// True for a plain relative filesystem path (not a URL).
    pub fn is_relative_path(s: &str) -> bool {
        matches!(Source::parse(s), Ok(Source::Path(p)) if p.is_relative() && !s.trim().to_ascii_lowercase().starts_with("file://"))
    }

    /// A form safe to print: paths in full, URLs as scheme and host only.
    pub fn display(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Http(u) => redact(u),
        }
    }
}

fn strip_prefix_ci<'a>(orig: &'a str, lower: &str, prefix: &str) -> Option<&'a str> {
    lower.starts_with(prefix).then(|| &orig[prefix.len()..])
}

/// `https://calendar.google.com/calendar/ical/x%40y/private-TOKEN/basic.ics` →
/// `https://calendar.google.com/…`: path, query and credentials may be secrets.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<feed address>".into();
    };
    let host_part = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host_part.rsplit('@').next().unwrap_or(host_part);
    let tail = if rest.len() > host_part.len() {
        "/…"
    } else {
        ""
    };
    format!("{}://{host}{tail}", scheme.to_ascii_lowercase())
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

/// Opens a file feed, or downloads a URL feed, for reading. Errors never contain a URL's
/// secret parts. Reading a [`Body::File`] can still fail; the caller names the feed then.
pub fn open(source: &Source, timeout: Duration) -> Result<Body, FeedError> {
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
            if meta.len() > MAX_BODY_BYTES {
                return Err(FeedError::TooLarge {
                    what: p.display().to_string(),
                });
            }
            Ok(Body::File(file))
        }
        Source::Http(_) => fetch(source, timeout).map(|b| Body::Bytes(std::io::Cursor::new(b))),
    }
}

/// Reads or downloads a feed's bytes. Errors never contain a URL's secret parts.
pub fn fetch(source: &Source, timeout: Duration) -> Result<Vec<u8>, FeedError> {
    match source {
        Source::Path(p) => {
            let meta = std::fs::metadata(p).map_err(|e| FeedError::Read {
                path: p.display().to_string(),
                source: e,
            })?;
            if meta.len() > MAX_BODY_BYTES {
                return Err(FeedError::TooLarge {
                    what: p.display().to_string(),
                });
            }
            std::fs::read(p).map_err(|e| FeedError::Read {
                path: p.display().to_string(),
                source: e,
            })
        }
        Source::Http(url) => {
            let shown = redact(url);
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .build()
                .into();
            let resp = agent
                .get(url)
                .header(
                    "User-Agent",
                    concat!("calaudit/", env!("CARGO_PKG_VERSION")),
                )
                .call()
                .map_err(|e| FeedError::Http {
                    url: shown.clone(),
                    reason: scrub(&e.to_string(), url),
                })?;
            let status = resp.status().as_u16();
            if status != 200 {
                return Err(FeedError::Status { url: shown, status });
            }
            let mut body = Vec::new();
            resp.into_body()
                .into_reader()
                .take(MAX_BODY_BYTES + 1)
                .read_to_end(&mut body)
                .map_err(|e| FeedError::Http {
                    url: shown.clone(),
                    reason: scrub(&e.to_string(), url),
                })?;
            if body.len() as u64 > MAX_BODY_BYTES {
                return Err(FeedError::TooLarge { what: shown });
            }
            Ok(body)
        }
    }
}

/// Removes the URL (and its path) from a library's error text.
pub(crate) fn scrub(msg: &str, url: &str) -> String {
    let mut m = msg.replace(url, &redact(url));
    if let Some((_, rest)) = url.split_once("://") {
        if let Some(i) = rest.find('/') {
            let path = &rest[i..];
            if path.len() > 1 {
                m = m.replace(path, "/…");
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Source::parse("a/b.ics").unwrap(),
            Source::Path("a/b.ics".into())
        );
        assert_eq!(
            Source::parse("file:///x/y.ics").unwrap(),
            Source::Path("/x/y.ics".into())
        );
        assert_eq!(
            Source::parse("webcal://example.com/cal.ics").unwrap(),
            Source::Http("https://example.com/cal.ics".into())
        );
        assert!(
            matches!(Source::parse("ftp://h/secret-token"), Err(FeedError::Unsupported(s)) if !s.contains("secret"))
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let url = "https://user:pw@calendar.google.com/calendar/ical/me%40x.com/private-abc123/basic.ics?tok=1";
        let shown = Source::parse(url).unwrap().display();
        assert_eq!(shown, "https://calendar.google.com/…");
        assert!(!scrub(&format!("error for {url}"), url).contains("abc123"));
        assert!(!scrub(
            "GET /calendar/ical/me%40x.com/private-abc123/basic.ics?tok=1 failed",
            url
        )
        .contains("abc123"));
    }
}
