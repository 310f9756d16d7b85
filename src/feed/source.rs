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
///
/// The host is what follows the last `@` before the first `/`: a password may hold `?`, `#`
/// or `@` unescaped (`user:pa?x@host`). When what is left does not look like a host and port
/// (a password with a `/` in it, stray characters), only the scheme is shown.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<feed address>".into();
    };
    let scheme = scheme.to_ascii_lowercase();
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let after_user = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = after_user.split(['?', '#']).next().unwrap_or("");
    if !is_host_and_port(host) {
        return format!("{scheme}://…");
    }
    let tail = if host.len() < after_user.len() || authority.len() < rest.len() {
        "/…"
    } else {
        ""
    };
    format!("{scheme}://{host}{tail}")
}

/// A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional numeric port.
fn is_host_and_port(s: &str) -> bool {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        match v6.split_once(']') {
            Some((addr, rest)) => {
                if addr.is_empty()
                    || !addr
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || ".:".contains(c))
                {
                    return false;
                }
                match rest {
                    "" => return true,
                    r => ("v6", r.strip_prefix(':')),
                }
            }
            None => return false,
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
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
            let resp = get_following(url, timeout, &[]).map_err(|reason| FeedError::Http {
                url: shown.clone(),
                reason,
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

/// How many redirects a feed may take.
const MAX_REDIRECTS: usize = 5;

/// Where an address points, from the least to the most private. A redirect may not lead to a
/// more private class than the feed's own address (issue 12, item 9): a stranger's feed
/// server must not make us fetch from this machine or the cloud metadata address, but a feed
/// served on 127.0.0.1 may redirect within 127.0.0.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    Public,
    /// RFC 1918, CGNAT, IPv6 unique-local.
    Private,
    /// 169.254/16 (cloud metadata), fe80::/10.
    LinkLocal,
    /// 127/8, ::1, and the unspecified address (which reaches this machine).
    Loopback,
}

impl Reach {
    fn of_ip(ip: std::net::IpAddr) -> Reach {
        use std::net::IpAddr;
        match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                if v4.is_loopback() || v4.is_unspecified() {
                    Reach::Loopback
                } else if v4.is_link_local() {
                    Reach::LinkLocal
                } else if v4.is_private() || (o[0] == 100 && (64..128).contains(&o[1])) {
                    Reach::Private
                } else {
                    Reach::Public
                }
            }
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return Reach::of_ip(IpAddr::V4(v4));
                }
                let seg = v6.segments()[0];
                if v6.is_loopback() || v6.is_unspecified() {
                    Reach::Loopback
                } else if seg & 0xffc0 == 0xfe80 {
                    Reach::LinkLocal
                } else if seg & 0xfe00 == 0xfc00 {
                    Reach::Private
                } else {
                    Reach::Public
                }
            }
        }
    }

    /// The most private class among the addresses `url`'s host resolves to (a name that does
    /// not resolve counts as public: its request fails anyway).
    fn of_url(url: &str) -> Reach {
        use std::net::ToSocketAddrs;
        let Some((scheme, rest)) = url.split_once("://") else {
            return Reach::Public;
        };
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => match v6.split_once(']') {
                Some((h, p)) => (h, p.strip_prefix(':')),
                None => (v6, None),
            },
            None => match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            },
        };
        if let Ok(ip) = host.parse::<std::net::IpAddr>() {
            return Reach::of_ip(ip);
        }
        let default = if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        let port = port.and_then(|p| p.parse().ok()).unwrap_or(default);
        (host, port)
            .to_socket_addrs()
            .map(|addrs| addrs.map(|a| Reach::of_ip(a.ip())).max())
            .ok()
            .flatten()
            .unwrap_or(Reach::Public)
    }

    fn name(self) -> &'static str {
        match self {
            Reach::Public => "public",
            Reach::Private => "private",
            Reach::LinkLocal => "link-local",
            Reach::Loopback => "loopback",
        }
    }
}

