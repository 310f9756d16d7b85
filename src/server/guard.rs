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

use crate::config::TokenHash;

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
    authorize_with(req, |t| same(t.as_bytes(), token.as_bytes()))
}

/// The bytes `hex` encodes; `None` when it is not hex.
fn unhex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Looks for a token that `accepts` in the header, the cookie (hex) and `?token=`, in that
/// order. `accepts` compares in constant time (see [`same`], [`TokenHash::matches`]).
fn authorize_with(req: &Request, accepts: impl Fn(&str) -> bool) -> Auth {
    let headers = req.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer.is_some_and(&accepts) {
        return Auth::Ok;
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .filter(|(k, _)| *k == COOKIE)
        .filter_map(|(_, v)| String::from_utf8(unhex(v)?).ok())
        .any(|t| accepts(&t));
    if cookie {
        return Auth::Ok;
    }
    let query = Query::<HashMap<String, String>>::try_from_uri(req.uri()).ok();
    match query.as_ref().and_then(|q| q.get("token")) {
        Some(t) if accepts(t) => Auth::ViaQuery,
        _ => Auth::Denied,
    }
}

/// Whether `req` carries a token whose hash is `hash` (team mode: tokens are configured only
/// as hashes). With `None`, a token is still hashed, so that an unknown user id costs the
/// same time as a known one with a wrong token. `Some(true)` when it came as `?token=` (the
/// answer should set the cookie, [`token_cookie`]).
pub(super) fn authorized_by_hash(hash: Option<&TokenHash>, req: &Request) -> Option<bool> {
    let auth = authorize_with(req, |t| match hash {
        Some(h) => h.matches(t),
        None => {
            let _ = TokenHash::of(t);
            false
        }
    });
    match auth {
        Auth::Ok => Some(false),
        Auth::ViaQuery => Some(true),
        Auth::Denied => None,
    }
}

/// The cookie that carries the `?token=` form's token to the other pages under `path`.
pub(super) fn token_cookie(req: &Request, path: &str) -> Option<HeaderValue> {
    let query = Query::<HashMap<String, String>>::try_from_uri(req.uri()).ok()?;
    let token = query.get("token")?;
    HeaderValue::from_str(&format!(
        "{COOKIE}={}; Path={path}; HttpOnly; SameSite=Strict",
        hex(token)
    ))
    .ok()
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
    secure(&mut resp);
    resp
}

/// The security headers every answer carries.
pub(super) fn secure(resp: &mut Response) {
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
        assert_eq!(unhex("613b62").as_deref(), Some(&b"a;b"[..]));
        assert_eq!(unhex("613"), None);
        assert_eq!(unhex("6x"), None);
    }
}
