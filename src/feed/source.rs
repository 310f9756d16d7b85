//! [`Source`]: a feed address as written in the config or on the command line, and how one is
//! shown. Secret feed URLs (Google's private iCal address carries a token in its path) are
//! never shown whole: [`redact`] keeps scheme and host, [`scrub`] takes them out of a library's
//! error text.

use std::path::PathBuf;

use super::FeedError;

/// A parsed feed location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    /// An http(s) URL (webcal:// already rewritten to https://).
    Http(String),
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

/// A URL's scheme, host and port text (`None` when not given): the host is what follows the
/// last `@` of the authority (credentials dropped), without an IPv6 literal's brackets. What
/// the redirect check and `doctor` both read; `None` without `://`.
pub(crate) fn authority(url: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = url.split_once("://")?;
    let auth = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let hostport = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
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
    Some((scheme, host, port))
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