/// `location` (absolute, scheme-relative, absolute-path or relative) read against `base`.
fn join(base: &str, location: &str) -> Option<String> {
    let (scheme, rest) = base.split_once("://")?;
    let lower = location.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(location.to_owned());
    }
    if location.contains("://") {
        return None;
    }
    if let Some(r) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{r}"));
    }
    let path_at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..path_at]);
    if location.starts_with('/') {
        return Some(format!("{origin}{location}"));
    }
    let path = rest[path_at..].split(['?', '#']).next().unwrap_or("");
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir };
    Some(format!("{origin}{dir}{location}"))
}

/// GET `url` with `headers`, following up to five redirects ourselves (ureq follows none),
/// each checked against the feed's own address class ([`Reach`]). 3xx answers without a
/// usable `Location` are returned as they are. Errors never contain an address's secret
/// parts.
pub(crate) fn get_following(
    url: &str,
    timeout: Duration,
    headers: &[(&str, &str)],
) -> Result<ureq::http::Response<ureq::Body>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let origin = Reach::of_url(url);
    let mut current = url.to_owned();
    for _ in 0..=MAX_REDIRECTS {
        let mut req = agent.get(&current).header(
            "User-Agent",
            concat!("calaudit/", env!("CARGO_PKG_VERSION")),
        );
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req
            .call()
            .map_err(|e| scrub(&scrub(&e.to_string(), &current), url))?;
        let status = resp.status().as_u16();
        if !matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Ok(resp);
        }
        let Some(next) = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .and_then(|loc| join(&current, loc.trim()))
        else {
            return Ok(resp);
        };
        let to = Reach::of_url(&next);
        if to > origin {
            return Err(format!(
                "redirect to a {} address refused (the feed's own address is {}; a redirect may not lead somewhere more private)",
                to.name(),
                origin.name()
            ));
        }
        current = next;
    }
    Err(format!("too many redirects (more than {MAX_REDIRECTS})"))
}

/// Removes the URL (its credentials and path) from a library's error text.
pub(crate) fn scrub(msg: &str, url: &str) -> String {
    let mut m = msg.replace(url, &redact(url));
    if let Some((_, rest)) = url.split_once("://") {
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if !userinfo.is_empty() {
                m = m.replace(userinfo, "…");
            }
        }
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

    /// Issue 12, item 9: `user:pa?x@host` showed `user:pa`, half the credentials.
    #[test]
    fn redaction_of_tricky_addresses() {
        let table = [
            ("https://user:pa?x@host.example/p", "https://host.example/…"),
            ("https://user:pa#x@host.example/p", "https://host.example/…"),
            ("https://user:pa?x@host.example", "https://host.example"),
            ("https://u:p@ss@host.example/x", "https://host.example/…"),
            ("https://user@host.example", "https://host.example"),
            ("https://user:pa/ss@host.example/p", "https://…"),
            ("https://user:secret", "https://…"),
            ("https://:secret@host.example", "https://host.example"),
            ("https://host.example?token=abc", "https://host.example/…"),
            ("https://host.example#frag", "https://host.example/…"),
            (
                "https://host.example/a@b.c/private",
                "https://host.example/…",
            ),
            ("https://[::1]:8080/x", "https://[::1]:8080/…"),
            ("HTTPS://Host.Example:443/p", "https://Host.Example:443/…"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("https://host.example:notaport/p", "https://…"),
            ("https://ho st\u{1b}[2J/p", "https://…"),
            ("no scheme at all", "<feed address>"),
        ];
        for (url, want) in table {
            assert_eq!(redact(url), want, "{url}");
        }
        let url = "https://user:pa?x@host.example/private-abc";
        let msg = scrub(
            &format!("connect to user:pa?x@host.example failed: {url}"),
            url,
        );
        assert!(!msg.contains("pa?x") && !msg.contains("abc"), "{msg}");
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
