//! Redirects, followed by hand: ureq is told to follow none, so that each hop can be checked
//! against the feed's own address class ([`Reach`]) before it is requested (issue 12, item 9).
//! The agent and the checks on what comes back live in [`super::fetch`].

use super::source::scrub;

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
        let Some((scheme, host, port)) = super::source::authority(url) else {
            return Reach::Public;
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

/// GET `url` with `headers` on `agent`, following up to five redirects ourselves (the agent
/// follows none), each checked against the feed's own address class ([`Reach`]). 3xx answers
/// without a usable `Location` are returned as they are. Errors never contain an address's
/// secret parts.
pub(super) fn get_following(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<ureq::http::Response<ureq::Body>, String> {
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
