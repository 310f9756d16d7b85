//! What every request passes before a route sees it, and what every answer carries.
//!
//! 1. **Host.** A web page in the user's browser can point a name it controls at 127.0.0.1
//!    (DNS rebinding) and then read the dashboard as same-origin. The browser still sends that
//!    name in `Host`, so only loopback names, IP literals and the configured `[server] hosts`
//!    are answered.
//! 2. **Token.** When one is set, every route but `/healthz` needs it: as `Authorization:
//!    Bearer …`, as `?token=…` (a link someone can open), or as the cookie that the `?token=`
//!    form sets, so the page's own links and images work without repeating it.
//! 3. **Headers.** Every answer forbids scripts, framing, MIME sniffing, caching and referrers
//!    (the URL may carry the token).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The cookie the `?token=` form sets; its value is the token in hex (cookie-safe whatever
/// the token's characters).
const COOKIE: &str = "calaudit_token";

pub struct Policy {
    token: Option<String>,
    /// Lower-case host names answered besides loopback names and IP literals.
    hosts: Vec<String>,
}

impl Policy {
    pub fn new(token: Option<String>, hosts: &[String]) -> Policy {
        Policy {
            token: token.filter(|t| !t.is_empty()),
            hosts: hosts
                .iter()
                .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
        }
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let Some(name) = host_name(host) else {
            return false;
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        name == "localhost"
            || name.ends_with(".localhost")
            || name.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
            || self.hosts.contains(&name)
    }
}

/// The name part of a `Host` value (`name`, `name:port`, `[v6]`, `[v6]:port`); `None` when
/// it is malformed.
fn host_name(host: &str) -> Option<&str> {
    if host.starts_with('[') {
        let end = host.find(']')?;
        let rest = &host[end + 1..];
        let port_ok = rest.is_empty()
            || rest
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        return port_ok.then_some(&host[..=end]);
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        Some(_) => return None,
        None => host,
    };
    (!name.is_empty()).then_some(name)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Compares without stopping at the first difference, so timing says nothing about the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

enum Auth {
    /// No token is configured, or the header or cookie carried it.
    Ok,
    /// The `?token=` form carried it: answer, and set the cookie.
    ViaQuery,
    Denied,
}

fn authorize(token: &str, req: &Request) -> Auth {
    let headers = req.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer.is_some_and(|b| same(b.as_bytes(), token.as_bytes())) {
        return Auth::Ok;
    }
    let want = hex(token);
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .any(|(k, v)| k == COOKIE && same(v.as_bytes(), want.as_bytes()));
    if cookie {
        return Auth::Ok;
    }
    let query = Query::<HashMap<String, String>>::try_from_uri(req.uri()).ok();
    match query.as_ref().and_then(|q| q.get("token")) {
        Some(t) if same(t.as_bytes(), token.as_bytes()) => Auth::ViaQuery,
        _ => Auth::Denied,
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// The middleware: Host, then token, then the route; security headers on every answer.
pub async fn check(State(policy): State<Arc<Policy>>, req: Request, next: Next) -> Response {
    let mut resp = if !policy.host_allowed(req.headers()) {
        plain(
            StatusCode::FORBIDDEN,
            "this dashboard answers to localhost and IP addresses only; add the name you reach it by to `[server] hosts`\n",
        )
    } else {
        let auth = match &policy.token {
            Some(_) if req.uri().path() == "/healthz" => Auth::Ok,
            Some(token) => authorize(token, &req),
            None => Auth::Ok,
        };
        match auth {
            Auth::Denied => plain(
                StatusCode::UNAUTHORIZED,
                "a token is required: Authorization: Bearer TOKEN, or open the dashboard once with ?token=TOKEN\n",
            ),
            Auth::Ok => next.run(req).await,
            Auth::ViaQuery => {
                let mut r = next.run(req).await;
                let token = policy.token.as_deref().unwrap_or_default();
                let cookie = format!(
                    "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                    hex(token)
                );
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
                r
            }
        }
    };
    let h = resp.headers_mut();
    // The pages have no scripts; forbid them outright as defence in depth.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'none'; style-src 'unsafe-inline' 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(policy: &Policy, host: &str) -> bool {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).expect("header"));
        policy.host_allowed(&h)
    }

    #[test]
    fn only_loopback_names_ip_literals_and_configured_hosts_pass() {
        let p = Policy::new(None, &["Cal.Example.COM".to_owned()]);
        for ok in [
            "localhost",
            "localhost:8787",
            "LOCALHOST.:8787",
            "app.localhost",
            "127.0.0.1:8787",
            "10.1.2.3",
            "[::1]:8787",
            "[::1]",
            "cal.example.com",
            "cal.example.com:443",
        ] {
            assert!(allowed(&p, ok), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:8787",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "",
            ":8787",
            "localhost:",
            "localhost:80x",
            "[::1",
            "[::1]x",
        ] {
            assert!(!allowed(&p, bad), "{bad}");
        }
        assert!(!p.host_allowed(&HeaderMap::new()), "no Host at all");
    }

    #[test]
    fn comparison_is_exact() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert_eq!(hex("a;b"), "613b62");
    }
}
